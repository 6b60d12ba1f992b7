package importer

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/botport/botport/internal/kore"
	"github.com/botport/botport/internal/store"
)

// CancelledMessage is the message of a cancelled import's document.
const CancelledMessage = "Import cancelled"

// ErrEnded answers the cancel of an import that has ended (409).
var ErrEnded = kore.ErrImportEnded

// JobControl is what Cancel needs of the queue besides enqueueing: the
// state of an import's job and its cancel, inside the store's transaction
// (*river.Client has both).
type JobControl interface {
	JobGetTx(ctx context.Context, tx *sql.Tx, id int64) (*rivertype.JobRow, error)
	JobCancelTx(ctx context.Context, tx *sql.Tx, id int64) (*rivertype.JobRow, error)
}

// Cancel cancels the account's pending import bir (botport extension) and
// returns its status document. From the cancel on the import can never
// succeed: its commit refuses it (store.CancelImport). An import that is
// not running (queued, parked, waiting for its bot, handed back) ends at
// once, its River job cancelled in the same transaction; a running one
// stops at its next stage boundary where it writes its progress (at most
// Config.SaveEvery apart), discards what it staged and ends; Cancel waits
// up to Config.CancelWait for that, so the document it returns is usually
// the final one. Either way the bot is as it was, and the document ends
// with status failure, message CancelledMessage and "cancelled": true.
// Errors: kore.ErrRequestID (unknown, malformed or another account's);
// ErrEnded (the import ended before the cancel); faults.
func (s *Service) Cancel(ctx context.Context, app *store.App, bir string) ([]byte, error) {
	if !kore.IsImportID(bir) {
		return nil, kore.ErrRequestID
	}
	st := s.cfg.Store
	ended, err := st.CancelImport(ctx, app.AccountID, bir, s.stopJob, func(doc []byte) ([]byte, error) {
		d, err := DecodeDoc(doc)
		if err != nil {
			return nil, fmt.Errorf("stored document of %s: %w", bir, err)
		}
		markCancelled(d)
		return d.Encode(), nil
	}, s.cfg.Now())
	switch {
	case errors.Is(err, store.ErrNotFound):
		return nil, kore.ErrRequestID
	case errors.Is(err, store.ErrNotPending):
		return nil, ErrEnded
	case err != nil:
		return nil, fmt.Errorf("cancel import %s: %w", bir, err)
	}
	if ended {
		// A run that died earlier may have left staged data behind.
		bg := context.WithoutCancel(ctx)
		if err := s.versions.Discard(bg, store.StagedBy{Kind: store.StagedByImport, ID: bir}); err != nil {
			s.log.WarnContext(ctx, "discard staged version", "import", bir, "error", err)
		}
		s.release(bg, ImportArgs{AccountID: app.AccountID, ImportID: bir})
		s.log.InfoContext(ctx, "import cancelled", "import", bir, "running", false, "app", app.ID)
	} else {
		s.log.InfoContext(ctx, "import cancel requested: its run stops at its next stage boundary", "import", bir, "app", app.ID)
		s.waitEnded(ctx, app.AccountID, bir)
	}
	// The cancel is recorded: answer the document even if the wait ended
	// with the client's context.
	doc, _, err := st.ImportDoc(context.WithoutCancel(ctx), app.AccountID, bir)
	if errors.Is(err, store.ErrNotFound) {
		return nil, kore.ErrRequestID
	}
	return doc, err
}

// waitEnded waits, up to Config.CancelWait, for a running import to end.
func (s *Service) waitEnded(ctx context.Context, accountID, bir string) {
	deadline := time.NewTimer(s.cfg.CancelWait)
	defer deadline.Stop()
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	var rev int64
	for {
		select {
		case <-ctx.Done():
			return
		case <-deadline.C:
			return
		case <-tick.C:
		}
		st, err := s.cfg.Store.ImportState(ctx, accountID, bir, rev)
		if err != nil || st.Status != store.StatusPending {
			return
		}
		rev = st.Rev
	}
}

// stopJob is the store.StopJob of a cancel: a job that is not running is
// cancelled in River, in the cancel's transaction; a running one is left
// to stop itself. (On PostgreSQL a job fetched between the read and the
// cancel is cancelled remotely instead: its run has not started yet, finds
// the import ended at its start, and its job ends.)
func (s *Service) stopJob(ctx context.Context, tx *sql.Tx, jobID int64) (bool, error) {
	if s.jobCtl == nil {
		return false, nil
	}
	job, err := s.jobCtl.JobGetTx(ctx, tx, jobID)
	if errors.Is(err, river.ErrNotFound) {
		return true, nil
	}
	if err != nil {
		return false, fmt.Errorf("import job %d: %w", jobID, err)
	}
	switch job.State {
	case rivertype.JobStateRunning:
		return false, nil
	case rivertype.JobStateCompleted, rivertype.JobStateCancelled, rivertype.JobStateDiscarded:
		return true, nil // nothing will run the import again
	}
	if _, err := s.jobCtl.JobCancelTx(ctx, tx, jobID); err != nil {
		return false, fmt.Errorf("cancel import job %d: %w", jobID, err)
	}
	return true, nil
}

// markCancelled makes d the document of a cancelled import: status
// failure, CancelledMessage, "cancelled": true, and only the stages that
// completed (a run stopped at its commit or its failure does not keep the
// entry it was writing).
func markCancelled(d *Doc) {
	logs := make([]LogEntry, 0, len(d.StatusLogs))
	for _, e := range d.StatusLogs {
		if e.Status == store.StatusSuccess && e.TaskType != TaskImportBot {
			logs = append(logs, e)
		}
	}
	d.StatusLogs = logs
	d.Status, d.Message, d.Cancelled = store.StatusFailure, CancelledMessage, true
	d.Changes, d.ChangeSummary = nil, nil
}

// cancelled ends the task's import after its run found its cancel
// requested: the document as the run had it, marked cancelled, and the
// staged data discarded. It returns an error wrapping store.ErrCancelled
// once the end is recorded (jobrun ends the job cancelled), a fault
// otherwise (another attempt finds the cancel at its start).
func (t *importTask) cancelled(ctx context.Context) error {
	s, imp := t.s, t.imp
	var d *Doc
	if t.r != nil && t.r.doc != nil {
		d = t.r.doc
	} else if stored, err := DecodeDoc(imp.Doc); err == nil {
		d = stored
	} else {
		d = newDoc(imp.ID, imp.StreamRefID, imp.CreatedBy, imp.BotName, "", imp.CreatedOn)
	}
	if imp.NewBot {
		d.StreamID = ""
	}
	markCancelled(d)
	if t.r != nil && t.r.times.Run != 0 {
		t.r.saveTimes(ctx) // the stages it completed, for the timeline
	}
	err := s.cfg.Store.FinishCancelled(ctx, imp.ID, d.Encode(), s.cfg.Now())
	if err != nil && !errors.Is(err, store.ErrNotPending) {
		return err
	}
	if err := s.versions.Discard(context.WithoutCancel(ctx), store.StagedBy{Kind: store.StagedByImport, ID: imp.ID}); err != nil {
		s.log.WarnContext(ctx, "discard staged version", "import", imp.ID, "error", err)
	}
	stage := ""
	if t.r != nil {
		stage = t.r.current.TaskType
	}
	s.log.InfoContext(ctx, "import cancelled", "import", imp.ID, "running", true, "stage", stage)
	return fmt.Errorf("import %s: %w", imp.ID, store.ErrCancelled)
}
