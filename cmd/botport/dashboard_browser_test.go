package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/botport/botport/client"
	"github.com/botport/botport/internal/fixture"
)

// browserDir holds the browser tests' Node project (package.json, the
// lock file, the script); .ci/run installs its modules with npm ci.
const browserDir = "../../test/browser"

// TestDashboardBrowser drives the dashboard in Debian's Chromium with
// Playwright (test/browser/dashboard.mjs) against the real server started
// through run(): sign in; an import started through the API whose row goes
// from pending to success without a reload; a failed import's located
// problem with the file around it; the diff of two versions showing the
// changed dialog; a restore whose export is version 1's again; another
// account's app seeing none of it; axe-core on every page. It skips when
// node, Chromium or the Node modules are missing, and fails then under
// CI=true. Each test's screenshot goes to the test's temporary directory,
// or to BOTPORT_BROWSER_OUT=DIR; BOTPORT_SCREENSHOTS=DIR also writes the
// README's two screenshots there (BOTPORT_SCREENSHOTS=docs). Relative
// directories are the repository's.
func TestDashboardBrowser(t *testing.T) {
	node, err := exec.LookPath("node")
	missing := ""
	switch {
	case err != nil:
		missing = "node"
	case !exists("/usr/bin/chromium"):
		missing = "/usr/bin/chromium (apt-get install chromium)"
	case !exists(filepath.Join(browserDir, "node_modules", "playwright-core")) || !exists(filepath.Join(browserDir, "node_modules", "axe-core")):
		missing = "the Node modules (npm ci --prefix test/browser)"
	}
	if missing != "" {
		if os.Getenv("CI") == "true" {
			t.Fatalf("browser tests need %s", missing)
		}
		t.Skipf("browser tests need %s", missing)
	}
	ts := startServer(t)
	ctx := context.Background()
	if err := run(ctx, []string{"apps", "admin", "--data", ts.Data, "--app", ts.AppID}, func(string) string { return "" }, nil, io.Discard, io.Discard); err != nil {
		t.Fatalf("apps admin: %v", err)
	}
	c := ts.client()
	otherID, otherSecret := newAppCreds(t, ts, "other", "bot_import", "bot_export")
	fx := fixture.Get(t, "demobot1-full")

	// Version 1: the export as it is; version 2: dialog PayMyBill's
	// description changed.
	first := wait(t, c, startImport(t, c, "", uploadExport(t, c, fx)))
	if first.Status != "success" {
		t.Fatalf("import v1: %+v", first)
	}
	botID := first.StreamID
	v1 := exportFiles(t, c, botID, 25*time.Millisecond)
	def, err := os.ReadFile(fx.File("botDefinition.json"))
	if err != nil {
		t.Fatal(err)
	}
	const was = "\"name\": \"PayMyBill\",\n                    \"shortDesc\": \"\""
	if !bytes.Contains(def, []byte(was)) {
		t.Fatal("the fixture's PayMyBill dialog changed: update the test's edit")
	}
	changed := bytes.Replace(def, []byte(was), []byte("\"name\": \"PayMyBill\",\n                    \"shortDesc\": \"Pay a bill by card\""), 1)
	req := client.ImportRequest{BotDefinition: uploadPath(t, c, writeTemp(t, "botDefinition.json", changed)),
		ConfigInfo: uploadPath(t, c, fx.File("config.json")), Icon: uploadPath(t, c, fx.File("icon.png"))}
	if second := wait(t, c, startImport(t, c, botID, req)); second.Status != "success" {
		t.Fatalf("import v2: %+v", second)
	}
	v2 := exportFiles(t, c, botID, 25*time.Millisecond)
	if sameFiles(v1, v2) == "" {
		t.Fatal("versions 1 and 2 export the same files")
	}
	// Version 2 is published: the bot page marks it.
	if _, err := c.Publish(ctx, botID, client.PublishRequest{VersionComment: "dashboard test"}); err != nil {
		t.Fatalf("publish: %v", err)
	}
	if st, err := c.WaitPublish(ctx, botID, 25*time.Millisecond, nil); err != nil || st.Status != "successful" {
		t.Fatalf("publish: %+v, %v", st, err)
	}

	// A failed import into a new bot: dialog 0's nodes are a number.
	broken := bytes.Replace(def, []byte(`"nodes": [`), []byte(`"nodes": 5, "was": [`), 1)
	req = client.ImportRequest{BotDefinition: uploadPath(t, c, writeTemp(t, "botDefinition.json", broken)),
		ConfigInfo: uploadPath(t, c, fx.File("config.json")), Icon: uploadPath(t, c, fx.File("icon.png"))}
	failed := wait(t, c, startImport(t, c, "", req))
	where := ""
	for _, e := range failed.StatusLogs {
		for _, p := range e.Errors {
			if where == "" && p.Line > 0 {
				where = p.File + ":" + strconv.Itoa(p.Line) + ":" + strconv.Itoa(p.Column)
			}
		}
	}
	if failed.Status != "failure" || !strings.HasPrefix(where, "botDefinition.json:") {
		t.Fatalf("the broken import: %+v (first located problem %q)", failed, where)
	}

	out := t.TempDir()
	if dir := os.Getenv("BOTPORT_BROWSER_OUT"); dir != "" {
		out = repoPath(t, dir)
	}
	cfg := map[string]string{
		"base": ts.URL, "app": ts.AppID, "secret": ts.Secret,
		"otherApp": otherID, "otherSecret": otherSecret,
		"botId": botID, "changedDialog": "PayMyBill",
		"failedImport": failed.ID, "failedWhere": where,
		"definition": fx.File("botDefinition.json"), "config": fx.File("config.json"), "icon": fx.File("icon.png"),
		"out": out, "readme": os.Getenv("BOTPORT_SCREENSHOTS"),
	}
	if cfg["readme"] != "" {
		cfg["readme"] = repoPath(t, cfg["readme"])
	}
	b, _ := json.Marshal(cfg)
	tctx, cancel := context.WithTimeout(ctx, 4*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(tctx, node, "dashboard.mjs")
	cmd.Dir = browserDir
	cmd.Env = append(os.Environ(), "BOTPORT_E2E="+string(b))
	var log bytes.Buffer
	cmd.Stdout, cmd.Stderr = &log, &log
	start := time.Now()
	err = cmd.Run()
	t.Logf("browser tests (%s, screenshots in %s):\n%s", time.Since(start).Round(time.Millisecond), out, log.String())
	if err != nil {
		t.Fatalf("browser tests failed: %v", err)
	}

	// The export the browser downloaded after the restore is version 1's.
	zipBytes, err := os.ReadFile(filepath.Join(out, "restored-export.zip"))
	if err != nil {
		t.Fatalf("the restored bot's export was not downloaded: %v", err)
	}
	if diff := sameFiles(v1, unzip(t, zipBytes)); diff != "" {
		t.Errorf("after restoring version 1, the export differs from version 1's: %s", diff)
	}
}

// newAppCreds creates an app of account through the CLI, as an operator
// would, and returns its client id and secret; extra flags are added.
func newAppCreds(t *testing.T, ts *testServer, account string, scopes ...string) (id, secret string) {
	t.Helper()
	args := []string{"apps", "create", "--data", ts.Data, "--name", "ui-" + account, "--account", account, "--json"}
	for _, s := range scopes {
		args = append(args, "--scope", s)
	}
	var out strings.Builder
	if err := run(context.Background(), args, func(string) string { return "" }, nil, &out, io.Discard); err != nil {
		t.Fatalf("apps create: %v", err)
	}
	var app struct{ ClientID, ClientSecret string }
	if err := json.Unmarshal([]byte(out.String()), &app); err != nil || app.ClientID == "" {
		t.Fatalf("apps create printed %q: %v", out.String(), err)
	}
	return app.ClientID, app.ClientSecret
}

// repoPath makes dir absolute, relative to the repository's root, and
// creates it.
func repoPath(t *testing.T, dir string) string {
	t.Helper()
	if !filepath.IsAbs(dir) {
		dir = filepath.Join("..", "..", dir)
	}
	dir, err := filepath.Abs(dir)
	if err == nil {
		err = os.MkdirAll(dir, 0o755)
	}
	if err != nil {
		t.Fatal(err)
	}
	return dir
}

func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

// startImport starts an import of req into botID ("" for a new bot) and
// returns its id.
func startImport(t *testing.T, c *client.Client, botID string, req client.ImportRequest) string {
	t.Helper()
	var st *client.Status
	var err error
	if botID == "" {
		st, err = c.ImportNew(context.Background(), req)
	} else {
		st, err = c.ImportInto(context.Background(), botID, req)
	}
	if err != nil {
		t.Fatalf("import: %v", err)
	}
	return st.ID
}
