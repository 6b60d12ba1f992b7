package main

import (
	"context"
	"encoding/json"
	"os"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/botport/botport/client"
	"github.com/botport/botport/internal/botdef"
	"github.com/botport/botport/internal/fixture"
	"github.com/botport/botport/internal/store"
)

// exportFacts reads what the incremental tests compare, from a fixture with
// the standard decoder (independently of botport's parser and merge).
type exportFacts struct {
	members    []string
	dialogs    map[string]string // refId -> default-language name
	utterances map[string]bool   // intent refId | language | text
}

func factsOfDefinition(t *testing.T, b []byte) exportFacts {
	t.Helper()
	var keys []string
	dec := json.NewDecoder(strings.NewReader(string(b)))
	dec.Token()
	for dec.More() {
		k, _ := dec.Token()
		keys = append(keys, k.(string))
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			t.Fatal(err)
		}
	}
	var def struct {
		Dialogs []struct {
			RefID      string `json:"refId"`
			LocaleData map[string]struct {
				Name string `json:"name"`
			} `json:"localeData"`
		} `json:"dialogs"`
		Components []struct {
			ID    string `json:"_id"`
			RefID string `json:"refId"`
		} `json:"dialogComponents"`
		Sentences []struct {
			TaskID   string `json:"taskId"`
			Language string `json:"language"`
			Sentence string `json:"sentence"`
		} `json:"sentences"`
	}
	if err := json.Unmarshal(b, &def); err != nil {
		t.Fatal(err)
	}
	f := exportFacts{members: keys, dialogs: map[string]string{}, utterances: map[string]bool{}}
	for _, d := range def.Dialogs {
		f.dialogs[d.RefID] = d.LocaleData["en"].Name
	}
	ref := map[string]string{}
	for _, c := range def.Components {
		ref[c.ID] = c.RefID
	}
	for _, s := range def.Sentences {
		f.utterances[ref[s.TaskID]+"|"+s.Language+"|"+s.Sentence] = true
	}
	return f
}

func fixtureFacts(t *testing.T, name string) exportFacts {
	t.Helper()
	b, err := os.ReadFile(fixture.Get(t, name).File("botDefinition.json"))
	if err != nil {
		t.Fatal(err)
	}
	return factsOfDefinition(t, b)
}

