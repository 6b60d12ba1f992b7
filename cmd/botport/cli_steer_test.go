package main

import (
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/botport/botport/client"
	"github.com/botport/botport/internal/cli"
	"github.com/botport/botport/internal/fixture"
	"github.com/botport/botport/internal/killpoint"
)

// TestCLICancelWatchAndList drives cancel, status --watch and imports list
// against botport serve in child processes, on SQLite and PostgreSQL.
// The first server holds the second import (A, into a bot) after its
// validation (a kill point); B and C are accepted into the same bot behind
// it.
//
//   - cancel C (queued): exit 0, "cancelled", the same when repeated;
//     --json prints the cancelled document; the succeeded first import:
//     exit 1, nothing cancelled; an unknown id: exit 3.
//   - status B --watch, through a proxy, shows B queued behind A; cancel A
//     (running, held) is acknowledged and waits. The server restarts
//     behind the proxy (SIGTERM, a new server on the same data): both
//     commands resume their event streams on it, A ends cancelled (exit 0),
//     B runs through every stage (exit 0); neither command read the
//     status route (no polling).
//   - imports list, after a failed import and a dry run: every page, each
//     filter, --limit, -o json, all as the API lists them.
func TestCLICancelWatchAndList(t *testing.T) {
	if testing.Short() {
		t.Skip("starts server processes")
	}
	for _, be := range backends {
		t.Run(be.name, func(t *testing.T) {
			data := t.TempDir()
			args := append(be.extra(t), "--shutdown-grace", "1s")
			ctx := context.Background()
			p1 := startProcEnv(t, data, []string{killpoint.Env + "=" + killpoint.Validated + ":2"}, args...)
			s1 := &testServer{URL: p1.URL, AppID: p1.AppID, Secret: p1.Secret}
			c := s1.client()
			base, err := c.ImportNew(ctx, uploadExport(t, c, fixture.Get(t, "demobot1-full")))
			if err != nil {
				t.Fatal(err)
			}
			bot := watch(t, c, base.ID).StreamID
			req := uploadExport(t, c, fixture.Get(t, "demobot1-full"))
			into := func() string {
				t.Helper()
				st, err := c.ImportInto(ctx, bot, req)
				if err != nil {
					t.Fatal(err)
				}
				return st.ID
			}
			a := into()
			if stopped := p1.waitStops(t, 1, 2*time.Minute); stopped[0] != a {
				t.Fatalf("stopped %v, want %s", stopped, a)
			}
			b, cq := into(), into()

			// A queued import ends at once; cancelling it again finds it so.
			for range 2 {
				out, errOut, code := runCLI(t, s1, "cancel", cq)
				if code != 0 || errOut != "" {
					t.Fatalf("cancel of a queued import: exit %d\n%s%s", code, out, errOut)
				}
				golden(t, "cancel.txt", out)
			}
			out, _, code := runCLI(t, s1, "cancel", cq, "--json")
			var doc client.Status
			if err := json.Unmarshal([]byte(out), &doc); err != nil || code != 0 || !doc.Cancelled || doc.Status != "failure" ||
				doc.Message != "Import cancelled" || doc.ID != cq {
				t.Errorf("cancel --json: exit %d, %v:\n%s", code, err, out)
			}
			out, errOut, code := runCLI(t, s1, "cancel", base.ID)
			if code != cli.ExitFailed {
				t.Errorf("cancel of a succeeded import: exit %d, want %d", code, cli.ExitFailed)
			}
			golden(t, "cancel-ended.txt", out+"--- stderr\n"+errOut)
			out, _, code = runCLI(t, s1, "cancel", base.ID, "--json")
			var ended client.Status
			if err := json.Unmarshal([]byte(out), &ended); err != nil || code != cli.ExitFailed || ended.Status != "success" || ended.Cancelled {
				t.Errorf("cancel --json of a succeeded import: exit %d, %v:\n%s", code, err, out)
			}
			if _, errOut, code := runCLI(t, s1, "cancel", "bir-00000000-0000-4000-8000-000000000000"); code != cli.ExitRefused || !strings.Contains(errOut, "Invalid request ID") {
				t.Errorf("cancel of an unknown import: exit %d, %s", code, errOut)
			}

			// B waits behind A; A is running (held), so its cancel waits.
			proxy := newRouteProxy(t, p1.URL, false)
			watchB := startCLI(t, ctx, proxy.URL, s1, "status", b, "--watch")
			watchB.waitOutput(t, "waiting: queued behind 1 import into the same bot")
			cancelA := startCLI(t, ctx, proxy.URL, s1, "cancel", a)
			cancelA.waitOutput(t, "accepted; waiting") // after the server's bounded wait
			proxy.hold()
			p1.sigterm(t)
			p2 := startProc(t, data, args...)
			proxy.to(t, p2.URL)
			s2 := &testServer{URL: p2.URL, AppID: p1.AppID, Secret: p1.Secret}

			if code := cancelA.exit(t); code != 0 {
				t.Errorf("cancel of the running import: exit %d\n%s%s", code, cancelA.stdout, cancelA.stderr)
			}
			// It may wait for recovery between the servers: how long is
			// timing, and not pinned.
			golden(t, "cancel-running.txt", withoutLines(cancelA.stdout.String(), "  waiting: waiting for recovery"))
			if code := watchB.exit(t); code != 0 {
				t.Errorf("status --watch of B: exit %d\n%s%s", code, watchB.stdout, watchB.stderr)
			}
			golden(t, "status-watch-stream.txt", watchB.stdout.String())
			t.Logf("through the proxy: %d event streams opened, %d status reads", proxy.count(reqEvents), proxy.count(reqStatus))
			// Each command opened a stream on the first server; B's, at
			// least, was resumed on the second.
			if proxy.count(reqStatus) != 0 || proxy.count(reqEvents) < 3 {
				t.Errorf("the commands read the status %d times and opened %d event streams: want only streams", proxy.count(reqStatus), proxy.count(reqEvents))
			}
			c2 := s2.client()
			if vs, err := c2.Versions(ctx, bot); err != nil || len(vs) != 2 || vs[1].ImportID != b {
				t.Errorf("versions after the cancels: %+v, %v (want the first import's and B's)", vs, err)
			}

			// A failed import and a dry run, for the lists.
			poll := be.poll.String()
			if _, _, code := runCLI(t, s2, "import", brokenExport(t), "--wait", "--interval", poll); code != cli.ExitFailed {
				t.Fatalf("import of a broken export: exit %d", code)
			}
			if out, errOut, code := runCLI(t, s2, "import", fixture.Get(t, "demobot1-all").Dir, "--bot", bot, "--dry-run", "--wait", "--interval", poll); code != 0 {
				t.Fatalf("dry run: exit %d\n%s%s", code, out, errOut)
			}
			checkImportsList(t, s2, bot, map[string]string{base.ID: "base", a: "A", b: "B", cq: "C"})
		})
	}
}

