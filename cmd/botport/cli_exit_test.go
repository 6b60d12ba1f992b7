package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"

	"github.com/botport/botport/internal/cli"
	"github.com/botport/botport/internal/fixture"
)

// runCLIWith runs botport with args in ctx, with the server's credentials
// (when ts is set) and the variables of extra in its environment; it
// returns its output and exit code.
func runCLIWith(t *testing.T, ctx context.Context, ts *testServer, extra map[string]string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	noConfig := filepath.Join(t.TempDir(), "config.json")
	if err := os.WriteFile(noConfig, []byte("{}"), 0o600); err != nil {
		t.Fatal(err)
	}
	getenv := func(k string) string {
		if v, ok := extra[k]; ok {
			return v
		}
		switch {
		case k == "BOTPORT_CONFIG":
			return noConfig
		case ts == nil:
			return ""
		case k == "BOTPORT_HOST":
			return ts.URL
		case k == "BOTPORT_APP":
			return ts.AppID
		case k == "BOTPORT_SECRET":
			return ts.Secret
		}
		return ""
	}
	var out, errOut bytes.Buffer
	err := run(ctx, args, getenv, strings.NewReader(""), &out, &errOut)
	if err != nil {
		var ee *cli.ExitError
		if !asExit(err, &ee) || ee.Err != nil {
			errOut.WriteString("botport: " + err.Error() + "\n")
		}
	}
	return out.String(), errOut.String(), cli.ExitCode(err)
}

