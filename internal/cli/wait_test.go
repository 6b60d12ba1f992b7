package cli

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"net/url"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/spf13/cobra"

	"github.com/botport/botport/client"
)

func TestWaitLabel(t *testing.T) {
	req := client.LogEntry{TaskType: "importRequest", TaskName: "Demobot1", Status: "success"}
	def := client.LogEntry{TaskType: "Bot Definition", TaskName: "Demobot1", Status: "success"}
	dialog := client.LogEntry{TaskType: "Dialog", TaskName: "PayMyBill", Status: "success"}
	fns := client.LogEntry{TaskType: "BotFunctions", TaskName: "Bot Functions", Status: "success"}
	for _, tt := range []struct {
		name string
		st   client.Status
		want string
	}{
		{"no entries", client.Status{}, "starting"},
		{"reading the upload", client.Status{StatusLogs: []client.LogEntry{req}}, "running Bot Definition: Demobot1 (reading and validating the files)"},
		{"after Bot Definition", client.Status{StatusLogs: []client.LogEntry{req, def}}, "running the stage after Bot Definition: Demobot1 (2 stages done)"},
		{"after a dialog", client.Status{StatusLogs: []client.LogEntry{req, def, dialog}}, "running the stage after Dialog: PayMyBill (3 stages done)"},
		{"after bot functions", client.Status{StatusLogs: []client.LogEntry{req, def, fns}}, "running the stage after BotFunctions (3 stages done)"},
		{"queued behind one", client.Status{StatusLogs: []client.LogEntry{req}, Queue: &client.Queue{State: "bot", Ahead: 1}}, "queued behind 1 import into the same bot"},
		{"queued behind three", client.Status{Queue: &client.Queue{State: "bot", Ahead: 3}}, "queued behind 3 imports into the same bot"},
		{"the account's share, first", client.Status{Queue: &client.Queue{State: "account"}}, "waiting for one of the account's import slots (fair sharing)"},
		{"the account's share", client.Status{Queue: &client.Queue{State: "account", Ahead: 2}}, "waiting for one of the account's import slots (fair sharing), 2 imports of the account ahead"},
		{"recovery", client.Status{Queue: &client.Queue{State: "recovery"}}, "waiting for recovery: the server that ran it stopped; it runs again from its start on a live server"},
		{"a state of a later server", client.Status{Queue: &client.Queue{State: "moon\x1b[2J"}}, `waiting (queue state "moon\x1b[2J")`},
		{"a name with control characters", client.Status{StatusLogs: []client.LogEntry{{TaskType: "importRequest", TaskName: "Bot\x1b]0;owned\x07"}}},
			`running Bot Definition: Bot\x1b]0;owned\x07 (reading and validating the files)`},
		{"a stage name with a line break", client.Status{StatusLogs: []client.LogEntry{req, {TaskType: "Dialog", TaskName: "a\nb"}}},
			`running the stage after Dialog: a\nb (2 stages done)`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got := waitLabel(&tt.st); got != tt.want {
				t.Errorf("waitLabel = %q, want %q", got, tt.want)
			}
		})
	}
}

// TestLineTrackerWaiting: plain output writes a queue state when it
// changes, never the stage a poll happened to see.
func TestLineTrackerWaiting(t *testing.T) {
	var out bytes.Buffer
	tr := &lineTracker{w: &out, err: &out}
	req := client.LogEntry{TaskType: "importRequest", TaskName: "B"}
	for _, st := range []client.Status{
		{StatusLogs: []client.LogEntry{req}, Queue: &client.Queue{State: "account", Ahead: 1}},
		{StatusLogs: []client.LogEntry{req}, Queue: &client.Queue{State: "account", Ahead: 1}},
		{StatusLogs: []client.LogEntry{req}, Queue: &client.Queue{State: "bot", Ahead: 2}},
		{StatusLogs: []client.LogEntry{req}, Queue: &client.Queue{State: "bot", Ahead: 1}},
		{StatusLogs: []client.LogEntry{req}},
		{StatusLogs: []client.LogEntry{req, {TaskType: "Bot Definition"}}},
		{StatusLogs: []client.LogEntry{req}, Queue: &client.Queue{State: "recovery"}},
	} {
		tr.waiting(&st)
	}
	want := `  waiting: waiting for one of the account's import slots (fair sharing), 1 import of the account ahead
  waiting: queued behind 2 imports into the same bot
  waiting: queued behind 1 import into the same bot
  waiting: waiting for recovery: the server that ran it stopped; it runs again from its start on a live server
`
	if out.String() != want {
		t.Errorf("lines:\n%s\nwant:\n%s", out.String(), want)
	}
}

func TestRetryLine(t *testing.T) {
	got := retryLine(client.Retry{Method: "GET", Path: "/api/public/bot/import/status/bir-1", Attempt: 2, Attempts: 5,
		Wait: 812 * time.Millisecond, Err: &client.Error{StatusCode: 503, Msg: "down\x1b[2J", Code: 503}})
	want := `retrying GET /api/public/bot/import/status/bir-1 in 800ms (attempt 2 of 5 failed: 503 down\x1b[2J (code 503))`
	if got != want {
		t.Errorf("retryLine = %q, want %q", got, want)
	}
}