// checkImportsList compares imports list with what the API lists: the
// table (golden) and every filter, page size and limit of it, and -o json.
func checkImportsList(t *testing.T, ts *testServer, bot string, names map[string]string) {
	t.Helper()
	ctx := context.Background()
	c := ts.client()
	listed := func(o client.ListOptions) []client.ImportItem {
		t.Helper()
		var items []client.ImportItem
		for it, err := range c.AllImports(ctx, o) {
			if err != nil {
				t.Fatalf("list %+v: %v", o, err)
			}
			items = append(items, it)
		}
		return items
	}
	all := listed(client.ListOptions{})
	var order []string
	for _, it := range all {
		order = append(order, names[it.ID])
	}
	if got := strings.Join(order, ","); got != ",,C,B,A,base" {
		t.Fatalf("the API lists %s (newest first), want the dry run, the failed import, C, B, A, base", got)
	}

	table, errOut, code := runCLI(t, ts, "imports", "list")
	if code != 0 || errOut != "" {
		t.Fatalf("imports list: exit %d\n%s%s", code, table, errOut)
	}
	golden(t, "imports-list.txt", normalizeTook(table))
	lines := strings.SplitAfter(table, "\n")
	header, rows := lines[0], map[string]string{}
	for i, it := range all {
		rows[it.ID] = lines[i+1]
	}
	if len(lines) != len(all)+2 || !strings.Contains(rows[all[2].ID], " cancelled ") {
		t.Fatalf("imports list printed %d lines for %d imports:\n%s", len(lines)-1, len(all), table)
	}

	third := all[2].CreatedOn // as the server writes it
	at, err := time.Parse(time.RFC3339Nano, third)
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		args      []string
		opts      client.ListOptions
		cancelled bool
		limit     int
		want      int // imports shown (-1: not checked)
	}{
		{args: []string{"--page-size", "1"}, want: 6},
		{args: []string{"--page-size", "4"}, want: 6},
		{args: []string{"--limit", "2"}, limit: 2, want: 2},
		{args: []string{"--limit", "4", "--page-size", "3"}, limit: 4, want: 4},
		{args: []string{"--limit", "10"}, limit: 10, want: 6},
		{args: []string{"--status", "cancelled"}, opts: client.ListOptions{Status: "failure"}, cancelled: true, want: 2},
		{args: []string{"--status", "cancelled", "--limit", "1", "--page-size", "1"}, opts: client.ListOptions{Status: "failure"}, cancelled: true, limit: 1, want: 1},
		{args: []string{"--status", "failure"}, opts: client.ListOptions{Status: "failure"}, want: 3},
		{args: []string{"--status", "success", "--page-size", "2"}, opts: client.ListOptions{Status: "success"}, want: 3},
		{args: []string{"--bot", bot}, opts: client.ListOptions{BotID: bot}, want: -1},
		{args: []string{"--since", third}, opts: client.ListOptions{Since: at}, want: 3},
		{args: []string{"--until", third}, opts: client.ListOptions{Until: at}, want: 3},
		{args: []string{"--since", "1h", "--until", "2999-01-01"}, want: 6},
	} {
		name := strings.Join(tt.args, " ")
		var want []client.ImportItem
		for _, it := range listed(tt.opts) {
			if (!tt.cancelled || it.Cancelled) && (tt.limit == 0 || len(want) < tt.limit) {
				want = append(want, it)
			}
		}
		if tt.want >= 0 && len(want) != tt.want {
			t.Errorf("%s: the API lists %d imports, want %d", name, len(want), tt.want)
		}
		expect := header
		for _, it := range want {
			expect += rows[it.ID]
		}
		out, errOut, code := runCLI(t, ts, append([]string{"imports", "list"}, tt.args...)...)
		if code != 0 || out != expect {
			t.Errorf("imports list %s: exit %d\n%s%s\nwant:\n%s", name, code, out, errOut, expect)
		}
	}

	if out, errOut, code := runCLI(t, ts, "imports", "list", "--status", "pending"); code != 0 || out != "" || errOut != "botport: no imports match\n" {
		t.Errorf("imports list of no import: exit %d, stdout %q, stderr %q", code, out, errOut)
	}
	for _, tt := range []struct {
		args []string
		want []client.ImportItem
	}{
		{[]string{"-o", "json"}, all},
		{[]string{"--json", "--page-size", "5"}, all},
		{[]string{"-o", "json", "--limit", "1"}, all[:1]},
		{[]string{"-o", "json", "--status", "pending"}, []client.ImportItem{}},
	} {
		out, errOut, code := runCLI(t, ts, append([]string{"imports", "list"}, tt.args...)...)
		var got []client.ImportItem
		if err := json.Unmarshal([]byte(out), &got); err != nil || code != 0 || errOut != "" || !reflect.DeepEqual(got, tt.want) {
			t.Errorf("imports list %v: exit %d, %v, stderr %q:\n%s\nwant %+v", tt.args, code, err, errOut, out, tt.want)
		}
	}
}