// TestCLIExitCodeTable runs commands as users mistype them, and as servers
// and files fail them, and checks the exit code the README promises for
// each: 0 success, 1 the work or a local file failed, 2 usage, 3 the server
// refused, 4 the server could not be reached, 130 and 143 interrupted.
func TestCLIExitCodeTable(t *testing.T) {
	ts := startServer(t)
	demo := fixture.Get(t, "demobot1-full").Dir
	out, errOut, code := runCLI(t, ts, "import", demo, "--wait", "--interval", "20ms", "--json")
	bir := regexp.MustCompile(`bir-[0-9a-f-]{36}`).FindString(out)
	botID := regexp.MustCompile(`st-[0-9a-f-]{36}`).FindString(out)
	if code != 0 || bir == "" || botID == "" {
		t.Fatalf("import: exit %d\n%s%s", code, out, errOut)
	}
	data := []string{"--data", ts.Data}
	noServer := &testServer{URL: "http://127.0.0.1:1", AppID: ts.AppID, Secret: ts.Secret}
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	terminated, stop := context.WithCancelCause(context.Background())
	stop(&cli.Signaled{Signal: syscall.SIGTERM})
	aFile := writeTemp(t, "file", []byte("not a folder"))

	for _, tt := range []struct {
		name  string
		ctx   context.Context
		ts    *testServer
		env   map[string]string
		args  []string
		code  int
		error string // in stderr
	}{
		// Usage errors: 2.
		{name: "apps create without --name", args: append([]string{"apps", "create", "--scope", "bot_import"}, data...), code: 2, error: `required flag(s) "name" not set`},
		{name: "apps create with an empty --name", args: append([]string{"apps", "create", "--name", " ", "--scope", "bot_import"}, data...), code: 2},
		{name: "apps create with a scope name holding a space", args: append([]string{"apps", "create", "--name", "x", "--scope", "bot import"}, data...), code: 2, error: `--scope`},
		{name: "apps create with a bad --algorithm", args: append([]string{"apps", "create", "--name", "x", "--scope", "bot_import", "--algorithm", "RS256"}, data...), code: 2},
		{name: "apps rotate-secret without --app", args: append([]string{"apps", "rotate-secret"}, data...), code: 2},
		{name: "apps list of an unknown account", args: append([]string{"apps", "list", "--account", "nobody"}, data...), code: 2},
		{name: "apps with an unknown subcommand", args: []string{"apps", "bogus"}, code: 2},
		{name: "token without an app", args: append([]string{"token"}, data...), code: 2, error: "BOTPORT_APP"},
		{name: "token with a negative --ttl", args: append([]string{"token", "--app", ts.AppID, "--ttl", "-1s"}, data...), code: 2, error: "--ttl -1s"},
		{name: "token of an unknown app", args: append([]string{"token", "--app", "cs-00000000-0000-4000-8000-000000000000"}, data...), code: 2},
		{name: "serve with a bad --log-level", args: []string{"serve", "--data", t.TempDir(), "--addr", "127.0.0.1:0", "--log-level", "loud"}, code: 2, error: "--log-level"},
		{name: "serve with a bad --log-format", args: []string{"serve", "--data", t.TempDir(), "--addr", "127.0.0.1:0", "--log-format", "xml"}, code: 2},
		{name: "serve with a bad BOTPORT_WORKERS", env: map[string]string{"BOTPORT_WORKERS": "many"}, args: []string{"serve", "--data", t.TempDir(), "--addr", "127.0.0.1:0"}, code: 2, error: "BOTPORT_WORKERS"},
		{name: "serve with a bad --public-url", args: []string{"serve", "--data", t.TempDir(), "--addr", "127.0.0.1:0", "--public-url", "ftp://x"}, code: 2},
		{name: "unknown command", args: []string{"impotr"}, code: 2},
		{name: "unknown flag", ts: ts, args: []string{"status", bir, "--nope"}, code: 2},
		{name: "import without a path", ts: ts, args: []string{"import"}, code: 2},
		{name: "import -q with --json", ts: ts, args: []string{"import", demo, "-q", "--json"}, code: 2},
		{name: "status --interval 0", ts: ts, args: []string{"status", bir, "--watch", "--interval", "0s"}, code: 2},
		{name: "export -o - with --json", ts: ts, args: []string{"export", botID, "-o", "-", "--json"}, code: 2},
		{name: "export -q with --json", ts: ts, args: []string{"export", botID, "-q", "--json"}, code: 2},
		{name: "versions list -o yaml", ts: ts, args: []string{"versions", "list", botID, "-o", "yaml"}, code: 2},
		{name: "versions restore of a version that is not a number", ts: ts, args: []string{"versions", "restore", botID, "two"}, code: 2},
		{name: "versions restore without a version", ts: ts, args: []string{"versions", "restore", botID}, code: 2},
		{name: "version with an argument", args: []string{"version", "now"}, code: 2},
		{name: "no credentials", args: []string{"bots", "list"}, code: 2},
		// The work or a local file failed: 1.
		{name: "export into a folder that does not exist", ts: ts, args: []string{"export", botID, "-o", filepath.Join(t.TempDir(), "nodir", "x.zip")}, code: 1, error: "no such file or directory"},
		{name: "export into a file as if it were a folder", ts: ts, args: []string{"export", botID, "-o", filepath.Join(aFile, "x.zip")}, code: 1, error: "not a directory"},
		{name: "validate an invalid export", args: []string{"validate", brokenExport(t)}, code: 1},
		{name: "import that fails", ts: ts, args: []string{"import", brokenExport(t), "--wait", "--interval", "20ms"}, code: 1},
		// The server refused: 3.
		{name: "versions restore of an unknown version", ts: ts, args: []string{"versions", "restore", botID, "99"}, code: 3, error: "Invalid version"},
		{name: "versions list of an unknown bot", ts: ts, args: []string{"versions", "list", "st-00000000-0000-4000-8000-000000000000"}, code: 3},
		{name: "wrong secret", ts: &testServer{URL: ts.URL, AppID: ts.AppID, Secret: "wrong"}, args: []string{"bots", "list"}, code: 3},
		// The server could not be reached: 4.
		{name: "no server", ts: noServer, args: []string{"bots", "list"}, code: 4},
		{name: "export with no server", ts: noServer, args: []string{"export", botID, "-o", filepath.Join(t.TempDir(), "x.zip")}, code: 4},
		// Interrupted: 130 (Ctrl-C), 143 (SIGTERM).
		{name: "interrupted", ctx: cancelled, ts: ts, args: []string{"bots", "list"}, code: 130, error: "interrupted"},
		{name: "terminated", ctx: terminated, ts: ts, args: []string{"status", bir, "--watch"}, code: 143, error: "terminated"},
		{name: "token interrupted", ctx: cancelled, args: append([]string{"token", "--app", ts.AppID}, data...), code: 130},
		// Success: 0.
		{name: "token of BOTPORT_APP", ts: ts, args: append([]string{"token"}, data...), code: 0},
		{name: "version", args: []string{"version"}, code: 0},
		{name: "--version", args: []string{"--version"}, code: 0},
	} {
		t.Run(tt.name, func(t *testing.T) {
			ctx := tt.ctx
			if ctx == nil {
				ctx = context.Background()
			}
			_, errOut, code := runCLIWith(t, ctx, tt.ts, tt.env, tt.args...)
			if code != tt.code || !strings.Contains(errOut, tt.error) {
				t.Errorf("exit %d, want %d; stderr %q, want it to say %q", code, tt.code, errOut, tt.error)
			}
		})
	}
}
