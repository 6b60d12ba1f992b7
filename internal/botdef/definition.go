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
	tasks        []taskFact     // elements of the task collections botport stores opaquely (owners.go)
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
