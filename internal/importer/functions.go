package importer

import (
	"context"
	"errors"
	"io"
	"time"
	"unicode/utf8"

	"github.com/botport/botport/internal/botdef"
	"github.com/botport/botport/internal/botversion"
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
// in that order, and scripts that are not UTF-8 text (412). A bot an import
// holds while it merges again answers ErrBusy (409) after Config.BusyWait.
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
	recs := make([]store.Record, 0, len(fns))
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
		rec := storeRecord(&botdef.Record{File: fn.FileName, Kind: botdef.KindBotFunction, Ident: fn.FileName, Name: fn.FileName, Body: b})
		if rec.Body == nil {
			rec.Body = []byte{} // an empty script is a body, not a reference
		}
		if j, dup := byName[fn.FileName]; dup { // the later entry wins
			recs[j] = rec
			continue
		}
		byName[fn.FileName] = len(recs)
		recs = append(recs, rec)
		drop = append(drop, store.RecordKey{Kind: botdef.KindBotFunction, Ident: fn.FileName})
	}
	// One transaction copies the bot's current version (whatever it is by
	// then: the change does not depend on it), swaps the scripts and makes
	// the copy current; the bot keeps its layout, listing fields and icon.
	v, err := s.versions.Write(ctx, store.StagedByFunctions, app.AccountID, botID, func(context.Context, *store.Bot) (*store.VersionWrite, error) {
		return &store.VersionWrite{Drop: drop, Records: recs}, nil
	})
	if err != nil {
		return nil, versionWriteError(err)
	}
	s.log.InfoContext(ctx, "bot functions imported", "bot", botID, "scripts", len(recs), "version", v.Number, "app", app.ID)
	// The answer's createdOn is the new version's, as the versions list shows it.
	return &FunctionsResult{ID: kore.NewHexID(), CreatedOn: v.CommittedOn}, nil
}

// versionWriteError is the answer to a synchronous version write's error.
func versionWriteError(err error) error {
	switch {
	case errors.Is(err, botversion.ErrBusy):
		return ErrBusy
	case errors.Is(err, store.ErrNotFound):
		return kore.ErrStreamID
	}
	return err
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
