package jobrun

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/botport/botport/internal/store"
)

type args struct{}

func (args) Kind() string { return "test" }

// task records what the runner asked of it.
type task struct {
	pending  bool
	ahead    int
	aheadErr error
	runErr   error
	failErr  error
	panics   bool
	ran      int
	failed   error
}

func (t *task) Pending() bool                      { return t.pending }
func (t *task) Ahead(context.Context) (int, error) { return t.ahead, t.aheadErr }
func (t *task) Run(context.Context, int) error {
	t.ran++
	if t.panics {
		panic("index out of range")
	}
	return t.runErr
}
func (t *task) Fail(_ context.Context, err error) error { t.failed = err; return t.failErr }
func (t *task) LogAttrs() []any                         { return []any{"test", "task"} }

// errPanic stands for the fault a panicking run returns.
var errPanic = errors.New("panic")

func TestWork(t *testing.T) {
	fault := errors.New("database unreachable")
	for _, tt := range []struct {
		name       string
		loadErr    error
		task       task
		attempt    int
		ctx        string // "stopping": River cancelled the job (the client stops); "deadline": its time limit passed
		wantErr    error  // nil: the job ends
		wantSnooze bool
		wantRuns   int
		wantFail   bool
		wantEnded  bool // the Ended hook ran
	}{
		{name: "gone", loadErr: fmt.Errorf("import: %w", store.ErrNotFound), wantEnded: true},
		{name: "ended before load", loadErr: store.ErrNotPending, wantEnded: true},
		{name: "load fault", loadErr: fault, wantErr: fault},
		{name: "load fault while stopping", loadErr: fault, ctx: "stopping", wantSnooze: true},
		{name: "not pending", task: task{}, wantEnded: true},
		{name: "behind others", task: task{pending: true, ahead: 2}, wantSnooze: true},
		{name: "ahead fault", task: task{pending: true, aheadErr: fault}, wantErr: fault},
		{name: "success", task: task{pending: true}, wantRuns: 1, wantEnded: true},
		{name: "fault, attempts left", task: task{pending: true, runErr: fault}, attempt: 4, wantErr: fault, wantRuns: 1},
		{name: "fault, last attempt", task: task{pending: true, runErr: fault}, attempt: 5, wantRuns: 1, wantFail: true, wantEnded: true},
		{name: "interrupted by a stop, last attempt", task: task{pending: true, runErr: context.Canceled}, attempt: 5, ctx: "stopping",
			wantSnooze: true, wantRuns: 1},
		{name: "time limit, last attempt", task: task{pending: true, runErr: context.DeadlineExceeded}, attempt: 5, ctx: "deadline",
			wantRuns: 1, wantFail: true, wantEnded: true},
		{name: "panic, attempts left", task: task{pending: true, panics: true}, attempt: 1, wantErr: errPanic, wantRuns: 1},
		{name: "panic, last attempt", task: task{pending: true, panics: true}, attempt: 5, wantRuns: 1, wantFail: true, wantEnded: true},
		{name: "permanent fault", task: task{pending: true, runErr: Permanent(fault)}, attempt: 1, wantRuns: 1, wantFail: true, wantEnded: true},
		{name: "ended by another run", task: task{pending: true, runErr: fmt.Errorf("save: %w", store.ErrNotPending)}, wantRuns: 1, wantEnded: true},
		{name: "recording the failure fails", task: task{pending: true, runErr: fault, failErr: errors.New("disk full")}, attempt: 5,
			wantErr: fault, wantRuns: 1, wantFail: true},
		{name: "failure recorded by another run", task: task{pending: true, runErr: fault, failErr: store.ErrNotPending}, attempt: 5,
			wantRuns: 1, wantFail: true, wantEnded: true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			tk := tt.task
			ended := 0
			w := New(Config[args]{Name: "test", Load: func(context.Context, args) (Task, error) {
				if tt.loadErr != nil {
					return nil, tt.loadErr
				}
				return &tk, nil
			}, Ended: func(ctx context.Context, _ args) {
				if ctx.Err() != nil {
					t.Errorf("Ended got a context that has ended: %v", ctx.Err())
				}
				ended++
			}})
			ctx := t.Context()
			switch tt.ctx {
			case "stopping":
				c, cancel := context.WithCancel(ctx)
				cancel()
				ctx = c
			case "deadline":
				c, cancel := context.WithDeadline(ctx, time.Now().Add(-time.Second))
				defer cancel()
				ctx = c
			}
			attempt := max(tt.attempt, 1)
			err := w.Work(ctx, &river.Job[args]{JobRow: &rivertype.JobRow{Attempt: attempt, MaxAttempts: 5}})
			var snooze *rivertype.JobSnoozeError
			switch {
			case tt.wantSnooze:
				if !errors.As(err, &snooze) {
					t.Errorf("Work = %v, want a snooze", err)
				}
			case tt.wantErr == errPanic:
				if err == nil || !strings.Contains(err.Error(), "panic: index out of range") {
					t.Errorf("Work = %v, want the panic as a fault", err)
				}
			case tt.wantErr != nil:
				if !errors.Is(err, tt.wantErr) {
					t.Errorf("Work = %v, want %v", err, tt.wantErr)
				}
			case err != nil:
				t.Errorf("Work = %v, want nil", err)
			}
			if tk.ran != tt.wantRuns {
				t.Errorf("ran %d times, want %d", tk.ran, tt.wantRuns)
			}
			if (tk.failed != nil) != tt.wantFail {
				t.Errorf("failure recorded: %v, want %v", tk.failed, tt.wantFail)
			}
			if tt.wantFail && tt.task.runErr == fault && !errors.Is(tk.failed, fault) {
				t.Errorf("failure recorded with cause %v, want %v", tk.failed, fault)
			}
			if want := map[bool]int{true: 1}[tt.wantEnded]; ended != want {
				t.Errorf("Ended called %d times, want %d", ended, want)
			}
		})
	}
}

func TestPermanent(t *testing.T) {
	base := errors.New("stored request unreadable")
	for _, tt := range []struct {
		err  error
		want bool
	}{
		{nil, false},
		{base, false},
		{Permanent(base), true},
		{fmt.Errorf("run: %w", Permanent(base)), true},
		{errors.Join(errors.New("other"), Permanent(base)), true},
	} {
		if got := IsPermanent(tt.err); got != tt.want {
			t.Errorf("IsPermanent(%v) = %v, want %v", tt.err, got, tt.want)
		}
	}
	if Permanent(nil) != nil {
		t.Errorf("Permanent(nil) is not nil")
	}
	if !errors.Is(Permanent(base), base) {
		t.Errorf("Permanent hides the error it marks")
	}
}
