package main

import (
	"context"
	"database/sql"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/botport/botport/client"
	"github.com/botport/botport/internal/fixture"
	"github.com/botport/botport/internal/kore"
)

// secretCount counts the record bodies of a server's SQLite database that
// hold secret.
func secretCount(t *testing.T, data, secret string) int {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+filepath.Join(data, "botport.db")+"?mode=ro&_pragma=busy_timeout(10000)")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var n int
	if err := db.QueryRowContext(context.Background(), `SELECT count(*) FROM bodies WHERE instr(body, ?) > 0`, []byte(secret)).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// TestFinding9StagedDataCollected: failed and dry-run imports left their
// records in the database forever, env secrets of refused uploads included
// (issue 12, finding 9). The cleanup job now deletes what no import will
// commit: here it runs when the server starts again.
func TestFinding9StagedDataCollected(t *testing.T) {
	data := t.TempDir()
	ts := startServerIn(t, data)
	c := ts.client()
	ctx := context.Background()
	e := fixture.Get(t, "demobot1-full")
	refused, dry := "refused-"+kore.NewHexID(), "dryrun-"+kore.NewHexID()
	withSecret := func(secret string) string {
		return uploadPath(t, c, editJSON(t, e.File("config.json"), "config.json", func(m map[string]any) {
			m["envVariables"] = []any{map[string]any{"key": "API_TOKEN", "value": secret}}
		}))
	}

	// A refused upload: config.json parses (its records are staged), the
	// definition does not.
	req := uploadExport(t, c, e)
	req.ConfigInfo = withSecret(refused)
	req.BotDefinition = uploadPath(t, c, writeTemp(t, "botDefinition.json", []byte(`{"dialogs": [`)))
	st, err := c.ImportNew(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	if done := wait(t, c, st.ID); done.Status != "failure" {
		t.Fatalf("the broken import: %s", done.Status)
	}
	// A dry run.
	req = uploadExport(t, c, e)
	req.ConfigInfo, req.DryRun = withSecret(dry), true
	if st, err = c.ImportNew(ctx, req); err != nil {
		t.Fatal(err)
	}
	if done := wait(t, c, st.ID); done.Status != "success" || !done.DryRun {
		t.Fatalf("the dry run: %s", done.Status)
	}
	t.Logf("after the imports: %d bodies hold the refused upload's secret, %d the dry run's", secretCount(t, data, refused), secretCount(t, data, dry))

	// The cleanup job runs at start, then every 10 minutes.
	ts.stop()
	ts = startServerIn(t, data)
	c = client.New(ts.URL, c.AppID, c.Secret) // credentials are printed at the first start only
	deadline := time.Now().Add(60 * time.Second)
	for secretCount(t, data, refused)+secretCount(t, data, dry) > 0 && time.Now().Before(deadline) {
		time.Sleep(100 * time.Millisecond)
	}
	r, d := secretCount(t, data, refused), secretCount(t, data, dry)
	t.Logf("after the cleanup job: %d bodies hold the refused upload's secret, %d the dry run's", r, d)
	if r+d > 0 {
		t.Errorf("secrets of a failed import and a dry run still stored 60 s after the cleanup job started: %d, %d", r, d)
	}
	// What bots refer to stays.
	st, err = c.ImportNew(ctx, uploadExport(t, c, e))
	if err != nil {
		t.Fatal(err)
	}
	if done := wait(t, c, st.ID); done.Status != "success" {
		t.Errorf("an import after the cleanup: %s %s", done.Status, done.Message)
	}
}

// TestFinding9BotsListEscapes: `bots list` printed names with raw control
// characters into the terminal (issue 12, finding 9). Human output now
// shows them escaped.
func TestFinding9BotsListEscapes(t *testing.T) {
	ts := startServer(t)
	c := ts.client()
	ctx := context.Background()
	e := fixture.Get(t, "demobot1-full")
	req := uploadExport(t, c, e)
	name := "Evil\x1b]0;owned\x07\x1b[2J\r\nFAKE\tBot\u202e"
	req.ConfigInfo = uploadPath(t, c, editJSON(t, e.File("config.json"), "config.json", func(m map[string]any) { m["name"] = name }))
	st, err := c.ImportNew(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	if done := wait(t, c, st.ID); done.Status != "success" {
		t.Fatalf("import: %s %s", done.Status, done.Message)
	}
	out, errOut, code := runCLI(t, ts, "bots", "list")
	t.Logf("bots list:\n%s", out)
	if code != 0 {
		t.Fatalf("bots list: exit %d: %s", code, errOut)
	}
	if strings.ContainsAny(out, "\x1b\x07\r\u202e") || strings.Count(out, "\n") != 2 {
		t.Errorf("bots list prints raw control characters or extra lines: %q", out)
	}
	if !strings.Contains(out, `Evil\x1b]0;owned\x07\x1b[2J\r\nFAKE\tBot\u202e`) {
		t.Errorf("bots list does not show the name escaped: %q", out)
	}
}
