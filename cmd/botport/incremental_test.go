package main

import (
	"bytes"
	"context"
	"encoding/json"
	"maps"
	"os"
	"path/filepath"
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
// Bodies are compared canonically: decoded and encoded again, so key order
// and spacing do not matter.
type exportFacts struct {
	members    []string
	dialogs    map[string]string // refId -> default-language name
	dialogBody map[string]string // refId -> canonical body
	components map[string]string // refId -> name
	compBody   map[string]string // refId -> canonical body
	compIDs    map[string]string // _id -> refId
	utterances map[string]bool   // intent refId | language | text
	taskIDs    []string          // sentences[].taskId as written
	patterns   map[string]string // component refId -> canonical localeData
	settings   map[string]string // member -> canonical value, for every member but the collections above
}

func canonical(t *testing.T, raw json.RawMessage) string {
	t.Helper()
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
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
	var top map[string]json.RawMessage
	if err := json.Unmarshal(b, &top); err != nil {
		t.Fatal(err)
	}
	type element struct {
		ID         string `json:"_id"`
		RefID      string `json:"refId"`
		Name       string `json:"name"`
		LocaleData map[string]struct {
			Name string `json:"name"`
		} `json:"localeData"`
	}
	var def struct {
		Dialogs    []json.RawMessage `json:"dialogs"`
		Components []json.RawMessage `json:"dialogComponents"`
		Sentences  []struct {
			TaskID   string `json:"taskId"`
			Language string `json:"language"`
			Sentence string `json:"sentence"`
		} `json:"sentences"`
		Patterns []struct {
			RefID      string          `json:"refId"`
			LocaleData json.RawMessage `json:"localeData"`
		} `json:"patterns"`
	}
	if err := json.Unmarshal(b, &def); err != nil {
		t.Fatal(err)
	}
	f := exportFacts{members: keys, dialogs: map[string]string{}, dialogBody: map[string]string{}, components: map[string]string{},
		compBody: map[string]string{}, compIDs: map[string]string{}, utterances: map[string]bool{}, patterns: map[string]string{}, settings: map[string]string{}}
	for _, raw := range def.Dialogs {
		var d element
		if err := json.Unmarshal(raw, &d); err != nil {
			t.Fatal(err)
		}
		f.dialogs[d.RefID] = d.LocaleData["en"].Name
		f.dialogBody[d.RefID] = canonical(t, raw)
	}
	for _, raw := range def.Components {
		var c element
		if err := json.Unmarshal(raw, &c); err != nil {
			t.Fatal(err)
		}
		f.components[c.RefID] = c.Name
		f.compBody[c.RefID] = canonical(t, raw)
		f.compIDs[c.ID] = c.RefID
	}
	for _, s := range def.Sentences {
		f.utterances[f.compIDs[s.TaskID]+"|"+s.Language+"|"+s.Sentence] = true
		f.taskIDs = append(f.taskIDs, s.TaskID)
	}
	for _, p := range def.Patterns {
		f.patterns[p.RefID] = canonical(t, p.LocaleData)
	}
	for k, raw := range top {
		switch k {
		case "dialogs", "dialogComponents", "sentences", "patterns":
		default:
			f.settings[k] = canonical(t, raw)
		}
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
	def, _, bot := botFiles(t, st, accountID, botID)
	meta, err := st.RecordMeta(context.Background(), accountID, bot.VersionID)
	if err != nil {
		t.Fatal(err)
	}
	return factsOfDefinition(t, def), bot, meta
}

// botFiles rebuilds the bot's current botDefinition.json and config.json
// from the store.
func botFiles(t *testing.T, st store.Store, accountID, botID string) (def, cfg []byte, bot *store.Bot) {
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
	write := func(file string, members []botdef.Member) []byte {
		var b bytes.Buffer
		err := botdef.WriteFile(&b, members, func(member string, fn func(*botdef.Record) error) error {
			return st.Records(ctx, accountID, bot.VersionID, file, member, func(r *store.Record) error {
				return fn(&botdef.Record{Member: r.Member, Seq: r.Seq, Count: r.Count, Ident: r.Ident, Body: r.Body})
			})
		})
		if err != nil {
			t.Fatal(err)
		}
		return b.Bytes()
	}
	return write(botdef.FileDefinition, layout.Definition), write(botdef.FileConfig, layout.Config), bot
}

// checkReimportable validates the bot's current files as an import of
// them would (a new bot): the result of every import must be a bot that
// can be exported and imported again.
func checkReimportable(t *testing.T, st store.Store, accountID, botID string) {
	t.Helper()
	def, cfg, _ := botFiles(t, st, accountID, botID)
	ps := &botdef.Problems{}
	d, err := botdef.ParseDefinition(bytes.NewReader(def), func(*botdef.Record) error { return nil }, ps, botdef.Options{})
	if err != nil {
		t.Fatal(err)
	}
	c, err := botdef.ParseConfig(bytes.NewReader(cfg), func(*botdef.Record) error { return nil }, ps)
	if err != nil {
		t.Fatal(err)
	}
	if ps.ErrorCount() == 0 {
		botdef.Validate(d, c, ps, nil)
	}
	for _, p := range ps.Errors() {
		t.Errorf("the result would be refused on import: %s %s: %s", p.Code, p.Pointer, p.Message)
	}
}

// editedExport copies a fixture into a temporary folder with edit applied
// to its botDefinition.json, decoded (numbers kept exactly). The members
// keep their order; members edit adds come last.
func editedExport(t *testing.T, name string, edit func(def map[string]any)) fixture.Export {
	t.Helper()
	src := fixture.Get(t, name)
	b := readFile(t, src.File("botDefinition.json"))
	keys := factsOfDefinition(t, b).members
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var def map[string]any
	if err := dec.Decode(&def); err != nil {
		t.Fatal(err)
	}
	edit(def)
	var out bytes.Buffer
	out.WriteByte('{')
	n := 0
	put := func(k string) {
		v, ok := def[k]
		if !ok {
			return
		}
		delete(def, k)
		if n > 0 {
			out.WriteByte(',')
		}
		n++
		kb, _ := json.Marshal(k)
		vb, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		out.Write(kb)
		out.WriteByte(':')
		out.Write(vb)
	}
	for _, k := range keys {
		put(k)
	}
	for _, k := range keysOfAny(def) {
		put(k)
	}
	out.WriteByte('}')
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "botDefinition.json"), out.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"config.json", "icon.png"} {
		if err := os.WriteFile(filepath.Join(dir, f), readFile(t, src.File(f)), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return fixture.Export{Name: name + "-edited", Dir: dir}
}

// readDef decodes a fixture's botDefinition.json.
func readDef(t *testing.T, ex fixture.Export) map[string]any {
	t.Helper()
	var def map[string]any
	if err := json.Unmarshal(readFile(t, ex.File("botDefinition.json")), &def); err != nil {
		t.Fatal(err)
	}
	return def
}

func keysOfAny(m map[string]any) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// Editing helpers for decoded definitions.

func elements(def map[string]any, member string) []map[string]any {
	var out []map[string]any
	for _, e := range def[member].([]any) {
		out = append(out, e.(map[string]any))
	}
	return out
}

func setElements(def map[string]any, member string, els []map[string]any) {
	out := make([]any, len(els))
	for i, e := range els {
		out[i] = e
	}
	def[member] = out
}

// dialogNamed returns the dialog whose default-language name is name.
func dialogNamed(t *testing.T, def map[string]any, name string) map[string]any {
	t.Helper()
	for _, d := range elements(def, "dialogs") {
		if ld, ok := d["localeData"].(map[string]any); ok {
			if en, ok := ld["en"].(map[string]any); ok && en["name"] == name {
				return d
			}
		}
	}
	t.Fatalf("no dialog %q", name)
	return nil
}

// componentNamed returns the component named name.
func componentNamed(t *testing.T, def map[string]any, name string) map[string]any {
	t.Helper()
	for _, c := range elements(def, "dialogComponents") {
		if c["name"] == name {
			return c
		}
	}
	t.Fatalf("no component %q", name)
	return nil
}

// dropNodes keeps a dialog's first (intent) node alone, ending there.
func dropNodes(d map[string]any) {
	first := d["nodes"].([]any)[0].(map[string]any)
	first["transitions"] = []any{map[string]any{"default": "", "metadata": map[string]any{"color": "#299d8e", "connId": "dummy0"}}}
	d["nodes"] = []any{first}
}

// addMessageNode adds a message node using component comp after a
// dialog's intent node.
func addMessageNode(d, comp map[string]any) {
	nodes := d["nodes"].([]any)
	first := nodes[0].(map[string]any)
	first["transitions"] = []any{map[string]any{"default": "nd-msg-shared", "metadata": map[string]any{"color": "#299d8e", "connId": "dummy0"}}}
	d["nodes"] = append(nodes, map[string]any{"nodeId": "nd-msg-shared", "type": "message", "componentId": comp["_id"],
		"transitions": []any{map[string]any{"default": "end"}}})
}

// withoutDialog removes a dialog, the components only it uses, their
// utterances and patterns.
func withoutDialog(t *testing.T, def map[string]any, name string, comps ...string) {
	t.Helper()
	drop := dialogNamed(t, def, name)
	var dialogs []map[string]any
	for _, d := range elements(def, "dialogs") {
		if d["refId"] != drop["refId"] {
			dialogs = append(dialogs, d)
		}
	}
	setElements(def, "dialogs", dialogs)
	ids, refs := map[any]bool{}, map[any]bool{}
	for _, n := range comps {
		c := componentNamed(t, def, n)
		ids[c["_id"]], refs[c["refId"]] = true, true
	}
	var keep []map[string]any
	for _, c := range elements(def, "dialogComponents") {
		if !ids[c["_id"]] {
			keep = append(keep, c)
		}
	}
	setElements(def, "dialogComponents", keep)
	keep = nil
	for _, s := range elements(def, "sentences") {
		if !ids[s["taskId"]] {
			keep = append(keep, s)
		}
	}
	setElements(def, "sentences", keep)
	keep = nil
	for _, p := range elements(def, "patterns") {
		if !refs[p["refId"]] {
			keep = append(keep, p)
		}
	}
	setElements(def, "patterns", keep)
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

// TestIncrementalEmptySelection: an importOptions object with at least one
// of tasks, nlpData and settings makes an import incremental, so one that
// selects nothing once unknown values are dropped is refused; it must never
// become a full import, which would delete what the file lacks. Absent,
// null, "" and an object without any of the three lists ({}, only options)
// are a full import (contract 4.3).
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
		{"empty lists", `,"importOptions":{"tasks":[],"nlpData":[],"settings":[]}`},
		{"one empty list", `,"importOptions":{"tasks":[],"options":{"utterances":{"replace":true}}}`},
		{"only unknown values", `,"importOptions":{"nlpData":["rules"],"tasks":["bogus"]}`},
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
		{"empty object", `,"importOptions":{}`},
		{"only options", `,"importOptions":{"options":{"utterances":{"replace":true}}}`},
		{"null lists", `,"importOptions":{"tasks":null}`},
		{"empty object and top-level options", `,"importOptions":{},"options":{"patterns":{"replace":true}}`},
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

// incEnv is a server and the store behind it, for incremental tests.
type incEnv struct {
	ts *testServer
	c  *client.Client
	st store.Store
}

func newIncEnv(t *testing.T) *incEnv {
	ts := startServer(t)
	return &incEnv{ts: ts, c: ts.client(), st: openStore(t, ts)}
}

// newBot makes a bot by a full import of ex.
func (e *incEnv) newBot(t *testing.T, ex fixture.Export) string {
	t.Helper()
	start, err := e.c.ImportNew(context.Background(), uploadExport(t, e.c, ex))
	if err != nil {
		t.Fatal(err)
	}
	st := wait(t, e.c, start.ID)
	if st.Status != "success" {
		t.Fatalf("import of %s: %s %s", ex.Name, st.Status, st.Message)
	}
	return st.StreamID
}

// importInto imports ex into a bot and follows the import to its end.
func (e *incEnv) importInto(t *testing.T, botID string, ex fixture.Export, opts *client.ImportOptions) *client.Status {
	t.Helper()
	req := client.ImportRequest{
		BotDefinition: uploadPath(t, e.c, ex.File("botDefinition.json")),
		ConfigInfo:    uploadPath(t, e.c, ex.File("config.json")),
		ImportOptions: opts,
	}
	start, err := e.c.ImportInto(context.Background(), botID, req)
	if err != nil {
		t.Fatal(err)
	}
	return wait(t, e.c, start.ID)
}

// mustImport is importInto for imports that must succeed; the result must
// be a bot that can be imported again.
func (e *incEnv) mustImport(t *testing.T, botID string, ex fixture.Export, opts *client.ImportOptions) *client.Status {
	t.Helper()
	st := e.importInto(t, botID, ex, opts)
	if st.Status != "success" {
		t.Fatalf("import of %s: %s %s", ex.Name, st.Status, st.Message)
	}
	checkReimportable(t, e.st, e.ts.AccountID, botID)
	return st
}

func (e *incEnv) facts(t *testing.T, botID string) exportFacts {
	t.Helper()
	f, _, _ := botFacts(t, e.st, e.ts.AccountID, botID)
	return f
}

// modeOpts selects append or replace for utterances and patterns.
func modeOpts(mode string) *client.ImportSubOpts {
	ar := &client.AppendReplace{Append: mode == "append", Replace: mode == "replace"}
	return &client.ImportSubOpts{Utterances: ar, Patterns: ar}
}

// diffSets describes how two sets differ.
func diffSets(got, want map[string]bool) string {
	var missing, extra []string
	for k := range want {
		if !got[k] {
			missing = append(missing, k)
		}
	}
	for k := range got {
		if !want[k] {
			extra = append(extra, k)
		}
	}
	sort.Strings(missing)
	sort.Strings(extra)
	return "missing " + strings.Join(missing, "; ") + " / unexpected " + strings.Join(extra, "; ")
}

// diffMaps names the keys whose values differ.
func diffMaps(got, want map[string]string) []string {
	var out []string
	for k, v := range want {
		if g, ok := got[k]; !ok {
			out = append(out, k+" missing")
		} else if g != v {
			out = append(out, k+" differs")
		}
	}
	for k := range got {
		if _, ok := want[k]; !ok {
			out = append(out, k+" unexpected")
		}
	}
	sort.Strings(out)
	return out
}

func checkMap(t *testing.T, what string, got, want map[string]string) {
	t.Helper()
	if d := diffMaps(got, want); len(d) > 0 {
		t.Errorf("%s: %v", what, d)
	}
}

func checkSet(t *testing.T, what string, got, want map[string]bool) {
	t.Helper()
	if !sameSet(got, want) {
		t.Errorf("%s: %d, want %d: %s", what, len(got), len(want), diffSets(got, want))
	}
}

func utterancesOf(f exportFacts, intentRef string) map[string]bool {
	out := map[string]bool{}
	for u := range f.utterances {
		if strings.HasPrefix(u, intentRef+"|") {
			out[u] = true
		}
	}
	return out
}

// TestIncrementalDemobot1Partials imports the three Demobot1 partial
// exports into a bot made from demobot1-full, in append and in replace
// mode, and checks the whole result against facts read from the fixtures:
// dialogs and components by refId (names and bodies), the utterance set,
// patterns, and every other member.
func TestIncrementalDemobot1Partials(t *testing.T) {
	e := newIncEnv(t)
	full := fixture.Get(t, "demobot1-full")
	base := fixtureFacts(t, "demobot1-full")
	for _, mode := range []string{"append", "replace"} {
		for _, tc := range []struct {
			file          string
			tasks, nlp    []string
			groups        []string // the groups the import takes from the file
			utterancesOut int      // utterances of the result: base 12, file 116, union 121
		}{
			{"demobot1-tasks-only", []string{"botTask"}, nil, []string{botdef.GroupBotTask, botdef.GroupForms}, 12},
			{"demobot1-nlp-only", nil, []string{"utterances", "patterns"}, []string{botdef.GroupUtterances, botdef.GroupPatterns}, map[string]int{"append": 121, "replace": 116}[mode]},
			{"demobot1-without-settings", []string{"botTask"}, []string{"utterances", "patterns"},
				[]string{botdef.GroupBotTask, botdef.GroupForms, botdef.GroupUtterances, botdef.GroupPatterns}, map[string]int{"append": 121, "replace": 116}[mode]},
		} {
			t.Run(tc.file+" "+mode, func(t *testing.T) {
				botID := e.newBot(t, full)
				file := fixtureFacts(t, tc.file)
				st := e.mustImport(t, botID, fixture.Get(t, tc.file), &client.ImportOptions{Tasks: tc.tasks, NLPData: tc.nlp, Options: modeOpts(mode)})
				got := e.facts(t, botID)
				sel := func(g string) bool { return slices.Contains(tc.groups, g) }

				// The Demobot1 files share every refId with the bot: with
				// tasks, the file's dialogs and components replace the bot's
				// (three dialogs are renamed); without, the file's stubs
				// change nothing.
				wantDialogs := base
				if sel(botdef.GroupBotTask) {
					wantDialogs = file
				}
				checkMap(t, "dialog names", got.dialogs, wantDialogs.dialogs)
				checkMap(t, "dialog bodies", got.dialogBody, wantDialogs.dialogBody)
				checkMap(t, "component names", got.components, wantDialogs.components)
				checkMap(t, "component bodies", got.compBody, wantDialogs.compBody)

				wantU := base.utterances
				if sel(botdef.GroupUtterances) {
					if mode == "append" {
						wantU = union(base.utterances, file.utterances)
					} else {
						wantU = file.utterances
					}
				}
				checkSet(t, "utterances", got.utterances, wantU)
				if len(got.utterances) != tc.utterancesOut {
					t.Errorf("%d utterances, want %d", len(got.utterances), tc.utterancesOut)
				}
				// Every pattern entry of Demobot1 is {"en":{}}, in the bot
				// and in the files: merged or not, it stays so.
				checkMap(t, "patterns", got.patterns, base.patterns)

				// Members: all of the bot's stay (demobot1-without-settings
				// lacks 37 setting members), and those of groups not
				// selected keep the bot's values.
				if !slices.Equal(got.members, base.members) {
					t.Errorf("members %v\nwant %v", got.members, base.members)
				}
				for m, v := range base.settings {
					if g := botdef.MemberGroup(m); (g == "" || !sel(g)) && got.settings[m] != v {
						t.Errorf("member %s changed: %.200s\nwas %.200s", m, got.settings[m], v)
					}
				}

				types := entryTypes(st)
				wantDialogEntries := 0
				if sel(botdef.GroupBotTask) {
					wantDialogEntries = 8
				}
				if types["Dialog"] != wantDialogEntries || (types["Utterences"] == 1) != sel(botdef.GroupUtterances) ||
					(types["Patterns"] == 1) != sel(botdef.GroupPatterns) || types["Event"] != 0 || types["BotVariables"] != 0 {
					t.Errorf("entries %v", types)
				}
			})
		}
	}
}

// TestIncrementalMergeRules covers the merge rules the Demobot1 partial
// exports alone leave untested, with edited copies of the fixtures.
func TestIncrementalMergeRules(t *testing.T) {
	e := newIncEnv(t)
	full := fixture.Get(t, "demobot1-full")
	base := fixtureFacts(t, "demobot1-full")
	const gitTest = "de007bf3-baa4-565e-9e1c-da196e02cd17" // the GitTest intent component

	t.Run("patterns", func(t *testing.T) {
		// The bot has patterns for GitTest; the file has others.
		entry := func(pats []string, negs []string) map[string]any {
			en := map[string]any{}
			for _, l := range []struct {
				key  string
				vals []string
			}{{"patterns", pats}, {"negativePatterns", negs}} {
				if l.vals == nil {
					continue
				}
				var list []any
				for _, v := range l.vals {
					list = append(list, map[string]any{"value": v, "original": v})
				}
				en[l.key] = list
			}
			return map[string]any{"en": en}
		}
		setPatterns := func(def map[string]any, ld map[string]any) {
			for _, p := range elements(def, "patterns") {
				if p["refId"] == gitTest {
					p["localeData"] = ld
				}
			}
		}
		botEx := editedExport(t, "demobot1-full", func(def map[string]any) {
			setPatterns(def, entry([]string{"old pattern", "both"}, []string{"~old"}))
		})
		fileEx := editedExport(t, "demobot1-nlp-only", func(def map[string]any) {
			setPatterns(def, entry([]string{"both", "new pattern"}, nil))
		})
		canon := func(ld map[string]any) string {
			b, _ := json.Marshal(ld)
			return canonical(t, b)
		}
		for _, tt := range []struct {
			mode string
			want map[string]any
		}{
			{"append", entry([]string{"old pattern", "both", "new pattern"}, []string{"~old"})},
			{"replace", entry([]string{"both", "new pattern"}, nil)},
		} {
			t.Run(tt.mode, func(t *testing.T) {
				botID := e.newBot(t, botEx)
				e.mustImport(t, botID, fileEx, &client.ImportOptions{NLPData: []string{"patterns"}, Options: modeOpts(tt.mode)})
				got := e.facts(t, botID)
				want := maps.Clone(base.patterns)
				want[gitTest] = canon(tt.want)
				checkMap(t, "patterns", got.patterns, want)
				if got.patterns[gitTest] != want[gitTest] {
					t.Errorf("GitTest patterns %s\nwant %s", got.patterns[gitTest], want[gitTest])
				}
				checkSet(t, "utterances", got.utterances, base.utterances)
			})
		}
	})

	t.Run("orphaned component is deleted", func(t *testing.T) {
		// ViewMyBill stops using Message0001, which no other dialog uses.
		fileEx := editedExport(t, "demobot1-tasks-only", func(def map[string]any) {
			dropNodes(dialogNamed(t, def, "ViewMyBill"))
		})
		file := fixtureFacts(t, "demobot1-tasks-only")
		botID := e.newBot(t, full)
		e.mustImport(t, botID, fileEx, &client.ImportOptions{Tasks: []string{"botTask"}})
		got := e.facts(t, botID)
		want := maps.Clone(file.components)
		for ref, name := range want {
			if name == "Message0001" {
				delete(want, ref)
			}
		}
		checkMap(t, "components", got.components, want)
		checkSet(t, "utterances", got.utterances, base.utterances)
	})

	t.Run("component still used by a dialog the import keeps stays", func(t *testing.T) {
		// In the bot, PayMyBill shares Message0001 with ViewMyBill. The file
		// has no PayMyBill, and its ViewMyBill no longer uses Message0001.
		botEx := editedExport(t, "demobot1-full", func(def map[string]any) {
			addMessageNode(dialogNamed(t, def, "PayMyBill"), componentNamed(t, def, "Message0001"))
		})
		fileEx := editedExport(t, "demobot1-tasks-only", func(def map[string]any) {
			dropNodes(dialogNamed(t, def, "ViewMyBill"))
			withoutDialog(t, def, "PayBill", "PayBill")
		})
		bot := factsOfDefinition(t, readFile(t, botEx.File("botDefinition.json")))
		file := factsOfDefinition(t, readFile(t, fileEx.File("botDefinition.json")))
		botID := e.newBot(t, botEx)
		e.mustImport(t, botID, fileEx, &client.ImportOptions{Tasks: []string{"botTask"}})
		got := e.facts(t, botID)
		wantC := maps.Clone(file.compBody)
		for ref, name := range bot.components {
			if name == "Message0001" || name == "PayMyBill" {
				wantC[ref] = bot.compBody[ref] // kept from the bot
			}
		}
		checkMap(t, "component bodies", got.compBody, wantC)
		wantD := maps.Clone(file.dialogBody)
		for ref, name := range bot.dialogs {
			if name == "PayMyBill" {
				wantD[ref] = bot.dialogBody[ref]
			}
		}
		checkMap(t, "dialog bodies", got.dialogBody, wantD)
	})

	t.Run("component used by another imported dialog stays", func(t *testing.T) {
		// ViewMyBill stops using Message0001, the file's PayBill starts.
		fileEx := editedExport(t, "demobot1-tasks-only", func(def map[string]any) {
			dropNodes(dialogNamed(t, def, "ViewMyBill"))
			addMessageNode(dialogNamed(t, def, "PayBill"), componentNamed(t, def, "Message0001"))
		})
		file := factsOfDefinition(t, readFile(t, fileEx.File("botDefinition.json")))
		botID := e.newBot(t, full)
		e.mustImport(t, botID, fileEx, &client.ImportOptions{Tasks: []string{"botTask"}})
		got := e.facts(t, botID)
		checkMap(t, "component bodies", got.compBody, file.compBody)
		checkMap(t, "dialog bodies", got.dialogBody, file.dialogBody)
	})

	// The file lacks the Voice task (dialog, components, utterances,
	// patterns): replace removes the bot's utterances of the imported tasks
	// only, so Voice keeps its utterances.
	for _, mode := range []string{"append", "replace"} {
		t.Run("tasks and utterances, "+mode+", a task the file lacks", func(t *testing.T) {
			fileEx := editedExport(t, "demobot1-without-settings", func(def map[string]any) {
				withoutDialog(t, def, "Voice", "Voice", "Entity0001")
			})
			file := factsOfDefinition(t, readFile(t, fileEx.File("botDefinition.json")))
			botID := e.newBot(t, full)
			e.mustImport(t, botID, fileEx, &client.ImportOptions{Tasks: []string{"botTask"}, NLPData: []string{"utterances", "patterns"}, Options: modeOpts(mode)})
			got := e.facts(t, botID)
			var voice string
			for ref, name := range base.components {
				if name == "Voice" {
					voice = ref
				}
			}
			if len(utterancesOf(base, voice)) != 2 || len(utterancesOf(file, voice)) != 0 {
				t.Fatalf("fixture: Voice has %d utterances in the bot, %d in the file", len(utterancesOf(base, voice)), len(utterancesOf(file, voice)))
			}
			wantU := union(file.utterances, utterancesOf(base, voice))
			if mode == "append" {
				wantU = union(base.utterances, file.utterances)
			}
			checkSet(t, "utterances", got.utterances, wantU)
			wantC := maps.Clone(file.compBody)
			for ref, name := range base.components {
				if name == "Voice" || name == "Entity0001" {
					wantC[ref] = base.compBody[ref]
				}
			}
			checkMap(t, "component bodies", got.compBody, wantC)
			checkMap(t, "patterns", got.patterns, base.patterns)
		})
	}

	// An utterance edited in an export keeps its _id: appended beside the
	// bot's, whose text differs, the two must not share the _id (a bot with
	// a duplicate utterance _id cannot be imported again; mustImport checks).
	for _, mode := range []string{"append", "replace"} {
		t.Run("an edited utterance, "+mode, func(t *testing.T) {
			var id, was string
			fileEx := editedExport(t, "demobot1-nlp-only", func(def map[string]any) {
				ids := map[any]bool{}
				for _, s := range elements(readDef(t, full), "sentences") {
					ids[s["_id"]] = true
				}
				for _, s := range elements(def, "sentences") {
					if ids[s["_id"]] && id == "" {
						id, was = s["_id"].(string), s["sentence"].(string)
						s["sentence"] = "edited: " + was
					}
				}
			})
			file := factsOfDefinition(t, readFile(t, fileEx.File("botDefinition.json")))
			botID := e.newBot(t, full)
			e.mustImport(t, botID, fileEx, &client.ImportOptions{NLPData: []string{"utterances"}, Options: modeOpts(mode)})
			def, _, _ := botFiles(t, e.st, e.ts.AccountID, botID)
			got := factsOfDefinition(t, def)
			wantU := file.utterances
			if mode == "append" {
				wantU = union(base.utterances, file.utterances)
			}
			checkSet(t, "utterances", got.utterances, wantU)
			var top struct {
				Sentences []struct {
					ID       string `json:"_id"`
					Sentence string `json:"sentence"`
				} `json:"sentences"`
			}
			if err := json.Unmarshal(def, &top); err != nil {
				t.Fatal(err)
			}
			byText := map[string]string{}
			for _, s := range top.Sentences {
				byText[s.Sentence] = s.ID
			}
			// The bot's utterance keeps its _id.
			if mode == "append" && byText[was] != id {
				t.Errorf("the bot's utterance %q has _id %q, want %q", was, byText[was], id)
			}
			if mode == "replace" && byText["edited: "+was] != id {
				t.Errorf("the edited utterance has _id %q, want the file's %q", byText["edited: "+was], id)
			}
		})
	}

	t.Run("utterances with another bot's component _ids", func(t *testing.T) {
		// The same bot exported from elsewhere: same refIds, other _ids.
		// One utterance also annotates an entity.
		fileEx := editedExport(t, "demobot1-nlp-only", func(def map[string]any) {
			other := map[any]any{}
			for _, c := range elements(def, "dialogComponents") {
				id := c["_id"].(string)
				other[id] = "dc-0ther" + id[len("dc-0ther"):]
				c["_id"] = other[id]
			}
			entity := componentNamed(t, def, "Entity0002")["_id"]
			for i, s := range elements(def, "sentences") {
				s["taskId"] = other[s["taskId"]]
				if i == 0 {
					s["entities"] = []any{map[string]any{"startIndex": 0, "endIndex": 1, "entityId": entity}}
				}
			}
		})
		file := fixtureFacts(t, "demobot1-nlp-only")
		botID := e.newBot(t, full)
		e.mustImport(t, botID, fileEx, &client.ImportOptions{NLPData: []string{"utterances"}})
		def, _, _ := botFiles(t, e.st, e.ts.AccountID, botID)
		got := factsOfDefinition(t, def)
		checkSet(t, "utterances", got.utterances, union(base.utterances, file.utterances))
		for _, id := range got.taskIDs {
			if _, ok := base.compIDs[id]; !ok {
				t.Fatalf("utterance taskId %q is not one of the bot's component _ids", id)
			}
		}
		var sents []struct {
			Entities []struct {
				EntityID string `json:"entityId"`
			} `json:"entities"`
		}
		var top struct {
			Sentences *[]struct {
				Entities []struct {
					EntityID string `json:"entityId"`
				} `json:"entities"`
			} `json:"sentences"`
		}
		top.Sentences = &sents
		if err := json.Unmarshal(def, &top); err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, s := range sents {
			for _, en := range s.Entities {
				n++
				if base.components[base.compIDs[en.EntityID]] != "Entity0002" {
					t.Errorf("entity annotation names %q, want Entity0002's _id in the bot", en.EntityID)
				}
			}
		}
		if n != 1 {
			t.Errorf("%d entity annotations, want 1", n)
		}
	})
}

// entryOf returns the first status entry of a type.
func entryOf(st *client.Status, taskType string) *client.LogEntry {
	for i := range st.StatusLogs {
		if st.StatusLogs[i].TaskType == taskType {
			return &st.StatusLogs[i]
		}
	}
	return nil
}

// TestIncrementalResultChecks: an incremental import whose result could
// not be exported and imported again fails with located errors and leaves
// the bot as it was; parts of the file that point at nothing in the result
// and that the merge leaves out are reported as warnings.
func TestIncrementalResultChecks(t *testing.T) {
	e := newIncEnv(t)
	full := fixture.Get(t, "demobot1-full")
	refused := func(t *testing.T, ex fixture.Export, opts *client.ImportOptions, want map[string]string) {
		t.Helper()
		botID := e.newBot(t, full)
		before, bot, _ := botFacts(t, e.st, e.ts.AccountID, botID)
		st := e.importInto(t, botID, ex, opts)
		if st.Status != "failure" {
			t.Fatalf("import %s: %s, want failure", ex.Name, st.Status)
		}
		entry := entryOf(st, "Bot Definition")
		if entry == nil || entry.Status != "failure" {
			t.Fatalf("no failed Bot Definition entry: %+v", st.StatusLogs)
		}
		got := map[string]string{}
		for _, p := range entry.Errors {
			got[p.Pointer] = p.Code
			if p.Line < 1 || p.Column < 1 || p.File != "botDefinition.json" {
				t.Errorf("error not located: %+v", p)
			}
		}
		if !mapsEqualStr(got, want) {
			t.Errorf("errors %v, want %v", got, want)
		}
		after, bot2, _ := botFacts(t, e.st, e.ts.AccountID, botID)
		if bot2.Version != bot.Version || !mapsEqualStr(after.dialogBody, before.dialogBody) || !sameSet(after.utterances, before.utterances) {
			t.Errorf("the bot changed")
		}
	}
	t.Run("events of dialogs not imported", func(t *testing.T) {
		refused(t, fixture.Get(t, "code-review-bot"), &client.ImportOptions{NLPData: []string{"nlpSettings"}}, map[string]string{
			"/botEvents/INTENT_UNIDENTIFIED/task":   "unknown_dialog",
			"/botEvents/WELCOME_MESSAGE_EVENT/task": "unknown_dialog",
			"/botEvents/ON_CONNECT_EVENT/task":      "unknown_dialog",
		})
	})
	t.Run("FAQs answering with dialogs not imported", func(t *testing.T) {
		botID := e.newBot(t, full)
		s := e.importInto(t, botID, fixture.Get(t, "vaxie"), &client.ImportOptions{Tasks: []string{"knowledgeGraph"}})
		n := 0
		for _, p := range entryOf(s, "Bot Definition").Errors {
			if p.Code == "unknown_dialog" && strings.HasSuffix(p.Pointer, "/dialogRefId") && p.Line > 0 {
				n++
			}
		}
		if s.Status != "failure" || n != 7 {
			t.Errorf("%s with %d located FAQ errors, want failure with 7", s.Status, n)
		}
	})
	t.Run("component names the bot keeps", func(t *testing.T) {
		// vaxie's Entity0001 and Entity0003 have other refIds than Demobot1's.
		refused(t, fixture.Get(t, "vaxie"), &client.ImportOptions{Tasks: []string{"botTask"}}, map[string]string{
			"/dialogComponents/17/name": "duplicate_id",
			"/dialogComponents/86/name": "duplicate_id",
		})
	})
	t.Run("re-imports of the bot's own tasks", func(t *testing.T) {
		for _, name := range []string{"demobot1-full", "demobot1-tasks-only", "demobot1-without-settings"} {
			botID := e.newBot(t, full)
			e.mustImport(t, botID, fixture.Get(t, name), &client.ImportOptions{Tasks: []string{"botTask"}, NLPData: []string{"nlpSettings"}})
		}
	})
	t.Run("events with their dialogs", func(t *testing.T) {
		// Tasks and events of a bot without the default dialogs' names:
		// code-review-bot's collide with Demobot1's (Welcome_Task, ...).
		botID := e.newBot(t, full)
		st := e.importInto(t, botID, fixture.Get(t, "code-review-bot"), &client.ImportOptions{Tasks: []string{"botTask"}, NLPData: []string{"nlpSettings"}})
		for _, p := range entryOf(st, "Bot Definition").Errors {
			if p.Code != "duplicate_id" {
				t.Errorf("unexpected %s %s", p.Code, p.Pointer)
			}
		}
	})
	skipped := func(t *testing.T, name string, nlp []string, want map[string]string) {
		t.Helper()
		botID := e.newBot(t, full)
		before := e.facts(t, botID)
		st := e.mustImport(t, botID, fixture.Get(t, name), &client.ImportOptions{NLPData: nlp})
		got := map[string]string{}
		for _, p := range entryOf(st, "Bot Definition").Warnings {
			if strings.HasPrefix(p.Code, "skipped_") {
				got[p.Code] = p.Pointer + " " + p.Message
				if p.Line < 1 {
					t.Errorf("warning not located: %+v", p)
				}
			}
		}
		if !mapsEqualStr(got, want) {
			t.Errorf("warnings %v\nwant %v", got, want)
		}
		if st.Summary == nil || st.Summary.Warnings < len(want) {
			t.Errorf("summary %+v", st.Summary)
		}
		checkSet(t, "utterances", e.facts(t, botID).utterances, before.utterances)
	}
	t.Run("utterances of intents not in the bot", func(t *testing.T) {
		skipped(t, "code-review-bot", []string{"utterances"}, map[string]string{
			"skipped_utterances": "/sentences/0/taskId 24 utterances skipped: their intent is not in the bot",
		})
	})
	t.Run("utterances and patterns of intents not in the bot", func(t *testing.T) {
		skipped(t, "vaidyah", []string{"utterances", "patterns"}, map[string]string{
			"skipped_utterances": "/sentences/0/taskId 112 utterances skipped: their intent is not in the bot",
			"skipped_patterns":   "/patterns/0/refId 28 patterns skipped: their component is not in the bot",
		})
	})
}
