package exporter

import (
	"encoding/json"
	"errors"
	"reflect"
	"testing"

	"github.com/botport/botport/internal/kore"
	"github.com/botport/botport/internal/selection"
)

func boolp(b bool) *bool { return &b }

// TestParseRequest covers the field rules of contract 4.6 and the echo.
func TestParseRequest(t *testing.T) {
	ok := []struct {
		name string
		in   Input
		want Request
	}{
		{"everything", Input{ExportType: "latest"}, Request{ExportType: "latest"}},
		{"published, any case", Input{ExportType: " Published "}, Request{ExportType: "published"}},
		{"values canonical, aliases mapped, unknown and repeated dropped",
			Input{ExportType: "latest", ExportOptions: json.RawMessage(`{"tasks":["BOTTASK","bogus","botTask"],"nlpData":["training_data","defaultDialog","nlpsettings"],"settings":null}`)},
			Request{ExportType: "latest", Options: &selection.Selection{Tasks: []string{"botTask"}, NLPData: []string{"utterances", "nlpSettings"}},
				Echo: json.RawMessage(`{"tasks":["BOTTASK","bogus","botTask"],"nlpData":["training_data","defaultDialog","nlpsettings"],"settings":null}`)}},
		{"botVariables options",
			Input{ExportType: "latest", ExportOptions: json.RawMessage(`{"settings":["botVariables"],"options":{"botVariables":{"ignore":["a","b"],"ignoreContentVariables":true,"ignoreEnvironmentVariables":null}}}`)},
			Request{ExportType: "latest", Options: &selection.Selection{Settings: []string{"botVariables"}, IgnoreVariables: []string{"a", "b"}, IgnoreContentVariables: true},
				Echo: json.RawMessage(`{"settings":["botVariables"],"options":{"botVariables":{"ignore":["a","b"],"ignoreContentVariables":true,"ignoreEnvironmentVariables":null}}}`)}},
		{"subTasks at the top level, added to the echo",
			Input{ExportType: "latest", ExportOptions: json.RawMessage(`{"tasks":["botTask"]}`), SubTasks: json.RawMessage(` {"dialogs":["Pay Bill"," ",""],"forms":[]} `), IncludeDependentTasks: boolp(true)},
			Request{ExportType: "latest", Options: &selection.Selection{Tasks: []string{"botTask"}}, Dialogs: []string{"Pay Bill"}, IncludeDependent: true,
				Echo: json.RawMessage(`{"tasks":["botTask"],"subTasks":{"dialogs":["Pay Bill"," ",""],"forms":[]},"IncludeDependentTasks":true}`)}},
		{"subTasks inside exportOptions, as export files carry them",
			Input{ExportType: "latest", ExportOptions: json.RawMessage(`{"tasks":["botTask"],"subTasks":{"dialogs":["dg-1"]},"IncludeDependentTasks":true}`)},
			Request{ExportType: "latest", Options: &selection.Selection{Tasks: []string{"botTask"}}, Dialogs: []string{"dg-1"}, IncludeDependent: true,
				Echo: json.RawMessage(`{"tasks":["botTask"],"subTasks":{"dialogs":["dg-1"]},"IncludeDependentTasks":true}`)}},
		{"top level wins",
			Input{ExportType: "latest", ExportOptions: json.RawMessage(`{"tasks":["botTask"],"subTasks":{"dialogs":["inner"]},"IncludeDependentTasks":true}`),
				SubTasks: json.RawMessage(`{"dialogs":["outer"]}`), IncludeDependentTasks: boolp(false)},
			Request{ExportType: "latest", Options: &selection.Selection{Tasks: []string{"botTask"}}, Dialogs: []string{"outer"},
				Echo: json.RawMessage(`{"tasks":["botTask"],"subTasks":{"dialogs":["outer"]},"IncludeDependentTasks":false}`)}},
		{"subTasks without exportOptions",
			Input{ExportType: "latest", SubTasks: json.RawMessage(`{"dialogs":["a"]}`)},
			Request{ExportType: "latest", Dialogs: []string{"a"}, Echo: json.RawMessage(`{"subTasks":{"dialogs":["a"]}}`)}},
		{"nothing selected is accepted here", Input{ExportType: "latest", ExportOptions: json.RawMessage(`{}`)},
			Request{ExportType: "latest", Options: &selection.Selection{}, Echo: json.RawMessage(`{}`)}},
	}
	for _, tt := range ok {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseRequest(tt.in)
			if err != nil {
				t.Fatal(err)
			}
			if string(got.Echo) != string(tt.want.Echo) {
				t.Errorf("echo\n got %s\nwant %s", got.Echo, tt.want.Echo)
			}
			got.Echo, tt.want.Echo = nil, nil
			if !reflect.DeepEqual(*got, tt.want) {
				t.Errorf("request\n got %+v %+v\nwant %+v %+v", *got, got.Options, tt.want, tt.want.Options)
			}
		})
	}
	bad := map[string]Input{
		"no exportType":           {},
		"exportType old":          {ExportType: "old"},
		"exportOptions array":     {ExportType: "latest", ExportOptions: json.RawMessage(`[]`)},
		"tasks a string":          {ExportType: "latest", ExportOptions: json.RawMessage(`{"tasks":"botTask"}`)},
		"tasks of numbers":        {ExportType: "latest", ExportOptions: json.RawMessage(`{"tasks":[1]}`)},
		"options a list":          {ExportType: "latest", ExportOptions: json.RawMessage(`{"tasks":["botTask"],"options":[]}`)},
		"botVariables a string":   {ExportType: "latest", ExportOptions: json.RawMessage(`{"options":{"botVariables":"x"}}`)},
		"ignore a string":         {ExportType: "latest", ExportOptions: json.RawMessage(`{"options":{"botVariables":{"ignore":"x"}}}`)},
		"ignoreContent a string":  {ExportType: "latest", ExportOptions: json.RawMessage(`{"options":{"botVariables":{"ignoreContentVariables":"yes"}}}`)},
		"subTasks a list":         {ExportType: "latest", SubTasks: json.RawMessage(`[]`)},
		"subTasks.alerts numbers": {ExportType: "latest", SubTasks: json.RawMessage(`{"alerts":[1]}`)},
		"inner dependent a string": {ExportType: "latest",
			ExportOptions: json.RawMessage(`{"tasks":["botTask"],"IncludeDependentTasks":"yes"}`)},
	}
	for name, in := range bad {
		t.Run(name, func(t *testing.T) {
			if _, err := ParseRequest(in); !errors.Is(err, kore.ErrValidation) {
				t.Errorf("err %v, want ErrValidation", err)
			}
		})
	}
}
