package main

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/botport/botport/client"
	"github.com/botport/botport/internal/fixture"
)

// TestPublish drives publish, publish status and exportType "published"
// through their successes and every error of the contract (4.6, 4.9,
// 4.10, 3.3), on both backends: a published version stays published while
// later imports and a restore change the current one.
func TestPublish(t *testing.T) {
	forBackends(t, func(t *testing.T, b backend, ts *testServer) {
		ctx := context.Background()
		a := newApps(t, b, ts, "bot_import", "bot_export", "bot_variables", "bot_definition:bot_delete")
		c := a.own
		full := fixture.Get(t, "demobot1-full")
		bot := importAt(t, b, c, full)
		tok, foreign, wrong, none := mustToken(t, c), mustToken(t, a.foreign), mustToken(t, a.wrongScope), mustToken(t, a.noScope)
		pub, status := "/api/public/bot/"+bot+"/publish", "/api/public/bot/"+bot+"/publish/status"

		// Before any publish.
		check(t, ts, []exchange{
			{"export published before any publish", "POST", "/api/public/bot/" + bot + "/export", tok, `{"exportType":"published"}`, 400, ansNotPub},
			{"export PUBLISHED before any publish", "POST", "/api/public/bot/" + bot + "/export", tok, `{"exportType":"PUBLISHED"}`, 400, ansNotPub},
			{"status before any publish", "GET", status, tok, "", 400, ansRequestID},
		})
		if _, err := c.ExportStatus(ctx, bot); !client.IsStatus(err, 400) {
			t.Errorf("a refused published export created a request: %v", err)
		}

		// Every refusal of the publish, in the contract's order of checks.
		long := strings.Repeat("x", 1001)
		check(t, ts, []exchange{
			{"no token", "POST", pub, "", `{"versionComment":"x"}`, 401, `{"errors":[{"msg":"Invalid SDK credentials","code":4002}]}`},
			{"wrong scope", "POST", pub, wrong, `{"versionComment":"x"}`, 401, ansScope},
			{"no scope", "POST", pub, none, `{"versionComment":"x"}`, 401, ansScope},
			{"wrong method", "GET", pub, tok, "", 405, ansMethod},
			{"missing versionComment", "POST", pub, tok, `{"initiateTraining":true}`, 412, ansInvalid},
			{"empty versionComment", "POST", pub, tok, `{"versionComment":""}`, 412, ansInvalid},
			{"blank versionComment", "POST", pub, tok, `{"versionComment":"   "}`, 412, ansInvalid},
			{"versionComment too long", "POST", pub, tok, fmt.Sprintf(`{"versionComment":%q}`, long), 412, ansInvalid},
			{"versionComment not a string", "POST", pub, tok, `{"versionComment":7}`, 412, ansInvalid},
			{"initiateTraining not a boolean", "POST", pub, tok, `{"versionComment":"x","initiateTraining":"maybe"}`, 412, ansInvalid},
			{"malformed body", "POST", pub, tok, `{"versionComment":`, 412, ansInvalid},
			{"missing comment and unknown bot", "POST", "/api/public/bot/" + unknownBot + "/publish", tok, `{}`, 412, ansInvalid},
			{"unknown bot", "POST", "/api/public/bot/" + unknownBot + "/publish", tok, `{"versionComment":"x"}`, 400, ansStreamID},
			{"malformed bot id", "POST", "/api/public/bot/st-x/publish", tok, `{"versionComment":"x"}`, 400, ansStreamID},
			{"foreign bot", "POST", pub, foreign, `{"versionComment":"x"}`, 400, ansStreamID},
			{"status: wrong scope", "GET", status, wrong, "", 401, ansScope},
			{"status: unknown bot", "GET", "/api/public/bot/" + unknownBot + "/publish/status", tok, "", 400, ansStreamID},
			{"status: foreign bot", "GET", status, foreign, "", 400, ansStreamID},
			{"status: wrong method", "POST", status, tok, "", 405, ansMethod},
		})
		if _, err := c.PublishStatus(ctx, bot); !client.IsStatus(err, 400) {
			t.Fatalf("a refused publish created a request: %v", err)
		}

		// The publish and its answer: one entry per dialog, then NL,
		// SETTINGS and CHANNELS.
		res, err := c.Publish(ctx, bot, client.PublishRequest{VersionComment: "  first release  "})
		if err != nil {
			t.Fatal(err)
		}
		wantDialogs, _ := expected(t, full)
		if len(res) != wantDialogs+3 {
			t.Fatalf("%d entries, want %d dialogs and 3 resources: %+v", len(res), wantDialogs, res)
		}
		for _, r := range res[:wantDialogs] {
			if r.ResourceType != "dialog" || !strings.HasPrefix(r.ResourceID, "dg-") || r.SbResourceID != r.ResourceID || r.Status != "SUCCESS" ||
				r.Result.State != "published" || r.Result.VersionComment != "first release" || len(r.Result.PublishedOn) != 24 || r.Result.Name == "" {
				t.Errorf("dialog entry %+v", r)
			}
		}
		for i, want := range []string{"NL", "SETTINGS", "CHANNELS"} {
			if r := res[wantDialogs+i]; r.ResourceType != want || r.Result.ResourceID != want || r.Status != "SUCCESS" {
				t.Errorf("entry %d: %+v, want %s", wantDialogs+i, r, want)
			}
		}
		st := waitPublishAt(t, b, c, bot)
		if st.Status != "successful" || st.PercentageComplete != 100 || st.JobType != "PUBLISH_BOT" || st.Action != "RUN" || st.StreamID != bot ||
			!strings.HasPrefix(st.ID, "bpr-") || len(st.StatusSummary) != 2 || st.StatusSummary[0].ResourceID != "SETTINGS" ||
			st.StatusSummary[1].ResourceID != "NL" || st.StatusSummary[0].Status != "SUCCESS" || st.Message != "" {
			t.Errorf("publish status %+v", st)
		}
		versions := func() []client.Version {
			t.Helper()
			vs, err := c.Versions(ctx, bot)
			if err != nil {
				t.Fatal(err)
			}
			return vs
		}
		if vs := versions(); len(vs) != 1 || !vs[0].Published || !vs[0].Current {
			t.Errorf("versions after the publish: %+v", vs)
		}

		// A later import changes the current version, not the published one;
		// nor does a restore.
		all := fixture.Get(t, "demobot1-all")
		next, err := c.ImportInto(ctx, bot, uploadExport(t, c, all))
		if err != nil {
			t.Fatal(err)
		}
		if st := waitAt(t, b, c, next.ID); st.Status != "success" {
			t.Fatalf("second import: %s", st.Message)
		}
		if _, err := c.RestoreVersion(ctx, bot, 1); err != nil {
			t.Fatal(err)
		}
		if vs := versions(); len(vs) != 3 || !vs[0].Published || vs[1].Published || vs[2].Published || !vs[2].Current {
			t.Errorf("versions after an import and a restore: %+v", vs)
		}
		if _, err := c.RestoreVersion(ctx, bot, 2); err != nil { // current: demobot1-all's content again
			t.Fatal(err)
		}
		published := unzip(t, mustDownload(t, ts, exportAt(t, b, c, bot, client.ExportRequest{ExportType: "published"})))
		latest := unzip(t, mustDownload(t, ts, exportAt(t, b, c, bot, client.ExportRequest{ExportType: "latest"})))
		for _, name := range []string{"botDefinition.json", "config.json"} {
			if string(published[name]) != string(readFile(t, full.File(name))) {
				t.Errorf("published export: %s is not demobot1-full's", name)
			}
			if string(latest[name]) != string(readFile(t, all.File(name))) {
				t.Errorf("latest export: %s is not demobot1-all's", name)
			}
		}
		if es, _ := c.ExportStatus(ctx, bot); es.ExportType != "latest" {
			t.Errorf("export type echoed %q", es.ExportType)
		}

		// Publishing again makes the current version the published one.
		if _, err := c.Publish(ctx, bot, client.PublishRequest{VersionComment: "second"}); err != nil {
			t.Fatal(err)
		}
		if st := waitPublishAt(t, b, c, bot); st.Status != "successful" {
			t.Fatalf("second publish: %+v", st)
		}
		if vs := versions(); len(vs) != 4 || vs[0].Published || !vs[3].Published || !vs[3].Current {
			t.Errorf("versions after the second publish: %+v", vs)
		}
		if strings.Contains(ts.logs.String(), "level=ERROR") {
			t.Errorf("the server logged a fault:\n%s", ts.logs)
		}
	})
}

