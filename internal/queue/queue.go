// Package queue configures River, botport's durable job queue: the client
// that runs imports (and other jobs) and the recovery of jobs a killed
// process left running.
package queue

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver"
	"github.com/riverqueue/river/rivertype"
)

// Inserter enqueues jobs inside the caller's transaction, so that a
// request row and its job commit together (*river.Client satisfies it).
type Inserter interface {
	InsertTx(ctx context.Context, tx *sql.Tx, args river.JobArgs, opts *river.InsertOpts) (*rivertype.JobInsertResult, error)
}

// Config tunes the client.
type Config struct {
	Workers      int           // jobs run at once (default 4)
	JobTimeout   time.Duration // a job's time limit (default 10 minutes)
	RescueAfter  time.Duration // a running job untouched this long is retried elsewhere (default JobTimeout + 1 minute)
	PollInterval time.Duration // how often idle workers look for jobs (default 200 ms)
	Cooldown     time.Duration // least time between two fetches (default 50 ms, at most PollInterval)
	Periodic     []*river.PeriodicJob
	Logger       *slog.Logger
	// SQLite turns off River's nightly reindexer, which knows only
	// PostgreSQL's index names and would warn that they do not exist.
	SQLite bool
}

// New returns a River client over driver with the given workers.
func New(driver riverdriver.Driver[*sql.Tx], workers *river.Workers, cfg Config) (*river.Client[*sql.Tx], error) {
	if cfg.Workers <= 0 {
		cfg.Workers = 4
	}
	if cfg.JobTimeout <= 0 {
		cfg.JobTimeout = 10 * time.Minute
	}
	if cfg.RescueAfter <= cfg.JobTimeout {
		cfg.RescueAfter = cfg.JobTimeout + time.Minute
	}
	if cfg.PollInterval <= 0 {
		cfg.PollInterval = 200 * time.Millisecond
	}
	logger := cfg.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	var reindex []string // nil: River's defaults
	if cfg.SQLite {
		reindex = []string{}
	}
	c, err := river.NewClient(driver, &river.Config{
		ReindexerIndexNames:  reindex,
		Queues:               map[string]river.QueueConfig{river.QueueDefault: {MaxWorkers: cfg.Workers}},
		Workers:              workers,
		JobTimeout:           cfg.JobTimeout,
		RescueStuckJobsAfter: cfg.RescueAfter,
		FetchCooldown:        cooldown(cfg),
		FetchPollInterval:    cfg.PollInterval,
		PeriodicJobs:         cfg.Periodic,
		Logger:               slog.New(minLevel{logger.Handler(), slog.LevelWarn}).With("component", "river"),
		// River logs a job's failures itself; botport logs them with context.
		CompletedJobRetentionPeriod: time.Hour,
	})
	if err != nil {
		return nil, fmt.Errorf("river client: %w", err)
	}
	return c, nil
}

// ReclaimOrphans makes every job in state running available again. It is
// only correct when no other process can be working jobs of this database
// (the embedded store, under the data directory's lock): then a running job
// belongs to a process that died, and waiting for River's rescuer
// (RescueAfter) would only delay it. It must run before the client starts.
func ReclaimOrphans(ctx context.Context, c *river.Client[*sql.Tx]) (int, error) {
	exec := c.Driver().GetExecutor()
	total := 0
	for {
		res, err := c.JobList(ctx, river.NewJobListParams().States(rivertype.JobStateRunning).First(500))
		if err != nil {
			return total, fmt.Errorf("list running jobs: %w", err)
		}
		if len(res.Jobs) == 0 {
			return total, nil
		}
		now := time.Now().UTC()
		p := &riverdriver.JobRescueManyParams{StuckHorizon: now.Add(time.Hour)}
		for _, j := range res.Jobs {
			p.ID = append(p.ID, j.ID)
			p.Error = append(p.Error, []byte(fmt.Sprintf(`{"at":%q,"attempt":%d,"error":"process stopped while the job ran; reclaimed at start","trace":""}`, now.Format(time.RFC3339Nano), j.Attempt)))
			p.FinalizedAt = append(p.FinalizedAt, nil)
			p.ScheduledAt = append(p.ScheduledAt, now)
			p.State = append(p.State, string(rivertype.JobStateAvailable))
		}
		if _, err := exec.JobRescueMany(ctx, p); err != nil {
			return total, fmt.Errorf("reclaim running jobs: %w", err)
		}
		total += len(res.Jobs)
	}
}

// minLevel drops records below a level: River reports routine work at info.
type minLevel struct {
	slog.Handler
	min slog.Level
}

func (h minLevel) Enabled(ctx context.Context, l slog.Level) bool {
	return l >= h.min && h.Handler.Enabled(ctx, l)
}

func (h minLevel) WithAttrs(as []slog.Attr) slog.Handler {
	return minLevel{h.Handler.WithAttrs(as), h.min}
}
func (h minLevel) WithGroup(n string) slog.Handler { return minLevel{h.Handler.WithGroup(n), h.min} }

func cooldown(cfg Config) time.Duration {
	c := cfg.Cooldown
	if c <= 0 {
		c = 50 * time.Millisecond
	}
	return min(c, cfg.PollInterval)
}
