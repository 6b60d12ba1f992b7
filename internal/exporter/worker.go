package exporter

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/riverqueue/river"

	"github.com/botport/botport/internal/botdef"
	"github.com/botport/botport/internal/kore"
	"github.com/botport/botport/internal/store"
)

// queueWait is how long an export waits before checking again whether an
// earlier export of the same bot has finished.
const queueWait = 250 * time.Millisecond

type worker struct {
	river.WorkerDefaults[ExportArgs]
	s *Service
}

// Worker returns the River worker that runs exports.
func (s *Service) Worker() river.Worker[ExportArgs] { return &worker{s: s} }

// Timeout implements river.Worker: an export may run this long.
func (w *worker) Timeout(*river.Job[ExportArgs]) time.Duration { return w.s.cfg.Timeout }

// Work builds one export's zip. It returns nil once the export reached
// success or failure; an error asks River to retry after a fault (database
// or blob store). The last attempt turns a fault into a failure, so no
// export stays pending forever.
func (w *worker) Work(ctx context.Context, job *river.Job[ExportArgs]) error {
	s := w.s
	exp, err := s.cfg.Store.Export(ctx, job.Args.AccountID, job.Args.ExportID)
	if errors.Is(err, store.ErrNotFound) {
		s.log.WarnContext(ctx, "export job for a missing request", "export", job.Args.ExportID)
		return nil
	}
	if err != nil {
		return err
	}
	if exp.Status != store.StatusPending {
		return nil
	}
	// Exports of one bot run one at a time, in acceptance order (contract 7).
	earlier, err := s.cfg.Store.ExportQueuedBefore(ctx, exp.BotID, exp.Seq)
	if err != nil {
		return err
	}
	if earlier {
		return river.JobSnooze(queueWait)
	}
	started := s.cfg.Now()
	err = s.run(ctx, exp)
	if err == nil {
		s.log.InfoContext(ctx, "export finished", "export", exp.ID, "bot", exp.BotID, "status", exp.Status,
			"bytes", exp.FileSize, "duration", s.cfg.Now().Sub(started))
		return nil
	}
	final := job.Attempt >= job.MaxAttempts
	s.log.ErrorContext(ctx, "export fault", "export", exp.ID, "attempt", job.Attempt, "final", final, "error", err)
	if !final {
		return err
	}
	exp.Status, exp.FileID, exp.BlobKey, exp.FileSize = store.StatusFailure, "", "", 0
	exp.Message = "internal error: the export could not be completed; the server log has the details (export " + exp.ID + ")"
	exp.FinishedOn = s.cfg.Now()
	if ferr := s.cfg.Store.FinishExport(context.WithoutCancel(ctx), exp); ferr != nil && !errors.Is(ferr, store.ErrNotFound) {
		return fmt.Errorf("%w (and recording the failure: %v)", err, ferr)
	}
	return nil
}

// run builds the zip into the blob store and finishes the export. It
// returns an error only after a fault; a content problem finishes the
// export with status failure.
func (s *Service) run(ctx context.Context, exp *store.Export) error {
	st := s.cfg.Store
	var req Request
	if err := json.Unmarshal(exp.Options, &req); err != nil {
		return s.finishFailure(ctx, exp, "the stored export request cannot be read")
	}
	c, err := s.load(ctx, exp)
	if err != nil {
		if isFault(err) {
			return err
		}
		return s.finishFailure(ctx, exp, err.Error())
	}
	p, err := newPlan(c, &req)
	if err != nil {
		if isFault(err) {
			return err
		}
		return s.finishFailure(ctx, exp, err.Error())
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
	berr := <-built
	switch {
	case berr != nil && !isFault(berr) && ctx.Err() == nil:
		// The blob store aborted the write on the build's error: nothing is left at key.
		return s.finishFailure(ctx, exp, "the bot's stored content could not be exported: "+berr.Error())
	case werr != nil:
		return werr
	case berr != nil:
		return berr
	}
	exp.Status, exp.FileID, exp.BlobKey, exp.FileSize = store.StatusSuccess, kore.NewHexID(), key, n
	exp.FinishedOn = s.cfg.Now()
	if err := st.FinishExport(ctx, exp); err != nil {
		_ = s.cfg.Blobs.Delete(context.WithoutCancel(ctx), key)
		if errors.Is(err, store.ErrNotFound) {
			return nil // another run finished it first
		}
		return err
	}
	return nil
}

// load reads what the build needs of the export's version: its layout,
// links and record list. A version that cannot be read is a content
// problem; a store that cannot be reached is a fault.
func (s *Service) load(ctx context.Context, exp *store.Export) (*content, error) {
	st := s.cfg.Store
	v, err := st.Version(ctx, exp.AccountID, exp.VersionID)
	if errors.Is(err, store.ErrNotFound) {
		return nil, errors.New("the exported bot version no longer exists")
	}
	if err != nil {
		return nil, &fault{err}
	}
	c := &content{records: func(file, member string, fn func(*store.Record) error) error {
		return st.Records(ctx, exp.AccountID, exp.VersionID, file, member, fn)
	}}
	if err := json.Unmarshal(v.Layout, &c.layout); err != nil {
		return nil, fmt.Errorf("the bot version's layout cannot be read: %v", err)
	}
	if len(c.layout.Definition) == 0 {
		return nil, errors.New("the bot version has no " + botdef.FileDefinition)
	}
	if c.links, err = st.Links(ctx, exp.VersionID); err != nil {
		return nil, &fault{err}
	}
	if c.meta, err = st.RecordMeta(ctx, exp.AccountID, exp.VersionID); err != nil {
		return nil, &fault{err}
	}
	return c, nil
}

// finishFailure ends the export with status failure and message msg.
func (s *Service) finishFailure(ctx context.Context, exp *store.Export, msg string) error {
	exp.Status, exp.FileID, exp.BlobKey, exp.FileSize, exp.Message = store.StatusFailure, "", "", 0, msg
	exp.FinishedOn = s.cfg.Now()
	if err := s.cfg.Store.FinishExport(ctx, exp); err != nil && !errors.Is(err, store.ErrNotFound) {
		return err
	}
	s.log.InfoContext(ctx, "export failed", "export", exp.ID, "bot", exp.BotID, "message", msg)
	return nil
}
