package exporter

import (
	"archive/zip"
	"bytes"
	"encoding/json"
	"io"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/botport/botport/internal/botdef"
	"github.com/botport/botport/internal/fixture"
	"github.com/botport/botport/internal/selection"
	"github.com/botport/botport/internal/store"
)

// memContent parses a fixture into records held in memory, as an import
// would store them (with chunks of three utterances, so chunk rewriting is
// exercised), plus the dialog links and extra whole-file records.
func memContent(t *testing.T, name string, extra ...store.Record) *content {
	t.Helper()
	e := fixture.Get(t, name)
	var recs []store.Record
	emit := func(r *botdef.Record) error {
		recs = append(recs, store.Record{File: r.File, Member: r.Member, Seq: r.Seq, Kind: r.Kind, Ident: r.Ident, RefID: r.RefID,
			Name: r.Name, Count: r.Count, Body: r.Body})
		return nil
	}
	var ps botdef.Problems
	f, err := os.Open(e.File(botdef.FileDefinition))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	d, err := botdef.ParseDefinition(f, emit, &ps, botdef.Options{ChunkElements: 3})
	if err != nil || ps.ErrorCount() > 0 {
		t.Fatalf("parse: %v %v", err, ps.Errors())
	}
	cf, err := os.Open(e.File(botdef.FileConfig))
	if err != nil {
		t.Fatal(err)
	}
	defer cf.Close()
	cfg, err := botdef.ParseConfig(cf, emit, &ps)
	if err != nil {
		t.Fatal(err)
	}
	recs = append(recs, extra...)
	c := &content{layout: botdef.Layout{Definition: d.Members, Config: cfg.Members}}
	for _, dl := range d.Dialogs {
		for _, l := range d.DialogLinks(dl) {
			c.links = append(c.links, store.Link(l))
		}
	}
	for _, r := range recs {
		m := r
		m.Body = nil
		c.meta = append(c.meta, m)
	}
	c.records = func(file, member string, fn func(*store.Record) error) error {
		for i := range recs {
			if recs[i].File == file && recs[i].Member == member {
				if err := fn(&recs[i]); err != nil {
					return err
				}
			}
		}
		return nil
	}
	return c
}

// export builds c for req and returns the zip's entries.
func export(t *testing.T, c *content, req *Request) map[string][]byte {
	t.Helper()
	p, err := newPlan(c, req)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := build(&buf, p, time.Now()); err != nil {
		t.Fatal(err)
	}
	zr, err := zip.NewReader(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]byte{}
	for _, f := range zr.File {
		rc, _ := f.Open()
		out[f.Name], _ = io.ReadAll(rc)
		rc.Close()
	}
	return out
}

func topLevel(t *testing.T, b []byte) ([]string, map[string]json.RawMessage) {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.Token()
	var keys []string
	vals := map[string]json.RawMessage{}
	for dec.More() {
		k, _ := dec.Token()
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			t.Fatal(err)
		}
		keys = append(keys, k.(string))
		vals[k.(string)] = v
	}
	return keys, vals
}

// TestBuildEverything: without options the stored files come back byte for
// byte, with the icon and scripts (sorted by name) after them.
func TestBuildEverything(t *testing.T) {
	c := memContent(t, "code-review-bot",
		store.Record{File: "b.js", Kind: botdef.KindBotFunction, Ident: "b.js", Body: []byte("// b")},
		store.Record{File: "icon.png", Kind: botdef.KindIcon, Ident: "icon", Body: []byte("icon bytes")},
		store.Record{File: "a.js", Kind: botdef.KindBotFunction, Ident: "a.js", Body: []byte("// a")})
	files := export(t, c, &Request{ExportType: TypeLatest})
	e := fixture.Get(t, "code-review-bot")
	for _, name := range []string{botdef.FileDefinition, botdef.FileConfig} {
		want, _ := os.ReadFile(e.File(name))
		if !bytes.Equal(files[name], want) {
			t.Errorf("%s differs from the fixture", name)
		}
	}
	if string(files["icon.png"]) != "icon bytes" || string(files["a.js"]) != "// a" || string(files["b.js"]) != "// b" || len(files) != 5 {
		t.Errorf("entries %d: icon %q, scripts %q %q", len(files), files["icon.png"], files["a.js"], files["b.js"])
	}
}

