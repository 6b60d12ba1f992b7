package jobrun

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/botport/botport/internal/store"
)

type args struct{}

func (args) Kind() string { return "test" }

// task records what the runner asked of it.
type task struct {
	pending   bool
	ahead     int
	aheadErr  error
	runErr    error
	failErr   error
	ran       int
	failed    error
	waitingOn int
}

func (t *task) Pending() bool                           { return t.pending }
func (t *task) Ahead(context.Context) (int, error)      { return t.ahead, t.aheadErr }
func (t *task) Run(context.Context, int) error          { t.ran++; return t.runErr }
func (t *task) Fail(_ context.Context, err error) error { t.failed = err; return t.failErr }
func (t *task) LogAttrs() []any                         { return []any{"test", "task"} }
func (t *task) Waiting(_ context.Context, n int) error  { t.waitingOn = n; return nil }

func TestWork(t *testing.T) {
	fault := errors.New("database unreachable")
	for _, tt := range []struct {
		name             string
		loadErr          error
		task             task
		attempt          int
		wantErr          error // nil: the job ends
		wantSnooze       bool
		wantRuns         int
		wantFail         bool
		wantWaitingAhead int
	}{
		{name: "gone", loadErr: fmt.Errorf("import: %w", store.ErrNotFound)},
		{name: "ended before load", loadErr: store.ErrNotPending},
		{name: "load fault", loadErr: fault, wantErr: fault},
		{name: "not pending", task: task{}},
		{name: "behind others", task: task{pending: true, ahead: 2}, wantSnooze: true, wantWaitingAhead: 2},
		{name: "ahead fault", task: task{pending: true, aheadErr: fault}, wantErr: fault},
		{name: "success", task: task{pending: true}, wantRuns: 1},
		{name: "fault, attempts left", task: task{pending: true, runErr: fault}, attempt: 4, wantErr: fault, wantRuns: 1},
		{name: "fault, last attempt", task: task{pending: true, runErr: fault}, attempt: 5, wantRuns: 1, wantFail: true},
		{name: "permanent fault", task: task{pending: true, runErr: Permanent(fault)}, attempt: 1, wantRuns: 1, wantFail: true},
		{name: "ended by another run", task: task{pending: true, runErr: fmt.Errorf("save: %w", store.ErrNotPending)}, wantRuns: 1},
		{name: "recording the failure fails", task: task{pending: true, runErr: fault, failErr: errors.New("disk full")}, attempt: 5,
			wantErr: fault, wantRuns: 1, wantFail: true},
		{name: "failure recorded by another run", task: task{pending: true, runErr: fault, failErr: store.ErrNotPending}, attempt: 5,
			wantRuns: 1, wantFail: true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			tk := tt.task
			w := New(Config[args]{Name: "test", Load: func(context.Context, args) (Task, error) {
				if tt.loadErr != nil {
					return nil, tt.loadErr
				}
				return &tk, nil
			}})
			attempt := max(tt.attempt, 1)
			err := w.Work(t.Context(), &river.Job[args]{JobRow: &rivertype.JobRow{Attempt: attempt, MaxAttempts: 5}})
			var snooze *rivertype.JobSnoozeError
			switch {
			case tt.wantSnooze:
				if !errors.As(err, &snooze) {
					t.Errorf("Work = %v, want a snooze", err)
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
			if tt.wantFail && !errors.Is(tk.failed, fault) {
				t.Errorf("failure recorded with cause %v, want %v", tk.failed, fault)
			}
			if tk.waitingOn != tt.wantWaitingAhead {
				t.Errorf("told it waits behind %d, want %d", tk.waitingOn, tt.wantWaitingAhead)
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
