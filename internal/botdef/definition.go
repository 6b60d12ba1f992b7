package botdef

import (
	"bytes"
	"errors"
	"io"
	"strconv"

	json "github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
)

// unmarshal decodes with json v2 defaults: member names match exactly,
// unknown members are ignored, invalid UTF-8 and duplicate names fail.
func unmarshal(b []byte, v any) error { return json.Unmarshal(b, v) }

// Definition is what parsing botDefinition.json learned: the layout and the
// facts validation and the pipeline need. The content went to records.
type Definition struct {
	Members            []Member
	DefaultLanguage    string
	SupportedLanguages []string
	LocaleNames        map[string]string // localeData.<lang>.name
	Descriptions       map[string]string // localeData.<lang>.description
	Purpose            string
	Type               string
	Color              string
	UniversalBot       bool // type universalbot with universalBotVersion absent or below 2
	DefaultDialogID    string

	Dialogs    []*Dialog
	Components []*Component
	Forms      []*Named
	Widgets    []*Named
	Panels     []*Named
	Events     []Event
	Counts     map[string]int // elements per record kind

	graphs       []graphFact
	sentences    []sentenceFact
	patterns     []patternFact
	contentKeys  map[string]int // key -> first index
	namespaces   []nsFact
	idpNames     map[string]bool
	sentiment    []string
	mlIntents    []mlFact
	topNS        struct{ kr, ev, top []string }
	nsUsers      []nsUse
	strRefs      []strRef
	refSeen      map[string]int
	memberKinds  map[string]jsontext.Kind
	componentsAt int // member order index at which dialogComponents was complete; -1 before
	ubVersion    string
	defaultName  string
	compByID     map[string]*Component
}

type graphFact struct {
	index       int
	refID, lang string
	name        string
	faqDialogs  []indexed // FAQ index -> dialogRefId
	taxonomy    map[string]bool
	parents     []indexedPair
	ns          []string
}

type indexed struct {
	index int
	value string
}

type indexedPair struct {
	index, sub int
	a, b       string
}

type sentenceFact struct {
	index    int
	id       string
	taskID   string
	entities []indexed
}

type patternFact struct {
	index int
	refID string
}

type nsFact struct{ id, refID string }

type mlFact struct {
	index   int
	intents []string
}

type nsUse struct {
	file string
	ptr  string
	what string
	ns   []string
}

// strRef is a {{env.X}} or content.X reference found in a string.
type strRef struct {
	env    bool
	name   string
	ptr    string
	offset int64
	more   int // further occurrences
}

// Name is the bot's name in its default language.
func (d *Definition) Name() string { return d.LocaleNames[d.DefaultLanguage] }

// Description is the bot's description in its default language.
func (d *Definition) Description() string { return d.Descriptions[d.DefaultLanguage] }

// IsExport reports whether the file looks like a Kore.ai bot export: it has
// dialogs and dialogComponents arrays, a localeData object and a
// defaultLanguage string (export-format.md section 3).
func (d *Definition) IsExport() bool {
	want := map[string]jsontext.Kind{"dialogs": '[', "dialogComponents": '[', "localeData": '{', "defaultLanguage": '"'}
	for m, k := range want {
		if d.memberKinds[m] != k {
			return false
		}
	}
	return true
}

