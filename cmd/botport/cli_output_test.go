package main

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/botport/botport/client"
	"github.com/botport/botport/internal/cli"
	"github.com/botport/botport/internal/fixture"
	"github.com/botport/botport/internal/killpoint"
)

var (
	reBotID = regexp.MustCompile(`st-[0-9a-f-]{36}`)
	// reHash is a content hash as versions list shows it.
	reHash = regexp.MustCompile(`(?m)\b[0-9a-f]{12}$`)
	// reGo is the Go version a binary was built with.
	reGo = regexp.MustCompile(`go1\.\d+(\.\d+)?\S*`)
)

// TestCLIVersions lists and restores a bot's versions through the CLI:
// human output (golden), -o json, --json and -q.
func TestCLIVersions(t *testing.T) {
	ts := startServer(t)
	out, _, code := runCLI(t, ts, "import", fixture.Get(t, "demobot1-full").Dir, "--wait", "--interval", "20ms")
	botID := reBotID.FindString(out)
	if code != 0 || botID == "" {
		t.Fatalf("import: exit %d\n%s", code, out)
	}
	if out, errOut, code := runCLI(t, ts, "import", fixture.Get(t, "demobot1-all").Dir, "--bot", botID, "--wait", "--interval", "20ms"); code != 0 {
		t.Fatalf("import into the bot: exit %d\n%s%s", code, out, errOut)
	}

	out, errOut, code := runCLI(t, ts, "versions", "restore", botID, "1")
	if code != 0 || errOut != "" {
		t.Fatalf("versions restore: exit %d\n%s%s", code, out, errOut)
	}
	golden(t, "versions-restore.txt", out)
	if out, _, code := runCLI(t, ts, "versions", "restore", botID, "2", "-q"); code != 0 || out != "4\n" {
		t.Errorf("versions restore -q: exit %d, printed %q, want %q", code, out, "4\n")
	}

	out, _, code = runCLI(t, ts, "versions", "list", botID)
	if code != 0 {
		t.Fatalf("versions list: exit %d\n%s", code, out)
	}
	if n := len(reHash.FindAllString(out, -1)); n != 4 {
		t.Errorf("versions list shows %d content hashes, want 4:\n%s", n, out)
	}
	golden(t, "versions-list.txt", reHash.ReplaceAllString(out, "HASH"))

	for _, args := range [][]string{{"-o", "json"}, {"--json"}} {
		out, _, code := runCLI(t, ts, append([]string{"versions", "list", botID}, args...)...)
		var vs []client.Version
		if err := json.Unmarshal([]byte(out), &vs); err != nil || code != 0 || len(vs) != 4 {
			t.Fatalf("versions list %v: exit %d, %v:\n%s", args, code, err, out)
		}
		if vs[2].ContentHash != vs[0].ContentHash || vs[3].ContentHash != vs[1].ContentHash || !vs[3].Current || vs[2].Current {
			t.Errorf("versions list %v: %+v", args, vs)
		}
	}
}

// TestCLIVersionCommand checks `botport version` and `--version` print the
// same build information, and its JSON form.
func TestCLIVersionCommand(t *testing.T) {
	out, _, code := runCLI(t, nil, "version")
	if code != 0 {
		t.Fatalf("version: exit %d", code)
	}
	flag, _, code := runCLI(t, nil, "--version")
	if code != 0 || flag != out {
		t.Errorf("--version: exit %d, printed %q, want what version prints, %q", code, flag, out)
	}
	golden(t, "version.txt", reGo.ReplaceAllString(out, "GOVERSION"))
	js, _, code := runCLI(t, nil, "version", "--json")
	var bi cli.BuildInfo
	if err := json.Unmarshal([]byte(js), &bi); err != nil || code != 0 || bi.GoVersion == "" || bi.Version == "" {
		t.Errorf("version --json: exit %d, %v: %s", code, err, js)
	}
}

