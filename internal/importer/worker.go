package importer

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/riverqueue/river"

	"github.com/botport/botport/internal/blob"
	"github.com/botport/botport/internal/store"
)

// queueWait is how long an import waits before checking again whether an
// earlier import into the same bot has finished.
const queueWait = 250 * time.Millisecond

type worker struct {
	river.WorkerDefaults[ImportArgs]
	s *Service
}

// Worker returns the River worker that runs imports.
func (s *Service) Worker() river.Worker[ImportArgs] { return &worker{s: s} }

// Timeout implements river.Worker: an import may run this long.
func (w *worker) Timeout(*river.Job[ImportArgs]) time.Duration { return w.s.cfg.Timeout }

// Work runs one import from its start. It returns nil once the import has
// reached success or failure; an error asks River to retry after a fault
// (the database or blob store failed, the process was stopping). The last
// attempt turns a fault into a failure document, so no import stays
// pending forever.
func (w *worker) Work(ctx context.Context, job *river.Job[ImportArgs]) error {
	s := w.s
	imp, err := s.cfg.Store.Import(ctx, job.Args.AccountID, job.Args.ImportID)
	if errors.Is(err, store.ErrNotFound) {
		s.log.WarnContext(ctx, "import job for a missing request", "import", job.Args.ImportID)
		return nil
	}
	if err != nil {
		return err
	}
	if imp.Status != store.StatusPending {
		return nil
	}
	if !imp.NewBot {
		earlier, err := s.cfg.Store.ImportQueuedBefore(ctx, imp.BotID, imp.Seq)
		if err != nil {
			return err
		}
		if earlier {
			return river.JobSnooze(queueWait)
		}
	}
	r, err := s.newRun(imp, job.Attempt)
	if err != nil {
		return err
	}
	err = r.execute(ctx)
	if err == nil {
		return nil
	}
	final := job.Attempt >= job.MaxAttempts || errors.Is(err, errPermanent)
	s.log.ErrorContext(ctx, "import fault", "import", imp.ID, "attempt", job.Attempt, "final", final,
		"stage", r.current.TaskType, "error", err)
	if !final {
		return err
	}
	if ferr := r.failFault(context.WithoutCancel(ctx), err); ferr != nil {
		return fmt.Errorf("%w (and recording the failure: %v)", err, ferr)
	}
	return nil
}

// errPermanent marks faults that another attempt cannot fix.
var errPermanent = errors.New("permanent")

func (s *Service) newRun(imp *store.Import, attempt int) (*run, error) {
	var req Request
	if err := json.Unmarshal(imp.Request, &req); err != nil {
		return nil, fmt.Errorf("stored request of %s: %w", imp.ID, errors.Join(err, errPermanent))
	}
	doc, err := DecodeDoc(imp.Doc)
	if err != nil {
		return nil, fmt.Errorf("stored document of %s: %w", imp.ID, errors.Join(err, errPermanent))
	}
	// A rerun starts again after importRequest (contract 5.4, restart).
	doc.StatusLogs = doc.StatusLogs[:1]
	doc.Status, doc.Message, doc.Summary, doc.Changes, doc.ChangeSummary = store.StatusPending, "", nil, nil, nil
	return &run{s: s, imp: imp, req: &req, doc: doc, attempt: attempt}, nil
}

// missingBlob reports an uploaded file that vanished from the blob store:
// no retry brings it back.
func missingBlob(err error) bool { return errors.Is(err, blob.ErrNotFound) }
