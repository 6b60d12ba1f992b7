package importer_test

import (
	"encoding/json"
	"reflect"
	"slices"
	"testing"

	"github.com/botport/botport/internal/importer"
	"github.com/botport/botport/internal/selection"
)

// TestParseOptions covers the importOptions rules of contract 4.3 as
// botport reads them: absent, null or "" is a full import (nil), and so is
// an object without any of the three lists ({}, only options); one with a
// list is incremental, even when it selects nothing;
// values match case-insensitively, legacy aliases map, unknown values are
// dropped; wrong types are refused; the top-level options serve when
// importOptions has none.
func TestParseOptions(t *testing.T) {
	for _, tt := range []struct {
		name       string
		raw, top   string
		want       *selection.Selection // nil: a full import
		refused    bool                 // Start answers "Please select at least one component"
		notOK      bool                 // 412
		selects    []string
		notSelects []string
	}{
		{name: "absent", raw: ``},
		{name: "null", raw: `null`},
		{name: "empty string", raw: `""`},
		{name: "blank", raw: "  \n "},
		{name: "empty object", raw: `{}`},
		{name: "only options", raw: `{"options":{"utterances":{"replace":true}}}`},
		{name: "only null lists", raw: `{"tasks":null,"nlpData":null}`},
		{name: "only ignored members", raw: `{"storyBoardScenes":["x"],"AgentAssist":{}}`},
		{name: "empty and null lists", raw: `{"tasks":[],"nlpData":null,"settings":[]}`, want: &selection.Selection{}, refused: true},
		{name: "unknown values only", raw: `{"tasks":["bogus"],"nlpData":["rules"]}`, want: &selection.Selection{}, refused: true},
		{name: "case and aliases", raw: `{"tasks":["bottask"],"nlpData":["Training_Data","BOT_SYNONYMS","defaultdialog","rules"]}`,
			want:    &selection.Selection{Tasks: []string{"botTask"}, NLPData: []string{"utterances", "synonyms", "nlpSettings"}},
			selects: []string{selection.BotTask, selection.Forms, selection.Utterances, selection.Synonyms, selection.NLPSettings}, notSelects: []string{selection.Patterns}},
		{name: "append and replace", raw: `{"nlpData":["utterances","patterns"],"options":{"utterances":{"append":true},"patterns":{"replace":true}}}`,
			want: &selection.Selection{NLPData: []string{"utterances", "patterns"}, ReplacePatterns: true}},
		{name: "ignored variables", raw: `{"settings":["botVariables"],"options":{"botVariables":{"ignore":["a"]}}}`,
			want: &selection.Selection{Settings: []string{"botVariables"}, IgnoreVariables: []string{"a"}}},
		{name: "top-level options", raw: `{"nlpData":["utterances"]}`, top: `{"utterances":{"replace":true}}`,
			want: &selection.Selection{NLPData: []string{"utterances"}, ReplaceUtterances: true}},
		{name: "importOptions.options wins", raw: `{"nlpData":["utterances"],"options":{"utterances":{"replace":false}}}`, top: `{"utterances":{"replace":true}}`,
			want: &selection.Selection{NLPData: []string{"utterances"}}},
		{name: "ignored members", raw: `{"tasks":["forms"],"storyBoardScenes":1,"customDashboard":"x","AgentAssist":[],"qualityAI":{},"botComponents":null}`,
			want: &selection.Selection{Tasks: []string{"forms"}}, selects: []string{selection.Forms}, notSelects: []string{selection.BotTask}},
		{name: "not an object", raw: `[]`, notOK: true},
		{name: "a number", raw: `1`, notOK: true},
		{name: "tasks a string", raw: `{"tasks":"botTask"}`, notOK: true},
		{name: "nlpData of objects", raw: `{"nlpData":[{}]}`, notOK: true},
		{name: "options a string", raw: `{"tasks":["botTask"],"options":"x"}`, notOK: true},
		{name: "replace a string", raw: `{"tasks":["botTask"],"options":{"utterances":{"replace":"true"}}}`, notOK: true},
		{name: "ignore an object", raw: `{"settings":["botVariables"],"options":{"botVariables":{"ignore":{}}}}`, notOK: true},
		{name: "top-level options a list", raw: `{"tasks":["botTask"]}`, top: `[]`, notOK: true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := importer.ParseOptions(json.RawMessage(tt.raw), json.RawMessage(tt.top))
			if ok == tt.notOK {
				t.Fatalf("ok %v, want %v", ok, !tt.notOK)
			}
			if tt.notOK {
				return
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("got %+v, want %+v", got, tt.want)
			}
			if got.Empty() != tt.refused {
				t.Errorf("Empty() = %v, want %v", got.Empty(), tt.refused)
			}
			for _, g := range tt.selects {
				if !got.Selects(g) {
					t.Errorf("does not select %s", g)
				}
			}
			for _, g := range tt.notSelects {
				if got.Selects(g) {
					t.Errorf("selects %s", g)
				}
			}
		})
	}
}

// TestStoredRequest: a request is stored with its import and read back by
// the job; the selection survives the round trip, and a stored value the
// vocabulary no longer knows selects nothing.
func TestStoredRequest(t *testing.T) {
	req := &importer.Request{Mode: importer.ModeJSON, BotDefinition: "d", ConfigInfo: "c",
		Options: &selection.Selection{Tasks: []string{"botTask"}, NLPData: []string{"utterances"}, ReplaceUtterances: true, IgnoreVariables: []string{"k"}}}
	b, err := json.Marshal(req)
	if err != nil {
		t.Fatal(err)
	}
	var back importer.Request
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(&back, req) {
		t.Errorf("round trip\n got %+v %+v\nwant %+v %+v", back, back.Options, req, req.Options)
	}
	// The stored form older versions wrote.
	var old importer.Request
	if err := json.Unmarshal([]byte(`{"mode":"JSON","importOptions":{"nlpData":["rules"],"replaceUtterances":true,"ignoreVariables":["k"]}}`), &old); err != nil {
		t.Fatal(err)
	}
	if !old.Options.Empty() || !old.Options.ReplaceUtterances || !slices.Equal(old.Options.IgnoreVariables, []string{"k"}) {
		t.Errorf("stored request read as %+v", old.Options)
	}
}

// TestFileIDs: the contract's checking order, per mode.
func TestFileIDs(t *testing.T) {
	for _, tt := range []struct {
		name string
		req  importer.Request
		want []string
	}{
		{"JSON", importer.Request{Mode: importer.ModeJSON, BotDefinition: "d", ConfigInfo: "c", Icon: "i", BotFunctions: []string{"f1", "f2"}, ZipInfo: "z"},
			[]string{"d", "c", "i", "f1", "f2"}},
		{"JSON without icon", importer.Request{Mode: importer.ModeJSON, BotDefinition: "d", ConfigInfo: "c"}, []string{"d", "c"}},
		{"ZIP", importer.Request{Mode: importer.ModeZIP, BotDefinition: "d", ZipInfo: "z"}, []string{"z"}},
	} {
		if got := tt.req.FileIDs(); !slices.Equal(got, tt.want) {
			t.Errorf("%s: %v, want %v", tt.name, got, tt.want)
		}
	}
}