// ParseDefinition reads botDefinition.json from r as a stream, calls emit
// with each record in file order, and returns the facts. Content problems
// (syntax, a non-export) are added to ps and end parsing early; the error
// result is only for failures of r or emit.
func ParseDefinition(r io.Reader, emit func(*Record) error, ps *Problems, opts Options) (*Definition, error) {
	opts = opts.withDefaults()
	if ps.Max == 0 {
		ps.Max = opts.MaxProblems
	}
	d := &Definition{
		Counts:       map[string]int{},
		contentKeys:  map[string]int{},
		idpNames:     map[string]bool{},
		memberKinds:  map[string]jsontext.Kind{},
		componentsAt: -1,
	}
	p := newParser(FileDefinition, r, emit, ps, opts)
	p.isObjectCollection = func(m string) bool { return m == "botEvents" }
	p.onMember = func(member string, k jsontext.Kind) { d.memberKinds[member] = k }
	p.kindOf = CollectionKind
	p.onValue = func(member string, raw jsontext.Value, start int64) error {
		d.memberKinds[member] = raw.Kind()
		d.scanRefs(raw, start, loc{member: member, index: -1})
		return d.setting(member, raw, ps)
	}
	p.onElement = func(member string, i int, raw jsontext.Value, start int64) (elemID, error) {
		d.memberKinds[member] = '['
		d.Counts[CollectionKind(member)]++
		at := loc{member: member, index: i}
		if raw.Kind() != '{' {
			ps.Add(&Problem{File: FileDefinition, Pointer: at.ptr(), Code: "wrong_type", Severity: Error,
				Message: member + " elements must be objects, found " + kindName(raw.Kind()), offset: start})
			return elemID{}, nil
		}
		d.scanRefs(raw, start, at)
		return d.element(member, i, raw, at, ps), nil
	}
	p.onEvent = func(member, key string, raw jsontext.Value, start int64) error {
		d.memberKinds[member] = '{'
		var e eventJSON
		if raw.Kind() == '{' {
			if err := unmarshal(raw, &e); err != nil {
				addDecodeError(ps, pointer(member, key), err)
			}
		}
		d.Events = append(d.Events, Event{Key: key, Enabled: bool(e.Enabled), Action: string(e.Action), Task: string(e.Task)})
		d.scanRefs(raw, start, loc{member: member, index: -1, key: key})
		return nil
	}
	lastMember := ""
	baseEmit := p.emit
	p.emit = func(r *Record) error {
		if r.Member != lastMember {
			if lastMember == "dialogComponents" {
				d.componentsAt = len(p.members)
			}
			lastMember = r.Member
		}
		return baseEmit(r)
	}
	if err := p.run(); err != nil {
		return nil, err
	}
	if lastMember == "dialogComponents" {
		d.componentsAt = len(p.members)
	}
	d.Members = p.members
	d.finish()
	return d, nil
}

func kindName(k jsontext.Kind) string {
	switch k {
	case '{':
		return "an object"
	case '[':
		return "an array"
	case '"':
		return "a string"
	case '0':
		return "a number"
	case 't', 'f':
		return "a boolean"
	case 'n':
		return "null"
	}
	return "nothing"
}

// addDecodeError turns a json v2 semantic error into a located wrong_type
// problem under base.
func addDecodeError(ps *Problems, base string, err error) {
	var se *json.SemanticError
	ptr, msg := base, syntaxMessage(err)
	if errors.As(err, &se) {
		ptr = base + string(se.JSONPointer)
		msg = "wrong JSON type"
		if se.JSONKind != 0 {
			msg += ": found " + kindName(se.JSONKind)
		}
		if se.GoType != nil {
			msg += ", expected " + goKind(se.GoType.Kind().String())
		}
	}
	ps.Add(&Problem{File: FileDefinition, Pointer: ptr, Code: "wrong_type", Message: msg, offset: -1})
}

func goKind(k string) string {
	switch k {
	case "slice", "array":
		return "an array"
	case "struct", "map":
		return "an object"
	case "string":
		return "a string"
	}
	return k
}

// setting reads the top-level values botport interprets.
func (d *Definition) setting(member string, raw jsontext.Value, ps *Problems) error {
	want := func(k jsontext.Kind, what string) bool {
		if raw.Kind() == k || raw.Kind() == 'n' {
			return raw.Kind() == k
		}
		ps.Add(&Problem{File: FileDefinition, Pointer: pointer(member), Code: "wrong_type", offset: -1,
			Message: member + " must be " + what + ", found " + kindName(raw.Kind())})
		return false
	}
	if CollectionKind(member) != "" {
		// An array member that arrived as something else.
		want('[', "an array")
		return nil
	}
	switch member {
	case "defaultLanguage":
		if want('"', "a string") {
			var s str
			_ = s.UnmarshalJSON(raw)
			d.DefaultLanguage = string(s)
		}
	case "supportedLanguages":
		if want('[', "an array") {
			var s strs
			_ = s.UnmarshalJSON(raw)
			d.SupportedLanguages = s
		}
	case "localeData":
		if want('{', "an object") {
			var m map[string]struct {
				Name        str `json:"name"`
				Description str `json:"description"`
			}
			if err := unmarshal(raw, &m); err != nil {
				addDecodeError(ps, pointer(member), err)
			}
			d.LocaleNames, d.Descriptions = map[string]string{}, map[string]string{}
			for lang, v := range m {
				d.LocaleNames[lang] = string(v.Name)
				d.Descriptions[lang] = string(v.Description)
			}
		}
	case "purpose", "type", "color", "defaultDialogId":
		var s str
		_ = s.UnmarshalJSON(raw)
		switch member {
		case "purpose":
			d.Purpose = string(s)
		case "type":
			d.Type = string(s)
		case "color":
			d.Color = string(s)
		case "defaultDialogId":
			d.DefaultDialogID = string(s)
		}
	case "universalBotVersion":
		var t text
		_ = t.UnmarshalJSON(raw)
		d.ubVersion = string(t)
	case "krVNameSpace", "evVNameSpace", "vNameSpace":
		var s strs
		_ = s.UnmarshalJSON(raw)
		switch member {
		case "krVNameSpace":
			d.topNS.kr = s
		case "evVNameSpace":
			d.topNS.ev = s
		default:
			d.topNS.top = s
		}
	case "botEvents":
		if raw.Kind() != '{' && raw.Kind() != 'n' && !(raw.Kind() == '[' && bytes.Equal(bytes.TrimSpace(raw[1:len(raw)-1]), nil)) {
			ps.Add(&Problem{File: FileDefinition, Pointer: pointer(member), Code: "wrong_type", offset: -1,
				Message: "botEvents must be an object, found " + kindName(raw.Kind())})
		}
	}
	return nil
}

