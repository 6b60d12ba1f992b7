package importer

import (
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/botport/botport/internal/botdef"
	"github.com/botport/botport/internal/bundle"
	"github.com/botport/botport/internal/fixture"
	"github.com/botport/botport/internal/selection"
	"github.com/botport/botport/internal/store"
)

func parseFixture(t *testing.T, name string) *botdef.Definition {
	t.Helper()
	f, err := os.Open(fixture.Get(t, name).File(botdef.FileDefinition))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var ps botdef.Problems
	d, err := botdef.ParseDefinition(f, func(*botdef.Record) error { return nil }, &ps, botdef.Options{})
	if err != nil || ps.ErrorCount() > 0 {
		t.Fatalf("%s: %v %v", name, err, ps.Errors())
	}
	return d
}

// TestStages: the entries after Bot Definition, in contract 5.3's order,
// for a full import and for incremental selections; stubs get no Dialog
// entry; the Event entries of a settings-only import write no links.
func TestStages(t *testing.T) {
	full, nlpOnly := parseFixture(t, "demobot1-full"), parseFixture(t, "demobot1-nlp-only")
	events := []string{"Event/INTENT_UNIDENTIFIED", "Event/WELCOME_MESSAGE_EVENT", "Event/ON_CONNECT_EVENT", "Event/TASK_FAILURE_EVENT"}
	var dialogs []string
	for _, dl := range full.Dialogs {
		dialogs = append(dialogs, "Dialog/"+firstNonEmpty(dl.Name, dl.LName, dl.RefID))
	}
	cat := func(lists ...[]string) []string { return slices.Concat(lists...) }
	for _, tt := range []struct {
		name      string
		def       *botdef.Definition
		sel       *selection.Selection // nil: a full import
		functions int
		want      []string
		linked    map[string]bool // entry types whose work writes links
	}{
		{"full import", full, nil, 0,
			cat([]string{"IdpConfigurations/IdpConfigurations", "CustomTemplates/CustomTemplates", "BotFunctions/Bot Functions"}, dialogs, events,
				[]string{"KnowledgeTasks/KnowledgeTasks", "Utterences/Utterences", "Patterns/Patterns", "Standard Responses/Standard Responses",
					"BotVariables/BotVariables", "SmallTalk/SmallTalk"}),
			map[string]bool{"Event": true, "Dialog": true}},
		{"settings as Kore.ai's QA suite imports them", full, &selection.Selection{Settings: []string{"botSettings", "botVariables", "ivrSettings"}}, 0,
			cat([]string{"IdpConfigurations/IdpConfigurations", "CustomTemplates/CustomTemplates", "BotFunctions/Bot Functions"}, events,
				[]string{"BotVariables/BotVariables"}),
			map[string]bool{"Event": false}},
		{"nlpSettings", full, &selection.Selection{NLPData: []string{"nlpSettings"}}, 0, events, map[string]bool{"Event": true}},
		{"tasks", full, &selection.Selection{Tasks: []string{"botTask"}}, 0, cat([]string{"CustomTemplates/CustomTemplates"}, dialogs), nil},
		{"tasks of an NLP-only file: stubs get no entry", nlpOnly, &selection.Selection{Tasks: []string{"botTask"}, NLPData: []string{"utterances"}}, 0,
			[]string{"CustomTemplates/CustomTemplates", "Utterences/Utterences"}, nil},
		{"scripts in the request", full, &selection.Selection{NLPData: []string{"traits"}}, 1, []string{"BotFunctions/Bot Functions"}, nil},
		{"within Bot Definition", full, &selection.Selection{NLPData: []string{"synonyms", "concepts", "traits"}, Settings: []string{"genAIandLLMSettings"}}, 0, nil, nil},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := &run{def: tt.def, req: &Request{Options: tt.sel}, src: &bundle.Bundle{Functions: make([]bundle.Source, tt.functions)}}
			if tt.sel != nil {
				r.bot = &store.Bot{}
			}
			var got []string
			for _, s := range r.stages() {
				got = append(got, s.taskType+"/"+s.taskName)
				if want, ok := tt.linked[s.taskType]; ok && (s.work != nil) != want {
					t.Errorf("%s/%s: writes links %v, want %v", s.taskType, s.taskName, s.work != nil, want)
				}
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("entries\n got %s\nwant %s", strings.Join(got, ", "), strings.Join(tt.want, ", "))
			}
		})
	}
}
