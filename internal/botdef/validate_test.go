package botdef_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/botport/botport/internal/botdef"
	"github.com/botport/botport/internal/fixture"
)

// The tests in this file break a real export in one deliberate place and
// check every problem botport reports. The expected pointers, lines and
// columns never come from botport: a small JSON scanner below indexes the
// original bytes (pointer -> byte span of the value), the breaks are byte
// edits at those spans, and lines and columns are counted from byte offsets.

// span is the byte range of one JSON value in a text.
type span struct{ start, end int }

// jsonIndex maps the RFC 6901 pointer of every value of a valid JSON text to
// its byte span.
func jsonIndex(t testing.TB, data []byte) map[string]span {
	t.Helper()
	if !json.Valid(data) {
		t.Fatal("jsonIndex: the text is not valid JSON")
	}
	s := &jscan{b: data, out: map[string]span{}}
	s.value("")
	return s.out
}

type jscan struct {
	b   []byte
	i   int
	out map[string]span
}

func (s *jscan) ws() {
	for s.i < len(s.b) && (s.b[s.i] == ' ' || s.b[s.i] == '\t' || s.b[s.i] == '\n' || s.b[s.i] == '\r') {
		s.i++
	}
}

func (s *jscan) value(ptr string) {
	s.ws()
	start := s.i
	switch s.b[s.i] {
	case '{':
		s.i++
		s.ws()
		if s.b[s.i] == '}' {
			s.i++
			break
		}
		for {
			s.ws()
			ks := s.i
			s.str()
			var key string
			if err := json.Unmarshal(s.b[ks:s.i], &key); err != nil {
				panic(err)
			}
			s.ws()
			s.i++ // :
			s.value(ptr + "/" + escapeToken(key))
			s.ws()
			c := s.b[s.i]
			s.i++
			if c == '}' {
				break
			}
		}
	case '[':
		s.i++
		s.ws()
		if s.b[s.i] == ']' {
			s.i++
			break
		}
		for n := 0; ; n++ {
			s.value(ptr + "/" + strconv.Itoa(n))
			s.ws()
			c := s.b[s.i]
			s.i++
			if c == ']' {
				break
			}
		}
	case '"':
		s.str()
	default:
		for s.i < len(s.b) && !strings.ContainsRune(",]} \t\r\n", rune(s.b[s.i])) {
			s.i++
		}
	}
	s.out[ptr] = span{start, s.i}
}

func (s *jscan) str() {
	s.i++
	for s.b[s.i] != '"' {
		if s.b[s.i] == '\\' {
			s.i++
		}
		s.i++
	}
	s.i++
}

func escapeToken(s string) string {
	return strings.ReplaceAll(strings.ReplaceAll(s, "~", "~0"), "/", "~1")
}

// lineCol turns a byte offset into a 1-based line and a 1-based column
// counted in characters.
func lineCol(data []byte, off int) (int, int) {
	off = min(off, len(data))
	line := 1 + bytes.Count(data[:off], []byte("\n"))
	ls := bytes.LastIndexByte(data[:off], '\n') + 1
	return line, 1 + utf8.RuneCount(data[ls:off])
}

// quote encodes s as JSON without HTML escaping, as the exports are.
func quote(s string) string {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(s); err != nil {
		panic(err)
	}
	return strings.TrimSuffix(b.String(), "\n")
}

// editor applies byte edits to a fixture's text.
type editor struct {
	t     *testing.T
	data  []byte
	index map[string]span
}

func (e *editor) idx() map[string]span {
	if e.index == nil {
		e.index = jsonIndex(e.t, e.data)
	}
	return e.index
}

func (e *editor) span(ptr string) span {
	e.t.Helper()
	sp, ok := e.idx()[ptr]
	if !ok {
		e.t.Fatalf("no value at %s", ptr)
	}
	return sp
}

// str returns the string at ptr.
func (e *editor) str(ptr string) string {
	e.t.Helper()
	sp := e.span(ptr)
	var s string
	if err := json.Unmarshal(e.data[sp.start:sp.end], &s); err != nil {
		e.t.Fatalf("%s is not a string: %v", ptr, err)
	}
	return s
}

// raw replaces the value at ptr with the raw text v.
func (e *editor) raw(ptr, v string) {
	e.t.Helper()
	sp := e.span(ptr)
	e.splice(sp.start, sp.end, v)
}

// set replaces the string at ptr with s and returns the old string.
func (e *editor) set(ptr, s string) string {
	e.t.Helper()
	old := e.str(ptr)
	e.raw(ptr, quote(s))
	return old
}

func (e *editor) splice(start, end int, v string) {
	e.data = slices.Concat(e.data[:start:start], []byte(v), e.data[end:])
	e.index = nil
}

// find returns the pointers matching re, in document order.
func (e *editor) find(re string) []string {
	rx := regexp.MustCompile(re)
	var out []string
	for p := range e.idx() {
		if rx.MatchString(p) {
			out = append(out, p)
		}
	}
	slices.SortFunc(out, func(a, b string) int { return e.index[a].start - e.index[b].start })
	return out
}

// first returns the first pointer matching re for which ok holds.
func (e *editor) first(re string, ok func(ptr string) bool) string {
	e.t.Helper()
	for _, p := range e.find(re) {
		if ok == nil || ok(p) {
			return p
		}
	}
	e.t.Fatalf("no value matches %s", re)
	return ""
}

// uses returns the pointers of the strings equal to s, in document order.
func (e *editor) uses(s string) []string {
	q := []byte(quote(s))
	var out []string
	for p, sp := range e.idx() {
		if bytes.Equal(e.data[sp.start:sp.end], q) {
			out = append(out, p)
		}
	}
	slices.SortFunc(out, func(a, b string) int { return e.index[a].start - e.index[b].start })
	return out
}

func parent(ptr string) string { return ptr[:strings.LastIndexByte(ptr, '/')] }

// want is one expected problem. Its location is the start of the value at
// ptr in the edited text, or the start of the text at inside that value, or
// the explicit byte offset off.
type want struct {
	sev  botdef.Severity
	code string
	ptr  string
	at   string // a substring of the raw value at ptr that the problem points at
	off  int    // >= 0: explicit byte offset (syntax errors)
	msg  string // a substring of the message, when it matters
}

func wantErr(code, ptr string) want  { return want{sev: botdef.Error, code: code, ptr: ptr, off: -1} }
func wantWarn(code, ptr string) want { return want{sev: botdef.Warning, code: code, ptr: ptr, off: -1} }

func sevName(s botdef.Severity) string {
	if s == botdef.Warning {
		return "W"
	}
	return "E"
}

// runFile parses data as botDefinition.json (with cfg as config.json),
// validates it when it parsed without errors, as the importer does, and
// locates every problem.
func runFile(t testing.TB, data, cfg []byte, target *botdef.Target, opts botdef.Options) *botdef.Problems {
	t.Helper()
	ps := &botdef.Problems{}
	d, err := botdef.ParseDefinition(bytes.NewReader(data), func(*botdef.Record) error { return nil }, ps, opts)
	if err != nil {
		t.Fatalf("ParseDefinition: %v", err)
	}
	var c *botdef.Config
	if cfg != nil {
		if c, err = botdef.ParseConfig(bytes.NewReader(cfg), func(*botdef.Record) error { return nil }, ps); err != nil {
			t.Fatalf("ParseConfig: %v", err)
		}
	}
	if ps.ErrorCount() == 0 {
		botdef.Validate(d, c, ps, target)
	}
	all := append(slices.Clone(ps.Errors()), ps.Warnings()...)
	for file, b := range map[string][]byte{botdef.FileDefinition: data, botdef.FileConfig: cfg} {
		if err := botdef.Locate(file, all, func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(b)), nil }); err != nil {
			t.Fatalf("Locate %s: %v", file, err)
		}
	}
	return ps
}

