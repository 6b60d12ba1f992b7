package publish

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/riverqueue/river"

	"github.com/botport/botport/internal/botversion"
	"github.com/botport/botport/internal/jobrun"
	"github.com/botport/botport/internal/store"
)

// Worker returns the River worker that runs publishes (jobrun: a publish
// waits behind the bot's imports and publishes accepted before it, and its
// last attempt records a failure, so no publish stays pending forever).
func (s *Service) Worker() river.Worker[PublishArgs] {
	return jobrun.New(jobrun.Config[PublishArgs]{Name: "publish", Load: s.loadTask, Timeout: s.cfg.Timeout, Logger: s.log})
}

// publishTask is one publish request's job.
type publishTask struct {
	s       *Service
	p       *store.Publish
	started time.Time
}

func (s *Service) loadTask(ctx context.Context, args PublishArgs) (jobrun.Task, error) {
	p, err := s.cfg.Store.Publish(ctx, args.AccountID, args.PublishID)
	if err != nil {
		return nil, fmt.Errorf("publish %s: %w", args.PublishID, err)
	}
	return &publishTask{s: s, p: p}, nil
}

// Pending implements jobrun.Task.
func (t *publishTask) Pending() bool { return t.p.Status == store.StatusPending }

// Ahead implements jobrun.Task: the bot's imports accepted before the
// publish (numbered up to its After), and its publishes ordered before it.
func (t *publishTask) Ahead(ctx context.Context) (int, error) {
	st := t.s.cfg.Store
	imports, err := st.ImportsAhead(ctx, t.p.BotID, t.p.After+1)
	if err != nil {
		return 0, err
	}
	publishes, err := st.PublishesAhead(ctx, t.p.BotID, t.p.After, t.p.Seq)
	return imports + publishes, err
}

// Run implements jobrun.Task: the bot's current version becomes its
// published one, in one transaction; a run cut off before it leaves the
// previous published version, and the next attempt starts again.
func (t *publishTask) Run(ctx context.Context, _ int) error {
	s := t.s
	t.started = s.cfg.Now()
	p, err := s.versions.Publish(ctx, t.p.AccountID, t.p.BotID, t.p.ID, t.started, func(ctx context.Context, bot *store.Bot) ([]byte, error) {
		v, err := s.read(ctx, bot.AccountID, bot.VersionID)
		if err != nil {
			return nil, err
		}
		return json.Marshal(detail{Channels: v.Channels})
	})
	switch {
	case errors.Is(err, store.ErrNotFound):
		return jobrun.Permanent(err) // the bot is gone: no attempt can publish it
	case errors.Is(err, botversion.ErrBusy):
		return err // writes kept moving the version: River retries later
	case err != nil:
		return err
	}
	s.log.InfoContext(ctx, "bot published", "publish", p.ID, "bot", p.BotID, "version", p.Version,
		"duration", s.cfg.Now().Sub(t.started))
	return nil
}

// Fail implements jobrun.Task: the publish ends in failure and the bot
// keeps its published version.
func (t *publishTask) Fail(ctx context.Context, _ error) error {
	now := t.s.cfg.Now()
	started := t.started
	if started.IsZero() {
		started = now
	}
	return t.s.cfg.Store.FailPublish(ctx, t.p.ID,
		"internal error: the publish could not be completed; the server log has the details (publish "+t.p.ID+")", started, now)
}

// LogAttrs implements jobrun.Task.
func (t *publishTask) LogAttrs() []any { return []any{"publish", t.p.ID, "bot", t.p.BotID} }

// CleanupArgs is the periodic job that deletes publish requests past their
// retention; bots keep their published versions.
type CleanupArgs struct{}

// Kind implements river.JobArgs.
func (CleanupArgs) Kind() string { return "publish_cleanup" }

type cleanupWorker struct {
	river.WorkerDefaults[CleanupArgs]
	s         *Service
	retention time.Duration
}

// CleanupWorker returns the worker of CleanupArgs; requests are kept for
// retention after they end. A status call for a bot whose latest publish
// was deleted answers Invalid request ID.
func (s *Service) CleanupWorker(retention time.Duration) river.Worker[CleanupArgs] {
	return &cleanupWorker{s: s, retention: retention}
}

// Work deletes one bounded batch; the next run picks up the rest.
func (w *cleanupWorker) Work(ctx context.Context, _ *river.Job[CleanupArgs]) error {
	n, err := w.s.cfg.Store.DeleteFinishedPublishes(ctx, w.s.cfg.Now().Add(-w.retention), 1000)
	if n > 0 {
		w.s.log.InfoContext(ctx, "publish cleanup", "requests", n)
	}
	return err
}
