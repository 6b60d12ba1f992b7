package importer

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"
	"unicode/utf8"

	"github.com/botport/botport/internal/botdef"
	"github.com/botport/botport/internal/kore"
	"github.com/botport/botport/internal/store"
)

// Function is one entry of an import bot functions request.
type Function struct {
	FileName string
	FileID   string
}

// FunctionsResult describes the write, for the response.
type FunctionsResult struct {
	ID        string
	CreatedOn time.Time
}

// ImportFunctions writes bot-functions scripts into a bot at once: one new
// version where each script replaces the one of the same name. It refuses
// an unknown bot (Invalid StreamId) or file (Invalid file id), checking them
// in that order, and scripts that are not UTF-8 text (412).
func (s *Service) ImportFunctions(ctx context.Context, app *store.App, botID string, fns []Function) (*FunctionsResult, error) {
	st, now := s.cfg.Store, s.cfg.Now()
	if _, err := st.Bot(ctx, app.AccountID, botID); err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return nil, kore.ErrStreamID
		}
		return nil, err
	}
	files := make([]*store.File, len(fns))
	for i, fn := range fns {
		f, err := s.file(ctx, app.AccountID, fn.FileID, now)
		if err != nil {
			return nil, err
		}
		files[i] = f
	}
	recs := make([]*botdef.Record, 0, len(fns))
	drop := make([]store.RecordKey, 0, len(fns))
	byName := map[string]int{}
	for i, fn := range fns {
		b, err := s.readBlob(ctx, files[i].BlobKey)
		if err != nil {
			return nil, err
		}
		if !utf8.Valid(b) {
			return nil, kore.ErrValidation
		}
		rec := &botdef.Record{File: fn.FileName, Kind: botdef.KindBotFunction, Ident: fn.FileName, Name: fn.FileName, Body: b}
		if j, dup := byName[fn.FileName]; dup { // the later entry wins
			recs[j] = rec
			continue
		}
		byName[fn.FileName] = len(recs)
		recs = append(recs, rec)
		drop = append(drop, store.RecordKey{Kind: botdef.KindBotFunction, Ident: fn.FileName})
	}
	// Retry when an import commits in between: the new version must build
	// on the bot's current one.
	for attempt := 0; ; attempt++ {
		err := s.writeFunctions(ctx, app, botID, recs, drop, now)
		if !errors.Is(err, store.ErrConflict) || attempt == 4 {
			if err != nil {
				return nil, err
			}
			break
		}
	}
	s.log.InfoContext(ctx, "bot functions imported", "bot", botID, "scripts", len(recs), "app", app.ID)
	return &FunctionsResult{ID: kore.NewHexID(), CreatedOn: now}, nil
}

func (s *Service) writeFunctions(ctx context.Context, app *store.App, botID string, recs []*botdef.Record, drop []store.RecordKey, now time.Time) error {
	st := s.cfg.Store
	bot, err := st.Bot(ctx, app.AccountID, botID)
	if err != nil {
		return err
	}
	base, err := st.Version(ctx, app.AccountID, bot.VersionID)
	if err != nil {
		return err
	}
	vid := kore.NewHexID()
	staging := "fn-" + vid // staged versions are discarded by the id of what wrote them
	if err := st.StageVersion(ctx, &store.Version{ID: vid, BotID: botID, AccountID: app.AccountID, ImportID: staging,
		Layout: base.Layout, CreatedOn: now}); err != nil {
		return err
	}
	ok := false
	defer func() {
		if !ok {
			if err := st.DiscardStaged(context.WithoutCancel(ctx), staging); err != nil {
				s.log.WarnContext(ctx, "discard staged version", "bot", botID, "error", err)
			}
		}
	}()
	if err := st.CopyRecords(ctx, base.ID, vid, drop); err != nil {
		return err
	}
	batch := &batcher{st: st, accountID: app.AccountID, vid: vid}
	for _, r := range recs {
		if err := batch.put(ctx, r); err != nil {
			return err
		}
	}
	if err := batch.flush(ctx); err != nil {
		return err
	}
	bot.Icon = "" // keep the bot's icon
	err = st.CommitVersion(ctx, &store.Commit{Bot: bot, VersionID: vid, BaseVersionID: base.ID, At: now})
	if err != nil {
		return fmt.Errorf("commit bot functions: %w", err)
	}
	ok = true
	return nil
}

// readBlob reads an uploaded file whole.
func (s *Service) readBlob(ctx context.Context, key string) ([]byte, error) {
	rc, err := s.cfg.Blobs.Open(ctx, key)
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	return io.ReadAll(rc)
}