func readFixture(t testing.TB, name, file string) []byte {
	t.Helper()
	b, err := os.ReadFile(fixture.Get(t, name).File(file))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

type validateCase struct {
	name    string
	fixture string
	// apply breaks the text and returns the problems that must follow.
	apply func(e *editor) []want
}

// laterNodeOfType reports whether ptr (…/nodes/N/<field>) belongs to a top-level
// dialog node of the given type that is not the dialog's first node.
func laterNodeOfType(e *editor, typ string) func(string) bool {
	return func(ptr string) bool {
		node := parent(ptr)
		return !strings.HasSuffix(node, "/nodes/0") && e.str(node+"/type") == typ
	}
}

var validateCases = []validateCase{
	// A dangling transition is reported at the target that does not resolve
	// (…/transitions/K/default or …/then), as every other reference check is
	// reported at the member holding the reference (…/componentId,
	// …/if/field, …/flowTaskId), not at the enclosing object.
	{
		name: "transition default to unknown node", fixture: "demobot1-full",
		apply: func(e *editor) []want {
			p := e.first(`^/dialogs/\d+/nodes/\d+/transitions/\d+/default$`, func(p string) bool {
				v := e.str(p)
				return v != "" && v != "end"
			})
			e.set(p, "nd-msg-00000000-no-such-node")
			return []want{wantErr("dangling_transition", p)}
		},
	},
	{
		name: "transition then to unknown node", fixture: "hr-assistant",
		apply: func(e *editor) []want {
			p := e.first(`^/dialogs/\d+/nodes/\d+/transitions/\d+/then$`, func(p string) bool {
				v := e.str(p)
				return v != "" && v != "end"
			})
			e.set(p, "nd-int-00000000-no-such-node")
			return []want{wantErr("dangling_transition", p)}
		},
	},
	{
		name: "transitions to end and empty are fine", fixture: "demobot1-full",
		apply: func(e *editor) []want {
			ps := e.find(`^/dialogs/\d+/nodes/\d+/transitions/\d+/default$`)
			e.set(ps[0], "end")
			e.set(ps[1], "")
			return nil
		},
	},
	{
		name: "node with unknown component", fixture: "demobot1-full",
		apply: func(e *editor) []want {
			p := e.first(`^/dialogs/\d+/nodes/\d+/componentId$`, laterNodeOfType(e, "message"))
			e.set(p, "dc-00000000-0000-0000-0000-000000000000")
			return []want{wantErr("unknown_component", p)}
		},
	},
	{
		name: "node type differs from its component", fixture: "demobot1-full",
		apply: func(e *editor) []want {
			p := e.first(`^/dialogs/\d+/nodes/\d+/type$`, func(p string) bool { return e.str(p) == "message" })
			e.set(p, "entity")
			return []want{wantErr("type_mismatch", p)}
		},
	},
	{
		name: "duplicate dialog refId", fixture: "demobot1-full",
		apply: func(e *editor) []want {
			// Take the refId of dialog 4 for dialog 5, whose own refId is used
			// only by storyboard data (information only, never reported).
			old := e.set("/dialogs/5/refId", e.str("/dialogs/4/refId"))
			for _, u := range e.uses(old) {
				if !strings.HasPrefix(u, "/sceneComponents/") && !strings.HasPrefix(u, "/scenes/") {
					e.t.Fatalf("premise: dialog refId %s is also used at %s", old, u)
				}
			}
			return []want{wantErr("duplicate_id", "/dialogs/5/refId")}
		},
	},
	{
		name: "duplicate dialog _id", fixture: "demobot1-full",
		apply: func(e *editor) []want {
			old := e.set("/dialogs/5/_id", e.str("/dialogs/4/_id"))
			// The intent component that named the old _id as its dialog now
			// names a dialog that does not exist (W).
			// Dialog 5's first node is still its intent, but that intent names
			// the old _id: the first-node rule (W) no longer holds.
			ws := append([]want{wantErr("duplicate_id", "/dialogs/5/_id")}, firstNodeMismatches(e)...)
			for _, u := range e.uses(old) {
				switch {
				case regexp.MustCompile(`^/dialogComponents/\d+/dialogId$`).MatchString(u):
					ws = append(ws, wantWarn("unknown_dialog", u))
				case strings.HasPrefix(u, "/exportOptions/"):
				default:
					e.t.Fatalf("premise: dialog _id %s is also used at %s", old, u)
				}
			}
			return ws
		},
	},
	{
		name: "duplicate component _id", fixture: "demobot1-full",
		apply: func(e *editor) []want {
			// Give the second message component the _id of the first one. The
			// nodes that used the second component now name an unknown one.
			msgs := e.find(`^/dialogComponents/\d+/type$`)
			var comps []string
			for _, p := range msgs {
				if e.str(p) == "message" {
					comps = append(comps, parent(p))
				}
			}
			old := e.set(comps[1]+"/_id", e.str(comps[0]+"/_id"))
			ws := []want{wantErr("duplicate_id", comps[1]+"/_id")}
			for _, u := range e.uses(old) {
				switch {
				case regexp.MustCompile(`^/dialogs/\d+/nodes/\d+/componentId$`).MatchString(u):
					ws = append(ws, wantErr("unknown_component", u))
				default:
					e.t.Fatalf("premise: component _id %s is also used at %s", old, u)
				}
			}
			if len(ws) < 2 {
				e.t.Fatal("premise: the component is used by no node")
			}
			return ws
		},
	},
	{
		name: "duplicate component name", fixture: "demobot1-full",
		apply: func(e *editor) []want {
			e.set("/dialogComponents/11/name", e.str("/dialogComponents/5/name"))
			return []want{wantErr("duplicate_id", "/dialogComponents/11/name")}
		},
	},
	{
		name: "duplicate nodeId in one dialog", fixture: "demobot1-full",
		apply: func(e *editor) []want {
			// A dialog with at least three nodes: node 2 takes node 1's id, and
			// the transitions that led to node 2 now lead nowhere.
			p := e.first(`^/dialogs/\d+/nodes/2/nodeId$`, nil)
			dialog := strings.TrimSuffix(p, "/nodes/2/nodeId")
			old := e.set(p, e.str(dialog+"/nodes/1/nodeId"))
			ws := []want{wantErr("duplicate_node", p)}
			for _, u := range e.uses(old) {
				if !strings.HasPrefix(u, dialog+"/") || !regexp.MustCompile(`/transitions/\d+/(default|then)$`).MatchString(u) {
					e.t.Fatalf("premise: nodeId %s is also used at %s", old, u)
				}
				ws = append(ws, wantErr("dangling_transition", u))
			}
			return ws
		},
	},
	{
		name: "if.field names an unknown node", fixture: "candy-education",
		apply: func(e *editor) []want {
			p := e.first(`^/dialogs/\d+/nodes/\d+/transitions/\d+/if/field$`, nil)
			e.set(p, "nd-ent-00000000-no-such-node")
			return []want{wantErr("dangling_condition", p)}
		},
	},
	{
		name: "botAction sub-node with unknown component", fixture: "demobot1-full",
		apply: func(e *editor) []want {
			p := e.first(`^/dialogs/\d+/nodes/\d+/nodes/\d+/componentId$`, nil)
			e.set(p, "dc-00000000-0000-0000-0000-000000000001")
			return []want{wantErr("unknown_component", p)}
		},
	},
	{
		name: "botAction component node with unknown component", fixture: "demobot1-full",
		apply: func(e *editor) []want {
			p := e.first(`^/dialogComponents/\d+/nodes/\d+/componentId$`, nil)
			e.set(p, "dc-00000000-0000-0000-0000-000000000002")
			return []want{wantErr("unknown_component", p)}
		},
	},
	{
		name: "flowTaskId names an unknown dialog", fixture: "candy-education",
		apply: func(e *editor) []want {
			p := e.first(`^/dialogs/\d+/nodes/\d+/flowTaskId$`, laterNodeOfType(e, "intent"))
			e.set(p, "00000000-0000-5000-8000-000000000000")
			return []want{wantErr("unknown_dialog", p)}
		},
	},
	{
		name: "flowTaskId names an unknown dialog (hr-assistant)", fixture: "hr-assistant",
		apply: func(e *editor) []want {
			p := e.first(`^/dialogs/\d+/nodes/\d+/flowTaskId$`, laterNodeOfType(e, "intent"))
			e.set(p, "00000000-0000-5000-8000-000000000000")
			return []want{wantErr("unknown_dialog", p)}
		},
	},
	{
		name: "utterance of an unknown intent", fixture: "demobot1-full",
		apply: func(e *editor) []want {
			e.set("/sentences/0/taskId", "dc-00000000-0000-0000-0000-000000000003")
			return []want{wantErr("unknown_intent", "/sentences/0/taskId")}
		},
	},
	{
		name: "utterance of a message component", fixture: "demobot1-full",
		apply: func(e *editor) []want {
			p := e.first(`^/dialogComponents/\d+/type$`, func(p string) bool { return e.str(p) == "message" })
			e.set("/sentences/3/taskId", e.str(parent(p)+"/_id"))
			return []want{wantErr("unknown_intent", "/sentences/3/taskId")}
		},
	},
	{
		name: "pattern of an unknown component", fixture: "demobot1-full",
		apply: func(e *editor) []want {
			e.set("/patterns/2/refId", "00000000-0000-5000-8000-000000000004")
			return []want{wantErr("unknown_component", "/patterns/2/refId")}
		},
	},
	{
		name: "enabled triggerDialog event with unknown task", fixture: "demobot1-full",
		apply: func(e *editor) []want {
			p := e.first(`^/botEvents/[^/]+/task$`, func(p string) bool {
				return e.str(parent(p)+"/action") == "triggerDialog" && string(e.data[e.span(parent(p)+"/enabled").start:][:4]) == "true"
			})
			e.set(p, "00000000-0000-5000-8000-000000000005")
			return []want{wantErr("unknown_dialog", p)}
		},
	},
	{
		name: "disabled triggerDialog event with unknown task", fixture: "demobot1-full",
		apply: func(e *editor) []want {
			p := e.first(`^/botEvents/[^/]+/task$`, func(p string) bool { return e.str(parent(p)+"/action") == "triggerDialog" })
			e.set(p, "00000000-0000-5000-8000-000000000006")
			e.raw(parent(p)+"/enabled", "false")
			return []want{wantWarn("unknown_dialog", p)}
		},
	},
	{
		name: "defaultDialogId names an unknown dialog", fixture: "demobot1-full",
		apply: func(e *editor) []want {
			e.set("/defaultDialogId", "00000000-0000-5000-8000-000000000007")
			return []want{wantWarn("unknown_dialog", "/defaultDialogId")}
		},
	},
	{
		name: "FAQ answers with an unknown dialog", fixture: "vaxie",
		apply: func(e *editor) []want {
			p := e.first(`^/knowledgeTasks/\d+/faqs/faqs/\d+/dialogRefId$`, func(p string) bool {
				return e.str(parent(p)+"/responseType") == "dialog"
			})
			e.set(p, "00000000-0000-5000-8000-000000000008")
			return []want{wantErr("unknown_dialog", p), vaxieContentWarning}
		},
	},
	{
		name: "undefined env variable, plain", fixture: "demobot1-full",
		apply: func(e *editor) []want {
			p := firstMessageText(e, 0)
			e.set(p, "Grüße – “quoted” \\ {{env.BOTPORT_NO_HOST}}.") // non-ASCII and an escape before it
			return []want{{sev: botdef.Warning, code: "undefined_env_variable", ptr: p, at: "env.BOTPORT_NO_HOST", off: -1}}
		},
	},
	{
		name: "undefined env variable, percent-encoded", fixture: "demobot1-full",
		apply: func(e *editor) []want {
			p := firstMessageText(e, 1)
			e.set(p, "Your%20token%20is%20%7B%7Benv.BOTPORT_NO_TOKEN%7D%7D")
			return []want{{sev: botdef.Warning, code: "undefined_env_variable", ptr: p, at: "env.BOTPORT_NO_TOKEN", off: -1}}
		},
	},
	{
		name: "defined env variable", fixture: "demobot1-all", // config.json defines "abc"
		apply: func(e *editor) []want {
			e.set(firstMessageText(e, 0), "Value {{env.abc}}")
			e.set(firstMessageText(e, 1), "Value%20%7B%7Benv.abc%7D%7D")
			return nil
		},
	},
	{
		name: "undefined content variable", fixture: "demobot1-full",
		apply: func(e *editor) []want {
			p := firstMessageText(e, 2)
			e.set(p, "Hello {{content.BOTPORT_NO_CONTENT}}")
			return []want{{sev: botdef.Warning, code: "undefined_content_variable", ptr: p, at: "content.BOTPORT_NO_CONTENT", off: -1}}
		},
	},
	{
		name: "defined content variable", fixture: "code-review-bot",
		apply: func(e *editor) []want {
			key := e.str("/contentVariables/0/key")
			e.set(firstMessageText(e, 0), "Hello {{content."+key+"}}")
			return nil
		},
	},
	{
		name: "botAction component transition to unknown node", fixture: "demobot1-full",
		apply: func(e *editor) []want {
			p := e.first(`^/dialogComponents/\d+/nodes/\d+/transitions/\d+/default$`, nil)
			e.set(p, "nd-00000000-no-such-node")
			return []want{wantErr("dangling_transition", p)}
		},
	},
	{
		name: "duplicate utterance _id", fixture: "demobot1-full",
		apply: func(e *editor) []want {
			e.set("/sentences/1/_id", e.str("/sentences/0/_id"))
			return []want{wantErr("duplicate_id", "/sentences/1/_id")}
		},
	},
	{
		name: "duplicate content variable key", fixture: "code-review-bot",
		apply: func(e *editor) []want {
			e.set("/contentVariables/1/key", e.str("/contentVariables/0/key"))
			return []want{wantErr("duplicate_key", "/contentVariables/1/key")}
		},
	},
	{
		name: "utterance annotation with unknown entity", fixture: "vaidyah",
		apply: func(e *editor) []want {
			p := e.first(`^/sentences/\d+/entities/\d+/entityId$`, nil)
			e.set(p, "dc-00000000-0000-0000-0000-000000000009")
			return []want{wantWarn("unknown_entity", p)}
		},
	},
	{
		name: "ML settings name an unknown dialog", fixture: "candy-education",
		apply: func(e *editor) []want {
			p := e.first(`^/mlParams/\d+/dialogIntents/\d+$`, nil)
			e.set(p, "00000000-0000-5000-8000-00000000000a")
			return []want{wantWarn("unknown_dialog", p)}
		},
	},
	{
		name: "sentiment event triggers an unknown dialog", fixture: "vaidyah",
		apply: func(e *editor) []want {
			e.set("/botSentimentEvents/0/task", "00000000-0000-5000-8000-00000000000b")
			return []want{wantWarn("unknown_dialog", "/botSentimentEvents/0/task")}
		},
	},
	// parent is an array; the problem names the element that does not resolve,
	// as for mlParams dialogIntents, panel widgets and vNameSpace.
	{
		name: "taxonomy node with unknown parent", fixture: "vaidyah",
		apply: func(e *editor) []want {
			p := e.first(`^/knowledgeTasks/\d+/taxonomy/\d+/parent/\d+$`, nil)
			e.set(p, "idPrefixNoSuchNode")
			return []want{wantWarn("unknown_parent", p)}
		},
	},
	{
		name: "form component uses an unknown form", fixture: "hr-assistant",
		apply: func(e *editor) []want {
			p := e.first(`^/dialogComponents/\d+/resourceId$`, func(p string) bool { return e.str(parent(p)+"/type") == "form" })
			e.set(p, "00000000-0000-5000-8000-00000000000c")
			return []want{wantWarn("unknown_form", p)}
		},
	},
	{
		name: "form integrated with an unknown dialog and component", fixture: "hr-assistant",
		apply: func(e *editor) []want {
			e.set("/forms/0/integrations/0/resourceId", "00000000-0000-5000-8000-00000000000d")
			e.set("/forms/0/integrations/0/resourceMeta/componentId", "00000000-0000-5000-8000-00000000000e")
			return []want{wantWarn("unknown_dialog", "/forms/0/integrations/0/resourceId"),
				wantWarn("unknown_component", "/forms/0/integrations/0/resourceMeta/componentId")}
		},
	},
	{
		name: "widget shows an unknown dialog", fixture: "vaxie",
		apply: func(e *editor) []want {
			p := e.first(`^/widgets/\d+/source/resource$`, func(p string) bool { return e.str(parent(p)+"/type") == "dialog" })
			e.set(p, "00000000-0000-5000-8000-00000000000f")
			return []want{wantWarn("unknown_dialog", p), vaxieContentWarning}
		},
	},
	{
		name: "panel shows an unknown widget", fixture: "code-review-bot",
		apply: func(e *editor) []want {
			e.set("/panels/0/widgets/0", "00000000-0000-5000-8000-000000000010")
			return []want{wantWarn("unknown_widget", "/panels/0/widgets/0")}
		},
	},
	{
		name: "service uses an unknown auth profile", fixture: "demobot1-full",
		apply: func(e *editor) []want {
			p := e.first(`^/dialogComponents/\d+/idp$`, func(p string) bool { return e.str(parent(p)+"/type") == "service" })
			e.set(p, "NoSuchProfile")
			return []want{wantWarn("unknown_auth_profile", p)}
		},
	},
	{
		name: "dialog in an unknown namespace", fixture: "demobot1-full",
		apply: func(e *editor) []want {
			e.set("/dialogs/0/vNameSpace/0", "00000000-0000-5000-8000-000000000011")
			return []want{wantWarn("unknown_namespace", "/dialogs/0/vNameSpace/0")}
		},
	},
	{
		name: "undefined env variable in an event message", fixture: "demobot1-full",
		apply: func(e *editor) []want {
			p := "/botEvents/TASK_FAILURE_EVENT/msg/0/localeData/en/text"
			e.set(p, "Sorry%2C%20see%20%7B%7Benv.BOTPORT_NO_URL%7D%7D")
			return []want{{sev: botdef.Warning, code: "undefined_env_variable", ptr: p, at: "env.BOTPORT_NO_URL", off: -1}}
		},
	},
	{
		name: "undefined content variable in a top-level setting", fixture: "demobot1-full",
		apply: func(e *editor) []want {
			p := "/localeData/en/description"
			e.set(p, "A bot for {{content.BOTPORT_NO_AUDIENCE}}")
			return []want{{sev: botdef.Warning, code: "undefined_content_variable", ptr: p, at: "content.BOTPORT_NO_AUDIENCE", off: -1}}
		},
	},
	{
		name: "undefined env variable used twice", fixture: "demobot1-full",
		apply: func(e *editor) []want {
			p := firstMessageText(e, 0)
			e.set(p, "{{env.BOTPORT_TWICE}}")
			e.set(firstMessageText(e, 1), "%7B%7Benv.BOTPORT_TWICE%7D%7D")
			return []want{{sev: botdef.Warning, code: "undefined_env_variable", ptr: p, at: "env.BOTPORT_TWICE", off: -1, msg: "(and 1 more place)"}}
		},
	},
	{
		name: "dialogs is an object", fixture: "demobot1-full",
		apply: func(e *editor) []want {
			e.raw("/dialogs", "{}")
			return []want{wantErr("wrong_type", "/dialogs")}
		},
	},
	{
		name: "a dialogs element is a string", fixture: "demobot1-full",
		apply: func(e *editor) []want {
			e.raw("/dialogs/3", `"x"`)
			return []want{wantErr("wrong_type", "/dialogs/3")}
		},
	},
	{
		name: "sentences is a string", fixture: "demobot1-full",
		apply: func(e *editor) []want {
			e.raw("/sentences", `"x"`)
			return []want{wantErr("wrong_type", "/sentences")}
		},
	},
	{
		name: "dialog nodes is a string", fixture: "demobot1-full",
		apply: func(e *editor) []want {
			e.raw("/dialogs/0/nodes", `"x"`)
			return []want{wantErr("wrong_type", "/dialogs/0/nodes")}
		},
	},
	{
		name: "dialogComponents element is a number", fixture: "demobot1-full",
		apply: func(e *editor) []want {
			e.raw("/dialogComponents/0", `42`)
			return []want{wantErr("wrong_type", "/dialogComponents/0")}
		},
	},
	{
		name: "node transitions is a string", fixture: "demobot1-full",
		apply: func(e *editor) []want {
			e.raw("/dialogs/0/nodes/0/transitions", `"x"`)
			return []want{wantErr("wrong_type", "/dialogs/0/nodes/0/transitions")}
		},
	},
	{
		name: "botEvents is a string", fixture: "demobot1-full",
		apply: func(e *editor) []want {
			e.raw("/botEvents", `"x"`)
			return []want{wantErr("wrong_type", "/botEvents")}
		},
	},
	{
		name: "localeData is an array", fixture: "demobot1-full",
		apply: func(e *editor) []want {
			e.raw("/localeData", `[]`)
			return []want{wantErr("wrong_type", "/localeData")}
		},
	},
	{
		name: "defaultLanguage is a number", fixture: "demobot1-full",
		apply: func(e *editor) []want {
			e.raw("/defaultLanguage", `1`)
			return []want{wantErr("wrong_type", "/defaultLanguage")}
		},
	},
	{
		name: "duplicate member inside a dialog", fixture: "demobot1-full",
		apply: func(e *editor) []want {
			sp := e.span("/dialogs/0/lname")
			name := bytes.LastIndex(e.data[:sp.start], []byte(`"lname"`))
			ls := bytes.LastIndexByte(e.data[:name], '\n') + 1
			insert := `"lname": "dup",` + "\n" + string(e.data[ls:name])
			e.splice(name, name, insert)
			return []want{{sev: botdef.Error, code: "duplicate_member", ptr: "/dialogs/0/lname", off: name + len(insert)}}
		},
	},
	{
		name: "duplicate top-level member", fixture: "demobot1-full",
		apply: func(e *editor) []want {
			// Append a second "purpose" member at the end of the object.
			end := bytes.LastIndexByte(e.data, '}')
			insert := ",\n    \"purpose\": \"customer\"\n"
			nameOff := end - 1 + len(",\n    ")
			if e.data[end-1] != '\n' {
				e.t.Fatal("premise: the object does not end with a newline and }")
			}
			e.splice(end-1, end, insert)
			return []want{{sev: botdef.Error, code: "duplicate_member", ptr: "/purpose", off: nameOff}}
		},
	},
	{
		name: "invalid UTF-8 in a string", fixture: "demobot1-full",
		apply: func(e *editor) []want {
			sp := e.span("/dialogs/1/lname") // "fallback task"
			off := sp.start + 4              // inside the string: "fal|lback task"
			e.splice(off, off+1, "\xff")
			return []want{{sev: botdef.Error, code: "syntax_error", ptr: "/dialogs/1/lname", off: off}}
		},
	},
	{
		name: "truncated file", fixture: "demobot1-full",
		apply: func(e *editor) []want {
			sp := e.span("/dialogs/2/lname")
			cut := sp.start + 4
			e.data = e.data[:cut]
			return []want{{sev: botdef.Error, code: "syntax_error", ptr: "/dialogs/2/lname", off: cut, msg: "unexpected end of input"}}
		},
	},
	{
		name: "truncated after a member name", fixture: "demobot1-full",
		apply: func(e *editor) []want {
			// Cut right after `"defaultLanguage": ` so the value is missing.
			sp := e.span("/defaultLanguage")
			e.data = e.data[:sp.start]
			return []want{{sev: botdef.Error, code: "syntax_error", ptr: "/defaultLanguage", off: sp.start, msg: "unexpected end of input"}}
		},
	},
	// Data after the top-level object is located where it starts.
	{
		name: "trailing data after the object", fixture: "demobot1-full",
		apply: func(e *editor) []want {
			off := len(e.data) + 1
			e.data = append(e.data, "\n{}"...)
			return []want{{sev: botdef.Error, code: "syntax_error", ptr: "", off: off}}
		},
	},
	{
		name: "trailing string after the object", fixture: "demobot1-full",
		apply: func(e *editor) []want {
			off := len(e.data) + 1
			e.data = append(e.data, "\n\"abc\""...)
			return []want{{sev: botdef.Error, code: "syntax_error", ptr: "", off: off}}
		},
	},
	{
		name: "trailing garbage after the object", fixture: "demobot1-full",
		apply: func(e *editor) []want {
			off := len(e.data) + 1
			e.data = append(e.data, " x"...)
			return []want{{sev: botdef.Error, code: "syntax_error", ptr: "", off: off}}
		},
	},
	{
		name: "top level is an array", fixture: "demobot1-full",
		apply: func(e *editor) []want {
			e.data = slices.Concat([]byte("["), e.data, []byte("]"))
			return []want{{sev: botdef.Error, code: "not_an_export", ptr: "", off: 0, msg: "not a Kore.ai bot export"}}
		},
	},
	{
		name: "dialogs missing", fixture: "demobot1-full",
		apply: func(e *editor) []want {
			// Rename the member: the rest is a valid object without dialogs.
			sp := e.span("/dialogs")
			name := bytes.LastIndex(e.data[:sp.start], []byte(`"dialogs"`))
			e.splice(name, name+len(`"dialogs"`), `"dialogz"`)
			return []want{{sev: botdef.Error, code: "not_an_export", ptr: "", off: 0, msg: "not a Kore.ai bot export"}}
		},
	},
}

// vaxieContentWarning is the undefined content variable export-format.md
// section 5 documents in vaxie.
var vaxieContentWarning = want{sev: botdef.Warning, code: "undefined_content_variable",
	ptr: "/koraResponses/1/channelUXMaps/0/botUXMap/uXMap", at: "content.DAI_CF_HELP_MESSAGE_TO_USER", off: -1}

// firstNodeMismatches derives, from the text alone, the dialogs whose first
// node does not use an intent component whose dialogId is the dialog's _id.
func firstNodeMismatches(e *editor) []want {
	e.t.Helper()
	compDialog := map[string]string{} // component _id -> dialogId
	for _, p := range e.find(`^/dialogComponents/\d+/_id$`) {
		c := parent(p)
		if _, ok := e.idx()[c+"/dialogId"]; ok && e.str(c+"/type") == "intent" {
			compDialog[e.str(p)] = e.str(c + "/dialogId")
		}
	}
	var ws []want
	for _, p := range e.find(`^/dialogs/\d+/nodes/0$`) {
		dialog := strings.TrimSuffix(p, "/nodes/0")
		if e.str(p+"/type") != "intent" || compDialog[e.str(p+"/componentId")] != e.str(dialog+"/_id") {
			ws = append(ws, wantWarn("first_node", p))
		}
	}
	return ws
}

// firstMessageText returns the pointer of the n-th default-channel message
// text of a message component.
func firstMessageText(e *editor, n int) string {
	e.t.Helper()
	ps := e.find(`^/dialogComponents/\d+/message/0/localeData/en/text$`)
	if n >= len(ps) {
		e.t.Fatalf("premise: only %d message texts", len(ps))
	}
	return ps[n]
}

func TestValidateBrokenFixtures(t *testing.T) {
	for _, tc := range validateCases {
		t.Run(tc.name, func(t *testing.T) {
			e := &editor{t: t, data: readFixture(t, tc.fixture, botdef.FileDefinition)}
			cfg := readFixture(t, tc.fixture, botdef.FileConfig)
			ws := tc.apply(e)
			ps := runFile(t, e.data, cfg, nil, botdef.Options{})
			checkProblems(t, e, ws, ps)
		})
	}
}

// checkProblems compares the reported problems with the expected ones: same
// count, and for each its severity, code, pointer, line and column.
func checkProblems(t *testing.T, e *editor, ws []want, ps *botdef.Problems) {
	t.Helper()
	var wantLines []string
	for _, w := range ws {
		off := w.off
		if off < 0 {
			sp := e.span(w.ptr)
			off = sp.start
			if w.at != "" {
				i := bytes.Index(e.data[sp.start:sp.end], []byte(w.at))
				if i < 0 {
					t.Fatalf("premise: %q is not in the value at %s", w.at, w.ptr)
				}
				off += i
			}
		}
		line, col := lineCol(e.data, off)
		wantLines = append(wantLines, fmt.Sprintf("%s %s %q %d:%d", sevName(w.sev), w.code, w.ptr, line, col))
	}
	var got []string
	all := append(slices.Clone(ps.Errors()), ps.Warnings()...)
	for _, p := range all {
		got = append(got, fmt.Sprintf("%s %s %q %d:%d", sevName(p.Severity), p.Code, p.Pointer, p.Line, p.Column))
		if p.Code == "" || p.Message == "" || p.File != botdef.FileDefinition {
			t.Errorf("incomplete problem %+v", p)
		}
	}
	slices.Sort(wantLines)
	slices.Sort(got)
	if !slices.Equal(got, wantLines) {
		var msgs []string
		for _, p := range all {
			msgs = append(msgs, p.String())
		}
		t.Errorf("problems differ\n got: %s\nwant: %s\nmessages:\n  %s", strings.Join(got, "\n      "),
			strings.Join(wantLines, "\n      "), strings.Join(msgs, "\n  "))
	}
	for _, w := range ws {
		if w.msg == "" {
			continue
		}
		found := false
		for _, p := range all {
			found = found || p.Code == w.code && strings.Contains(p.Message, w.msg)
		}
		if !found {
			t.Errorf("no %s problem says %q", w.code, w.msg)
		}
	}
	wantErrs := 0
	for _, w := range ws {
		if w.sev == botdef.Error {
			wantErrs++
		}
	}
	if ps.ErrorCount() != wantErrs {
		t.Errorf("ErrorCount() = %d, want %d", ps.ErrorCount(), wantErrs)
	}
}

// TestRealExportsHaveNoErrors: every fixture parses and validates without
// errors (warnings are allowed).
func TestRealExportsHaveNoErrors(t *testing.T) {
	for _, ex := range fixture.Exports(t) {
		t.Run(ex.Name, func(t *testing.T) {
			ps := runFile(t, readFixture(t, ex.Name, botdef.FileDefinition), readFixture(t, ex.Name, botdef.FileConfig), nil, botdef.Options{})
			for _, p := range ps.Errors() {
				t.Errorf("error: %v (%s)", p, p.Pointer)
			}
			if ps.ErrorCount() != 0 {
				t.Errorf("ErrorCount() = %d", ps.ErrorCount())
			}
			for _, p := range ps.Warnings() {
				if p.Line < 1 || p.Column < 1 {
					t.Errorf("warning not located: %v", p)
				}
			}
		})
	}
}

// TestLexIsNotAnExport: the Amazon Lex file gives exactly one error.
func TestLexIsNotAnExport(t *testing.T) {
	data, err := os.ReadFile(fixture.Invalid(t, "lex-bot-not-kore.json"))
	if err != nil {
		t.Fatal(err)
	}
	ps := runFile(t, data, nil, nil, botdef.Options{})
	if ps.ErrorCount() != 1 || len(ps.Errors()) != 1 {
		t.Fatalf("ErrorCount() = %d, want 1: %v", ps.ErrorCount(), ps.Errors())
	}
	if p := ps.Errors()[0]; !strings.Contains(p.Message, "not a Kore.ai bot export") || p.Line != 1 || p.Column != 1 {
		t.Errorf("got %v", p)
	}
	if n := ps.WarningCount(); n != 0 {
		t.Errorf("WarningCount() = %d, want 0", n)
	}
}

// TestEmptyFile: the one-newline file is a syntax error at its end.
func TestEmptyFile(t *testing.T) {
	data, err := os.ReadFile(fixture.Invalid(t, "empty-botDefinition.json"))
	if err != nil {
		t.Fatal(err)
	}
	ps := runFile(t, data, nil, nil, botdef.Options{})
	line, col := lineCol(data, len(data))
	if ps.ErrorCount() != 1 {
		t.Fatalf("ErrorCount() = %d, want 1", ps.ErrorCount())
	}
	if p := ps.Errors()[0]; p.Code != "syntax_error" || p.Line != line || p.Column != col || !strings.Contains(p.Message, "unexpected end of input") {
		t.Errorf("got %s %v, want syntax_error at %d:%d", p.Code, p, line, col)
	}
}

// TestIncrementalTargetResolves: a jump to a dialog that only the target
// bot has is fine in an incremental import.
func TestIncrementalTargetResolves(t *testing.T) {
	e := &editor{t: t, data: readFixture(t, "candy-education", botdef.FileDefinition)}
	p := e.first(`^/dialogs/\d+/nodes/\d+/flowTaskId$`, laterNodeOfType(e, "intent"))
	ref := "00000000-0000-5000-8000-0000000000aa"
	e.set(p, ref)
	cfg := readFixture(t, "candy-education", botdef.FileConfig)
	ps := runFile(t, e.data, cfg, &botdef.Target{DialogRefs: map[string]bool{ref: true}}, botdef.Options{})
	checkProblems(t, e, nil, ps)
	ps = runFile(t, e.data, cfg, &botdef.Target{DialogRefs: map[string]bool{"other": true}}, botdef.Options{})
	checkProblems(t, e, []want{wantErr("unknown_dialog", p)}, ps)
}

// TestProblemCap: 250 dangling transitions keep 100 errors, count 250, and
// the summary names the first one and the total.
func TestProblemCap(t *testing.T) {
	e := &editor{t: t, data: readFixture(t, "demobot1-full", botdef.FileDefinition)}
	const n = 250
	ptr := "/dialogs/0/nodes/0/transitions"
	sp := e.span(ptr)
	ls := bytes.LastIndexByte(e.data[:sp.start], '\n') + 1
	indent := string(e.data[ls : ls+len(e.data[ls:])-len(bytes.TrimLeft(e.data[ls:], " "))])
	ts := make([]map[string]string, n)
	for i := range ts {
		ts[i] = map[string]string{"default": fmt.Sprintf("nd-msg-missing-%03d", i)}
	}
	b, err := json.MarshalIndent(ts, indent, "    ")
	if err != nil {
		t.Fatal(err)
	}
	e.raw(ptr, string(b))
	cfg := readFixture(t, "demobot1-full", botdef.FileConfig)
	ps := runFile(t, e.data, cfg, nil, botdef.Options{MaxProblems: 100})
	if got := len(ps.Errors()); got != 100 {
		t.Errorf("kept %d errors, want 100", got)
	}
	if got := ps.ErrorCount(); got != n {
		t.Errorf("ErrorCount() = %d, want %d", got, n)
	}
	if len(ps.Errors()) == 0 {
		t.Fatal("no errors")
	}
	for i, p := range ps.Errors() {
		if p.Code != "dangling_transition" || !strings.HasPrefix(p.Pointer, fmt.Sprintf("%s/%d", ptr, i)) {
			t.Errorf("error %d: %s %s", i, p.Code, p.Pointer)
			break
		}
	}
	first := ps.Errors()[0]
	line, _ := lineCol(e.data, e.span(ptr+"/0").start)
	sum := botdef.Summary(ps.Errors(), ps.ErrorCount())
	for _, s := range []string{botdef.FileDefinition, first.Pointer, first.Message, "nd-msg-missing-000", "(250 problems)"} {
		if !strings.Contains(sum, s) {
			t.Errorf("summary %q lacks %q", sum, s)
		}
	}
	// The first transition's object starts on line; its "default" is on the next.
	if !strings.Contains(sum, fmt.Sprintf("(line %d)", line)) && !strings.Contains(sum, fmt.Sprintf("(line %d)", line+1)) {
		t.Errorf("summary %q does not name line %d or %d", sum, line, line+1)
	}
}

// TestConfigDuplicateEnvKey: a key defined twice in config.json is an error
// located in config.json.
func TestConfigDuplicateEnvKey(t *testing.T) {
	e := &editor{t: t, data: readFixture(t, "code-review-bot", botdef.FileConfig)}
	e.set("/envVariables/1/key", e.str("/envVariables/0/key"))
	def := readFixture(t, "code-review-bot", botdef.FileDefinition)
	ps := runFile(t, def, e.data, nil, botdef.Options{})
	if ps.ErrorCount() != 1 {
		t.Fatalf("ErrorCount() = %d, want 1: %v", ps.ErrorCount(), ps.Errors())
	}
	p := ps.Errors()[0]
	line, col := lineCol(e.data, e.span("/envVariables/1/key").start)
	if p.File != botdef.FileConfig || p.Code != "duplicate_key" || p.Pointer != "/envVariables/1/key" || p.Line != line || p.Column != col {
		t.Errorf("got %s %s %s %d:%d, want config.json duplicate_key /envVariables/1/key %d:%d", p.File, p.Code, p.Pointer, p.Line, p.Column, line, col)
	}
	if strings.Contains(p.Message, "REDACTED") {
		t.Errorf("message quotes a secret value: %s", p.Message)
	}
}

// TestRecognizeExport applies the rule of export-format.md section 3: a JSON
// object with dialogs (array), dialogComponents (array), localeData (object)
// and defaultLanguage (string) is an export; anything else is refused with
// "not a Kore.ai bot export".
func TestRecognizeExport(t *testing.T) {
	tests := []struct {
		name, text string
		export     bool
	}{
		{"all four present, arrays empty", `{"dialogs": [], "dialogComponents": [], "localeData": {"en": {"name": "B"}}, "defaultLanguage": "en"}`, true},
		{"all four present, arrays not empty", `{"dialogs": [{"_id": "dg-1", "nodes": []}], "dialogComponents": [{"_id": "dc-1"}], "localeData": {}, "defaultLanguage": "en"}`, true},
		{"dialogs missing", `{"dialogComponents": [], "localeData": {}, "defaultLanguage": "en"}`, false},
		{"dialogs null", `{"dialogs": null, "dialogComponents": [{"_id": "dc-1"}], "localeData": {}, "defaultLanguage": "en"}`, false},
		{"all four null", `{"dialogs": null, "dialogComponents": null, "localeData": null, "defaultLanguage": null}`, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ps := runFile(t, []byte(tt.text), nil, nil, botdef.Options{})
			var codes []string
			for _, p := range ps.Errors() {
				codes = append(codes, p.Code+" "+p.Pointer+": "+p.Message)
			}
			if tt.export && ps.ErrorCount() != 0 {
				t.Errorf("an export was refused: %v", codes)
			}
			if !tt.export && (ps.ErrorCount() != 1 || ps.Errors()[0].Code != "not_an_export" || !strings.Contains(ps.Errors()[0].Message, "not a Kore.ai bot export")) {
				t.Errorf("want exactly one not_an_export error, got %v", codes)
			}
		})
	}
}