// TestCLIQuiet checks -q prints only the id of what a command created.
func TestCLIQuiet(t *testing.T) {
	ts := startServer(t)
	demo := fixture.Get(t, "demobot1-full").Dir
	out, errOut, code := runCLI(t, ts, "import", demo, "-q")
	if code != 0 || errOut != "" || !regexp.MustCompile(`^bir-[0-9a-f-]{36}\n$`).MatchString(out) {
		t.Fatalf("import -q: exit %d, printed %q (stderr %q), want the import's id alone", code, out, errOut)
	}
	wait(t, ts.client(), strings.TrimSpace(out))

	out, errOut, code = runCLI(t, ts, "import", demo, "-q", "--wait", "--interval", "20ms")
	if code != 0 || errOut != "" || !regexp.MustCompile(`^bir-[0-9a-f-]{36}\n$`).MatchString(out) {
		t.Fatalf("import -q --wait: exit %d, printed %q (stderr %q)", code, out, errOut)
	}
	st := wait(t, ts.client(), strings.TrimSpace(out))

	out, errOut, code = runCLI(t, ts, "import", brokenExport(t), "-q", "--wait", "--interval", "20ms")
	if code != cli.ExitFailed || !regexp.MustCompile(`^bir-[0-9a-f-]{36}\n$`).MatchString(out) ||
		!strings.Contains(errOut, `transition targets unknown node "n42"`) || !strings.Contains(errOut, " failed: ") {
		t.Errorf("import -q --wait of a broken export: exit %d, stdout %q, stderr %q; want the id, then problems and the failure on stderr", code, out, errOut)
	}

	out, errOut, code = runCLI(t, ts, "export", st.StreamID, "-q", "-o", filepath.Join(t.TempDir(), "x.zip"), "--interval", "20ms")
	if code != 0 || errOut != "" || !regexp.MustCompile(`^ber-[0-9a-f-]{36}\n$`).MatchString(out) {
		t.Errorf("export -q: exit %d, printed %q (stderr %q), want the export's id alone", code, out, errOut)
	}
}

// TestCLIExportToStdout checks export -o - writes the zip, and only the
// zip, to stdout.
func TestCLIExportToStdout(t *testing.T) {
	ts := startServer(t)
	st := wait(t, ts.client(), mustImport(t, ts))
	out, errOut, code := runCLI(t, ts, "export", st.StreamID, "-o", "-", "--interval", "20ms")
	if code != 0 {
		t.Fatalf("export -o -: exit %d\n%s", code, errOut)
	}
	zr, err := zip.NewReader(bytes.NewReader([]byte(out)), int64(len(out)))
	if err != nil {
		t.Fatalf("stdout is not a zip (%v): %q…", err, out[:min(len(out), 80)])
	}
	names := map[string]bool{}
	for _, f := range zr.File {
		names[f.Name] = true
	}
	if !names["botDefinition.json"] || !names["config.json"] {
		t.Errorf("the zip holds %v", names)
	}
	if want := fmt.Sprintf("exported bot %s to stdout (%s)\n", st.StreamID, commaBytes(len(out))); errOut != want {
		t.Errorf("stderr %q, want %q", errOut, want)
	}
	if leftovers, _ := filepath.Glob(".botport-export-*"); len(leftovers) > 0 {
		t.Errorf("export -o - left %v", leftovers)
	}
}

// commaBytes is n as the CLI writes sizes: "12,345 bytes".
func commaBytes(n int) string {
	s := fmt.Sprint(n)
	var b strings.Builder
	for i := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteByte(s[i])
	}
	return b.String() + " bytes"
}

// mustImport imports demobot1-full and returns the import's id.
func mustImport(t *testing.T, ts *testServer) string {
	t.Helper()
	c := ts.client()
	st, err := c.ImportNew(context.Background(), uploadExport(t, c, fixture.Get(t, "demobot1-full")))
	if err != nil {
		t.Fatal(err)
	}
	return st.ID
}

