package importer

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/botport/botport/internal/botdef"
	"github.com/botport/botport/internal/kore"
	"github.com/botport/botport/internal/store"
)

// ErrVersion answers an unknown version number (botport extension).
var ErrVersion = kore.ErrVersion

// VersionInfo describes one committed version of a bot.
type VersionInfo struct {
	Version     int    `json:"version"`
	Current     bool   `json:"current"`
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
		info := VersionInfo{Version: v.Number, Current: v.ID == bot.VersionID, CreatedOn: kore.FormatTime(v.CommittedOn), ContentHash: v.ContentHash}
		if kore.IsImportID(v.ImportID) {
			info.ImportID = v.ImportID
		}
		out = append(out, info)
	}
	return out, nil
}

// Restore makes the content of an earlier version current again, as a new
// version: history is never rewritten. It serializes with imports through
// the bot's version (an import that merged from the replaced version runs
// again on the restored one).
func (s *Service) Restore(ctx context.Context, app *store.App, botID string, number int) (*VersionInfo, error) {
	st := s.cfg.Store
	for attempt := 0; ; attempt++ {
		bot, err := st.Bot(ctx, app.AccountID, botID)
		if errors.Is(err, store.ErrNotFound) {
			return nil, kore.ErrStreamID
		}
		if err != nil {
			return nil, err
		}
		vs, err := st.Versions(ctx, app.AccountID, botID)
		if err != nil {
			return nil, err
		}
		var from *store.Version
		for _, v := range vs {
			if v.Number == number {
				from = v
			}
		}
		if from == nil {
			return nil, ErrVersion
		}
		info, err := s.restore(ctx, app, bot, from)
		if errors.Is(err, store.ErrConflict) && attempt < 4 {
			continue
		}
		if err != nil {
			return nil, err
		}
		s.log.InfoContext(ctx, "version restored", "bot", botID, "from", number, "version", info.Version, "app", app.ID)
		return info, nil
	}
}

func (s *Service) restore(ctx context.Context, app *store.App, bot *store.Bot, from *store.Version) (*VersionInfo, error) {
	st, now := s.cfg.Store, s.cfg.Now()
	vid := kore.NewHexID()
	staging := "restore-" + vid
	if err := st.StageVersion(ctx, &store.Version{ID: vid, BotID: bot.ID, AccountID: app.AccountID, ImportID: staging,
		Layout: from.Layout, CreatedOn: now}); err != nil {
		return nil, err
	}
	committed := false
	defer func() {
		if !committed {
			_ = st.DiscardStaged(context.WithoutCancel(ctx), staging)
		}
	}()
	if err := st.CopyRecords(ctx, from.ID, vid, nil); err != nil {
		return nil, err
	}
	// The bot's listing fields follow the restored content; its name never
	// changes.
	if err := s.describe(ctx, app.AccountID, from.ID, bot); err != nil {
		return nil, err
	}
	if err := st.CommitVersion(ctx, &store.Commit{Bot: bot, VersionID: vid, BaseVersionID: bot.VersionID, At: now}); err != nil {
		return nil, fmt.Errorf("commit restore: %w", err)
	}
	committed = true
	v, err := st.Version(ctx, app.AccountID, vid)
	if err != nil {
		return nil, err
	}
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