// targetOf is what a bot made from fixture name contributes to the checks
// of an incremental import that takes groups from the file, built as the
// importer builds it from the stored bot. Forms come with botTask, as
// importOptions selects them.
func targetOf(t *testing.T, name string, groups ...string) *botdef.Target {
	t.Helper()
	d, err := botdef.ParseDefinition(bytes.NewReader(readFixture(t, name, botdef.FileDefinition)), func(*botdef.Record) error { return nil },
		&botdef.Problems{}, botdef.Options{})
	if err != nil {
		t.Fatal(err)
	}
	tg := &botdef.Target{DialogRefs: map[string]bool{}, ComponentRefs: map[string]bool{}, Namespaces: map[string]bool{},
		ContentKeys: map[string]bool{}, EnvKeys: map[string]bool{},
		Components: map[string]botdef.TargetComponent{}, DialogComponents: map[string][]string{}}
	for _, dl := range d.Dialogs {
		tg.DialogRefs[dl.Ident()] = true
		for _, l := range d.DialogLinks(dl) {
			if l.ToKind == botdef.KindComponent {
				tg.DialogComponents[dl.Ident()] = append(tg.DialogComponents[dl.Ident()], l.ToIdent)
			}
		}
	}
	for _, c := range d.Components {
		tg.ComponentRefs[c.Ident()] = true
		tg.Components[c.Ident()] = botdef.TargetComponent{ID: c.ID, Name: c.Name, Type: c.Type}
	}
	tg.Selects = func(g string) bool {
		return slices.Contains(groups, g) || g == botdef.GroupForms && slices.Contains(groups, botdef.GroupBotTask)
	}
	return tg
}

