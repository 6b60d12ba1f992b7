package exporter

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/riverqueue/river"

	"github.com/botport/botport/internal/botdef"
	"github.com/botport/botport/internal/jobrun"
	"github.com/botport/botport/internal/kore"
	"github.com/botport/botport/internal/store"
)

// Store is what the exporter needs of the store (store.Store has it all).
type Store interface {
	Bot(ctx context.Context, accountID, id string) (*store.Bot, error)
	Version(ctx context.Context, accountID, versionID string) (*store.Version, error)
	Versions(ctx context.Context, accountID, botID string) ([]*store.Version, error)
	VersionSize(ctx context.Context, accountID, versionID string) (int64, error)
	Records(ctx context.Context, accountID, versionID, file, member string, fn func(*store.Record) error) error
	RecordMeta(ctx context.Context, accountID, versionID string) ([]store.Record, error)
	Links(ctx context.Context, versionID string) ([]store.Link, error)

	CreateExport(ctx context.Context, exp *store.Export, enqueue func(ctx context.Context, tx *sql.Tx) error) error
	Export(ctx context.Context, accountID, id string) (*store.Export, error)
	ExportByID(ctx context.Context, id string) (*store.Export, error)
	LatestExport(ctx context.Context, accountID, botID string) (*store.Export, error)
	FinishExport(ctx context.Context, exp *store.Export) error
	ExportsAhead(ctx context.Context, botID string, seq int64) (int, error)
	DeleteFinishedExports(ctx context.Context, cutoff time.Time, limit int) ([]string, error)

	PutSettingIfAbsent(ctx context.Context, key string, value []byte) ([]byte, error)
}

// Worker returns the River worker that runs exports (jobrun: exports of
// one bot run one at a time, in acceptance order, and the last attempt
// records a failure, so no export stays pending forever).
func (s *Service) Worker() river.Worker[ExportArgs] {
	return jobrun.New(jobrun.Config[ExportArgs]{Name: "export", Load: s.loadTask, Timeout: s.cfg.Timeout, Logger: s.log})
}

// exportTask is one export request's job.
type exportTask struct {
	s   *Service
	exp *store.Export
}

func (s *Service) loadTask(ctx context.Context, args ExportArgs) (jobrun.Task, error) {
	exp, err := s.cfg.Store.Export(ctx, args.AccountID, args.ExportID)
	if err != nil {
		return nil, fmt.Errorf("export %s: %w", args.ExportID, err)
	}
	return &exportTask{s: s, exp: exp}, nil
}

// Pending implements jobrun.Task.
func (t *exportTask) Pending() bool { return t.exp.Status == store.StatusPending }

// Ahead implements jobrun.Task: exports of one bot run one at a time, in
// acceptance order (contract 7).
func (t *exportTask) Ahead(ctx context.Context) (int, error) {
	return t.s.cfg.Store.ExportsAhead(ctx, t.exp.BotID, t.exp.Seq)
}

// Run implements jobrun.Task: it builds the export's zip.
func (t *exportTask) Run(ctx context.Context, _ int) error {
	started := t.s.cfg.Now()
	if err := t.s.run(ctx, t.exp); err != nil {
		return err
	}
	took := t.s.cfg.Now().Sub(started)
	t.s.short.finished(t.exp.ID, took)
	t.s.log.InfoContext(ctx, "export finished", "export", t.exp.ID, "bot", t.exp.BotID, "status", t.exp.Status,
		"bytes", t.exp.FileSize, "duration", took)
	return nil
}

// Fail implements jobrun.Task.
func (t *exportTask) Fail(ctx context.Context, _ error) error {
	exp := t.exp
	exp.Status, exp.FileID, exp.BlobKey, exp.FileSize = store.StatusFailure, "", "", 0
	exp.Message = "internal error: the export could not be completed; the server log has the details (export " + exp.ID + ")"
	exp.FinishedOn = t.s.cfg.Now()
	err := t.s.cfg.Store.FinishExport(ctx, exp)
	t.s.short.finished(exp.ID, 0)
	return err
}

// LogAttrs implements jobrun.Task.
func (t *exportTask) LogAttrs() []any { return []any{"export", t.exp.ID, "bot", t.exp.BotID} }

// problem is a content problem of an export: it ends the export with status
// failure and its message. Every other error of a run is a fault, retried.
type problem struct{ msg string }

func (p *problem) Error() string { return p.msg }

