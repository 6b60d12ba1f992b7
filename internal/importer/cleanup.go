package importer

import (
	"context"
	"time"

	"github.com/riverqueue/river"
)

// CleanupArgs is the periodic job that deletes import requests past their
// retention and the staged data no import will commit: versions left
// staged by a writer that ended, and record bodies no record refers to (a
// failed or dry-run import's, which may hold the env secrets of a refused
// upload); and idempotency keys past their 24 hours. Expired uploads are
// the upload service's (upload.CleanupArgs).
type CleanupArgs struct{}

// Kind implements river.JobArgs.
func (CleanupArgs) Kind() string { return "cleanup" }

// Cleanup bounds. A staged version older than StagedGrace whose import
// has ended is abandoned (imports discard their own at once; this catches
// what a failed discard or a dead writer left). A body stored ahead of the
// version write that refers to it (bot-functions scripts) is kept for
// BodyGrace, far longer than such a write takes.
const (
	StagedGrace = time.Hour
	BodyGrace   = 15 * time.Minute
	// cleanupBatch and cleanupBatches bound one run's work: each batch is
	// one short transaction; the next run picks up the rest.
	cleanupBatch   = 500
	cleanupBatches = 20
)

type cleanupWorker struct {
	river.WorkerDefaults[CleanupArgs]
	s         *Service
	retention time.Duration
}

// CleanupWorker returns the worker of CleanupArgs; requests are kept for
// retention after they end.
func (s *Service) CleanupWorker(retention time.Duration) river.Worker[CleanupArgs] {
	return &cleanupWorker{s: s, retention: retention}
}

// Work deletes in bounded batches; the next run picks up the rest.
func (w *cleanupWorker) Work(ctx context.Context, _ *river.Job[CleanupArgs]) error {
	st, now := w.s.cfg.Store, w.s.cfg.Now()
	n, err := st.DeleteFinishedImports(ctx, now.Add(-w.retention), 1000)
	if err != nil {
		return err
	}
	staged, err := st.DiscardAbandoned(ctx, now.Add(-StagedGrace), cleanupBatch)
	if err != nil {
		return err
	}
	bodies := 0
	for range cleanupBatches {
		examined, deleted, err := st.DeleteOrphanBodies(ctx, now.Add(-BodyGrace), cleanupBatch)
		if err != nil {
			return err
		}
		bodies += deleted
		if examined < cleanupBatch {
			break
		}
	}
	// Idempotency keys of requests that created something (imports
	// among them) are kept 24 hours.
	keys, err := st.DeleteExpiredIdempotencyKeys(ctx, now, 10*cleanupBatch)
	if err != nil {
		return err
	}
	if n > 0 || staged > 0 || bodies > 0 || keys > 0 {
		w.s.log.InfoContext(ctx, "import cleanup", "old_imports", n, "abandoned_versions", staged, "orphan_bodies", bodies,
			"idempotency_keys", keys)
	}
	return nil
}
