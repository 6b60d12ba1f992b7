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

// Admitter is an Inserter that can also make a parked job (inserted in
// River's pending state) available inside the caller's transaction: the
// importer parks imports over their account's share and admits them when a
// slot frees (*river.Client satisfies it).
type Admitter interface {
	Inserter
	JobRetryTx(ctx context.Context, tx *sql.Tx, id int64) (*rivertype.JobRow, error)
}

// Config tunes the client.
type Config struct {
	// ID is the client's id, unique among the processes working the
	// database: the replica's id (internal/replica), so that a running
	// job's AttemptedBy names the replica working it. "" lets River make one.
	ID           string
	Workers      int           // jobs run at once (default 4)
	JobTimeout   time.Duration // a job's time limit (default 10 minutes)
	RescueAfter  time.Duration // a running job untouched this long is retried elsewhere (default JobTimeout + 1 minute)
	PollInterval time.Duration // how often idle workers look for jobs (default 200 ms)
	Cooldown     time.Duration // least time between two fetches (default 50 ms, at most PollInterval)
	Periodic     []*river.PeriodicJob
	// Queues are further queues beside the default one (the imports'),
	// each with its own workers: webhook deliveries wait on the network,
	// and must not hold the imports' workers while they do.
	Queues map[string]int
	Logger *slog.Logger
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
	queues := map[string]river.QueueConfig{river.QueueDefault: {MaxWorkers: cfg.Workers}}
	for name, workers := range cfg.Queues {
		queues[name] = river.QueueConfig{MaxWorkers: max(workers, 1)}
	}
	c, err := river.NewClient(driver, &river.Config{
		ID:                   cfg.ID,
		ReindexerIndexNames:  reindex,
		Queues:               queues,
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

// Judge reads which River clients are dead, after HandBack listed the
// running jobs: a client that fetched a listed job existed before the
// read, so a replica that has just started is never taken for dead.
type Judge func(ctx context.Context) (dead func(clientID string) bool, err error)

// HandBack makes every running job whose last attempt was made by a client
// judge finds dead available again at once, with an entry in the job's
// errors that says why (reason), and returns the jobs it handed back. A job
// is handed back only while it is still in the attempt that was listed
// (state running, attempted_at unchanged), so a job that ended, or that
// another replica handed back and a live one fetched since, is left alone:
// replicas may hand back at the same time.
//
// It is correct when judge is right: a dead process does not write again.
// If judge is wrong about a slow but live process, its job runs twice at
// once, which the requests make harmless (an import commits only while it
// is pending; the run that finds it ended does nothing).
func HandBack(ctx context.Context, c *river.Client[*sql.Tx], judge Judge, reason string) ([]*rivertype.JobRow, error) {
	var running []*rivertype.JobRow
	params := river.NewJobListParams().States(rivertype.JobStateRunning).First(1000)
	for {
		res, err := c.JobList(ctx, params)
		if err != nil {
			return nil, fmt.Errorf("list running jobs: %w", err)
		}
		running = append(running, res.Jobs...)
		if len(res.Jobs) < 1000 || res.LastCursor == nil {
			break
		}
		params = params.After(res.LastCursor)
	}
	if len(running) == 0 {
		return nil, nil
	}
	dead, err := judge(ctx)
	if err != nil {
		return nil, err
	}
	exec := c.Driver().GetExecutor()
	var out []*rivertype.JobRow
	for _, j := range running {
		by := ""
		if n := len(j.AttemptedBy); n > 0 {
			by = j.AttemptedBy[n-1]
		}
		if !dead(by) || j.AttemptedAt == nil {
			continue
		}
		now := time.Now().UTC()
		entry := fmt.Sprintf(`{"at":%q,"attempt":%d,"error":%q,"trace":""}`, now.Format(time.RFC3339Nano), j.Attempt,
			"handed back: "+reason+" (attempted by "+by+")")
		// The attempt listed, and no later one: attempted_at is stored to
		// the millisecond on SQLite, to the microsecond on PostgreSQL.
		p := &riverdriver.JobRescueManyParams{
			ID: []int64{j.ID}, Error: [][]byte{[]byte(entry)}, FinalizedAt: []*time.Time{nil},
			ScheduledAt: []time.Time{now}, State: []string{string(rivertype.JobStateAvailable)},
			StuckHorizon: j.AttemptedAt.Add(time.Millisecond),
		}
		if _, err := exec.JobRescueMany(ctx, p); err != nil {
			return out, fmt.Errorf("hand back job %d: %w", j.ID, err)
		}
		// The rescue says nothing of what it matched: the job's errors do
		// (another replica may have handed it back first).
		after, err := c.JobGet(ctx, j.ID)
		if err != nil {
			return out, fmt.Errorf("job %d after its hand-back: %w", j.ID, err)
		}
		if n := len(after.Errors); n > 0 && after.Errors[n-1].At.Equal(now) {
			out = append(out, after)
		}
	}
	return out, nil
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
