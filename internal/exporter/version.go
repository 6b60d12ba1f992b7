package exporter

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/botport/botport/internal/kore"
	"github.com/botport/botport/internal/store"
)

// VersionZip is one committed version of a bot, ready to be written as an
// export zip: botport's extension for reading an earlier version's content
// (the semantic diff of two versions, `botport diff PROFILE:BOT@N`). It is
// built like a full export (no options: the stored files byte for byte)
// and written synchronously, without an export request.
type VersionZip struct {
	BotName string
	Number  int
	plan    *plan
	at      time.Time
}

// FileName is the zip's name for a download: "<bot name>-v<n>.zip".
func (v *VersionZip) FileName() string { return fmt.Sprintf("%s-v%d.zip", v.BotName, v.Number) }

// OpenVersion reads what the export of version number of botID needs. It
// refuses an unknown bot or another account's (kore.ErrStreamID), and a
// version number the bot has not committed (kore.ErrVersion); a version
// whose stored content cannot be read is a fault, as is any store error.
func (s *Service) OpenVersion(ctx context.Context, app *store.App, botID string, number int) (*VersionZip, error) {
	st := s.cfg.Store
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
	var v *store.Version
	for _, x := range vs {
		if x.Number == number {
			v = x
		}
	}
	if v == nil {
		return nil, kore.ErrVersion
	}
	c, err := s.load(ctx, app.AccountID, v.ID)
	if p, ok := asProblem(err); ok {
		return nil, fmt.Errorf("version %d of bot %s: %s", number, botID, p.msg)
	}
	if err != nil {
		return nil, err
	}
	p, err := newPlan(c, &Request{ExportType: TypeLatest})
	if err != nil {
		return nil, err
	}
	// The entries' time is the version's commit time: the same version
	// always gives the same bytes.
	return &VersionZip{BotName: bot.Name, Number: number, plan: p, at: v.CommittedOn}, nil
}

// Write writes the version's export zip to w. Its errors are the
// store's (faults) or w's.
func (v *VersionZip) Write(w io.Writer) error { return build(w, v.plan, v.at) }