func TestExitCode(t *testing.T) {
	pathErr := &fs.PathError{Op: "open", Path: "nodir/x.zip", Err: syscall.ENOENT}
	for _, tt := range []struct {
		name string
		err  error
		want int
	}{
		{"nil", nil, 0},
		{"a local file", pathErr, 1},
		{"a wrapped local file", fmt.Errorf("write: %w", pathErr), 1},
		{"an errno", syscall.ENOSPC, 1},
		{"usage", usage("bad"), 2},
		{"a 4xx answer", &client.Error{StatusCode: 400}, 3},
		{"a 5xx answer", &client.Error{StatusCode: 503}, 4},
		{"a refused connection", &url.Error{Op: "Get", URL: "http://127.0.0.1:1", Err: &net.OpError{Op: "dial", Err: syscall.ECONNREFUSED}}, 4},
		{"an unknown host", &net.DNSError{Name: "nowhere"}, 4},
		{"a cancelled context", context.Canceled, 130},
		{"Ctrl-C", &Signaled{Signal: os.Interrupt}, 130},
		{"SIGTERM", &ExitError{Code: 143, Err: &Signaled{Signal: syscall.SIGTERM}}, 143},
		{"SIGTERM as a cause", fmt.Errorf("x: %w", &Signaled{Signal: syscall.SIGTERM}), 143},
	} {
		if got := ExitCode(tt.err); got != tt.want {
			t.Errorf("%s: ExitCode(%v) = %d, want %d", tt.name, tt.err, got, tt.want)
		}
	}
}

// TestInterruptible: a command that ignores its context is abandoned
// interruptGrace after the context ends, with the signal's exit code; one
// that finished keeps its result.
func TestInterruptible(t *testing.T) {
	block := make(chan struct{})
	defer close(block)
	for _, tt := range []struct {
		name  string
		cause error
		run   func(*cobra.Command, []string) error
		want  int
	}{
		{"stuck, Ctrl-C", &Signaled{Signal: os.Interrupt}, func(*cobra.Command, []string) error { <-block; return nil }, 130},
		{"stuck, SIGTERM", &Signaled{Signal: syscall.SIGTERM}, func(*cobra.Command, []string) error { <-block; return nil }, 143},
		{"stuck, cancelled", nil, func(*cobra.Command, []string) error { <-block; return nil }, 130},
		{"returns the context's error", &Signaled{Signal: os.Interrupt}, func(c *cobra.Command, _ []string) error { <-c.Context().Done(); return c.Context().Err() }, 130},
		{"finished before", &Signaled{Signal: os.Interrupt}, func(*cobra.Command, []string) error { return nil }, 0},
	} {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.WithCancelCause(context.Background())
			parent := &cobra.Command{Use: "x"}
			cmd := &cobra.Command{Use: "y", RunE: tt.run}
			parent.AddCommand(cmd)
			Interruptible(parent)
			cmd.SetContext(ctx)
			done := make(chan error, 1)
			if tt.want == 0 {
				done <- cmd.RunE(cmd, nil)
				cancel(tt.cause)
			} else {
				go func() { done <- cmd.RunE(cmd, nil) }()
				cancel(tt.cause)
			}
			select {
			case err := <-done:
				if got := ExitCode(err); got != tt.want {
					t.Errorf("exit %d (%v), want %d", got, err, tt.want)
				}
			case <-time.After(time.Minute):
				t.Fatal("the wrapped command never returned")
			}
		})
	}
}

func TestBuildInfoString(t *testing.T) {
	for _, tt := range []struct {
		bi   BuildInfo
		want string
	}{
		{BuildInfo{Version: "(devel)", GoVersion: "go1.26.8"}, "botport (devel)\n  go:     go1.26.8\n"},
		{BuildInfo{Version: "v1.4.0", Revision: "87744be8ad23", Time: "2026-12-02T10:00:00Z", GoVersion: "go1.26.8"},
			"botport v1.4.0\n  commit: 87744be8ad23\n  time:   2026-12-02T10:00:00Z\n  go:     go1.26.8\n"},
		{BuildInfo{Version: "(devel)", Revision: "87744be8ad23", Modified: true, GoVersion: "go1.26.8"},
			"botport (devel)\n  commit: 87744be8ad23 (with uncommitted changes)\n  go:     go1.26.8\n"},
	} {
		if got := tt.bi.String(); got != tt.want {
			t.Errorf("%+v:\n%s\nwant:\n%s", tt.bi, got, tt.want)
		}
	}
	if bi := ReadBuildInfo(); bi.Version == "" || !strings.HasPrefix(bi.GoVersion, "go") {
		t.Errorf("ReadBuildInfo() = %+v", bi)
	}
}

func TestOutputFormat(t *testing.T) {
	for _, tt := range []struct {
		format string
		json   bool
		want   bool
		err    bool
	}{
		{"table", false, false, false},
		{"table", true, true, false},
		{"json", false, true, false},
		{"yaml", false, false, true},
		{"", false, false, true},
	} {
		got, err := outputFormat(tt.format, tt.json)
		var ee *ExitError
		if got != tt.want || (err != nil) != tt.err || (err != nil && (!errors.As(err, &ee) || ee.Code != ExitUsage)) {
			t.Errorf("outputFormat(%q, %v) = %v, %v", tt.format, tt.json, got, err)
		}
	}
}
