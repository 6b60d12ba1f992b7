package exportdir

import (
	"bytes"
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/go-json-experiment/json/jsontext"

	"github.com/botport/botport/internal/botdef"
	"github.com/botport/botport/internal/canonjson"
)

// Tree is the layout's files: slash-separated paths relative to the
// folder, and their bytes.
type Tree map[string][]byte

// topFile is bot.json.
type topFile struct {
	Format   string                     `json:"format"`
	Members  []string                   `json:"members"`
	Settings map[string]json.RawMessage `json:"settings"`
}

// Build returns the unpacked layout of an export. It fails when the
// definition or config.json cannot be parsed, or a bot-functions file name
// is not a plain file name.
func Build(e *Export) (Tree, error) {
	recs := map[string][]*botdef.Record{}
	ps := &botdef.Problems{}
	def, err := botdef.ParseDefinition(bytes.NewReader(e.Definition), func(r *botdef.Record) error {
		recs[r.Member] = append(recs[r.Member], r)
		return nil
	}, ps, botdef.Options{})
	if err != nil {
		return nil, err
	}
	if ps.ErrorCount() > 0 {
		return nil, fmt.Errorf("%s cannot be unpacked: %s", botdef.FileDefinition, botdef.Summary(ps.Errors(), ps.ErrorCount()))
	}
	t := Tree{}
	top := topFile{Format: Format, Members: []string{}, Settings: map[string]json.RawMessage{}}
	for _, m := range def.Members {
		top.Members = append(top.Members, m.Name)
		rs := recs[m.Name]
		switch {
		case m.Shape == botdef.ShapeValue && !ownFile[m.Name]:
			top.Settings[m.Name] = rs[0].Body
		case m.Shape == botdef.ShapeValue:
			err = t.put(DirDefinition+"/"+m.Name+".json", rs[0].Body)
		case m.Shape == botdef.ShapeObject:
			err = t.put(DirDefinition+"/"+m.Name+".json", object(rs))
		case m.Name == "sentences":
			err = t.utterances(def, rs)
		case split[m.Name] != "" && allObjects(rs):
			err = t.elements(def, m.Name, rs)
		default:
			err = t.put(DirDefinition+"/"+m.Name+".json", array(rs))
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w", m.Name, err)
		}
	}
	b, err := json.Marshal(top)
	if err != nil {
		return nil, err
	}
	if err := t.put(FileTop, b); err != nil {
		return nil, err
	}
	if err := t.put(FileConfig, e.Config); err != nil {
		return nil, fmt.Errorf("%s: %w", FileConfig, err)
	}
	if e.Icon != nil {
		t[FileIcon] = e.Icon
	}
	for _, f := range e.Functions {
		if f.Name == "" || strings.ContainsAny(f.Name, `/\:`) || strings.HasPrefix(f.Name, ".") {
			return nil, fmt.Errorf("bot-functions file name %q is not a plain file name", f.Name)
		}
		t[DirFunctions+"/"+f.Name] = f.Data
	}
	return t, nil
}

// put writes a JSON value in canonical, indented form.
func (t Tree) put(path string, v []byte) error {
	b, err := canonjson.Indent(v)
	if err != nil {
		return err
	}
	t[path] = b
	return nil
}

// object rebuilds an object member (botEvents) from its records.
func object(rs []*botdef.Record) []byte {
	b := []byte{'{'}
	for i, r := range rs {
		if i > 0 {
			b = append(b, ',')
		}
		b, _ = jsontext.AppendQuote(b, r.Ident)
		b = append(b, ':')
		b = append(b, r.Body...)
	}
	return append(b, '}')
}

// array rebuilds an array member from its records, in order.
func array(rs []*botdef.Record) []byte {
	b := []byte{'['}
	n := 0
	for _, r := range rs {
		_ = botdef.Elements(r, func(el []byte) error {
			if n > 0 {
				b = append(b, ',')
			}
			n++
			b = append(b, el...)
			return nil
		})
	}
	return append(b, ']')
}

func allObjects(rs []*botdef.Record) bool {
	for _, r := range rs {
		if len(r.Body) == 0 || r.Body[0] != '{' {
			return false
		}
	}
	return true
}