// checkCodes is checkProblems for the problems with the given codes.
func checkCodes(t *testing.T, e *editor, ws []want, ps *botdef.Problems, codes ...string) {
	t.Helper()
	only := &botdef.Problems{}
	for _, p := range append(slices.Clone(ps.Errors()), ps.Warnings()...) {
		if slices.Contains(codes, p.Code) {
			only.Add(p)
		}
	}
	checkProblems(t, e, ws, only)
}

// noErrors fails on every error.
func noErrors(t *testing.T, ps *botdef.Problems) {
	t.Helper()
	for _, p := range ps.Errors() {
		t.Errorf("unexpected error %s %s: %s", p.Code, p.Pointer, p.Message)
	}
}

// firstUses returns the pointers matching re whose string value is seen
// for the first time, in document order (warnings reported once per value).
func firstUses(e *editor, re string) []string {
	seen := map[string]bool{}
	var out []string
	for _, p := range e.find(re) {
		if v := e.str(p); !seen[v] {
			seen[v] = true
			out = append(out, p)
		}
	}
	return out
}

// TestIncrementalResultDialogs: the selected parts of a file resolve their
// dialog references against the result, which holds the file's dialogs
// only when tasks are imported. Events replaced from code-review-bot would
// trigger dialogs that exist nowhere in a Demobot1 bot.
func TestIncrementalResultDialogs(t *testing.T) {
	for _, tt := range []struct {
		name, fixture string
		groups        []string
		want          func(e *editor) []want
	}{
		{"events without tasks", "code-review-bot", []string{botdef.GroupNLPSettings}, func(e *editor) []want {
			ws := []want{
				wantErr("unknown_dialog", "/botEvents/INTENT_UNIDENTIFIED/task"),
				wantErr("unknown_dialog", "/botEvents/WELCOME_MESSAGE_EVENT/task"),
				wantErr("unknown_dialog", "/botEvents/ON_CONNECT_EVENT/task"),
				wantWarn("unknown_dialog", "/defaultDialogId"),
			}
			ws[0].msg = "event INTENT_UNIDENTIFIED triggers unknown dialog"
			for _, p := range firstUses(e, `^/mlParams/\d+/dialogIntents/\d+$`) {
				ws = append(ws, wantWarn("unknown_dialog", p))
			}
			return ws
		}},
		{"events with tasks", "code-review-bot", []string{botdef.GroupNLPSettings, botdef.GroupBotTask}, nil},
		{"FAQs without tasks", "vaxie", []string{botdef.GroupKnowledgeGraph}, func(e *editor) []want {
			var ws []want
			for _, p := range e.find(`^/knowledgeTasks/\d+/faqs/faqs/\d+/dialogRefId$`) {
				ws = append(ws, wantErr("unknown_dialog", p))
			}
			if len(ws) != 7 {
				t.Fatalf("premise: %d FAQs answer with a dialog, want 7", len(ws))
			}
			ws[0].msg = "FAQ answers with unknown dialog"
			return ws
		}},
		{"FAQs with tasks", "vaxie", []string{botdef.GroupKnowledgeGraph, botdef.GroupBotTask}, nil},
		{"only what the file selects is checked against the result", "vaxie", []string{botdef.GroupUtterances}, nil},
	} {
		t.Run(tt.name, func(t *testing.T) {
			e := &editor{t: t, data: readFixture(t, tt.fixture, botdef.FileDefinition)}
			cfg := readFixture(t, tt.fixture, botdef.FileConfig)
			var ws []want
			if tt.want != nil {
				ws = tt.want(e)
			}
			ps := runFile(t, e.data, cfg, targetOf(t, "demobot1-full", tt.groups...), botdef.Options{})
			checkCodes(t, e, ws, ps, "unknown_dialog")
			// Without the selection (the whole file counts) none of these.
			tg := targetOf(t, "demobot1-full")
			tg.Selects = nil
			checkCodes(t, e, nil, runFile(t, e.data, cfg, tg, botdef.Options{}), "unknown_dialog")
		})
	}
}

