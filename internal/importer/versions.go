package importer

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"

	"github.com/botport/botport/internal/botdef"
	"github.com/botport/botport/internal/botversion"
	"github.com/botport/botport/internal/kore"
	"github.com/botport/botport/internal/store"
)

// ErrVersion answers an unknown version number (botport extension).
var ErrVersion = kore.ErrVersion

// VersionInfo describes one committed version of a bot.
type VersionInfo struct {
	Version     int    `json:"version"`
	Current     bool   `json:"current"`
	Published   bool   `json:"published"` // the version the last publish made live
	CreatedOn   string `json:"createdOn"`
	ImportID    string `json:"importId,omitempty"`
	ContentHash string `json:"contentHash"`
	RestoredOf  int    `json:"restoredFrom,omitempty"`
}

// Versions lists a bot's versions, oldest first.
func (s *Service) Versions(ctx context.Context, app *store.App, botID string) ([]VersionInfo, error) {
	bot, err := s.cfg.Store.Bot(ctx, app.AccountID, botID)
	if errors.Is(err, store.ErrNotFound) {
		return nil, kore.ErrStreamID
	}
	if err != nil {
		return nil, err
	}
	vs, err := s.cfg.Store.Versions(ctx, app.AccountID, botID)
	if err != nil {
		return nil, err
	}
	out := make([]VersionInfo, 0, len(vs))
	for _, v := range vs {
		info := VersionInfo{Version: v.Number, Current: v.ID == bot.VersionID, Published: v.ID == bot.PublishedVersionID,
			CreatedOn: kore.FormatTime(v.CommittedOn), ContentHash: v.ContentHash}
		if v.StagedBy.Kind == store.StagedByImport {
			info.ImportID = v.StagedBy.ID
		}
		out = append(out, info)
	}
	return out, nil
}

// Restore makes the content of an earlier version current again, as a new
// version: history is never rewritten. The copy and the commit are one
// transaction (botversion.Write), so a restore never loses a race; an
// incremental import that merged from the replaced version merges again on
// the restored one. Errors: kore.ErrStreamID, ErrVersion, ErrBusy (an
// import held the bot past Config.BusyWait); faults.
func (s *Service) Restore(ctx context.Context, app *store.App, botID string, number int) (*VersionInfo, error) {
	st := s.cfg.Store
	bot, from, err := botversion.Lookup(ctx, st, app.AccountID, botID, number)
	if err != nil {
		return nil, err
	}
	// The bot's listing fields follow the restored content; its name never
	// changes. Versions are immutable, so they can be read before the write.
	fields := *bot
	if err := s.describe(ctx, app.AccountID, from.ID, &fields); err != nil {
		return nil, err
	}
	v, err := s.versions.Write(ctx, store.StagedByRestore, app.AccountID, botID, func(context.Context, *store.Bot) (*store.VersionWrite, error) {
		return &store.VersionWrite{From: from.ID, Bot: &fields}, nil
	})
	if err != nil {
		return nil, versionWriteError(err)
	}
	s.log.InfoContext(ctx, "version restored", "bot", botID, "from", number, "version", v.Number, "app", app.ID)
	// A restore does not change what is published (contract 4.9): a new
	// version is never the published one until the next publish.
	return &VersionInfo{Version: v.Number, Current: true, CreatedOn: kore.FormatTime(v.CommittedOn), ContentHash: v.ContentHash,
		RestoredOf: from.Number}, nil
}

// describe sets the bot row's fields from a version's settings and icon.
func (s *Service) describe(ctx context.Context, accountID, vid string, bot *store.Bot) error {
	var icon []byte
	settings := map[string][]byte{}
	err := s.cfg.Store.Records(ctx, accountID, vid, "*", "*", func(r *store.Record) error {
		switch {
		case r.Kind == botdef.KindIcon:
			sum := sha256.Sum256(r.Body)
			icon = sum[:12]
		case r.Kind == botdef.KindSetting && r.File == botdef.FileDefinition:
			switch r.Member {
			case "purpose", "type", "color", "defaultLanguage", "localeData":
				settings[r.Member] = append([]byte(nil), r.Body...)
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	str := func(member string) string {
		var v string
		_ = json.Unmarshal(settings[member], &v)
		return v
	}
	bot.Purpose = firstNonEmpty(str("purpose"), bot.Purpose)
	bot.Type = firstNonEmpty(str("type"), bot.Type)
	bot.Color = firstNonEmpty(str("color"), bot.Color)
	bot.DefaultLanguage = firstNonEmpty(str("defaultLanguage"), bot.DefaultLanguage)
	var locale map[string]struct {
		Description string `json:"description"`
	}
	if json.Unmarshal(settings["localeData"], &locale) == nil {
		bot.Description = locale[bot.DefaultLanguage].Description
	}
	bot.Icon = ""
	if icon != nil {
		bot.Icon = hex.EncodeToString(icon)
	}
	return nil
}
