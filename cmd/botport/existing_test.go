package main

import (
	"context"
	"encoding/json"
	"net/url"
	"path/filepath"
	"strings"
	"testing"

	"github.com/botport/botport/client"
	"github.com/botport/botport/internal/botdef"
	"github.com/botport/botport/internal/fixture"
	"github.com/botport/botport/internal/keyring"
	"github.com/botport/botport/internal/store"
	"github.com/botport/botport/internal/store/sqlite"
)

// openStore opens a running server's database beside it (WAL allows it),
// with the data directory's key, to look at what the API does not show.
func openStore(t *testing.T, ts *testServer) store.Store {
	t.Helper()
	st, err := sqlite.Open(context.Background(), filepath.Join(ts.Data, "botport.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if st.Keys, _, err = keyring.Load("", filepath.Join(ts.Data, keyring.FileName)); err != nil {
		t.Fatal(err)
	}
	return st
}

func memberIdents(t *testing.T, st store.Store, bot *store.Bot, kind string) []string {
	t.Helper()
	recs, err := st.RecordMeta(context.Background(), bot.AccountID, bot.VersionID)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, r := range recs {
		if r.Kind == kind {
			out = append(out, r.Ident)
		}
	}
	return out
}

// TestImportIntoExistingBot covers full imports into a bot, form-encoded
// bodies, bot functions and atomicity of a failed import.
func TestImportIntoExistingBot(t *testing.T) {
	ts := startServer(t)
	c := ts.client()
	ctx := context.Background()
	st := openStore(t, ts)

	first, err := c.ImportNew(ctx, uploadExport(t, c, fixture.Get(t, "demobot1-full")))
	if err != nil {
		t.Fatal(err)
	}
	done := wait(t, c, first.ID)
	botID := done.StreamID
	bot, err := st.Bot(ctx, ts.AccountID, botID)
	if err != nil || bot.Version != 1 {
		t.Fatalf("bot after first import: %+v %v", bot, err)
	}

	// A script, through the bot functions endpoint.
	script := uploadPath(t, c, writeTemp(t, "Functions.js", []byte("function hello() { return 'hi'; }\n")))
	res, err := c.ImportFunctions(ctx, botID, []client.Function{{FileName: "Functions.js", FileID: script}})
	if err != nil {
		t.Fatal(err)
	}
	if res.RequestType != "BotImport" || res.Status != "Success" || res.FileName != "Functions.js" || len(res.ID) != 24 {
		t.Errorf("bot functions answer: %+v", res)
	}
	bot, _ = st.Bot(ctx, ts.AccountID, botID)
	if bot.Version != 2 || strings.Join(memberIdents(t, st, bot, botdef.KindBotFunction), ",") != "Functions.js" {
		t.Fatalf("after bot functions: version %d, scripts %v", bot.Version, memberIdents(t, st, bot, botdef.KindBotFunction))
	}

	// A full import of another export, form-encoded as deploy scripts send
	// it, without an icon: content replaced, name, icon and script kept.
	all := fixture.Get(t, "demobot1-all")
	form := url.Values{
		"botDefinition": {uploadPath(t, c, all.File("botDefinition.json"))},
		"configInfo":    {uploadPath(t, c, all.File("config.json"))},
		"name":          {"Ignored Name"},
	}
	resp, body := rawRequest(t, "POST", ts.URL+"/api/public/bot/"+botID+"/import",
		map[string]string{"auth": mustToken(t, c), "Content-Type": "application/x-www-form-urlencoded"}, strings.NewReader(form.Encode()))
	if resp.StatusCode != 200 {
		t.Fatalf("form import: %d %s", resp.StatusCode, body)
	}
	var startDoc client.Status
	if err := json.Unmarshal(body, &startDoc); err != nil {
		t.Fatal(err)
	}
	if startDoc.StreamID != botID || startDoc.StatusLogs[0].TaskName != "Demobot1" {
		t.Errorf("start document of an existing-bot import: streamId %q, name %q", startDoc.StreamID, startDoc.StatusLogs[0].TaskName)
	}
	if fin := wait(t, c, startDoc.ID); fin.Status != "success" || fin.StreamID != botID {
		t.Fatalf("full import: %s %s", fin.Status, fin.Message)
	}
	bot, _ = st.Bot(ctx, ts.AccountID, botID)
	if bot.Version != 3 || bot.Name != "Demobot1" {
		t.Errorf("after full import: version %d, name %q", bot.Version, bot.Name)
	}
	utt, env := 0, 0
	recs, _ := st.RecordMeta(ctx, bot.AccountID, bot.VersionID)
	for _, r := range recs {
		switch r.Kind {
		case botdef.KindUtterances:
			utt += r.Count
		case botdef.KindEnvVariable:
			env++
		}
	}
	if utt != 116 || env != 1 { // demobot1-all: 116 utterances, 1 env variable
		t.Errorf("content after full import: %d utterances, %d env variables", utt, env)
	}
	if got := memberIdents(t, st, bot, botdef.KindBotFunction); len(got) != 1 {
		t.Errorf("script not kept: %v", got)
	}
	if got := memberIdents(t, st, bot, botdef.KindIcon); len(got) != 1 {
		t.Errorf("icon not kept: %v", got)
	}

	// A failing import changes nothing: same version, same content hash.
	before, _ := st.Version(ctx, bot.AccountID, bot.VersionID)
	bad := writeTemp(t, "botDefinition.json", []byte(`{"dialogs": [}`))
	req := client.ImportRequest{BotDefinition: uploadPath(t, c, bad), ConfigInfo: form.Get("configInfo")}
	start, err := c.ImportInto(ctx, botID, req)
	if err != nil {
		t.Fatal(err)
	}
	if fin := wait(t, c, start.ID); fin.Status != "failure" || fin.StreamID != botID {
		t.Fatalf("bad import: %s", fin.Status)
	}
	after, _ := st.Bot(ctx, ts.AccountID, botID)
	v, _ := st.Version(ctx, after.AccountID, after.VersionID)
	if after.Version != 3 || after.VersionID != bot.VersionID || v.ContentHash != before.ContentHash {
		t.Errorf("a failed import changed the bot: version %d -> %d", bot.Version, after.Version)
	}

	// botFunctions as one id in a JSON body, for a new bot.
	demo := fixture.Get(t, "demobot1-full")
	one := uploadExport(t, c, demo)
	raw := `{"botDefinition":"` + one.BotDefinition + `","configInfo":"` + one.ConfigInfo + `","icon":"` + one.Icon + `","botFunctions":"` + script + `"}`
	resp, body = rawRequest(t, "POST", ts.URL+"/api/public/bot/import", map[string]string{"auth": mustToken(t, c), "Content-Type": "application/json"}, strings.NewReader(raw))
	if resp.StatusCode != 200 {
		t.Fatalf("botFunctions as one id: %d %s", resp.StatusCode, body)
	}
	json.Unmarshal(body, &startDoc)
	fin := wait(t, c, startDoc.ID)
	nb, _ := st.Bot(ctx, ts.AccountID, fin.StreamID)
	if fin.Status != "success" || nb == nil || len(memberIdents(t, st, nb, botdef.KindBotFunction)) != 1 {
		t.Errorf("new bot with one script: %s", fin.Status)
	}

	// /healthz answers once ready.
	resp, _ = rawRequest(t, "GET", ts.URL+"/healthz", nil, nil)
	if resp.StatusCode != 200 {
		t.Errorf("healthz %d", resp.StatusCode)
	}
}

func mustToken(t *testing.T, c *client.Client) string {
	t.Helper()
	tok, err := signFor(c)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}