// TestIncrementalResultComponents: the components an import writes must not
// collide with the components the bot keeps, by name or _id, and the
// bot's dialogs the import keeps must still find theirs. Re-importing a
// bot's own tasks replaces its components: no collision.
func TestIncrementalResultComponents(t *testing.T) {
	compPtr := func(e *editor, name, field string) string {
		t.Helper()
		for _, p := range e.find(`^/dialogComponents/\d+/name$`) {
			if e.str(p) == name {
				return parent(p) + "/" + field
			}
		}
		t.Fatalf("premise: no component %q", name)
		return ""
	}
	codes := []string{"duplicate_id", "component_in_use"}
	// Tasks from another bot: vaxie's entities Entity0001 and Entity0003
	// have other refIds than Demobot1's, which the bot keeps.
	t.Run("vaxie tasks into Demobot1", func(t *testing.T) {
		e := &editor{t: t, data: readFixture(t, "vaxie", botdef.FileDefinition)}
		ps := runFile(t, e.data, readFixture(t, "vaxie", botdef.FileConfig), targetOf(t, "demobot1-full", botdef.GroupBotTask), botdef.Options{})
		ws := []want{wantErr("duplicate_id", compPtr(e, "Entity0001", "name")), wantErr("duplicate_id", compPtr(e, "Entity0003", "name"))}
		ws[0].msg = `component name "Entity0001" is already used by the bot's component with refId "a7639789-662b-5a5f-b0d5-7f28368a0acd"`
		checkCodes(t, e, ws, ps, codes...)
		// Not importing tasks writes no component.
		ps = runFile(t, e.data, readFixture(t, "vaxie", botdef.FileConfig), targetOf(t, "demobot1-full", botdef.GroupPatterns), botdef.Options{})
		checkCodes(t, e, nil, ps, codes...)
	})
	for _, name := range []string{"demobot1-full", "demobot1-tasks-only", "demobot1-without-settings", "demobot1-nlp-only"} {
		t.Run(name+" tasks into Demobot1", func(t *testing.T) {
			e := &editor{t: t, data: readFixture(t, name, botdef.FileDefinition)}
			ps := runFile(t, e.data, readFixture(t, name, botdef.FileConfig), targetOf(t, "demobot1-full", botdef.GroupBotTask), botdef.Options{})
			noErrors(t, ps)
		})
	}
	t.Run("a kept component with the same _id, kept dialogs using a changed component", func(t *testing.T) {
		e := &editor{t: t, data: readFixture(t, "demobot1-full", botdef.FileDefinition)}
		tg := targetOf(t, "demobot1-full", botdef.GroupBotTask)
		ref := func(name string) string { return e.str(parent(compPtr(e, name, "name")) + "/refId") }
		// The bot has a component the file lacks, with Entity0002's _id.
		tg.Components["kept"] = botdef.TargetComponent{ID: e.str(compPtr(e, "Entity0002", "_id")), Name: "Kept", Type: "entity"}
		tg.ComponentRefs["kept"] = true
		// A dialog the file lacks uses Message0001 and AgemntMSG, which the
		// bot has under another _id and as another type.
		tg.DialogComponents["kept-dialog"] = []string{ref("Message0001"), ref("AgemntMSG")}
		tg.Components[ref("Message0001")] = botdef.TargetComponent{ID: "dc-elsewhere", Name: "Message0001", Type: "message"}
		tg.Components[ref("AgemntMSG")] = botdef.TargetComponent{ID: e.str(compPtr(e, "AgemntMSG", "_id")), Name: "AgemntMSG", Type: "script"}
		ps := runFile(t, e.data, readFixture(t, "demobot1-full", botdef.FileConfig), tg, botdef.Options{})
		ws := []want{
			wantErr("duplicate_id", compPtr(e, "Entity0002", "_id")),
			wantErr("component_in_use", compPtr(e, "Message0001", "_id")),
			wantErr("component_in_use", compPtr(e, "AgemntMSG", "type")),
		}
		ws[0].msg = `is already used by the bot's component with refId "kept"`
		ws[1].msg = `the bot's dialog "kept-dialog", which the import keeps, uses the component this one replaces by its _id "dc-elsewhere"`
		checkCodes(t, e, ws, ps, codes...)
	})
}