// normalizeTook replaces the durations of imports list's TOOK column,
// which depend on the machine, keeping the columns' widths.
func normalizeTook(table string) string {
	lines := strings.SplitAfter(table, "\n")
	col := strings.Index(lines[0], "TOOK")
	for i := 1; i < len(lines); i++ {
		if col < 0 || len(lines[i]) < col+6 {
			continue
		}
		if v := strings.TrimSpace(lines[i][col : col+6]); v != "-" {
			lines[i] = lines[i][:col] + fmt.Sprintf("%-6s", "DUR") + lines[i][col+6:]
		}
	}
	return strings.Join(lines, "")
}

// TestCLIWatchFallsBackToPolling: import --wait and status --watch read
// the event stream, never the status route; through a proxy that plays a
// host without botport's API (a Kore.ai host: the events route is 404),
// they poll the status instead, every --interval (a second on
// PostgreSQL), and print the same lines. There, imports list and cancel
// are refused (exit 3) and say why.
func TestCLIWatchFallsBackToPolling(t *testing.T) {
	forBackends(t, func(t *testing.T, b backend, ts *testServer) {
		demo := fixture.Get(t, "demobot1-full").Dir
		interval := b.poll.String()
		for _, kore := range []bool{false, true} {
			proxy := newRouteProxy(t, ts.URL, kore)
			via := &testServer{URL: proxy.URL, AppID: ts.AppID, Secret: ts.Secret}
			out, errOut, code := runCLI(t, via, "import", demo, "--wait", "--interval", interval)
			if code != 0 || errOut != "" {
				t.Fatalf("import --wait (a host without streams: %v): exit %d\n%s%s", kore, code, out, errOut)
			}
			golden(t, "import.txt", out)
			bir := reBIR.FindString(out)
			out, errOut, code = runCLI(t, via, "status", bir, "--watch", "--interval", interval)
			if code != 0 || errOut != "" {
				t.Fatalf("status --watch (a host without streams: %v): exit %d\n%s%s", kore, code, out, errOut)
			}
			golden(t, "status-watch.txt", out)
			events, polls := proxy.count(reqEvents), proxy.count(reqStatus)
			t.Logf("a host without streams: %v: %d event streams asked for, %d status reads", kore, events, polls)
			if events != 2 || (polls == 0) != !kore {
				t.Errorf("a host without streams: %v: %d event streams asked for, %d status reads", kore, events, polls)
			}
		}
		kore := &testServer{URL: newRouteProxy(t, ts.URL, true).URL, AppID: ts.AppID, Secret: ts.Secret}
		for _, args := range [][]string{{"imports", "list"}, {"cancel", "bir-00000000-0000-4000-8000-000000000000"}} {
			_, errOut, code := runCLI(t, kore, args...)
			if code != cli.ExitRefused || !strings.Contains(errOut, "404 Not Found") || !strings.Contains(errOut, "has no botport API") {
				t.Errorf("%v on a host without botport's API: exit %d, %q", args, code, errOut)
			}
		}
	})
}

