// Package jobrun is the one way botport runs a request as a River job:
// load the request, check that it is still pending, wait behind earlier
// work on the same bot, run, and record the failure on the last attempt.
// Imports and exports use it; publishes and webhook deliveries are meant to.
//
// One convention for errors: a run returns nil once the request has ended
// (success or failure recorded), Permanent(err) for a fault no other
// attempt can cure, and any other error for a fault that another attempt
// may (the database or blob store failed, the process is stopping): River
// retries it with its backoff. After the last attempt, or at once for a
// permanent fault, the task records the failure, so no request stays
// pending forever. store.ErrNotPending anywhere means another run ended the
// request: there is nothing left to do.
package jobrun

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/riverqueue/river"

	"github.com/botport/botport/internal/store"
)

// permanent marks faults that another attempt cannot cure.
type permanent struct{ err error }

func (p *permanent) Error() string { return p.err.Error() }
func (p *permanent) Unwrap() error { return p.err }

// Permanent marks err as a fault no other attempt can cure (a stored
// request that cannot be read, an uploaded file gone from the blob store):
// the runner records the failure at once instead of retrying. Nil stays nil.
func Permanent(err error) error {
	if err == nil {
		return nil
	}
	return &permanent{err}
}

// IsPermanent reports whether err, or an error it wraps, was marked
// Permanent.
func IsPermanent(err error) bool {
	var p *permanent
	return errors.As(err, &p)
}

// Task is one request's work, as Load returns it.
type Task interface {
	// Pending reports whether the request still waits for its run: a
	// finished request's job (a retry after the run that ended it, a job
	// reclaimed after its commit) has nothing left to do.
	Pending() bool
	// Ahead counts the requests that must end before this one runs: work
	// on one bot runs one request at a time, in acceptance order. Kinds of
	// request that share a bot's order (imports and publishes) count each
	// other, drawing their acceptance numbers from one sequence. 0 runs now.
	Ahead(ctx context.Context) (int, error)
	// Run does the work (see the package comment for what it returns).
	// attempt counts from 1.
	Run(ctx context.Context, attempt int) error
	// Fail records the request's failure after the fault cause, which
	// retries did not cure; ctx is not cancelled.
	Fail(ctx context.Context, cause error) error
	// LogAttrs identifies the request (and where its run stopped) in log
	// lines, as slog key-value pairs.
	LogAttrs() []any
}

// Waiter is a Task that wants to know it waits behind others, to say so in
// its status (issue 11: an import queued behind others).
type Waiter interface {
	Waiting(ctx context.Context, ahead int) error
}

// Config is one kind of job's runner.
type Config[A river.JobArgs] struct {
	// Name names the kind in logs ("import", "export").
	Name string
	// Load returns the task of a job. store.ErrNotFound (the request was
	// deleted) and store.ErrNotPending end the job with nothing to do;
	// other errors are faults.
	Load    func(ctx context.Context, args A) (Task, error)
	Timeout time.Duration // a run's time limit (0: River's default)
	// Wait is how long a job waiting behind earlier work sleeps before it
	// looks again (default 250 ms). The wait does not use up attempts.
	Wait   time.Duration
	Logger *slog.Logger
}

// Worker is the River worker of one kind of job.
type Worker[A river.JobArgs] struct {
	river.WorkerDefaults[A]
	cfg Config[A]
}

// New returns the worker of cfg.
func New[A river.JobArgs](cfg Config[A]) *Worker[A] {
	if cfg.Wait <= 0 {
		cfg.Wait = 250 * time.Millisecond
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	return &Worker[A]{cfg: cfg}
}

// Timeout implements river.Worker.
func (w *Worker[A]) Timeout(*river.Job[A]) time.Duration { return w.cfg.Timeout }

// Work implements river.Worker.
func (w *Worker[A]) Work(ctx context.Context, job *river.Job[A]) error {
	log, name := w.cfg.Logger, w.cfg.Name
	t, err := w.cfg.Load(ctx, job.Args)
	if ended(err) {
		log.WarnContext(ctx, name+" job for a request that is gone or ended", "job", job.ID, "error", err)
		return nil
	}
	if err != nil {
		return err
	}
	if !t.Pending() {
		return nil
	}
	ahead, err := t.Ahead(ctx)
	if err != nil {
		return err
	}
	if ahead > 0 {
		if wt, ok := t.(Waiter); ok {
			if err := wt.Waiting(ctx, ahead); err != nil && !ended(err) {
				return err
			}
		}
		return river.JobSnooze(w.cfg.Wait)
	}
	err = t.Run(ctx, job.Attempt)
	if err == nil || errors.Is(err, store.ErrNotPending) {
		return nil
	}
	final := job.Attempt >= job.MaxAttempts || IsPermanent(err)
	log.ErrorContext(ctx, name+" fault", append(t.LogAttrs(), "attempt", job.Attempt, "final", final, "error", err)...)
	if !final {
		return err
	}
	if ferr := t.Fail(context.WithoutCancel(ctx), err); ferr != nil && !ended(ferr) {
		return fmt.Errorf("%w (and recording the failure: %v)", err, ferr)
	}
	return nil
}

// ended reports an error that says the request is gone or has ended.
func ended(err error) bool {
	return errors.Is(err, store.ErrNotFound) || errors.Is(err, store.ErrNotPending)
}
