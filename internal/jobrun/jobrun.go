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
// request: there is nothing left to do. store.ErrCancelled from a run means
// the request was cancelled and the run has recorded its end: the job ends
// cancelled in River, never retried.
package jobrun

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime/debug"
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
	Wait time.Duration
	// Ended, when set, is called once a job ends with its request ended
	// (or gone): after the run that ended it, after the failure recorded
	// on the last attempt, or when a job finds its request ended already.
	// Imports free their account's slot there. Its ctx is not cancelled.
	Ended  func(ctx context.Context, args A)
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
		return w.end(ctx, job)
	}
	if err != nil {
		return retry(ctx, err)
	}
	if !t.Pending() {
		// A job handed back after its run ended the request (its process
		// died before River recorded the job done), or a duplicate.
		log.InfoContext(ctx, name+" job found its request ended: nothing left to do", append(t.LogAttrs(), "job", job.ID, "attempt", job.Attempt)...)
		return w.end(ctx, job)
	}
	ahead, err := t.Ahead(ctx)
	if err != nil {
		return retry(ctx, err)
	}
	if ahead > 0 {
		return river.JobSnooze(w.cfg.Wait)
	}
	err = run(ctx, t, job.Attempt)
	if err == nil || errors.Is(err, store.ErrNotPending) {
		return w.end(ctx, job)
	}
	if errors.Is(err, store.ErrCancelled) {
		_ = w.end(ctx, job)
		return river.JobCancel(err)
	}
	if stopping(ctx) {
		log.InfoContext(ctx, name+" handed back: the server is stopping", append(t.LogAttrs(), "job", job.ID, "attempt", job.Attempt)...)
		return river.JobSnooze(0)
	}
	final := job.Attempt >= job.MaxAttempts || IsPermanent(err)
	log.ErrorContext(ctx, name+" fault", append(t.LogAttrs(), "attempt", job.Attempt, "final", final, "error", err)...)
	if !final {
		return err
	}
	if ferr := t.Fail(context.WithoutCancel(ctx), err); ferr != nil && !ended(ferr) {
		return fmt.Errorf("%w (and recording the failure: %v)", err, ferr)
	}
	return w.end(ctx, job)
}

// run runs t, turning a panic into a fault: River would recover it too,
// but discard the job after the last attempt without the task recording
// its failure, leaving the request pending (and its account's slot taken).
func run(ctx context.Context, t Task, attempt int) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("panic: %v\n%s", p, debug.Stack())
		}
	}()
	return t.Run(ctx, attempt)
}

// retry returns a fault for River's retry, unless the server is stopping:
// then the job goes back to the queue at once, its attempt not used up.
func retry(ctx context.Context, err error) error {
	if stopping(ctx) {
		return river.JobSnooze(0)
	}
	return err
}

// end finishes a job whose request has ended.
func (w *Worker[A]) end(ctx context.Context, job *river.Job[A]) error {
	if w.cfg.Ended != nil {
		w.cfg.Ended(context.WithoutCancel(ctx), job.Args)
	}
	return nil
}

// stopping reports whether River cancelled the job's context because the
// client is stopping (its time limit would be a deadline instead): the
// run did not fail, it was interrupted, and another process (or the next
// start) runs it again from its start.
func stopping(ctx context.Context) bool {
	return errors.Is(ctx.Err(), context.Canceled)
}

// ended reports an error that says the request is gone or has ended.
func ended(err error) bool {
	return errors.Is(err, store.ErrNotFound) || errors.Is(err, store.ErrNotPending)
}