func mustDownload(t *testing.T, ts *testServer, st *client.ExportStatus) []byte {
	t.Helper()
	if st.Status != "success" {
		t.Fatalf("export %s: %s %s", st.ID, st.Status, st.Message)
	}
	b, _ := download(t, ts, st.DownloadURL)
	return b
}

// TestPublishOrder accepts an import, a publish and another import into
// one bot back to back: the publish waits for the first import and
// publishes what it committed; the second import waits for the publish.
// Whatever the machine's speed, the published version is the first
// import's.
func TestPublishOrder(t *testing.T) {
	forBackends(t, func(t *testing.T, b backend, ts *testServer) {
		ctx := context.Background()
		c := ts.client()
		bot := importAt(t, b, c, fixture.Get(t, "demobot1-full"))
		first, second := uploadExport(t, c, fixture.Get(t, "vaxie")), uploadExport(t, c, fixture.Get(t, "demobot1-all"))
		i1, err := c.ImportInto(ctx, bot, first)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := c.Publish(ctx, bot, client.PublishRequest{VersionComment: "after the first import"}); err != nil {
			t.Fatal(err)
		}
		i2, err := c.ImportInto(ctx, bot, second)
		if err != nil {
			t.Fatal(err)
		}
		for _, bir := range []string{i1.ID, i2.ID} {
			if st := waitAt(t, b, c, bir); st.Status != "success" {
				t.Fatalf("import %s: %s", bir, st.Message)
			}
		}
		if st := waitPublishAt(t, b, c, bot); st.Status != "successful" {
			t.Fatalf("publish: %+v", st)
		}
		vs, err := c.Versions(ctx, bot)
		if err != nil {
			t.Fatal(err)
		}
		var published []client.Version
		for _, v := range vs {
			if v.Published {
				published = append(published, v)
			}
		}
		if len(vs) != 3 || len(published) != 1 || published[0].ImportID != i1.ID || !vs[2].Current || vs[2].ImportID != i2.ID {
			t.Errorf("versions %+v: published %+v, want the version of %s", vs, published, i1.ID)
		}
	})
}