// element reads the facts of one array element and returns its identity.
func (d *Definition) element(member string, i int, raw jsontext.Value, at loc, ps *Problems) elemID {
	switch member {
	case "dialogs":
		var v dialogJSON
		if err := unmarshal(raw, &v); err != nil {
			addDecodeError(ps, at.ptr(), err)
		}
		dl := &Dialog{Index: i, ID: string(v.ID), RefID: string(v.RefID), LName: string(v.LName), Names: v.LocaleData, Stub: v.Nodes == nil, NS: v.NS}
		if v.Nodes != nil {
			for _, n := range *v.Nodes {
				dl.Nodes = append(dl.Nodes, n.node())
			}
		}
		d.Dialogs = append(d.Dialogs, dl)
		dl.Name = d.dialogName(dl)
		return elemID{dl.Ident(), dl.RefID, dl.Name}
	case "dialogComponents":
		var v componentJSON
		if err := unmarshal(raw, &v); err != nil {
			addDecodeError(ps, at.ptr(), err)
		}
		c := &Component{Index: i, ID: string(v.ID), RefID: string(v.RefID), Name: string(v.Name), Type: string(v.Type),
			DialogID: string(v.DialogID), ResourceID: string(v.ResourceID), Idp: string(v.Idp), NS: v.NS}
		for _, n := range v.Nodes {
			c.Nodes = append(c.Nodes, n.node())
		}
		d.Components = append(d.Components, c)
		return elemID{c.Ident(), c.RefID, c.Name}
	case "forms":
		var v formJSON
		if err := unmarshal(raw, &v); err != nil {
			addDecodeError(ps, at.ptr(), err)
		}
		n := &Named{Index: i, RefID: string(v.RefID), Name: firstOf(string(v.DisplayName), string(v.Name))}
		for _, in := range v.Integrations {
			n.Refs = append(n.Refs, string(in.ResourceID))
			n.Comps = append(n.Comps, string(in.ResourceMeta.ComponentID))
		}
		d.Forms = append(d.Forms, n)
		return elemID{n.RefID, n.RefID, n.Name}
	case "widgets":
		var v widgetJSON
		if err := unmarshal(raw, &v); err != nil {
			addDecodeError(ps, at.ptr(), err)
		}
		n := &Named{Index: i, RefID: string(v.RefID), Name: string(v.Name)}
		if v.Source.Type == "dialog" {
			n.Refs = []string{string(v.Source.Resource)}
		}
		d.Widgets = append(d.Widgets, n)
		return elemID{n.RefID, n.RefID, n.Name}
	case "panels":
		var v panelJSON
		if err := unmarshal(raw, &v); err != nil {
			addDecodeError(ps, at.ptr(), err)
		}
		d.Panels = append(d.Panels, &Named{Index: i, RefID: string(v.RefID), Name: string(v.Name), Refs: v.Widgets})
		return elemID{string(v.RefID), string(v.RefID), string(v.Name)}
	case "sentences":
		var v sentenceJSON
		if err := unmarshal(raw, &v); err != nil {
			addDecodeError(ps, at.ptr(), err)
		}
		s := sentenceFact{index: i, id: string(v.ID), taskID: string(v.TaskID)}
		for j, e := range v.Entities {
			if e.EntityID != nil {
				s.entities = append(s.entities, indexed{j, string(*e.EntityID)})
			}
		}
		d.sentences = append(d.sentences, s)
		return elemID{}
	case "patterns":
		var v identJSON
		if err := unmarshal(raw, &v); err != nil {
			addDecodeError(ps, at.ptr(), err)
		}
		d.patterns = append(d.patterns, patternFact{index: i, refID: string(v.RefID)})
		return elemID{string(v.RefID), string(v.RefID), ""}
	case "knowledgeTasks":
		var v graphJSON
		if err := unmarshal(raw, &v); err != nil {
			addDecodeError(ps, at.ptr(), err)
		}
		g := graphFact{index: i, refID: string(v.RefID), lang: string(v.Language), name: string(v.Name), taxonomy: map[string]bool{}, ns: v.NS}
		for _, t := range v.Taxonomy {
			g.taxonomy[string(t.NodeID)] = true
		}
		for j, t := range v.Taxonomy {
			for k, parent := range t.Parent {
				g.parents = append(g.parents, indexedPair{j, k, string(t.NodeID), parent})
			}
		}
		for j, f := range v.Faqs.Faqs {
			if f.ResponseType == "dialog" {
				g.faqDialogs = append(g.faqDialogs, indexed{j, string(f.DialogRefID)})
			}
		}
		d.graphs = append(d.graphs, g)
		return elemID{g.refID + "|" + g.lang, g.refID, g.name}
	default:
		var v identJSON
		if err := unmarshal(raw, &v); err != nil {
			addDecodeError(ps, at.ptr(), err)
		}
		switch member {
		case "contentVariables":
			if _, dup := d.contentKeys[string(v.Key)]; !dup {
				d.contentKeys[string(v.Key)] = i
			} else {
				ps.Add(&Problem{File: FileDefinition, Pointer: pointer(member, i, "key"), Code: "duplicate_key", offset: -1,
					Message: "content variable " + strconv.Quote(string(v.Key)) + " is defined twice"})
			}
			d.nsUsers = append(d.nsUsers, nsUse{file: FileDefinition, ptr: at.ptr(), what: "content variable " + strconv.Quote(string(v.Key)), ns: v.NS})
		case "namespaces":
			d.namespaces = append(d.namespaces, nsFact{id: string(v.ID), refID: string(v.RefID)})
		case "idpConfigurations":
			d.idpNames[string(v.Name)] = true
		case "smallTalk":
			for j, g := range v.Groups {
				d.nsUsers = append(d.nsUsers, nsUse{file: FileDefinition, ptr: pointer(member, i, "groups", j), what: "small-talk group", ns: g.NS})
			}
		case "mlParams":
			d.mlIntents = append(d.mlIntents, mlFact{index: i, intents: v.DialogIntents})
		case "botSentimentEvents":
			var t struct {
				Task str `json:"task"`
			}
			_ = unmarshal(raw, &t)
			d.sentiment = append(d.sentiment, string(t.Task))
		}
		return identOf(member, &v)
	}
}

