package importer

import (
	"context"
	"time"

	"github.com/riverqueue/river"
)

// CleanupArgs is the periodic job that deletes import requests past their
// retention. Expired uploads are the upload service's (upload.CleanupArgs).
type CleanupArgs struct{}

// Kind implements river.JobArgs.
func (CleanupArgs) Kind() string { return "cleanup" }

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
	n, err := w.s.cfg.Store.DeleteFinishedImports(ctx, w.s.cfg.Now().Add(-w.retention), 1000)
	if err != nil {
		return err
	}
	if n > 0 {
		w.s.log.InfoContext(ctx, "import cleanup", "old_imports", n)
	}
	return nil
}