// botFacts rebuilds the bot's current botDefinition.json from the store
// and reads the same facts from it.
func botFacts(t *testing.T, st store.Store, accountID, botID string) (exportFacts, *store.Bot, []store.Record) {
	t.Helper()
	ctx := context.Background()
	bot, err := st.Bot(ctx, accountID, botID)
	if err != nil {
		t.Fatal(err)
	}
	v, err := st.Version(ctx, accountID, bot.VersionID)
	if err != nil {
		t.Fatal(err)
	}
	var layout botdef.Layout
	if err := json.Unmarshal(v.Layout, &layout); err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	err = botdef.WriteFile(&b, layout.Definition, func(member string, fn func(*botdef.Record) error) error {
		return st.Records(ctx, accountID, bot.VersionID, botdef.FileDefinition, member, func(r *store.Record) error {
			return fn(&botdef.Record{Member: r.Member, Seq: r.Seq, Count: r.Count, Ident: r.Ident, Body: r.Body})
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	meta, err := st.RecordMeta(ctx, accountID, bot.VersionID)
	if err != nil {
		t.Fatal(err)
	}
	return factsOfDefinition(t, []byte(b.String())), bot, meta
}

func union(a, b map[string]bool) map[string]bool {
	out := map[string]bool{}
	for k := range a {
		out[k] = true
	}
	for k := range b {
		out[k] = true
	}
	return out
}

func sameSet(a, b map[string]bool) bool {
	if len(a) != len(b) {
		return false
	}
	for k := range a {
		if !b[k] {
			return false
		}
	}
	return true
}

func entryTypes(st *client.Status) map[string]int {
	m := map[string]int{}
	for _, e := range st.StatusLogs {
		m[e.TaskType]++
	}
	return m
}

func hashesOf(meta []store.Record, kind string) map[string]string {
	m := map[string]string{}
	for _, r := range meta {
		if r.Kind == kind {
			m[r.Ident] = string(r.Hash)
		}
	}
	return m
}

// TestIncrementalImports imports the Demobot1 partial exports into a bot
// made from demobot1-full, in append and replace modes, and checks the
// resulting dialogs, utterances, settings and variables against facts read
// from the fixtures.
func TestIncrementalImports(t *testing.T) {
	ts := startServer(t)
	c := ts.client()
	st := openStore(t, ts)
	ctx := context.Background()
	full := fixtureFacts(t, "demobot1-full")

	base := func(t *testing.T) (string, exportFacts, []store.Record) {
		t.Helper()
		start, err := c.ImportNew(ctx, uploadExport(t, c, fixture.Get(t, "demobot1-full")))
		if err != nil {
			t.Fatal(err)
		}
		id := wait(t, c, start.ID).StreamID
		f, _, meta := botFacts(t, st, ts.AccountID, id)
		return id, f, meta
	}
	into := func(t *testing.T, botID, name string, opts *client.ImportOptions) *client.Status {
		t.Helper()
		e := fixture.Get(t, name)
		req := client.ImportRequest{
			BotDefinition: uploadPath(t, c, e.File("botDefinition.json")),
			ConfigInfo:    uploadPath(t, c, e.File("config.json")),
			ImportOptions: opts,
		}
		start, err := c.ImportInto(ctx, botID, req)
		if err != nil {
			t.Fatal(err)
		}
		done := wait(t, c, start.ID)
		if done.Status != "success" {
			t.Fatalf("import of %s: %s %s", name, done.Status, done.Message)
		}
		return done
	}
	replace := &client.ImportSubOpts{Utterances: &client.AppendReplace{Replace: true}}

	t.Run("tasks-only", func(t *testing.T) {
		botID, before, beforeMeta := base(t)
		st1 := into(t, botID, "demobot1-tasks-only", &client.ImportOptions{Tasks: []string{"botTask"}})
		got, bot, meta := botFacts(t, st, ts.AccountID, botID)
		want := fixtureFacts(t, "demobot1-tasks-only")
		if !mapsEqual(got.dialogs, want.dialogs) {
			t.Errorf("dialogs %v, want the file's %v", got.dialogs, want.dialogs)
		}
		if !sameSet(got.utterances, before.utterances) {
			t.Errorf("utterances changed without nlpData: %d, want %d", len(got.utterances), len(before.utterances))
		}
		if !slices.Equal(got.members, before.members) {
			t.Errorf("members %v, want the bot's %v", got.members, before.members)
		}
		if hashesOf(meta, botdef.KindPattern)["x"] != "" || len(hashesOf(meta, botdef.KindPattern)) != len(hashesOf(beforeMeta, botdef.KindPattern)) {
			t.Errorf("patterns changed without nlpData")
		}
		types := entryTypes(st1)
		if types["Dialog"] != 8 || types["CustomTemplates"] != 1 || types["Utterences"] != 0 || types["Event"] != 0 ||
			types["IdpConfigurations"] != 0 || types["BotVariables"] != 0 || types["importBot"] != 1 {
			t.Errorf("entries %v", types)
		}
		if bot.Name != "Demobot1" || bot.Version != 2 {
			t.Errorf("bot %q version %d", bot.Name, bot.Version)
		}
	})

	nlp := fixtureFacts(t, "demobot1-nlp-only")
	t.Run("nlp-only append", func(t *testing.T) {
		botID, before, beforeMeta := base(t)
		st1 := into(t, botID, "demobot1-nlp-only", &client.ImportOptions{NLPData: []string{"utterances"}})
		got, _, meta := botFacts(t, st, ts.AccountID, botID)
		if wantU := union(full.utterances, nlp.utterances); !sameSet(got.utterances, wantU) {
			t.Errorf("utterances: %d, want the union %d", len(got.utterances), len(wantU))
		}
		// The file's stubs never overwrite the bot's dialogs or components.
		if !mapsEqual(got.dialogs, before.dialogs) || !mapsEqualStr(hashesOf(meta, botdef.KindDialog), hashesOf(beforeMeta, botdef.KindDialog)) ||
			!mapsEqualStr(hashesOf(meta, botdef.KindComponent), hashesOf(beforeMeta, botdef.KindComponent)) {
			t.Errorf("stubs changed dialogs or components")
		}
		if types := entryTypes(st1); types["Utterences"] != 1 || types["Dialog"] != 0 || types["Patterns"] != 0 {
			t.Errorf("entries %v", types)
		}
	})
	t.Run("nlp-only with botTask", func(t *testing.T) {
		// Selecting tasks from an NLP-only file: its dialogs are stubs, and a
		// stub never overwrites the bot's dialog or components.
		botID, before, beforeMeta := base(t)
		st1 := into(t, botID, "demobot1-nlp-only", &client.ImportOptions{Tasks: []string{"botTask"}, NLPData: []string{"utterances"}})
		got, _, meta := botFacts(t, st, ts.AccountID, botID)
		if !mapsEqual(got.dialogs, before.dialogs) || !mapsEqualStr(hashesOf(meta, botdef.KindDialog), hashesOf(beforeMeta, botdef.KindDialog)) ||
			!mapsEqualStr(hashesOf(meta, botdef.KindComponent), hashesOf(beforeMeta, botdef.KindComponent)) {
			t.Errorf("stubs overwrote dialogs or components: %v", got.dialogs)
		}
		if types := entryTypes(st1); types["Dialog"] != 0 {
			t.Errorf("%d Dialog entries for stubs", types["Dialog"])
		}
	})
	t.Run("nlp-only replace", func(t *testing.T) {
		botID, _, _ := base(t)
		into(t, botID, "demobot1-nlp-only", &client.ImportOptions{NLPData: []string{"Utterances"}, Options: replace})
		got, _, _ := botFacts(t, st, ts.AccountID, botID)
		if !sameSet(got.utterances, nlp.utterances) {
			t.Errorf("utterances: %d, want the file's %d", len(got.utterances), len(nlp.utterances))
		}
	})
	wo := fixtureFacts(t, "demobot1-without-settings")
	t.Run("without-settings append", func(t *testing.T) {
		botID, before, beforeMeta := base(t)
		into(t, botID, "demobot1-without-settings", &client.ImportOptions{Tasks: []string{"botTask"}, NLPData: []string{"utterances", "patterns"}})
		got, _, meta := botFacts(t, st, ts.AccountID, botID)
		if !mapsEqual(got.dialogs, wo.dialogs) {
			t.Errorf("dialogs %v, want the file's", got.dialogs)
		}
		if wantU := union(before.utterances, wo.utterances); !sameSet(got.utterances, wantU) {
			t.Errorf("utterances %d, want %d", len(got.utterances), len(wantU))
		}
		// No settings selected: the bot keeps all 37 setting members.
		if !slices.Equal(got.members, before.members) {
			t.Errorf("members %v\nwant %v", got.members, before.members)
		}
		for _, m := range botdef.BotSettingsMembers {
			if h := hashesOf(beforeMeta, botdef.KindSetting)[m]; h != "" && hashesOf(meta, botdef.KindSetting)[m] != h {
				t.Errorf("setting %s changed", m)
			}
		}
	})
	t.Run("without-settings replace", func(t *testing.T) {
		botID, _, _ := base(t)
		into(t, botID, "demobot1-without-settings", &client.ImportOptions{Tasks: []string{"botTask"}, NLPData: []string{"utterances"}, Options: replace})
		got, _, _ := botFacts(t, st, ts.AccountID, botID)
		if !sameSet(got.utterances, wo.utterances) {
			t.Errorf("utterances %d, want the file's %d (all its intents were imported)", len(got.utterances), len(wo.utterances))
		}
	})
	t.Run("variables", func(t *testing.T) {
		botID, _, _ := base(t)
		into(t, botID, "demobot1-all", &client.ImportOptions{Settings: []string{"botVariables"}})
		_, _, meta := botFacts(t, st, ts.AccountID, botID)
		if got := keysOf(hashesOf(meta, botdef.KindEnvVariable)); strings.Join(got, ",") != "abc" {
			t.Errorf("env variables %v, want [abc]", got)
		}
		botID2, _, _ := base(t)
		raw := map[string]any{"settings": []string{"botVariables"}, "options": map[string]any{"botVariables": map[string]any{"ignore": []string{"abc"}}}}
		b, _ := json.Marshal(raw)
		var opts client.ImportOptions
		json.Unmarshal(b, &opts)
		e := fixture.Get(t, "demobot1-all")
		body := `{"botDefinition":"` + uploadPath(t, c, e.File("botDefinition.json")) + `","configInfo":"` + uploadPath(t, c, e.File("config.json")) +
			`","importOptions":` + string(b) + `}`
		resp, out := rawRequest(t, "POST", ts.URL+"/api/public/bot/"+botID2+"/import", map[string]string{"auth": mustToken(t, c), "Content-Type": "application/json"}, strings.NewReader(body))
		if resp.StatusCode != 200 {
			t.Fatalf("%d %s", resp.StatusCode, out)
		}
		var start client.Status
		json.Unmarshal(out, &start)
		wait(t, c, start.ID)
		_, _, meta = botFacts(t, st, ts.AccountID, botID2)
		if got := keysOf(hashesOf(meta, botdef.KindEnvVariable)); len(got) != 0 {
			t.Errorf("ignored variable imported: %v", got)
		}
	})
}

func mapsEqual(a, b map[string]string) bool { return mapsEqualStr(a, b) }

func mapsEqualStr(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if bv, ok := b[k]; !ok || bv != v {
			return false
		}
	}
	return true
}

func keysOf(m map[string]string) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// TestIncrementalEmptySelection: an importOptions object makes an import
// incremental (export-format.md section 7), so one that selects nothing is
// refused like {"tasks":[]}; it must never become a full import, which
// would delete what the file lacks. Absent, null and "" are a full import.
func TestIncrementalEmptySelection(t *testing.T) {
	ts := startServer(t)
	c := ts.client()
	st := openStore(t, ts)
	ctx := context.Background()
	start, err := c.ImportNew(ctx, uploadExport(t, c, fixture.Get(t, "demobot1-full")))
	if err != nil {
		t.Fatal(err)
	}
	botID := wait(t, c, start.ID).StreamID
	// demobot1-tasks-only has no utterances: a full import of it removes
	// the bot's, an incremental one cannot.
	e := fixture.Get(t, "demobot1-tasks-only")
	files := `"botDefinition":"` + uploadPath(t, c, e.File("botDefinition.json")) + `","configInfo":"` + uploadPath(t, c, e.File("config.json")) + `"`
	post := func(t *testing.T, extra string) (int, []byte) {
		t.Helper()
		resp, out := rawRequest(t, "POST", ts.URL+"/api/public/bot/"+botID+"/import",
			map[string]string{"auth": mustToken(t, c), "Content-Type": "application/json"}, strings.NewReader("{"+files+extra+"}"))
		return resp.StatusCode, out
	}
	const refused = `{"errors":[{"msg":"Please select at least one component","code":400}]}`
	for _, tt := range []struct{ name, extra string }{
		{"empty object", `,"importOptions":{}`},
		{"only options", `,"importOptions":{"options":{"utterances":{"replace":true}}}`},
		{"empty lists", `,"importOptions":{"tasks":[],"nlpData":[],"settings":[]}`},
		{"null lists", `,"importOptions":{"tasks":null}`},
		{"empty object and top-level options", `,"importOptions":{},"options":{"patterns":{"replace":true}}`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			before, bot, _ := botFacts(t, st, ts.AccountID, botID)
			code, out := post(t, tt.extra)
			if code != 400 || string(out) != refused {
				t.Fatalf("got %d %s, want 400 %s", code, out, refused)
			}
			after, bot2, _ := botFacts(t, st, ts.AccountID, botID)
			if bot2.Version != bot.Version || !sameSet(after.utterances, before.utterances) {
				t.Errorf("the bot changed: version %d -> %d, %d -> %d utterances", bot.Version, bot2.Version, len(before.utterances), len(after.utterances))
			}
		})
	}
	for _, tt := range []struct{ name, extra string }{
		{"absent", ``},
		{"null", `,"importOptions":null`},
		{"empty string", `,"importOptions":""`},
	} {
		t.Run("full import, importOptions "+tt.name, func(t *testing.T) {
			start, err := c.ImportInto(ctx, botID, uploadExport(t, c, fixture.Get(t, "demobot1-full")))
			if err != nil {
				t.Fatal(err)
			}
			if st := wait(t, c, start.ID); st.Status != "success" {
				t.Fatalf("restoring the bot: %s %s", st.Status, st.Message)
			}
			code, out := post(t, tt.extra)
			if code != 200 {
				t.Fatalf("%d %s", code, out)
			}
			var s client.Status
			if err := json.Unmarshal(out, &s); err != nil {
				t.Fatal(err)
			}
			if done := wait(t, c, s.ID); done.Status != "success" {
				t.Fatalf("%s %s", done.Status, done.Message)
			}
			if got, _, _ := botFacts(t, st, ts.AccountID, botID); len(got.utterances) != 0 {
				t.Errorf("%d utterances after a full import of a file without any", len(got.utterances))
			}
		})
	}
}