// identOf derives the identity of an element botport does not interpret.
func identOf(member string, v *identJSON) elemID {
	switch member {
	case "contentVariables":
		return elemID{string(v.Key), "", string(v.Key)}
	case "koraResponses":
		return elemID{string(v.KoreKey) + "|" + string(v.Language), "", string(v.KoreKey)}
	case "smallTalk":
		return elemID{string(v.Language), "", string(v.Language)}
	case "mlParams":
		return elemID{string(v.Language) + "|" + string(v.Type), "", string(v.Language)}
	}
	return elemID{firstOf(string(v.RefID), string(v.ID), string(v.Name)), string(v.RefID), string(v.Name)}
}

// dialogName is a dialog's display name: its default-language name, else
// lname. Before defaultLanguage is read, the first localeData name stands in;
// finish resolves it again.
func (d *Definition) dialogName(dl *Dialog) string {
	if n := dl.Names[d.DefaultLanguage]; n != "" {
		return n
	}
	if d.DefaultLanguage == "" {
		for _, n := range dl.Names {
			if n != "" {
				return n
			}
		}
	}
	return dl.LName
}

// finish resolves what needed the whole file.
func (d *Definition) finish() {
	for _, dl := range d.Dialogs {
		dl.Name = d.dialogName(dl)
	}
	if d.Type == "universalbot" {
		v, err := strconv.ParseFloat(d.ubVersion, 64)
		d.UniversalBot = err != nil || v < 2
	}
}
