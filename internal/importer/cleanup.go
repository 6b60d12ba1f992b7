package importer

import (
	"context"
	"time"

	"github.com/riverqueue/river"
)

// CleanupArgs is the periodic job that deletes expired uploads and import
// requests past their retention.
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
	st, now := w.s.cfg.Store, w.s.cfg.Now()
	files, err := st.ExpiredFiles(ctx, now, 500)
	if err != nil {
		return err
	}
	for _, f := range files {
		if err := w.s.cfg.Blobs.Delete(ctx, f.BlobKey); err != nil {
			return err
		}
		if err := st.DeleteFile(ctx, f.ID); err != nil {
			return err
		}
	}
	n, err := st.DeleteFinishedImports(ctx, now.Add(-w.retention), 1000)
	if err != nil {
		return err
	}
	if len(files) > 0 || n > 0 {
		w.s.log.InfoContext(ctx, "cleanup", "expired_files", len(files), "old_imports", n)
	}
	return nil
}
