package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/botport/botport/client"
	"github.com/botport/botport/internal/cli"
	"github.com/botport/botport/internal/fixture"
)

// Canary values of the variables file: none may appear in any output of
// the CLI or in a server's log.
const (
	canaryEnv  = "CANARY-env-7f3a51"
	canaryFile = "CANARY-file-91bc2e"
)

// session runs the CLI as a user with a config file of profiles, an
// environment and stdin, and keeps every byte the CLI printed.
type session struct {
	t      *testing.T
	config string
	env    map[string]string
	all    strings.Builder
}

func newSession(t *testing.T) *session {
	return &session{t: t, config: filepath.Join(t.TempDir(), "botport", "config.json"), env: map[string]string{}}
}

// run runs botport with args and returns its output and exit code.
func (s *session) run(stdin string, args ...string) (stdout, stderr string, code int) {
	s.t.Helper()
	getenv := func(k string) string {
		if k == "BOTPORT_CONFIG" {
			return s.config
		}
		return s.env[k]
	}
	var out, errOut bytes.Buffer
	err := run(context.Background(), args, getenv, strings.NewReader(stdin), &out, &errOut)
	var ee *cli.ExitError
	if err != nil && (!asExit(err, &ee) || ee.Err != nil) {
		errOut.WriteString("botport: " + err.Error() + "\n")
	}
	s.all.WriteString(out.String())
	s.all.WriteString(errOut.String())
	return out.String(), errOut.String(), cli.ExitCode(err)
}

// ok runs botport and fails the test unless it exits 0.
func (s *session) ok(stdin string, args ...string) string {
	s.t.Helper()
	out, errOut, code := s.run(stdin, args...)
	if code != 0 {
		s.t.Fatalf("botport %s: exit %d\n%s\n%s", strings.Join(args, " "), code, out, errOut)
	}
	return out
}

// login saves a profile for a server's default app, the secret on stdin.
func (s *session) login(name string, ts *testServer) {
	s.t.Helper()
	s.ok(ts.Secret+"\n", "login", "--profile", name, "--host", ts.URL, "--app", ts.AppID)
}

func decodeJSON(t *testing.T, out string, v any) {
	t.Helper()
	if err := json.Unmarshal([]byte(out), v); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
}

// promoteOut is what the test reads of promote --json.
type promoteOut struct {
	Target struct {
		BotID   string `json:"botId"`
		Created bool   `json:"created"`
	} `json:"target"`
	Steps []struct {
		Step, Status, ID string
	} `json:"steps"`
	Variables []struct {
		Key, Type, Status, Hash string
	} `json:"variables"`
	Changes struct {
		Changes []struct {
			Kind, Name, Action string
			Details            []string
		} `json:"changes"`
	} `json:"changes"`
}

func (p promoteOut) step(name string) string {
	for _, s := range p.Steps {
		if s.Step == name {
			return s.Status
		}
	}
	return ""
}

// publishedFiles exports a bot's published version and returns the zip's files.
func publishedFiles(t *testing.T, c *client.Client, botID string) map[string][]byte {
	t.Helper()
	ctx := context.Background()
	start, err := c.Export(ctx, botID, client.ExportRequest{ExportType: "published"})
	if err != nil {
		t.Fatal(err)
	}
	st, err := c.WaitExport(ctx, botID, start.ID, 25*time.Millisecond)
	if err != nil || st.Status != "success" {
		t.Fatalf("export %s: %+v %v", botID, st, err)
	}
	var zip bytes.Buffer
	if _, err := c.Download(ctx, st.DownloadURL, &zip); err != nil {
		t.Fatal(err)
	}
	return zipFiles(t, writeTemp(t, "published.zip", zip.Bytes()))
}

