package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"io"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/botport/botport/internal/cli"
	"github.com/botport/botport/internal/fixture"
)

var update = flag.Bool("update", false, "rewrite the golden files of CLI output")

// runCLI runs botport with args as a user would and returns its output and
// exit code.
func runCLI(t *testing.T, ts *testServer, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	noConfig := filepath.Join(t.TempDir(), "config.json") // isolates from the user's own config
	if err := os.WriteFile(noConfig, []byte("{}"), 0o600); err != nil {
		t.Fatal(err)
	}
	getenv := func(k string) string {
		switch {
		case ts == nil:
			return ""
		case k == "BOTPORT_HOST":
			return ts.URL
		case k == "BOTPORT_APP":
			return ts.AppID
		case k == "BOTPORT_SECRET":
			return ts.Secret
		case k == "BOTPORT_CONFIG":
			return noConfig
		}
		return ""
	}
	var out, errOut bytes.Buffer
	err := run(context.Background(), args, getenv, strings.NewReader(""), &out, &errOut)
	if err != nil {
		var ee *cli.ExitError
		if !asExit(err, &ee) || ee.Err != nil {
			errOut.WriteString("botport: " + err.Error() + "\n")
		}
	}
	return out.String(), errOut.String(), cli.ExitCode(err)
}

func asExit(err error, target **cli.ExitError) bool {
	e, ok := err.(*cli.ExitError)
	if ok {
		*target = e
	}
	return ok
}

var normalizers = []struct {
	re   *regexp.Regexp
	with string
}{
	{regexp.MustCompile(`bir-[0-9a-f-]{36}`), "bir-ID"},
	{regexp.MustCompile(`st-[0-9a-f-]{36}`), "st-ID"},
	{regexp.MustCompile(`u-[0-9a-f-]{36}`), "u-ID"},
	{regexp.MustCompile(`[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}`), "UUID"},
	{regexp.MustCompile(`\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z`), "TIME"},
	{regexp.MustCompile(`http://127\.0\.0\.1:\d+`), "http://HOST"},
	{regexp.MustCompile(regexp.QuoteMeta(os.TempDir()) + `/[^\s:"]+/`), "TMP/"},
}

// golden compares got with testdata/golden/name, after replacing ids,
// times and ports; -update rewrites the file.
func golden(t *testing.T, name, got string) {
	t.Helper()
	for _, n := range normalizers {
		got = n.re.ReplaceAllString(got, n.with)
	}
	path := filepath.Join("testdata", "golden", name)
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if got != string(want) {
		t.Errorf("%s differs (run with -update after checking):\n--- got\n%s\n--- want\n%s", name, got, want)
	}
}

