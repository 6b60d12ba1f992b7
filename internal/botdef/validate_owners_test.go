package botdef_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/botport/botport/internal/botdef"
	"github.com/botport/botport/internal/fixture"
)

// actionPatterns is the edited Demobot1 whose patterns entry of the Voice
// intent belongs to a webservice action task (testdata/edited).
func actionPatterns(t *testing.T, file string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(fixture.Root(t), "edited", "demobot1-action-patterns", file))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

const (
	actionRef = "9b1c7e42-3f6a-5d8e-b2c4-6a7f8e9d0c1b"
	actionID  = "at-5d3e2c1b-8a7f-4e6d-9c0b-1a2b3c4d5e6f"
)

// TestNLPOwners resolves patterns, utterances and ML intent lists against
// every collection that can own them (botdef.NLPOwners): components,
// dialogs, action and alert tasks, forms. A reference to none of them
// stays an error (a warning for ML settings), located.
func TestNLPOwners(t *testing.T) {
	cfg := actionPatterns(t, botdef.FileConfig)
	patternAt := func(e *editor) string {
		t.Helper()
		for _, p := range e.find(`^/patterns/\d+/refId$`) {
			if e.str(p) == actionRef {
				return p
			}
		}
		t.Fatal("premise: no pattern of the action task")
		return ""
	}
	tests := []struct {
		name  string
		apply func(e *editor) []want
	}{
		{"patterns of a webservice action task", func(e *editor) []want { return nil }},
		{"the action task gone: its patterns belong to nothing", func(e *editor) []want {
			p := patternAt(e)
			e.set("/actions/0/refId", "00000000-0000-5000-8000-0000000000aa")
			return []want{wantErr("unknown_component", p)}
		}},
		{"patterns of an alert task", func(e *editor) []want {
			s := e.span("/alerts")
			e.splice(s.start, s.end, `[{"_id":"al-1","refId":"alert-ref","name":"Outage"}]`)
			e.set(patternAt(e), "alert-ref")
			return nil
		}},
		{"patterns of a dialog", func(e *editor) []want {
			e.set(patternAt(e), e.str("/dialogs/0/refId"))
			return nil
		}},
		{"utterance of the action task (by _id)", func(e *editor) []want {
			e.set("/sentences/0/taskId", actionID)
			return nil
		}},
		{"utterance of a dialog (by _id)", func(e *editor) []want {
			e.set("/sentences/0/taskId", e.str("/dialogs/1/_id"))
			return nil
		}},
		{"utterance naming the action task by refId", func(e *editor) []want {
			e.set("/sentences/0/taskId", actionRef)
			return []want{wantErr("unknown_intent", "/sentences/0/taskId")}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := &editor{t: t, data: actionPatterns(t, botdef.FileDefinition)}
			ws := tt.apply(e)
			ps := runFile(t, e.data, cfg, nil, botdef.Options{})
			checkCodes(t, e, ws, ps, "unknown_component", "unknown_intent", "unknown_dialog")
		})
	}
	// ML settings' intent lists may name an action task (hr-assistant has
	// such lists; Demobot1 has none).
	for _, tt := range []struct {
		name string
		ref  string
		warn bool
	}{{"ML settings naming an action task", actionRef, false}, {"ML settings naming nothing", "00000000-0000-5000-8000-0000000000bb", true}} {
		t.Run(tt.name, func(t *testing.T) {
			e := &editor{t: t, data: readFixture(t, "hr-assistant", botdef.FileDefinition)}
			s := e.span("/actions")
			e.splice(s.start, s.end, `[{"_id":"`+actionID+`","refId":"`+actionRef+`","name":"GetWeatherReport","type":"webservice"}]`)
			p := e.first(`^/mlParams/\d+/dialogIntents/\d+$`, nil)
			e.set(p, tt.ref)
			var ws []want
			if tt.warn {
				ws = []want{wantWarn("unknown_dialog", p)}
			}
			ps := runFile(t, e.data, readFixture(t, "hr-assistant", botdef.FileConfig), nil, botdef.Options{})
			checkCodes(t, e, ws, ps, "unknown_component", "unknown_intent", "unknown_dialog")
		})
	}

	// Forms own patterns (by refId) but not utterances: they have no _id.
	e := &editor{t: t, data: readFixture(t, "hr-assistant", botdef.FileDefinition)}
	form := e.str("/forms/0/refId")
	e.set("/patterns/0/refId", form)
	e.set("/sentences/0/taskId", form)
	ps := runFile(t, e.data, readFixture(t, "hr-assistant", botdef.FileConfig), nil, botdef.Options{})
	checkCodes(t, e, []want{wantErr("unknown_intent", "/sentences/0/taskId")}, ps, "unknown_component", "unknown_intent")
}

// TestNLPOwnersIncremental: an incremental import of patterns keeps those
// of components only (the merge's rule), so the action task's patterns are
// skipped, with the warning that says so; without patterns selected they
// resolve as in a full import.
func TestNLPOwnersIncremental(t *testing.T) {
	e := &editor{t: t, data: actionPatterns(t, botdef.FileDefinition)}
	var at string
	for _, p := range e.find(`^/patterns/\d+/refId$`) {
		if e.str(p) == actionRef {
			at = p
		}
	}
	cfg := actionPatterns(t, botdef.FileConfig)
	ps := runFile(t, e.data, cfg, targetOf(t, "demobot1-full", botdef.GroupPatterns), botdef.Options{})
	w := wantWarn("skipped_patterns", at)
	w.msg = "1 pattern skipped: its component is not in the bot"
	checkCodes(t, e, []want{w}, ps, "skipped_patterns", "unknown_component")
	ps = runFile(t, e.data, cfg, targetOf(t, "demobot1-full", botdef.GroupUtterances), botdef.Options{})
	checkCodes(t, e, nil, ps, "skipped_patterns", "unknown_component")
	noErrors(t, ps)
}

// TestNLPOwnersTable: the table the README shows names real collections.
func TestNLPOwnersTable(t *testing.T) {
	for _, o := range botdef.NLPOwners {
		if botdef.CollectionKind(o.Member) == "" || o.Patterns == "" {
			t.Errorf("owner %+v: not a collection of the definition, or owns no patterns", o)
		}
	}
}