// TestIncrementalSkippedNLP: utterances and patterns whose component the
// result does not hold are left out by the merge; one warning per kind says
// how many, located at the first.
func TestIncrementalSkippedNLP(t *testing.T) {
	codes := []string{"skipped_utterances", "skipped_patterns"}
	nlp := []string{botdef.GroupUtterances, botdef.GroupPatterns}
	t.Run("code-review-bot into Demobot1", func(t *testing.T) {
		e := &editor{t: t, data: readFixture(t, "code-review-bot", botdef.FileDefinition)}
		ps := runFile(t, e.data, readFixture(t, "code-review-bot", botdef.FileConfig), targetOf(t, "demobot1-full", nlp...), botdef.Options{})
		ws := []want{wantWarn("skipped_utterances", "/sentences/0/taskId"), wantWarn("skipped_patterns", "/patterns/0/refId")}
		ws[0].msg = "24 utterances skipped: their intent is not in the bot"
		ws[1].msg = "24 patterns skipped: their component is not in the bot"
		checkCodes(t, e, ws, ps, codes...)
		// With its tasks, the intents are in the result.
		ps = runFile(t, e.data, readFixture(t, "code-review-bot", botdef.FileConfig),
			targetOf(t, "demobot1-full", append(nlp, botdef.GroupBotTask)...), botdef.Options{})
		checkCodes(t, e, nil, ps, codes...)
	})
	t.Run("one utterance", func(t *testing.T) {
		e := &editor{t: t, data: readFixture(t, "demobot1-nlp-only", botdef.FileDefinition)}
		tg := targetOf(t, "demobot1-full", nlp...)
		// The bot lacks the intent of one utterance only.
		for _, p := range e.find(`^/sentences/\d+/taskId$`) {
			id := e.str(p)
			var intent string
			for _, c := range e.find(`^/dialogComponents/\d+/_id$`) {
				if e.str(c) == id {
					intent = e.str(parent(c) + "/refId")
				}
			}
			n := 0
			for _, q := range e.find(`^/sentences/\d+/taskId$`) {
				if e.str(q) == id {
					n++
				}
			}
			if n == 1 {
				delete(tg.ComponentRefs, intent)
				ps := runFile(t, e.data, readFixture(t, "demobot1-nlp-only", botdef.FileConfig), tg, botdef.Options{})
				w := wantWarn("skipped_utterances", p)
				w.msg = "1 utterance skipped: its intent is not in the bot"
				ws := []want{w}
				for _, q := range e.find(`^/patterns/\d+/refId$`) {
					if e.str(q) == intent {
						ws = append(ws, wantWarn("skipped_patterns", q))
					}
				}
				checkCodes(t, e, ws, ps, codes...)
				return
			}
		}
		t.Fatal("premise: no intent with one utterance")
	})
	for _, name := range []string{"demobot1-nlp-only", "demobot1-without-settings"} {
		t.Run(name+" into Demobot1", func(t *testing.T) {
			e := &editor{t: t, data: readFixture(t, name, botdef.FileDefinition)}
			ps := runFile(t, e.data, readFixture(t, name, botdef.FileConfig), targetOf(t, "demobot1-full", nlp...), botdef.Options{})
			checkCodes(t, e, nil, ps, codes...)
			noErrors(t, ps)
		})
	}
}

