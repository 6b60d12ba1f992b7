package webhook

import (
	"context"
	"time"

	"github.com/riverqueue/river"
)

// CleanupArgs is the periodic job that deletes old events with their
// deliveries.
type CleanupArgs struct{}

// Kind implements river.JobArgs.
func (CleanupArgs) Kind() string { return "webhook_cleanup" }

// CleanupWorker returns the job that deletes the events dispatched longer
// than retention ago whose deliveries have all ended, with those
// deliveries and their attempts.
func (s *Service) CleanupWorker(retention time.Duration) river.Worker[CleanupArgs] {
	return &cleanup{s: s, retention: retention}
}

type cleanup struct {
	river.WorkerDefaults[CleanupArgs]
	s         *Service
	retention time.Duration
}

func (c *cleanup) Work(ctx context.Context, _ *river.Job[CleanupArgs]) error {
	cutoff := c.s.cfg.Now().Add(-c.retention)
	total := 0
	for {
		n, err := c.s.cfg.Store.DeleteOldWebhookEvents(ctx, cutoff, 500)
		if err != nil {
			return err
		}
		total += n
		if n < 500 {
			break
		}
	}
	if total > 0 {
		c.s.log.InfoContext(ctx, "old webhook events deleted", "events", total)
	}
	return nil
}
