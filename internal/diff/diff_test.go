package diff_test

import (
	"bytes"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/botport/botport/internal/diff"
	"github.com/botport/botport/internal/fixture"
)

func parse(t *testing.T, def, cfg []byte) *diff.Bot {
	t.Helper()
	b, err := diff.Parse(bytes.NewReader(def), bytes.NewReader(cfg), nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func read(t *testing.T, name, file string) []byte {
	t.Helper()
	b, err := os.ReadFile(fixture.Get(t, name).File(file))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestDescribe(t *testing.T) {
	for _, tc := range []struct {
		name, kind, old, new string
		want                 []string
	}{
		{"member changed", "dialog", `{"a":1,"b":2}`, `{"a":1,"b":3}`, []string{"b changed"}},
		{"added and removed", "dialog", `{"a":1}`, `{"b":1}`, []string{"a removed", "b added"}},
		{"nested", "setting", `{"en":{"name":"x","d":1}}`, `{"en":{"name":"y","d":1}}`, []string{"en.name changed"}},
		{"nodes by nodeId", "dialog", `{"nodes":[{"nodeId":"intent0","t":1},{"nodeId":"msg1","t":1}]}`,
			`{"nodes":[{"nodeId":"intent0","t":1},{"nodeId":"msg1","t":2},{"nodeId":"msg2"}]}`,
			[]string{"nodes[msg1].t changed", "nodes[msg2] added"}},
		{"reordered", "dialog", `{"l":[{"key":"a"},{"key":"b"}]}`, `{"l":[{"key":"b"},{"key":"a"}]}`, []string{"l reordered"}},
		{"array length", "setting", `[1,2]`, `[1,2,3]`, []string{"value changed (3 items, 2 before)"}},
		{"scalar", "setting", `true`, `false`, []string{"value changed"}},
		{"env value never shown", "envVariable", `{"key":"K","value":"old-secret","hint":"h"}`, `{"key":"K","value":"new-secret","hint":"h2"}`,
			[]string{"hint changed", "value changed"}},
		{"content value per language", "contentVariable", `{"key":"K","localeData":{"en":{"value":"a"},"es":{"value":"b"}}}`,
			`{"key":"K","localeData":{"en":{"value":"a"},"es":{"value":"c"}}}`, []string{"value (es) changed"}},
		{"utterances", "utterances", `[{"sentence":"a","language":"en"},{"sentence":"b","language":"en"}]`,
			`[{"sentence":"b","language":"en"},{"sentence":"c","language":"en"}]`, []string{`1 added: "c" (en)`, `1 removed: "a" (en)`}},
		{"many", "setting", `{"a":1,"b":1,"c":1,"d":1,"e":1,"f":1,"g":1,"h":1,"i":1,"j":1}`, `{}`,
			[]string{"a removed", "b removed", "c removed", "d removed", "e removed", "f removed", "g removed", "and 3 more"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := diff.Describe(tc.kind, []byte(tc.old), []byte(tc.new))
			if !slices.Equal(got, tc.want) {
				t.Errorf("Describe = %q, want %q", got, tc.want)
			}
			for _, d := range got {
				if strings.Contains(d, "secret") {
					t.Errorf("a description quotes a value: %q", d)
				}
			}
		})
	}
}

// TestCompareFixtures: an export equals itself whatever its key order, and
// the demobot1 exports differ where the fixtures do.
func TestCompareFixtures(t *testing.T) {
	for _, fx := range fixture.Exports(t) {
		def, cfg := read(t, fx.Name, "botDefinition.json"), read(t, fx.Name, "config.json")
		a, b := parse(t, def, cfg), parse(t, def, cfg)
		if r := diff.Compare(a, b, diff.Options{}); !r.Equal() {
			t.Errorf("%s differs from itself: %+v", fx.Name, r.Changes)
		}
		if a.Fingerprint(diff.Options{}) != b.Fingerprint(diff.Options{}) {
			t.Errorf("%s: two fingerprints", fx.Name)
		}
	}
	full := parse(t, read(t, "demobot1-full", "botDefinition.json"), read(t, "demobot1-full", "config.json"))
	all := parse(t, read(t, "demobot1-all", "botDefinition.json"), read(t, "demobot1-all", "config.json"))
	r := diff.Compare(full, all, diff.Options{})
	find := func(kind, name string) *diff.Change {
		for i, c := range r.Changes {
			if c.Kind == kind && c.Name == name {
				return &r.Changes[i]
			}
		}
		return nil
	}
	if c := find("dialog", "PayBill"); c == nil || c.Action != diff.Changed || !slices.Contains(c.Details, "localeData.en.name changed") {
		t.Errorf("PayMyBill renamed PayBill: %+v", c)
	}
	if c := find("envVariable", "abc"); c == nil || c.Action != diff.Added {
		t.Errorf("env variable abc: %+v", c)
	}
	if c := find("utterances", "PayBill"); c == nil || c.Action != diff.Changed {
		t.Errorf("utterances of PayBill: %+v", c)
	}
	for _, c := range r.Changes {
		if c.Kind == "component" {
			t.Errorf("a component change not folded into its dialogs: %+v", c)
		}
	}
	ig := diff.Compare(full, all, diff.Options{IgnoreVariables: true})
	for _, c := range ig.Changes {
		if c.Kind == "envVariable" || c.Kind == "contentVariable" {
			t.Errorf("--ignore-variables reported %+v", c)
		}
	}
	if ig.Summary.Added+ig.Summary.Removed+ig.Summary.Changed != len(ig.Changes) {
		t.Errorf("summary %+v for %d changes", ig.Summary, len(ig.Changes))
	}
}

// TestComponentAttribution: a message changed in a component shows as a
// change of the dialog that uses it, and only of that one.
func TestComponentAttribution(t *testing.T) {
	def, cfg := read(t, "demobot1-full", "botDefinition.json"), read(t, "demobot1-full", "config.json")
	a := parse(t, def, cfg)
	changed := bytes.Replace(def, []byte(`"name": "Message0001"`), []byte(`"name": "Message0001", "extra": true`), 1)
	if bytes.Equal(changed, def) {
		t.Fatal("the fixture has no Message0001")
	}
	r := diff.Compare(a, parse(t, changed, cfg), diff.Options{})
	if len(r.Changes) != 1 || r.Changes[0].Kind != "dialog" || r.Changes[0].Action != diff.Changed ||
		!strings.HasPrefix(r.Changes[0].Details[0], "component Message0001: extra added") {
		t.Errorf("changes: %+v", r.Changes)
	}
}

// TestVariablesIgnored: keys set by a variables file are left out on request.
func TestVariablesIgnored(t *testing.T) {
	cfg := []byte(`{"name":"B","envVariables":[{"key":"A","value":"1"},{"key":"B","value":"2"}]}`)
	cfg2 := []byte(`{"name":"B","envVariables":[{"key":"A","value":"9"},{"key":"B","value":"8"}]}`)
	def := read(t, "demobot1-full", "botDefinition.json")
	a, b := parse(t, def, cfg), parse(t, def, cfg2)
	r := diff.Compare(a, b, diff.Options{IgnoreKeys: map[string]bool{"A": true}})
	if len(r.Changes) != 1 || r.Changes[0].Name != "B" || r.Changes[0].Details[0] != "value changed" {
		t.Errorf("changes: %+v", r.Changes)
	}
	if a.Fingerprint(diff.Options{IgnoreVariables: true}) != b.Fingerprint(diff.Options{IgnoreVariables: true}) ||
		a.Fingerprint(diff.Options{}) == b.Fingerprint(diff.Options{}) {
		t.Errorf("fingerprints do not follow the options")
	}
}

// TestRecords: the dry run's comparison keeps its shape; a record stored in
// other bytes with the same meaning is unchanged.
func TestRecords(t *testing.T) {
	h := func(s string) []byte { return []byte(s) }
	cur := []diff.Rec{{Kind: "dialog", Ident: "d1", Name: "D1", Hash: h("1")}, {Kind: "dialog", Ident: "d2", Hash: h("2")},
		{Kind: "icon", Ident: "icon", Hash: h("i")}, {Kind: "utterances", Ident: "sentences#0", Count: 3, Hash: h("u")},
		{Kind: "dialog", Ident: "d3", Hash: h("3")}}
	staged := []diff.Rec{{Kind: "dialog", Ident: "d1", Name: "D1", Hash: h("1b")}, {Kind: "dialog", Ident: "d4", Hash: h("4")},
		{Kind: "utterances", Ident: "sentences#0", Count: 4, Hash: h("v")}, {Kind: "dialog", Ident: "d3", Hash: h("3b")}}
	bodies := func(m map[string]string) diff.Bodies {
		return func(rs []diff.Rec) (map[diff.RecKey][]byte, error) {
			out := map[diff.RecKey][]byte{}
			for _, r := range rs {
				out[diff.RecordKey(r)] = []byte(m[r.Ident])
			}
			return out, nil
		}
	}
	got, n, err := diff.Records(cur, staged, map[string]bool{"icon": true},
		bodies(map[string]string{"d1": `{"a":1,"b":2}`, "d3": `{"a":1,"b":2}`}), bodies(map[string]string{"d1": `{"a":1,"b":3}`, "d3": `{"b":2,"a":1}`}))
	if err != nil {
		t.Fatal(err)
	}
	want := []diff.RecordChange{{Kind: "dialog", Ident: "d1", Name: "D1", Action: "update", Detail: "b changed"},
		{Kind: "dialog", Ident: "d4", Action: "create"}, {Kind: "dialog", Ident: "d3", Action: "unchanged"},
		{Kind: "dialog", Ident: "d2", Action: "delete"}, {Kind: "icon", Ident: "icon", Action: "unchanged"},
		{Kind: "utterances", Ident: "sentences", Action: "update", Detail: "4 utterances, 3 before"}}
	if !slices.Equal(got, want) {
		t.Errorf("Records =\n%+v\nwant\n%+v", got, want)
	}
	if n != (diff.Counts{Create: 1, Update: 2, Delete: 1, Unchanged: 2}) {
		t.Errorf("counts %+v", n)
	}
}