// asProblem reports err as a content problem. The build's errors follow
// the opposite convention (their faults are marked, their content problems
// are not); they come through buildError first.
func asProblem(err error) (*problem, bool) {
	var p *problem
	ok := errors.As(err, &p)
	return p, ok
}

// buildError turns an error of the plan or the build, whose faults are
// marked (fault), into the runner's convention.
func buildError(err error) error {
	if err == nil || isFault(err) {
		return err
	}
	return &problem{err.Error()}
}

// run builds the zip into the blob store and finishes the export. It
// returns nil once the export has ended (a content problem finishes it with
// status failure), a fault otherwise.
func (s *Service) run(ctx context.Context, exp *store.Export) error {
	var req Request
	if err := json.Unmarshal(exp.Options, &req); err != nil {
		return s.finishFailure(ctx, exp, "the stored export request cannot be read")
	}
	c, err := s.load(ctx, exp.AccountID, exp.VersionID)
	if p, ok := asProblem(err); ok {
		return s.finishFailure(ctx, exp, p.msg)
	}
	if err != nil {
		return err
	}
	p, err := newPlan(c, &req)
	if pr, ok := asProblem(buildError(err)); ok {
		return s.finishFailure(ctx, exp, pr.msg)
	}
	if err != nil {
		return err
	}
	key := "exports/" + exp.AccountID + "/" + exp.ID + ".zip"
	// The zip streams into the blob store through a pipe: a large bot is
	// never held in memory.
	pr, pw := io.Pipe()
	built := make(chan error, 1)
	go func() {
		err := build(pw, p, exp.CreatedOn)
		pw.CloseWithError(err)
		built <- err
	}()
	n, werr := s.cfg.Blobs.Write(ctx, key, pr)
	pr.CloseWithError(errors.New("export: blob write ended")) // unblocks a build the blob store stopped reading
	berr := buildError(<-built)
	if bp, ok := asProblem(berr); ok && ctx.Err() == nil {
		// The blob store aborted the write on the build's error: nothing is left at key.
		return s.finishFailure(ctx, exp, "the bot's stored content could not be exported: "+bp.msg)
	}
	if werr != nil {
		return werr
	}
	if berr != nil {
		return berr
	}
	exp.Status, exp.FileID, exp.BlobKey, exp.FileSize = store.StatusSuccess, kore.NewHexID(), key, n
	exp.FinishedOn = s.cfg.Now()
	if err := s.cfg.Store.FinishExport(ctx, exp); err != nil {
		_ = s.cfg.Blobs.Delete(context.WithoutCancel(ctx), key)
		return err // store.ErrNotPending: another run finished it first
	}
	return nil
}

// load reads what the build needs of the export's version: its layout,
// links and record list. A version that cannot be read is a content
// problem; a store that cannot be reached is a fault.
func (s *Service) load(ctx context.Context, accountID, versionID string) (*content, error) {
	st := s.cfg.Store
	v, err := st.Version(ctx, accountID, versionID)
	if errors.Is(err, store.ErrNotFound) {
		return nil, &problem{"the exported bot version no longer exists"}
	}
	if err != nil {
		return nil, err
	}
	c := &content{records: func(file, member string, fn func(*store.Record) error) error {
		return st.Records(ctx, accountID, versionID, file, member, fn)
	}}
	if err := json.Unmarshal(v.Layout, &c.layout); err != nil {
		return nil, &problem{fmt.Sprintf("the bot version's layout cannot be read: %v", err)}
	}
	if len(c.layout.Definition) == 0 {
		return nil, &problem{"the bot version has no " + botdef.FileDefinition}
	}
	if c.links, err = st.Links(ctx, versionID); err != nil {
		return nil, err
	}
	if c.meta, err = st.RecordMeta(ctx, accountID, versionID); err != nil {
		return nil, err
	}
	return c, nil
}

// finishFailure ends the export with status failure and message msg.
// Errors: store.ErrNotPending when another run ended it; faults.
func (s *Service) finishFailure(ctx context.Context, exp *store.Export, msg string) error {
	exp.Status, exp.FileID, exp.BlobKey, exp.FileSize, exp.Message = store.StatusFailure, "", "", 0, msg
	exp.FinishedOn = s.cfg.Now()
	if err := s.cfg.Store.FinishExport(ctx, exp); err != nil {
		return err
	}
	s.log.InfoContext(ctx, "export failed", "export", exp.ID, "bot", exp.BotID, "message", msg)
	return nil
}
