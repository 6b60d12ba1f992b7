package importer

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/botport/botport/internal/botdef"
	"github.com/botport/botport/internal/botversion"
	"github.com/botport/botport/internal/kore"
	"github.com/botport/botport/internal/store"
)

// MaxFunctions is the most entries of a bot-functions request, and the most
// distinct files of an import's botFunctions (botdef.MaxFunctions).
const MaxFunctions = botdef.MaxFunctions

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

// ErrScriptsTooLarge answers a bot-functions request whose scripts are over
// botdef.MaxScript each or botdef.MaxScripts together (413), known from the
// uploads' sizes before any is read.
var ErrScriptsTooLarge = &kore.Error{Code: kore.ETOOLARGE,
	Msg: fmt.Sprintf("Bot functions too large: the limit is %d bytes per file and %d bytes in all", botdef.MaxScript, botdef.MaxScripts)}

// ImportFunctions writes bot-functions scripts into a bot at once: one new
// version where each script replaces the one of the same name (names match
// regardless of case, as the export zip reads them). It refuses, in this
// order: entries over MaxFunctions or with a name botdef.FunctionNameProblem
// refuses (412), an unknown bot (Invalid StreamId), an unknown file
// (Invalid file id), scripts over their size bounds (ErrScriptsTooLarge,
// from the stored sizes), and scripts that are not UTF-8 text (412). Of
// entries with the same name only the last is read. Scripts are read one at
// a time, each stored before the version that refers to them, so a request
// holds one script in memory whatever it lists. A bot an import holds while
// it merges again answers ErrBusy (409) after Config.BusyWait.
func (s *Service) ImportFunctions(ctx context.Context, app *store.App, botID string, fns []Function) (*FunctionsResult, error) {
	if len(fns) == 0 || len(fns) > MaxFunctions {
		return nil, kore.ErrValidation
	}
	for _, fn := range fns {
		if botdef.FunctionNameProblem(fn.FileName) != "" {
			return nil, kore.ErrValidation
		}
	}
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
	// The last entry of a name wins; the others are never read.
	last := map[string]int{}
	for i, fn := range fns {
		last[strings.ToLower(fn.FileName)] = i
	}
	var total int64
	for i, fn := range fns {
		if last[strings.ToLower(fn.FileName)] != i {
			continue
		}
		if files[i].Size > botdef.MaxScript {
			return nil, ErrScriptsTooLarge
		}
		total += files[i].Size
	}
	if total > botdef.MaxScripts {
		return nil, ErrScriptsTooLarge
	}
	recs := make([]store.Record, 0, len(last))
	names := map[string]bool{}
	for i, fn := range fns {
		if last[strings.ToLower(fn.FileName)] != i {
			continue
		}
		hash, err := s.putScript(ctx, app.AccountID, files[i], now)
		if err != nil {
			return nil, err
		}
		names[strings.ToLower(fn.FileName)] = true
		recs = append(recs, store.Record{File: fn.FileName, Kind: botdef.KindBotFunction, Ident: fn.FileName, Name: fn.FileName, Hash: hash})
	}
	// One transaction copies the bot's current version, drops the scripts
	// the request replaces and adds its own, by reference to the bodies
	// stored above; the bot keeps its layout, listing fields and icon. The
	// scripts dropped depend on the current version (a name matched
	// regardless of case), so a write landing first makes it build again.
	v, err := s.versions.Write(ctx, store.StagedByFunctions, app.AccountID, botID, func(ctx context.Context, bot *store.Bot) (*store.VersionWrite, error) {
		meta, err := st.RecordMeta(ctx, app.AccountID, bot.VersionID)
		if err != nil {
			return nil, err
		}
		var drop []store.RecordKey
		for _, r := range meta {
			if r.Kind == botdef.KindBotFunction && names[strings.ToLower(r.Ident)] {
				drop = append(drop, store.RecordKey{Kind: r.Kind, Ident: r.Ident})
			}
		}
		return &store.VersionWrite{Base: bot.VersionID, Drop: drop, Records: recs}, nil
	})
	if err != nil {
		return nil, versionWriteError(err)
	}
	s.log.InfoContext(ctx, "bot functions imported", "bot", botID, "scripts", len(recs), "version", v.Number, "app", app.ID)
	// The answer's createdOn is the new version's, as the versions list shows it.
	return &FunctionsResult{ID: kore.NewHexID(), CreatedOn: v.CommittedOn}, nil
}

// putScript reads one uploaded script (at most botdef.MaxScript bytes),
// checks that it is UTF-8 text (else 412) and stores its body for the
// version write to refer to; it returns the body's hash.
func (s *Service) putScript(ctx context.Context, accountID string, f *store.File, now time.Time) ([]byte, error) {
	rc, err := s.cfg.Blobs.Open(ctx, f.BlobKey)
	if err != nil {
		return nil, err
	}
	b, err := io.ReadAll(io.LimitReader(rc, botdef.MaxScript+1))
	rc.Close()
	if err != nil {
		return nil, err
	}
	if len(b) > botdef.MaxScript {
		return nil, ErrScriptsTooLarge
	}
	if !utf8.Valid(b) {
		return nil, kore.ErrValidation
	}
	sum := sha256.Sum256(b)
	if err := s.cfg.Store.PutBody(ctx, accountID, sum[:], b, now); err != nil {
		return nil, err
	}
	return sum[:], nil
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
