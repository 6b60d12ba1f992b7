package exporter

import (
	"encoding/json"
	"errors"
	"reflect"
	"testing"

	"github.com/botport/botport/internal/botdef"
	"github.com/botport/botport/internal/kore"
)

// TestParseOptions covers exportOptions' lists and options.botVariables;
// the request's other field rules are httpapi's (exportRequest).
func TestParseOptions(t *testing.T) {
	ok := []struct {
		name string
		in   string
		want Options
	}{
		{"values canonical, aliases mapped, unknown and repeated dropped",
			`{"tasks":["BOTTASK","bogus","botTask"],"nlpData":["training_data","defaultDialog","nlpsettings"],"settings":null}`,
			Options{Tasks: []string{"botTask"}, NLPData: []string{"utterances", "nlpSettings"}}},
		{"botVariables options",
			`{"settings":["botVariables"],"options":{"botVariables":{"ignore":["a","b"],"ignoreContentVariables":true,"ignoreEnvironmentVariables":null}}}`,
			Options{Settings: []string{"botVariables"}, IgnoreVariables: []string{"a", "b"}, IgnoreContentVariables: true}},
		{"members other than the lists are not options", `{"tasks":["botTask"],"subTasks":{"dialogs":["a"]},"IncludeDependentTasks":true}`,
			Options{Tasks: []string{"botTask"}}},
		{"nothing selected is accepted here", `{}`, Options{}},
	}
	for _, tt := range ok {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseOptions(members(t, tt.in))
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(*got, tt.want) {
				t.Errorf("options\n got %+v\nwant %+v", *got, tt.want)
			}
		})
	}
	bad := map[string]string{
		"tasks a string":         `{"tasks":"botTask"}`,
		"tasks of numbers":       `{"tasks":[1]}`,
		"options a list":         `{"tasks":["botTask"],"options":[]}`,
		"botVariables a string":  `{"options":{"botVariables":"x"}}`,
		"ignore a string":        `{"options":{"botVariables":{"ignore":"x"}}}`,
		"ignoreContent a string": `{"options":{"botVariables":{"ignoreContentVariables":"yes"}}}`,
	}
	for name, in := range bad {
		t.Run(name, func(t *testing.T) {
			if _, err := ParseOptions(members(t, in)); !errors.Is(err, kore.ErrValidation) {
				t.Errorf("err %v, want ErrValidation", err)
			}
		})
	}
}

func members(t *testing.T, obj string) map[string]json.RawMessage {
	t.Helper()
	var m map[string]json.RawMessage
	if err := json.Unmarshal([]byte(obj), &m); err != nil {
		t.Fatal(err)
	}
	return m
}

// TestOptionsHas: nil options select every group; others only what they list.
func TestOptionsHas(t *testing.T) {
	var all *Options
	if !all.Has(botdef.GroupBotTask) || all.Empty() {
		t.Error("nil options must select everything")
	}
	o := &Options{Tasks: []string{"smallTalk"}, Settings: []string{"botVariables"}}
	for g, want := range map[string]bool{
		botdef.GroupSmallTalk: true, botdef.GroupBotVariables: true, botdef.GroupBotTask: false,
		botdef.GroupUtterances: false, botdef.GroupBotSettings: false, "": false,
	} {
		if o.Has(g) != want {
			t.Errorf("Has(%q) = %v", g, !want)
		}
	}
	if o.Empty() || !(&Options{}).Empty() {
		t.Error("Empty")
	}
}
