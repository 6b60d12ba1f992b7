package merge_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/botport/botport/internal/botdef"
	"github.com/botport/botport/internal/merge"
	"github.com/botport/botport/internal/selection"
)

// side is one version of a test: parsed from literal files by botdef, as
// the pipeline parses an upload, with its bodies kept by hash so that the
// test can load what Needs asks for and render the result.
type side struct {
	v      merge.Version
	def    *botdef.Definition
	full   []merge.Record // with bodies
	bodies map[string][]byte
}

// bot parses a definition and a config. The definition is completed with
// the members every export has (defaultLanguage, localeData, dialogs,
// dialogComponents) when it lacks them, so cases state only what they
// test.
func bot(t *testing.T, def, cfg string) *side {
	t.Helper()
	var m []botdef.Field
	m, err := botdef.Fields([]byte(def))
	if err != nil {
		t.Fatalf("test definition: %v", err)
	}
	for _, d := range []botdef.Field{{Name: "defaultLanguage", Value: []byte(`"en"`)}, {Name: "localeData", Value: []byte(`{"en":{"name":"Bot"}}`)},
		{Name: "dialogs", Value: []byte(`[]`)}, {Name: "dialogComponents", Value: []byte(`[]`)}} {
		if botdef.Get(m, d.Name) == nil {
			m = append(m, d)
		}
	}
	if cfg == "" {
		cfg = `{"name":"Bot"}`
	}
	s := &side{bodies: map[string][]byte{}}
	emit := func(r *botdef.Record) error {
		rec := *r
		rec.Body = bytes.Clone(r.Body)
		s.add(rec)
		return nil
	}
	var ps botdef.Problems
	d, err := botdef.ParseDefinition(bytes.NewReader(botdef.Object(m)), emit, &ps, botdef.Options{ChunkElements: 2})
	if err != nil || ps.ErrorCount() > 0 {
		t.Fatalf("test definition: %v %v", err, ps.Errors())
	}
	c, err := botdef.ParseConfig(strings.NewReader(cfg), emit, &ps)
	if err != nil || ps.ErrorCount() > 0 {
		t.Fatalf("test config: %v %v", err, ps.Errors())
	}
	s.def = d
	s.v.Layout = botdef.Layout{Definition: d.Members, Config: c.Members}
	// The links a full import writes for the rules' members.
	for _, dl := range d.Dialogs {
		s.v.Links = append(s.v.Links, d.DialogLinks(dl)...)
	}
	s.v.Links = append(append(s.v.Links, d.UtteranceLinks()...), d.PatternLinks()...)
	return s
}

// add adds a record, keeping its body.
func (s *side) add(rec botdef.Record) {
	sum := sha256.Sum256(rec.Body)
	s.bodies[string(sum[:])] = rec.Body
	r := merge.Record{Record: rec, Hash: sum[:]}
	s.full = append(s.full, r)
	r.Body = nil
	s.v.Records = append(s.v.Records, r)
}

// withFile adds a whole-file record (icon, script).
func (s *side) withFile(kind, name, body string) *side {
	s.add(botdef.Record{File: name, Kind: kind, Ident: name, Name: name, Body: []byte(body)})
	return s
}

func (s *side) records(member string) []merge.Record {
	var out []merge.Record
	for _, r := range s.full {
		if r.File == botdef.FileDefinition && r.Member == member {
			out = append(out, r)
		}
	}
	return out
}

func (s *side) elements(t *testing.T, member string) [][]byte {
	var out [][]byte
	for _, r := range s.records(member) {
		if err := botdef.Elements(&r.Record, func(el []byte) error {
			out = append(out, bytes.Clone(el))
			return nil
		}); err != nil {
			t.Fatal(err)
		}
	}
	return out
}

// load fills the bodies Needs asks for, as the importer does.
func (s *side) load(t *testing.T, target, utterances, patterns, locale bool) merge.Version {
	v := s.v
	v.Bodies = merge.Bodies{}
	if utterances {
		v.Bodies.Utterances = s.elements(t, "sentences")
	}
	if patterns {
		v.Bodies.Patterns = s.elements(t, "patterns")
	}
	if locale {
		for _, r := range s.records("localeData") {
			v.Bodies.LocaleData = r.Body
		}
	}
	if target {
		for _, r := range s.records("dialogComponents") {
			f, _ := botdef.Fields(r.Body)
			var id string
			json.Unmarshal(botdef.Get(f, "_id"), &id)
			v.Bodies.Components = append(v.Bodies.Components, merge.Component{Ident: r.Ident, ID: id})
		}
	}
	return v
}