// TestComponentPlan: a component is deleted when a dialog the file replaces
// used it and no dialog of the result does; a stub imports nothing.
func TestComponentPlan(t *testing.T) {
	parse := func(name string) *botdef.Definition {
		d, err := botdef.ParseDefinition(bytes.NewReader(readFixture(t, name, botdef.FileDefinition)), func(*botdef.Record) error { return nil },
			&botdef.Problems{}, botdef.Options{})
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	d := parse("demobot1-full")
	var viewMyBill, msg string
	for _, dl := range d.Dialogs {
		if dl.Name == "ViewMyBill" {
			viewMyBill = dl.Ident()
		}
	}
	for _, c := range d.Components {
		if c.Name == "Message0001" {
			msg = c.Ident()
		}
	}
	uses := map[string][]string{
		viewMyBill:      {msg, "orphan", "shared"}, // replaced by the file's ViewMyBill
		"bot-only":      {"shared"},                // kept: the file lacks it
		"bot-only-also": nil,
	}
	imported, written, deleted := d.ComponentPlan(uses)
	if len(imported) != 8 || len(written) != 18 || !written[msg] {
		t.Errorf("%d dialogs imported, %d components written (Message0001 %v), want 8, 18, true", len(imported), len(written), written[msg])
	}
	if !deleted["orphan"] || deleted["shared"] || deleted[msg] || len(deleted) != 1 {
		t.Errorf("deleted %v, want only orphan", deleted)
	}
	imported, written, deleted = parse("demobot1-nlp-only").ComponentPlan(uses)
	if len(imported)+len(written)+len(deleted) != 0 {
		t.Errorf("stubs: %d imported, %d written, %d deleted", len(imported), len(written), len(deleted))
	}
}