var reBIR = regexp.MustCompile(`bir-[0-9a-f-]{36}`)

// TestCLISteerExitCodes: the exit codes of imports list and cancel.
func TestCLISteerExitCodes(t *testing.T) {
	ts := startServer(t)
	noServer := &testServer{URL: "http://127.0.0.1:1", AppID: ts.AppID, Secret: ts.Secret}
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	terminated, stop := context.WithCancelCause(context.Background())
	stop(&cli.Signaled{Signal: syscall.SIGTERM})
	unknown := "bir-00000000-0000-4000-8000-000000000000"
	for _, tt := range []struct {
		name  string
		ctx   context.Context
		ts    *testServer
		args  []string
		code  int
		error string // in stderr
	}{
		{name: "imports list -o yaml", ts: ts, args: []string{"imports", "list", "-o", "yaml"}, code: 2},
		{name: "imports list of an unknown status", ts: ts, args: []string{"imports", "list", "--status", "done"}, code: 2, error: "--status"},
		{name: "imports list since a bad time", ts: ts, args: []string{"imports", "list", "--since", "soon"}, code: 2, error: "--since"},
		{name: "imports list since after until", ts: ts, args: []string{"imports", "list", "--since", "1h", "--until", "2h"}, code: 2},
		{name: "imports list with a negative limit", ts: ts, args: []string{"imports", "list", "--limit", "-1"}, code: 2},
		{name: "imports list with a page too large", ts: ts, args: []string{"imports", "list", "--page-size", "501"}, code: 2},
		{name: "imports list with an argument", ts: ts, args: []string{"imports", "list", "st-x"}, code: 2},
		{name: "imports with an unknown subcommand", ts: ts, args: []string{"imports", "show"}, code: 2},
		{name: "cancel without an import", ts: ts, args: []string{"cancel"}, code: 2},
		{name: "cancel of two imports", ts: ts, args: []string{"cancel", unknown, unknown}, code: 2},
		{name: "imports list of an unknown bot", ts: ts, args: []string{"imports", "list", "--bot", "st-00000000-0000-4000-8000-000000000000"}, code: 0, error: "no imports match"},
		{name: "cancel of an unknown import", ts: ts, args: []string{"cancel", unknown}, code: 3, error: "Invalid request ID"},
		{name: "imports list with a wrong secret", ts: &testServer{URL: ts.URL, AppID: ts.AppID, Secret: "wrong"}, args: []string{"imports", "list"}, code: 3},
		{name: "imports list with no server", ts: noServer, args: []string{"imports", "list"}, code: 4},
		{name: "cancel with no server", ts: noServer, args: []string{"cancel", unknown}, code: 4},
		{name: "imports list interrupted", ctx: cancelled, ts: ts, args: []string{"imports", "list"}, code: 130, error: "interrupted"},
		{name: "cancel terminated", ctx: terminated, ts: ts, args: []string{"cancel", unknown}, code: 143, error: "terminated"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			ctx := tt.ctx
			if ctx == nil {
				ctx = context.Background()
			}
			_, errOut, code := runCLIWith(t, ctx, tt.ts, nil, tt.args...)
			if code != tt.code || !strings.Contains(errOut, tt.error) {
				t.Errorf("exit %d, want %d; stderr %q, want it to say %q", code, tt.code, errOut, tt.error)
			}
		})
	}
}