// elements writes one file per element of a split collection, named after
// the element.
func (t Tree) elements(def *botdef.Definition, member string, rs []*botdef.Record) error {
	dialogNames := map[string]string{}
	for _, d := range def.Dialogs {
		dialogNames[d.Ident()] = d.Name
	}
	want := make([]named, len(rs))
	for i, r := range rs {
		f, err := botdef.Fields(r.Body)
		if err != nil {
			return err
		}
		name := r.Name
		switch member {
		case "dialogs":
			name = cmp.Or(dialogNames[r.Ident], r.Name)
		case "forms", "widgets", "panels":
			name = cmp.Or(str(f, "name"), r.Name)
		case "knowledgeTasks":
			name = cmp.Or(str(f, "name"), "graph") + "." + cmp.Or(str(f, "language"), "any")
		}
		want[i] = named{want: base(cmp.Or(name, r.Ident)), ident: r.Ident}
	}
	names := unique(want)
	dir := split[member]
	for i, r := range rs {
		body := r.Body
		if member == "dialogComponents" {
			var err error
			if body, err = t.script(body, names[i]); err != nil {
				return err
			}
		}
		if err := t.put(dir+"/"+names[i]+".json", body); err != nil {
			return err
		}
	}
	return nil
}

// script moves a script component's code to scripts/<name>.js and
// returns the component with a reference in its place.
func (t Tree) script(body []byte, name string) ([]byte, error) {
	f, err := botdef.Fields(body)
	if err != nil {
		return nil, err
	}
	v := botdef.Get(f, "script")
	if str(f, "type") != "script" || v.Kind() != '"' {
		if v.Kind() == '{' && bytes.Contains(v, []byte(`"$file"`)) {
			return nil, errors.New("a component's script is an object with $file, which the layout reserves")
		}
		return body, nil
	}
	stored, err := jsontext.AppendUnquote(nil, v)
	if err != nil {
		return nil, err
	}
	text, decoded := decodeScript(string(stored))
	path := DirScripts + "/" + name + ".js"
	t[path] = []byte(text)
	ref, err := json.Marshal(scriptRef{File: path, Raw: !decoded})
	if err != nil {
		return nil, err
	}
	return botdef.Object(botdef.Set(f, "script", ref)), nil
}

// utterance is one sentences element with what sorts it.
type utterance struct {
	lang, text string
	body       []byte // canonical
}

// utterances writes the utterances grouped by intent (the component their
// taskId names), each file sorted by language, text, then content.
func (t Tree) utterances(def *botdef.Definition, rs []*botdef.Record) error {
	comps := map[string]*botdef.Component{}
	for _, c := range def.Components {
		if c.ID != "" {
			comps[c.ID] = c
		}
	}
	groups := map[string][]utterance{}
	for _, r := range rs {
		err := botdef.Elements(r, func(el []byte) error {
			c, err := canonjson.Compact(el)
			if err != nil {
				return err
			}
			f, _ := botdef.Fields(el)
			task := str(f, "taskId")
			groups[task] = append(groups[task], utterance{lang: str(f, "language"), text: str(f, "sentence"), body: c})
			return nil
		})
		if err != nil {
			return err
		}
	}
	tasks := make([]string, 0, len(groups))
	for k := range groups {
		tasks = append(tasks, k)
	}
	slices.Sort(tasks)
	want := make([]named, len(tasks))
	for i, task := range tasks {
		name := "task-" + task
		if c := comps[task]; c != nil && c.Name != "" {
			name = c.Name
		}
		want[i] = named{want: base(name), ident: task}
	}
	names := unique(want)
	for i, task := range tasks {
		us := groups[task]
		slices.SortFunc(us, func(a, b utterance) int {
			return cmp.Or(strings.Compare(a.lang, b.lang), strings.Compare(a.text, b.text), bytes.Compare(a.body, b.body))
		})
		b := []byte{'['}
		for j, u := range us {
			if j > 0 {
				b = append(b, ',')
			}
			b = append(b, u.body...)
		}
		if err := t.put(DirUtterances+"/"+names[i]+".json", append(b, ']')); err != nil {
			return err
		}
	}
	return nil
}

// str returns a string member of an object, or "".
func str(f []botdef.Field, name string) string {
	v := botdef.Get(f, name)
	if v.Kind() != '"' {
		return ""
	}
	s, err := jsontext.AppendUnquote(nil, v)
	if err != nil {
		return ""
	}
	return string(s)
}
