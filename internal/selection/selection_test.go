package selection_test

import (
	"encoding/json"
	"errors"
	"reflect"
	"testing"

	"github.com/botport/botport/internal/selection"
)

// TestParse covers the rules importOptions and exportOptions share.
func TestParse(t *testing.T) {
	ok := []struct {
		name          string
		raw, fallback string
		want          selection.Selection
	}{
		{"empty object selects nothing", `{}`, ``, selection.Selection{}},
		{"null and empty lists", `{"tasks":null,"nlpData":[],"settings":null}`, ``, selection.Selection{}},
		{"canonical spellings, any case, trimmed, repeated once", `{"tasks":["BOTTASK"," botTask ","forms"],"settings":["botvariables"]}`, ``,
			selection.Selection{Tasks: []string{"botTask", "forms"}, Settings: []string{"botVariables"}}},
		{"legacy aliases", `{"nlpData":["training_data","bot_synonyms","DefaultDialog","utterances"]}`, ``,
			selection.Selection{NLPData: []string{"utterances", "synonyms", "nlpSettings"}}},
		{"unknown values dropped", `{"tasks":["bogus"],"nlpData":["rules","traitRules",""],"settings":["botTask"]}`, ``, selection.Selection{}},
		{"rules alone selects nothing", `{"nlpData":["rules"]}`, ``, selection.Selection{}},
		{"values of another list are unknown", `{"tasks":["utterances"]}`, ``, selection.Selection{}},
		{"null elements are dropped", `{"tasks":[null,"botTask"]}`, ``, selection.Selection{Tasks: []string{"botTask"}}},
		{"options", `{"nlpData":["utterances"],"options":{"utterances":{"append":false,"replace":true},"patterns":{"append":true},` +
			`"botVariables":{"ignore":["k1","k2"],"ignoreEnvironmentVariables":true,"ignoreContentVariables":null}}}`, ``,
			selection.Selection{NLPData: []string{"utterances"}, ReplaceUtterances: true, IgnoreVariables: []string{"k1", "k2"}, IgnoreEnvironmentVariables: true}},
		{"options null", `{"tasks":["forms"],"options":null}`, ``, selection.Selection{Tasks: []string{"forms"}}},
		{"fallback options when the object has none", `{"nlpData":["patterns"]}`, `{"patterns":{"replace":true}}`,
			selection.Selection{NLPData: []string{"patterns"}, ReplacePatterns: true}},
		{"fallback options when the object's are null", `{"nlpData":["patterns"],"options":null}`, `{"patterns":{"replace":true}}`,
			selection.Selection{NLPData: []string{"patterns"}, ReplacePatterns: true}},
		{"the object's options win", `{"nlpData":["patterns"],"options":{}}`, `{"patterns":{"replace":true}}`,
			selection.Selection{NLPData: []string{"patterns"}}},
		{"other members are ignored", `{"tasks":["smallTalk"],"storyBoardScenes":true,"AgentAssist":[1],"subTasks":{"dialogs":["x"]}}`, ``,
			selection.Selection{Tasks: []string{"smallTalk"}}},
	}
	for _, tt := range ok {
		t.Run(tt.name, func(t *testing.T) {
			got, err := selection.Parse(json.RawMessage(tt.raw), json.RawMessage(tt.fallback))
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(*got, tt.want) {
				t.Errorf("got %+v\nwant %+v", *got, tt.want)
			}
		})
	}
	bad := []struct{ name, raw, fallback string }{
		{"not an object", `[]`, ``},
		{"a string", `"tasks"`, ``},
		{"null", `null`, ``},
		{"tasks a string", `{"tasks":"botTask"}`, ``},
		{"nlpData of numbers", `{"nlpData":[1]}`, ``},
		{"settings an object", `{"settings":{}}`, ``},
		{"options a list", `{"tasks":["botTask"],"options":[]}`, ``},
		{"utterances a string", `{"options":{"utterances":"replace"}}`, ``},
		{"replace a string", `{"options":{"patterns":{"replace":"yes"}}}`, ``},
		{"botVariables a string", `{"options":{"botVariables":"x"}}`, ``},
		{"ignore a string", `{"options":{"botVariables":{"ignore":"x"}}}`, ``},
		{"ignoreContentVariables a string", `{"options":{"botVariables":{"ignoreContentVariables":"yes"}}}`, ``},
		{"fallback options a list", `{"tasks":["botTask"]}`, `[]`},
	}
	for _, tt := range bad {
		t.Run(tt.name, func(t *testing.T) {
			if s, err := selection.Parse(json.RawMessage(tt.raw), json.RawMessage(tt.fallback)); !errors.Is(err, selection.ErrType) {
				t.Errorf("got %+v, %v; want ErrType", s, err)
			}
		})
	}
}

// TestRulesRefused: nlpData rules imports nothing botport reads, so it is
// dropped like an unknown value and a selection of it alone is empty,
// which imports and exports refuse ("Please select at least one
// component").
func TestRulesRefused(t *testing.T) {
	for _, raw := range []string{`{"nlpData":["rules"]}`, `{"nlpData":["RULES"],"tasks":[]}`} {
		s, err := selection.Parse(json.RawMessage(raw), nil)
		if err != nil {
			t.Fatal(err)
		}
		if !s.Empty() {
			t.Errorf("%s: %+v is not empty", raw, s)
		}
	}
	if selection.Lookup(selection.NLPData, "rules") != nil {
		t.Error("rules is a value")
	}
}