// TestCLIAnnouncesRetries: a retried request is announced on stderr.
func TestCLIAnnouncesRetries(t *testing.T) {
	ts := startServer(t)
	bir := mustImport(t, ts)
	wait(t, ts.client(), bir)
	proxy := newSlowProxy(t, ts.URL, flakyStatus)
	out, errOut, code := runCLI(t, &testServer{URL: proxy.URL, AppID: ts.AppID, Secret: ts.Secret}, "status", bir)
	want := regexp.MustCompile(`^botport: retrying GET /api/public/bot/import/status/` + bir + ` in \S+ \(attempt 1 of 5 failed: 503 Service Unavailable \(code 503\)\)\n$`)
	if code != 0 || !want.MatchString(errOut) || !strings.Contains(out, "succeeded") {
		t.Errorf("status through a server that answers 503 once: exit %d, stderr %q (want it to match %s), stdout:\n%s", code, errOut, want, out)
	}
}

// queuedImports runs a server (a process of its own) whose second import
// stops after Bot Definition (a kill point) and returns it with that
// import, running, and a third import into the same bot, queued behind it.
func queuedImports(t *testing.T) (ts *testServer, running, queued string) {
	t.Helper()
	p := startProcEnv(t, t.TempDir(), []string{killpoint.Env + "=" + killpoint.Validated + ":2"})
	ts = &testServer{URL: p.URL, AppID: p.AppID, Secret: p.Secret}
	c := ts.client()
	ctx := context.Background()
	botID := wait(t, c, mustImport(t, ts)).StreamID
	req := uploadExport(t, c, fixture.Get(t, "demobot1-full"))
	st, err := c.ImportInto(ctx, botID, req)
	if err != nil {
		t.Fatal(err)
	}
	running = st.ID
	for deadline := time.Now().Add(time.Minute); !strings.Contains(p.logs.String(), "kill point validated reached (import "+running); time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("the second import never reached the kill point:\n%s", p.logs)
		}
	}
	if st, err = c.ImportInto(ctx, botID, req); err != nil {
		t.Fatal(err)
	}
	return ts, running, st.ID
}

// TestCLIWaitingSaysWhy: the status of a waiting import says what it waits
// for, or which stage runs, never a bare "running"; status --watch writes
// the queue state as a line (plain output), and Ctrl-C ends it (130).
func TestCLIWaitingSaysWhy(t *testing.T) {
	ts, running, queued := queuedImports(t)
	out, _, code := runCLI(t, ts, "status", queued)
	if code != 0 {
		t.Fatalf("status: exit %d\n%s", code, out)
	}
	golden(t, "status-queued.txt", out)
	out, _, _ = runCLI(t, ts, "status", running)
	golden(t, "status-running.txt", out)

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	config := writeTemp(t, "config.json", []byte("{}"))
	stdout := &syncBuffer{}
	done := make(chan int, 1)
	go func() {
		err := run(ctx, []string{"status", queued, "--watch", "--interval", "50ms"}, func(k string) string {
			return map[string]string{"BOTPORT_HOST": ts.URL, "BOTPORT_APP": ts.AppID, "BOTPORT_SECRET": ts.Secret, "BOTPORT_CONFIG": config}[k]
		}, strings.NewReader(""), stdout, &syncBuffer{})
		done <- cli.ExitCode(err)
	}()
	for deadline := time.Now().Add(30 * time.Second); !strings.Contains(stdout.String(), "waiting: "); time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("status --watch does not say what the import waits for:\n%s", stdout)
		}
	}
	time.Sleep(300 * time.Millisecond) // several polls: the line is written once, not per poll
	cancel()
	select {
	case code := <-done:
		if code != cli.ExitInterrupted {
			t.Errorf("status --watch interrupted: exit %d, want %d", code, cli.ExitInterrupted)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("status --watch did not end when interrupted")
	}
	golden(t, "status-watch-queued.txt", stdout.String())
}