// TestPromote is issue 15's scenario: two botport servers as dev and prod,
// a bot made on dev and promoted with a variables file and a publish
// comment; then one dialog changed on dev, which the diff reports and the
// next promotion carries, alone, to prod. No value of the variables file
// shows in the CLI's output, its JSON or either server's log.
func TestPromote(t *testing.T) {
	dev := startServer(t, "--log-level", "debug")
	prod := startServer(t, "--log-level", "debug")
	s := newSession(t)
	s.login("dev", dev)
	s.login("prod", prod)
	if fi, err := os.Stat(s.config); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("config file: %v %v", fi, err)
	}
	list := s.ok("", "profiles", "list")
	if !strings.Contains(list, "dev") || !strings.Contains(list, prod.AppID) || strings.Contains(list, prod.Secret) || strings.Contains(list, dev.Secret) {
		t.Errorf("profiles list:\n%s", list)
	}
	const interval = "50ms"

	// The bot on dev, published.
	var st struct {
		StreamID string `json:"streamId"`
	}
	decodeJSON(t, s.ok("", "import", fixture.Get(t, "code-review-bot").Dir, "--profile", "dev", "--wait", "--interval", interval, "--json"), &st)
	devBot := st.StreamID
	s.ok("", "publish", devBot, "--comment", "dev 1", "--profile", "dev", "--interval", interval)
	const name = "Coder Review Bot"

	// The variables file: one value from the environment, one from a file,
	// one unchanged literal, one key the bot does not have.
	secretFile := writeTemp(t, "project_id", []byte(canaryFile+"\n"))
	s.env["PROD_API_TOKEN"] = canaryEnv
	vars := writeTemp(t, "prod.env", []byte("# prod\nAPI_TOKEN=${PROD_API_TOKEN}\nPROJECT_ID=@"+secretFile+
		"\nCODESENSE_BASE_URL=https://api.codescene.io\nNOT_IN_BOT=x\n"))

	// A dry run changes nothing.
	out := s.ok("", "promote", name, "--from", "dev", "--to", "prod", "--vars", vars, "--publish", "release 1", "--dry-run", "--interval", interval)
	if !strings.Contains(out, "dry-run: done") || !strings.Contains(out, "API_TOKEN") {
		t.Errorf("dry run printed:\n%s", out)
	}
	if bots, _ := prod.client().AllBots(context.Background()); len(bots) != 0 {
		t.Fatalf("the dry run created %d bots on prod", len(bots))
	}

	// 1. The first promotion creates the bot on prod.
	var first promoteOut
	decodeJSON(t, s.ok("", "promote", name, "--from", "dev", "--to", "prod", "--vars", vars, "--publish", "release 1",
		"--interval", interval, "--json"), &first)
	if !first.Target.Created || first.step("import") != "done" || first.step("variables") != "done" || first.step("publish") != "successful" {
		t.Fatalf("first promotion: %+v", first)
	}
	wantVars := map[string]string{"API_TOKEN": "set", "PROJECT_ID": "set", "CODESENSE_BASE_URL": "unchanged", "NOT_IN_BOT": "missing"}
	for _, v := range first.Variables {
		if wantVars[v.Key] != v.Status || !strings.HasPrefix(v.Hash, "sha256:") {
			t.Errorf("variable %s: %s %s, want %s", v.Key, v.Status, v.Hash, wantVars[v.Key])
		}
	}
	pc := prod.client()
	ctx := context.Background()
	bots, err := pc.BotsNamed(ctx, name)
	if err != nil || len(bots) != 1 || bots[0].ID != first.Target.BotID {
		t.Fatalf("bots named %q on prod: %v %v", name, bots, err)
	}
	prodBot := bots[0].ID
	if ps, err := pc.PublishStatus(ctx, prodBot); err != nil || ps.Status != "successful" {
		t.Errorf("publish status on prod: %+v %v", ps, err)
	}
	got, err := pc.ExportVariables(ctx, prodBot)
	if err != nil {
		t.Fatal(err)
	}
	values := map[string]string{}
	for _, v := range got {
		if v.Value != nil {
			values[v.Key] = *v.Value
		}
	}
	if values["API_TOKEN"] != canaryEnv || values["PROJECT_ID"] != canaryFile || values["CODESENSE_BASE_URL"] != "https://api.codescene.io" {
		t.Errorf("prod's variables: %v", values)
	}
	if _, ok := values["NOT_IN_BOT"]; ok {
		t.Errorf("a key the bot does not define was created")
	}
	// prod's published export is dev's plus the variables: the diff of the
	// two shows the two values set, and nothing else.
	var d struct {
		Equal   bool `json:"equal"`
		Changes []struct{ Kind, Name, Action string }
	}
	out, _, code := s.run("", "diff", "dev:"+name+"@published", "prod:"+name+"@published", "--json", "--interval", interval)
	decodeJSON(t, out, &d)
	if code != 1 || len(d.Changes) != 2 || d.Changes[0].Name != "API_TOKEN" || d.Changes[1].Name != "PROJECT_ID" {
		t.Errorf("diff dev prod after the first promotion (exit %d): %+v", code, d.Changes)
	}
	if out, _, code := s.run("", "diff", "dev:"+name, "prod:"+name, "--ignore-variables", "--interval", interval); code != 0 || !strings.Contains(out, "no differences") {
		t.Errorf("diff --ignore-variables (exit %d):\n%s", code, out)
	}
	// And byte for byte: the same definition and icon, the same config.json
	// but for the two values.
	devFiles, prodFiles := publishedFiles(t, dev.client(), devBot), publishedFiles(t, pc, prodBot)
	for _, f := range []string{"botDefinition.json", "icon.png"} {
		if !bytes.Equal(devFiles[f], prodFiles[f]) {
			t.Errorf("prod's published %s differs from dev's", f)
		}
	}
	wantCfg := decodeOrdered(t, devFiles["config.json"])
	for _, v := range wantCfg["envVariables"].([]any) {
		m := v.(map[string]any)
		switch m["key"] {
		case "API_TOKEN":
			m["value"] = canaryEnv
		case "PROJECT_ID":
			m["value"] = canaryFile
		}
	}
	sameDoc(t, "config.json", prodFiles["config.json"], wantCfg)

	// 2. One dialog changes on dev, through an unpacked export in a folder.
	dir := filepath.Join(t.TempDir(), "bot")
	s.ok("", "export", devBot, "--dir", dir, "--profile", "dev", "--interval", interval)
	dialog := filepath.Join(dir, "dialogs", "Choose_Project.json")
	b := readFile(t, dialog)
	changed := regexp.MustCompile(`"isHidden": false`).ReplaceAll(b, []byte(`"isHidden": true`))
	if bytes.Equal(b, changed) {
		t.Fatalf("%s has no isHidden false", dialog)
	}
	if err := os.WriteFile(dialog, changed, 0o644); err != nil {
		t.Fatal(err)
	}
	s.ok("", "import", dir, "--bot", devBot, "--profile", "dev", "--wait", "--interval", interval)
	s.ok("", "publish", devBot, "--comment", "dev 2", "--profile", "dev", "--interval", interval)

	// The diff reports exactly that change before the promotion...
	out, _, code = s.run("", "diff", "dev:"+name, "prod:"+name, "--ignore-variables", "--json", "--interval", interval)
	decodeJSON(t, out, &d)
	if code != 1 || len(d.Changes) != 1 || d.Changes[0].Kind != "dialog" || d.Changes[0].Name != "Choose Project" || d.Changes[0].Action != "changed" {
		t.Errorf("diff before the second promotion (exit %d): %+v", code, d.Changes)
	}
	// ... the promotion changes only that dialog on prod ...
	var second promoteOut
	decodeJSON(t, s.ok("", "promote", name, "--from", "dev", "--to", "prod", "--vars", vars, "--publish", "release 2",
		"--interval", interval, "--json"), &second)
	if second.Target.Created || second.Target.BotID != prodBot || second.step("import") != "done" || second.step("publish") != "successful" {
		t.Errorf("second promotion: %+v", second)
	}
	if ch := second.Changes.Changes; len(ch) != 1 || ch[0].Kind != "dialog" || ch[0].Name != "Choose Project" || ch[0].Details[0] != "isHidden changed" {
		t.Errorf("the second promotion changed on prod: %+v", ch)
	}
	// ... and nothing is left to report after it.
	if out, _, code := s.run("", "diff", "dev:"+name, "prod:"+name, "--ignore-variables", "--interval", interval); code != 0 || !strings.Contains(out, "no differences") {
		t.Errorf("diff after the second promotion (exit %d):\n%s", code, out)
	}
	if bots, _ := pc.BotsNamed(ctx, name); len(bots) != 1 {
		t.Errorf("%d bots named %q on prod", len(bots), name)
	}

	// 3. Again, with nothing to do: every step finds it done.
	before, err := pc.Versions(ctx, prodBot)
	if err != nil {
		t.Fatal(err)
	}
	var third promoteOut
	decodeJSON(t, s.ok("", "promote", name, "--from", "dev", "--to", "prod", "--vars", vars, "--publish", "release 2",
		"--interval", interval, "--json"), &third)
	if third.step("import") != "skipped" || third.step("variables") != "skipped" || third.step("publish") != "successful" || len(third.Changes.Changes) != 0 {
		t.Errorf("third promotion: %+v", third)
	}
	if after, _ := pc.Versions(ctx, prodBot); len(after) != len(before) {
		t.Errorf("a promotion with nothing to do wrote %d versions", len(after)-len(before))
	}

	// The variables of both bots, by key: values as hashes only.
	out, _, code = s.run("", "variables", "diff", "dev:"+name, "prod:"+name)
	if code != 1 || !regexp.MustCompile(`API_TOKEN\s+env\s+sha256:\w+\s+sha256:\w+\s+value differs`).MatchString(out) {
		t.Errorf("variables diff (exit %d):\n%s", code, out)
	}
	if _, _, code := s.run("", "variables", "diff", vars, "prod:"+name); code != 1 {
		t.Errorf("variables diff of the file and prod: exit %d (NOT_IN_BOT is only in the file)", code)
	}

	for _, where := range []struct{ name, text string }{{"the CLI's output", s.all.String()}, {"dev's log", dev.logs.String()}, {"prod's log", prod.logs.String()}} {
		for _, c := range []string{canaryEnv, canaryFile} {
			if strings.Contains(where.text, c) {
				t.Errorf("%s shows a value of the variables file (%s)", where.name, c)
			}
		}
	}
	if !strings.Contains(prod.logs.String(), "level=DEBUG") {
		t.Errorf("prod's log is not at debug level: the canary check would prove little")
	}
}