// outcome is a merge's result, rendered.
type outcome struct {
	res     *merge.Result
	def     map[string]json.RawMessage // botDefinition.json as the result writes it
	cfg     map[string]json.RawMessage
	members []string // the definition's member order
}

// run merges source into target with sel, loading only what Needs asks for.
func run(t *testing.T, target, source *side, sel *selection.Selection, functions bool) *outcome {
	t.Helper()
	in := &merge.Input{Selection: sel, Target: target.v, Source: source.v, File: source.def, Functions: functions}
	need := in.Needs()
	in.Target = target.load(t, need.TargetComponents, need.TargetUtterances, need.TargetPatterns, need.TargetLocale)
	in.Source = source.load(t, false, need.Utterances, need.Patterns, need.Locale)
	res, err := merge.Merge(in)
	if err != nil {
		t.Fatal(err)
	}
	o := &outcome{res: res}
	for _, m := range res.Layout.Definition {
		o.members = append(o.members, m.Name)
	}
	body := func(r merge.Record) []byte {
		if r.Body != nil {
			if sum := sha256.Sum256(r.Body); !bytes.Equal(sum[:], r.Hash) {
				t.Errorf("%s record %d: hash is not the body's", r.Member, r.Seq)
			}
			return r.Body
		}
		if b, ok := target.bodies[string(r.Hash)]; ok {
			return b
		}
		if b, ok := source.bodies[string(r.Hash)]; ok {
			return b
		}
		t.Fatalf("%s %s record %d refers to no stored body", r.File, r.Member, r.Seq)
		return nil
	}
	render := func(file string, members []botdef.Member) map[string]json.RawMessage {
		var buf bytes.Buffer
		err := botdef.WriteFile(&buf, members, func(member string, fn func(*botdef.Record) error) error {
			var recs []merge.Record
			for _, r := range res.Records {
				if r.File == file && r.Member == member {
					recs = append(recs, r)
				}
			}
			for i, r := range recs {
				if r.Seq != i {
					t.Errorf("%s: record %d has seq %d", member, i, r.Seq)
				}
				br := r.Record
				br.Body = body(r)
				if err := fn(&br); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		var out map[string]json.RawMessage
		if err := json.Unmarshal(buf.Bytes(), &out); err != nil {
			t.Fatalf("result %s: %v\n%s", file, err, buf.Bytes())
		}
		return out
	}
	o.def = render(botdef.FileDefinition, res.Layout.Definition)
	o.cfg = render(botdef.FileConfig, res.Layout.Config)
	return o
}

// field lists one string field of each element of an array member.
func (o *outcome) field(t *testing.T, member, name string) []string {
	t.Helper()
	var els []map[string]any
	if raw, ok := o.def[member]; ok {
		if err := json.Unmarshal(raw, &els); err != nil {
			t.Fatal(err)
		}
	}
	var out []string
	for _, e := range els {
		s, _ := e[name].(string)
		out = append(out, s)
	}
	return out
}

// recordOf finds a record of the result by member and identity.
func (o *outcome) recordOf(member, ident string) (merge.Record, bool) {
	i := slices.IndexFunc(o.res.Records, func(r merge.Record) bool { return r.Member == member && r.Ident == ident })
	if i < 0 {
		return merge.Record{}, false
	}
	return o.res.Records[i], true
}

func tasks(v ...string) *selection.Selection    { return &selection.Selection{Tasks: v} }
func nlp(v ...string) *selection.Selection      { return &selection.Selection{NLPData: v} }
func settings(v ...string) *selection.Selection { return &selection.Selection{Settings: v} }

func eq[T comparable](t *testing.T, what string, got, want []T) {
	t.Helper()
	if !slices.Equal(got, want) {
		t.Errorf("%s: %v, want %v", what, got, want)
	}
}
