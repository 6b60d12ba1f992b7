package exporter

import (
	"context"
	"time"

	"github.com/riverqueue/river"
)

// CleanupArgs is the periodic job that deletes export requests past their
// retention, with their zips.
type CleanupArgs struct{}

// Kind implements river.JobArgs.
func (CleanupArgs) Kind() string { return "export_cleanup" }

type cleanupWorker struct {
	river.WorkerDefaults[CleanupArgs]
	s         *Service
	retention time.Duration
}

// CleanupWorker returns the worker of CleanupArgs; requests are kept for
// retention after they end. A status call for a bot whose latest request
// was deleted answers Invalid request ID, and its links answer 404.
func (s *Service) CleanupWorker(retention time.Duration) river.Worker[CleanupArgs] {
	return &cleanupWorker{s: s, retention: retention}
}

// Work deletes in bounded batches; the next run picks up the rest. The rows
// go first: a zip whose delete fails is only unreachable storage, never a
// row that points at nothing.
func (w *cleanupWorker) Work(ctx context.Context, _ *river.Job[CleanupArgs]) error {
	keys, err := w.s.cfg.Store.DeleteFinishedExports(ctx, w.s.cfg.Now().Add(-w.retention), 1000)
	if err != nil {
		return err
	}
	failed := 0
	for _, k := range keys {
		if err := w.s.cfg.Blobs.Delete(ctx, k); err != nil {
			failed++
			w.s.log.WarnContext(ctx, "delete export zip", "key", k, "error", err)
		}
	}
	if len(keys) > 0 {
		w.s.log.InfoContext(ctx, "export cleanup", "zips", len(keys), "zips_not_deleted", failed)
	}
	return nil
}