// TestBuildVariables: botVariables unselected empties both variable lists;
// ignore leaves out keys of either kind; the ignore flags empty one list.
func TestBuildVariables(t *testing.T) {
	c := memContent(t, "code-review-bot") // 3 env variables, 23 content variables
	count := func(files map[string][]byte) (env, content int) {
		_, cfg := topLevel(t, files[botdef.FileConfig])
		_, def := topLevel(t, files[botdef.FileDefinition])
		var a, b []json.RawMessage
		json.Unmarshal(cfg["envVariables"], &a)
		json.Unmarshal(def["contentVariables"], &b)
		return len(a), len(b)
	}
	settings := []string{"botSettings", "botVariables"}
	// Two keys to ignore: the first env variable's and the first content variable's.
	_, cfg := topLevel(t, export(t, c, &Request{})[botdef.FileConfig])
	_, def := topLevel(t, export(t, c, &Request{})[botdef.FileDefinition])
	var envs, contents []struct{ Key string }
	json.Unmarshal(cfg["envVariables"], &envs)
	json.Unmarshal(def["contentVariables"], &contents)
	if len(envs) != 3 || len(contents) != 23 {
		t.Fatalf("fixture has %d env and %d content variables", len(envs), len(contents))
	}
	for name, tt := range map[string]struct {
		opts         selection.Selection
		env, content int
	}{
		"selected":               {selection.Selection{Settings: settings}, 3, 23},
		"not selected":           {selection.Selection{Settings: []string{"botSettings"}}, 0, 0},
		"ignore keys":            {selection.Selection{Settings: settings, IgnoreVariables: []string{envs[0].Key, contents[0].Key, "nope"}}, 2, 22},
		"ignore env variables":   {selection.Selection{Settings: settings, IgnoreEnvironmentVariables: true}, 0, 23},
		"ignore content, by key": {selection.Selection{Settings: settings, IgnoreContentVariables: true, IgnoreVariables: []string{envs[1].Key}}, 2, 0},
	} {
		t.Run(name, func(t *testing.T) {
			opts := tt.opts
			env, content := count(export(t, c, &Request{Options: &opts}))
			if env != tt.env || content != tt.content {
				t.Errorf("%d env and %d content variables, want %d and %d", env, content, tt.env, tt.content)
			}
		})
	}
}

// TestBuildShapes: a selection empties members stored as values (null) as
// [] too (envVariables in config.json included), keeps botEvents an
// object, and inserts an exportOptions member
// where a full export has it when the bot has none.
func TestBuildShapes(t *testing.T) {
	c := memContent(t, "demobot1-full")
	// Store namespaces as null and drop the exportOptions member.
	var def []botdef.Member
	for _, m := range c.layout.Definition {
		switch m.Name {
		case "exportOptions":
			continue
		case "namespaces":
			m.Shape = botdef.ShapeValue
		}
		def = append(def, m)
	}
	c.layout.Definition = def
	for i, m := range c.layout.Config {
		if m.Name == "envVariables" {
			c.layout.Config[i].Shape = botdef.ShapeValue
		}
	}
	inner := c.records
	c.records = func(file, member string, fn func(*store.Record) error) error {
		if member == "namespaces" || member == "envVariables" {
			return fn(&store.Record{File: file, Member: member, Kind: botdef.KindSetting, Ident: member, Body: []byte("null")})
		}
		return inner(file, member, fn)
	}
	files := export(t, c, &Request{Options: &selection.Selection{Tasks: []string{"botTask"}}, Echo: json.RawMessage(`{"tasks":["botTask"]}`)})
	keys, vals := topLevel(t, files[botdef.FileDefinition])
	for m, want := range map[string]string{"namespaces": "[]", "botEvents": "{}", "sentences": "[]", "exportOptions": `{"tasks":["botTask"]}`} {
		var v any
		json.Unmarshal(vals[m], &v)
		got, _ := json.Marshal(v)
		if string(got) != want {
			t.Errorf("%s = %s, want %s", m, got, want)
		}
	}
	i, j := slices.Index(keys, "exportOptions"), slices.Index(keys, "environmentVersionInfo")
	if i < 0 || j != i+1 || keys[i-1] != "namespaces" {
		t.Errorf("exportOptions inserted at %d in %v", i, keys)
	}
	if got := string(files[botdef.FileConfig]); got != "{\n    \"name\": \"Demobot1\",\n    \"envVariables\": []\n}" {
		t.Errorf("config.json with envVariables stored as null:\n%s", got)
	}
	if strings.Contains(string(files[botdef.FileDefinition]), "\"enableNegativePatterns\"") {
		t.Error("enableNegativePatterns kept without nlpData:nlpSettings")
	}
}
