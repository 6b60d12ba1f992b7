package main

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/botport/botport/client"
	"github.com/botport/botport/internal/fixture"
)

// dryStatus reads a finished dry run's document with its change summary.
type dryStatus struct {
	*client.Status
	ChangeSummary struct {
		Create, Update, Delete, Unchanged int
	}
}

func dryRun(t *testing.T, ts *testServer, c *client.Client, path string, body map[string]any) dryStatus {
	t.Helper()
	b, _ := json.Marshal(body)
	resp, out := rawRequest(t, "POST", ts.URL+path, map[string]string{"auth": mustToken(t, c), "Content-Type": "application/json"}, strings.NewReader(string(b)))
	if resp.StatusCode != 200 {
		t.Fatalf("%d %s", resp.StatusCode, out)
	}
	var start client.Status
	json.Unmarshal(out, &start)
	wait(t, c, start.ID)
	_, raw := rawRequest(t, "GET", ts.URL+"/api/public/bot/import/status/"+start.ID, map[string]string{"auth": mustToken(t, c)}, nil)
	st := dryStatus{Status: &client.Status{}}
	if err := json.Unmarshal(raw, st.Status); err != nil {
		t.Fatal(err)
	}
	var sum struct {
		ChangeSummary *struct{ Create, Update, Delete, Unchanged int } `json:"changeSummary"`
	}
	if err := json.Unmarshal(raw, &sum); err != nil || sum.ChangeSummary == nil {
		t.Fatalf("no changeSummary: %v %s", err, raw)
	}
	st.ChangeSummary = *sum.ChangeSummary
	if st.Status.Status != "success" || !st.DryRun {
		t.Fatalf("dry run ended %s (dryRun %v): %s", st.Status.Status, st.DryRun, st.Message)
	}
	if last := st.StatusLogs[len(st.StatusLogs)-1]; last.TaskType != "importBot" || !strings.Contains(last.Message, "nothing was committed") {
		t.Errorf("last entry %+v", last)
	}
	return st
}

func change(st dryStatus, kind, ident string) *client.Change {
	for i, c := range st.Changes {
		if c.Kind == kind && c.Ident == ident {
			return &st.Changes[i]
		}
	}
	return nil
}

// TestDryRun runs imports that commit nothing and preview their changes.
func TestDryRun(t *testing.T) {
	ts := startServer(t)
	c := ts.client()
	st := openStore(t, ts)
	ctx := context.Background()
	full := fixture.Get(t, "demobot1-full")
	req := uploadExport(t, c, full)
	body := map[string]any{"botDefinition": req.BotDefinition, "configInfo": req.ConfigInfo, "icon": req.Icon}

	// A new bot: everything would be created, and no bot exists afterwards.
	body["dryRun"] = true
	fresh := dryRun(t, ts, c, "/api/public/bot/import", body)
	if fresh.StreamID != "" || fresh.ChangeSummary.Create == 0 || fresh.ChangeSummary.Update+fresh.ChangeSummary.Delete+fresh.ChangeSummary.Unchanged != 0 {
		t.Errorf("new-bot dry run: streamId %q, summary %+v", fresh.StreamID, fresh.ChangeSummary)
	}
	if bots, _ := c.AllBots(ctx); len(bots) != 0 {
		t.Fatalf("a dry run created a bot")
	}

	// A real bot, then a dry run of another export into it (?dryRun=true).
	delete(body, "dryRun")
	start, err := c.ImportNew(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	botID := wait(t, c, start.ID).StreamID
	before, _ := st.Bot(ctx, ts.AccountID, botID)
	all := fixture.Get(t, "demobot1-all")
	into := map[string]any{"botDefinition": uploadPath(t, c, all.File("botDefinition.json")), "configInfo": uploadPath(t, c, all.File("config.json"))}
	preview := dryRun(t, ts, c, "/api/public/bot/"+botID+"/import?dryRun=true", into)
	t.Logf("preview summary %+v", preview.ChangeSummary)
	for _, ch := range preview.Changes {
		if ch.Action != "unchanged" {
			t.Logf("  %s %s %q %s %s", ch.Action, ch.Kind, ch.Name, ch.Ident, ch.Detail)
		}
	}
	if preview.StreamID != botID {
		t.Errorf("streamId %q", preview.StreamID)
	}
	// demobot1-all renames PayMyBill to PayBill, adds the env variable abc
	// and has 116 utterances where demobot1-full has 12.
	payBill := ""
	for ref, name := range fixtureFacts(t, "demobot1-all").dialogs {
		if name == "PayBill" {
			payBill = ref
		}
	}
	if ch := change(preview, "dialog", payBill); ch == nil || ch.Action != "update" {
		t.Errorf("PayBill dialog change: %+v", ch)
	}
	if ch := change(preview, "envVariable", "abc"); ch == nil || ch.Action != "create" {
		t.Errorf("env variable change: %+v", ch)
	}
	if ch := change(preview, "utterances", "sentences"); ch == nil || ch.Action != "update" || ch.Detail != "116 utterances, 12 before" {
		t.Errorf("utterances change: %+v", ch)
	}
	if ch := change(preview, "icon", "icon"); ch == nil || ch.Action != "unchanged" {
		t.Errorf("icon (kept by the commit) change: %+v", ch)
	}
	after, _ := st.Bot(ctx, ts.AccountID, botID)
	if after.VersionID != before.VersionID || after.Version != 1 {
		t.Errorf("a dry run changed the bot: version %d -> %d", before.Version, after.Version)
	}

	// The bot's own export again: nothing would change.
	same := dryRun(t, ts, c, "/api/public/bot/"+botID+"/import", map[string]any{"botDefinition": req.BotDefinition, "configInfo": req.ConfigInfo, "dryRun": "true"})
	if s := same.ChangeSummary; s.Create+s.Update+s.Delete != 0 || s.Unchanged == 0 {
		t.Errorf("re-import preview: %+v", s)
	}
}