// brokenExport writes demobot1-full with one transition pointing nowhere.
func brokenExport(t *testing.T) string {
	t.Helper()
	e := fixture.Get(t, "demobot1-full")
	dir := t.TempDir()
	for _, f := range []string{"botDefinition.json", "config.json", "icon.png"} {
		b, err := os.ReadFile(e.File(f))
		if err != nil {
			t.Fatal(err)
		}
		if f == "botDefinition.json" {
			i := bytes.Index(b, []byte(`"default": "`))
			j := i + len(`"default": "`)
			k := j + bytes.IndexByte(b[j:], '"')
			b = append(append(append([]byte{}, b[:j]...), "n42"...), b[k:]...)
		}
		if err := os.WriteFile(filepath.Join(dir, f), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// TestCLIGolden pins the human and --json output of import, status and
// validate.
func TestCLIGolden(t *testing.T) {
	ts := startServer(t)
	demo := fixture.Get(t, "demobot1-full").Dir

	out, errOut, code := runCLI(t, ts, "import", demo, "--wait", "--interval", "20ms")
	if code != 0 || errOut != "" {
		t.Fatalf("import: code %d, stderr %s", code, errOut)
	}
	golden(t, "import.txt", out)
	bir := regexp.MustCompile(`bir-[0-9a-f-]{36}`).FindString(out)

	out, _, code = runCLI(t, ts, "import", demo, "--wait", "--interval", "20ms", "--json")
	if code != 0 {
		t.Fatalf("import --json: code %d", code)
	}
	golden(t, "import.json", out)

	out, errOut, code = runCLI(t, ts, "import", brokenExport(t), "--wait", "--interval", "20ms")
	if code != cli.ExitFailed {
		t.Errorf("failed import: exit %d, want %d", code, cli.ExitFailed)
	}
	golden(t, "import-failed.txt", out+"--- stderr\n"+errOut)
	failedBIR := regexp.MustCompile(`bir-[0-9a-f-]{36}`).FindString(out)
	for _, args := range [][]string{{"status", failedBIR}, {"status", failedBIR, "--json"}, {"status", failedBIR, "--watch", "--json"}} {
		if _, _, code := runCLI(t, ts, args...); code != cli.ExitFailed {
			t.Errorf("%v of a failed import: exit %d, want %d", args, code, cli.ExitFailed)
		}
	}

	out, _, code = runCLI(t, ts, "status", bir)
	if code != 0 {
		t.Errorf("status: exit %d", code)
	}
	golden(t, "status.txt", out)
	out, _, code = runCLI(t, ts, "status", bir, "--json")
	if code != 0 {
		t.Errorf("status --json: exit %d", code)
	}
	golden(t, "status.json", out)

	for _, v := range []struct{ name, path string }{
		{"nlp-only", fixture.Get(t, "demobot1-nlp-only").Dir},
		{"broken", brokenExport(t)},
		{"lex", func() string {
			dir := t.TempDir()
			b, _ := os.ReadFile(fixture.Invalid(t, "lex-bot-not-kore.json"))
			os.WriteFile(filepath.Join(dir, "botDefinition.json"), b, 0o644)
			os.WriteFile(filepath.Join(dir, "config.json"), []byte(`{"name":"Lex","envVariables":[]}`), 0o644)
			return dir
		}()},
	} {
		for _, asJSON := range []bool{false, true} {
			args := []string{"validate", v.path}
			name := "validate-" + v.name + ".txt"
			if asJSON {
				args, name = append(args, "--json"), "validate-"+v.name+".json"
			}
			out, _, code := runCLI(t, nil, args...)
			if want := map[bool]int{true: 0, false: 1}[v.name == "nlp-only"]; code != want {
				t.Errorf("%s: exit %d, want %d", name, code, want)
			}
			golden(t, name, strings.ReplaceAll(out, v.path, "PATH"))
		}
	}
}

// TestCLIImportEveryFixture runs `botport import --wait` on every fixture,
// folder and zip, and the offline validator on each.
func TestCLIImportEveryFixture(t *testing.T) {
	ts := startServer(t)
	for _, e := range fixture.Exports(t) {
		paths := []string{e.Dir}
		if e.Zip != "" {
			paths = append(paths, e.Zip)
		}
		for _, p := range paths {
			out, errOut, code := runCLI(t, ts, "import", p, "--wait", "--interval", "20ms")
			if code != 0 || !strings.Contains(out, "succeeded: bot st-") {
				t.Errorf("%s: exit %d\n%s\n%s", p, code, out, errOut)
			}
			if out, _, code := runCLI(t, nil, "validate", p); code != 0 {
				t.Errorf("validate %s: exit %d\n%s", p, code, out)
			}
		}
	}
	out, _, code := runCLI(t, ts, "bots", "list")
	if code != 0 || strings.Count(out, "st-") != 18 {
		t.Errorf("bots list: exit %d, %d bots:\n%s", code, strings.Count(out, "st-"), out)
	}
}

// TestCLIExitCodes checks the documented exit codes.
func TestCLIExitCodes(t *testing.T) {
	ts := startServer(t)
	demo := fixture.Get(t, "demobot1-full").Dir
	cases := []struct {
		name string
		ts   *testServer
		args []string
		code int
	}{
		{"missing argument", ts, []string{"import"}, cli.ExitUsage},
		{"unknown flag", ts, []string{"status", "bir-x", "--nope"}, cli.ExitUsage},
		{"unknown command", ts, []string{"impotr"}, cli.ExitUsage},
		{"replace without options", ts, []string{"import", demo, "--bot", "st-x", "--replace"}, cli.ExitUsage},
		{"unknown import", ts, []string{"status", "bir-00000000-0000-4000-8000-000000000000"}, cli.ExitRefused},
		{"wrong secret", &testServer{URL: ts.URL, AppID: ts.AppID, Secret: "wrong"}, []string{"bots", "list"}, cli.ExitRefused},
		{"no server", &testServer{URL: "http://127.0.0.1:1", AppID: ts.AppID, Secret: ts.Secret}, []string{"bots", "list"}, cli.ExitUnavailable},
		{"invalid export", nil, []string{"validate", brokenExport(t)}, cli.ExitFailed},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, errOut, code := runCLI(t, c.ts, c.args...)
			if code != c.code {
				t.Errorf("exit %d, want %d (%s)", code, c.code, errOut)
			}
		})
	}
}

// TestCLIExport exports a bot and checks the zip imports back.
func TestCLIExport(t *testing.T) {
	ts := startServer(t)
	out, _, code := runCLI(t, ts, "import", fixture.Get(t, "demobot1-full").Dir, "--wait", "--interval", "20ms", "--json")
	if code != 0 {
		t.Fatal(out)
	}
	botID := regexp.MustCompile(`st-[0-9a-f-]{36}`).FindString(out)
	zipPath := filepath.Join(t.TempDir(), "out.zip")
	out, errOut, code := runCLI(t, ts, "export", botID, "-o", zipPath, "--interval", "20ms")
	if code != 0 || !strings.Contains(out, "exported bot "+botID) {
		t.Fatalf("export: exit %d\n%s%s", code, out, errOut)
	}
	out, _, code = runCLI(t, ts, "import", zipPath, "--wait", "--interval", "20ms")
	if code != 0 {
		t.Errorf("import of the exported zip: %s", out)
	}
	// Without -o the file is named after the bot, and never replaces one.
	t.Chdir(t.TempDir())
	for _, want := range []string{"Demobot1.zip", "Demobot1-2.zip"} {
		out, errOut, code := runCLI(t, ts, "export", botID, "--interval", "20ms")
		if code != 0 || !strings.Contains(out, " to "+want+" ") {
			t.Errorf("export without -o: exit %d, want %s\n%s%s", code, want, out, errOut)
		}
		if _, err := os.Stat(want); err != nil {
			t.Error(err)
		}
	}
}

// TestAppsAdmin lists, rotates and disables apps as an operator would.
func TestAppsAdmin(t *testing.T) {
	ts := startServer(t)
	out, _, code := runCLI(t, nil, "apps", "list", "--data", ts.Data)
	if code != 0 || !strings.Contains(out, ts.AppID) || strings.Contains(out, ts.Secret) {
		t.Fatalf("apps list (must never show secrets): %s", out)
	}
	out, _, code = runCLI(t, nil, "apps", "rotate-secret", "--data", ts.Data, "--app", ts.AppID, "--json")
	newSecret := regexp.MustCompile(`"clientSecret":"([^"]+)"`).FindStringSubmatch(out)
	if code != 0 || newSecret == nil || !strings.Contains(out, `"account":"default"`) {
		t.Fatalf("rotate-secret --json: %s", out)
	}
	out, _, code = runCLI(t, nil, "token", "--data", ts.Data, "--app", ts.AppID, "--json")
	if code != 0 || !strings.Contains(out, `"appId":"`+ts.AppID+`"`) || !strings.Contains(out, `"expiresAt":"`) {
		t.Errorf("token --json: %s", out)
	}
	// Apps are cached; a change reaches the server within 200 ms.
	refusedSoon := func(c *testServer, what string) {
		t.Helper()
		for i := 0; ; i++ {
			if _, _, code := runCLI(t, c, "bots", "list"); code == cli.ExitRefused {
				return
			}
			if i == 50 {
				t.Errorf("%s: still accepted after 5 s", what)
				return
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
	refusedSoon(ts, "the old secret")
	rotated := &testServer{URL: ts.URL, AppID: ts.AppID, Secret: newSecret[1]}
	for i := 0; ; i++ { // accepted once the change reached the server
		if _, _, code := runCLI(t, rotated, "bots", "list"); code == 0 {
			break
		} else if i == 50 {
			t.Fatalf("the new secret does not work (exit %d)", code)
		}
		time.Sleep(100 * time.Millisecond)
	}
	if out, _, code := runCLI(t, nil, "apps", "disable", "--data", ts.Data, "--app", ts.AppID, "--json"); code != 0 || !strings.Contains(out, `"disabled":true`) {
		t.Fatalf("disable --json: exit %d: %s", code, out)
	}
	refusedSoon(rotated, "a disabled app")
	if _, _, code := runCLI(t, nil, "apps", "disable", "--data", ts.Data, "--app", ts.AppID, "--enable"); code != 0 {
		t.Fatal("enable failed")
	}
	for i := 0; ; i++ {
		if _, _, code := runCLI(t, rotated, "bots", "list"); code == 0 {
			break
		} else if i == 50 {
			t.Errorf("the enabled app is still refused after 5 s (exit %d)", code)
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// TestDemoOnce runs the README's demo command as a newcomer would, with
// --once, on a port someone else already holds: the demo moves to a free
// one.
func TestDemoOnce(t *testing.T) {
	taken, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer taken.Close()
	out, errOut, code := runCLI(t, nil, "demo", "--once", "--addr", taken.Addr().String())
	if code != 0 {
		t.Fatalf("demo: exit %d\n%s\n%s", code, out, errOut)
	}
	for _, want := range []string{"botport demo: serving on http://127.0.0.1:", "Dialog: PayBill", "succeeded: bot st-",
		`"status": "success"`, `"__v": 0`, "--once: the server stopped"} {
		if !strings.Contains(out, want) {
			t.Errorf("demo output lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "serving on http://"+taken.Addr().String()) {
		t.Errorf("the demo claims the taken port:\n%s", out)
	}
}

// TestDemoServes runs the demo until Ctrl-C and follows its "Try it" lines:
// the token command and the curl URL it prints work while it serves.
func TestDemoServes(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	out := &syncBuffer{}
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"demo", "--addr", "127.0.0.1:0"}, func(string) string { return "" }, strings.NewReader(""), out, io.Discard)
	}()
	deadline := time.Now().Add(60 * time.Second)
	for !strings.Contains(out.String(), "Serving until Ctrl-C.") {
		if time.Now().After(deadline) {
			t.Fatalf("the demo did not reach serving:\n%s", out)
		}
		select {
		case err := <-done:
			t.Fatalf("the demo ended early: %v\n%s", err, out)
		case <-time.After(20 * time.Millisecond):
		}
	}
	m := regexp.MustCompile(`token --data (\S+) --app (cs-\S+)\)\n\s+curl -s -H "auth: \$TOKEN" (\S+)`).FindStringSubmatch(out.String())
	if m == nil {
		t.Fatalf("no Try it lines:\n%s", out)
	}
	var tok bytes.Buffer
	if err := run(context.Background(), []string{"token", "--data", m[1], "--app", m[2]}, func(string) string { return "" }, strings.NewReader(""), &tok, io.Discard); err != nil {
		t.Fatalf("the printed token command: %v", err)
	}
	resp, body := rawRequest(t, "GET", m[3], map[string]string{"auth": strings.TrimSpace(tok.String())}, nil)
	if resp.StatusCode != 200 || !strings.Contains(string(body), `"name":"Demobot1"`) {
		t.Errorf("the printed curl line: %d %s", resp.StatusCode, body)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("demo after Ctrl-C: %v", err)
		}
	case <-time.After(60 * time.Second):
		t.Fatal("the demo did not stop")
	}
	if _, err := os.Stat(m[1]); !os.IsNotExist(err) {
		t.Errorf("the demo left its data directory %s: %v", m[1], err)
	}
}

// TestCLIServerNeverAnswers: a server that accepts connections and never
// answers costs --timeout per attempt, then exit 4, not a hang.
func TestCLIServerNeverAnswers(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	accepted := make(chan int, 100)
	go func() {
		for n := 1; ; n++ {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			defer c.Close() // held open, never answered
			go io.Copy(io.Discard, c)
			accepted <- n
		}
	}()
	_, errOut, code := runCLI(t, nil, "bots", "list", "--host", "http://"+ln.Addr().String(), "--app", "cs-x", "--secret", "s", "--timeout", "100ms")
	if code != cli.ExitUnavailable || !strings.Contains(errOut, "timeout") {
		t.Errorf("exit %d, want %d: %s", code, cli.ExitUnavailable, errOut)
	}
	if n := len(accepted); n < 2 {
		t.Errorf("%d attempts: a GET that timed out is retried", n)
	}
}

// TestCLIValidateInvalidFixtures runs `botport validate` on the shared
// malformed files as they are, each a definition on its own.
func TestCLIValidateInvalidFixtures(t *testing.T) {
	for _, tt := range []struct{ file, want string }{
		{"lex-bot-not-kore.json", "lex-bot-not-kore.json:1:1: not a Kore.ai bot export"},
		{"empty-botDefinition.json", "empty-botDefinition.json:2:1: unexpected end of input"},
	} {
		t.Run(tt.file, func(t *testing.T) {
			path := fixture.Invalid(t, tt.file)
			out, _, code := runCLI(t, nil, "validate", path)
			if code != cli.ExitFailed || !strings.Contains(out, tt.want) || !strings.Contains(out, ": 1 error, 0 warnings") {
				t.Errorf("exit %d, want %d, output lacks %q:\n%s", code, cli.ExitFailed, tt.want, out)
			}
			out, _, code = runCLI(t, nil, "validate", path, "--json")
			var v struct {
				Valid   bool
				Summary struct{ Errors int }
				Errors  []struct {
					File, Code string
					Line       int
				}
			}
			if err := json.Unmarshal([]byte(out), &v); err != nil || code != cli.ExitFailed || v.Valid || v.Summary.Errors != 1 ||
				len(v.Errors) != 1 || v.Errors[0].File != tt.file || v.Errors[0].Line < 1 {
				t.Errorf("--json: exit %d, %+v (%v):\n%s", code, v, err, out)
			}
		})
	}
}
