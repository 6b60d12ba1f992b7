package httpapi

import (
	"encoding/json"
	"errors"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"

	"github.com/botport/botport/internal/exporter"
	"github.com/botport/botport/internal/kore"
	"github.com/botport/botport/internal/selection"
)

// bodyFields reads body as the handlers do, with a 1 MiB body limit.
func bodyFields(t *testing.T, contentType, body string) (*fields, error) {
	t.Helper()
	s := &server{cfg: Config{BodyLimit: 1 << 20}}
	r := httptest.NewRequest("POST", "/x", strings.NewReader(body))
	if contentType != "" {
		r.Header.Set("Content-Type", contentType)
	}
	return s.readFields(httptest.NewRecorder(), r)
}

// TestExportRequest covers the field rules of contract 4.6 and the echo,
// from the body as sent.
func TestExportRequest(t *testing.T) {
	const js, form = "application/json", "application/x-www-form-urlencoded"
	ok := []struct {
		name, ct, body string
		want           exporter.Request
	}{
		{"everything", js, `{"exportType":"latest"}`, exporter.Request{ExportType: "latest"}},
		{"published, any case", js, `{"exportType":" Published "}`, exporter.Request{ExportType: "published"}},
		{"allTasks a boolean, ignored", js, `{"exportType":"latest","allTasks":false,"customDashboards":[1],"AgentAssist":"x"}`,
			exporter.Request{ExportType: "latest"}},
		{"options kept as sent in the echo", js, `{"exportType":"latest","exportOptions":{"tasks":["botTask"],"settings":null}}`,
			exporter.Request{ExportType: "latest", Options: &selection.Selection{Tasks: []string{"botTask"}},
				Echo: json.RawMessage(`{"tasks":["botTask"],"settings":null}`)}},
		{"subTasks at the top level, added to the echo", js,
			`{"exportType":"latest","exportOptions":{"tasks":["botTask"]},"subTasks": {"dialogs":["Pay Bill"," ",""],"forms":[]} ,"IncludeDependentTasks":true}`,
			exporter.Request{ExportType: "latest", Options: &selection.Selection{Tasks: []string{"botTask"}}, Dialogs: []string{"Pay Bill"}, IncludeDependent: true,
				Echo: json.RawMessage(`{"tasks":["botTask"],"subTasks":{"dialogs":["Pay Bill"," ",""],"forms":[]},"IncludeDependentTasks":true}`)}},
		{"subTasks inside exportOptions, as export files carry them", js,
			`{"exportType":"latest","exportOptions":{"tasks":["botTask"],"subTasks":{"dialogs":["dg-1"]},"IncludeDependentTasks":true}}`,
			exporter.Request{ExportType: "latest", Options: &selection.Selection{Tasks: []string{"botTask"}}, Dialogs: []string{"dg-1"}, IncludeDependent: true,
				Echo: json.RawMessage(`{"tasks":["botTask"],"subTasks":{"dialogs":["dg-1"]},"IncludeDependentTasks":true}`)}},
		{"top level wins", js,
			`{"exportType":"latest","exportOptions":{"tasks":["botTask"],"subTasks":{"dialogs":["inner"]},"IncludeDependentTasks":true},"subTasks":{"dialogs":["outer"]},"IncludeDependentTasks":false}`,
			exporter.Request{ExportType: "latest", Options: &selection.Selection{Tasks: []string{"botTask"}}, Dialogs: []string{"outer"},
				Echo: json.RawMessage(`{"tasks":["botTask"],"subTasks":{"dialogs":["outer"]},"IncludeDependentTasks":false}`)}},
		{"subTasks without exportOptions", js, `{"exportType":"latest","subTasks":{"dialogs":["a"]}}`,
			exporter.Request{ExportType: "latest", Dialogs: []string{"a"}, Echo: json.RawMessage(`{"subTasks":{"dialogs":["a"]}}`)}},
		{"null and empty string are absent", js, `{"exportType":"latest","exportOptions":"","subTasks":null,"IncludeDependentTasks":""}`,
			exporter.Request{ExportType: "latest"}},
		{"values canonical, aliases mapped, unknown and repeated dropped", js,
			`{"exportType":"latest","exportOptions":{"tasks":["BOTTASK","bogus","botTask"],"nlpData":["training_data","defaultDialog","nlpsettings"],"settings":null}}`,
			exporter.Request{ExportType: "latest", Options: &selection.Selection{Tasks: []string{"botTask"}, NLPData: []string{"utterances", "nlpSettings"}},
				Echo: json.RawMessage(`{"tasks":["BOTTASK","bogus","botTask"],"nlpData":["training_data","defaultDialog","nlpsettings"],"settings":null}`)}},
		{"botVariables options", js,
			`{"exportType":"latest","exportOptions":{"settings":["botVariables"],"options":{"botVariables":{"ignore":["a","b"],"ignoreContentVariables":true,"ignoreEnvironmentVariables":null}}}}`,
			exporter.Request{ExportType: "latest", Options: &selection.Selection{Settings: []string{"botVariables"}, IgnoreVariables: []string{"a", "b"}, IgnoreContentVariables: true},
				Echo: json.RawMessage(`{"settings":["botVariables"],"options":{"botVariables":{"ignore":["a","b"],"ignoreContentVariables":true,"ignoreEnvironmentVariables":null}}}`)}},
		{"nothing selected is accepted here", js, `{"exportType":"latest","exportOptions":{}}`,
			exporter.Request{ExportType: "latest", Options: &selection.Selection{}, Echo: json.RawMessage(`{}`)}},
		{"form body, objects as JSON text", form, `exportType=latest&exportOptions={"tasks":["botTask"]}&IncludeDependentTasks=true&allTasks=true`,
			exporter.Request{ExportType: "latest", Options: &selection.Selection{Tasks: []string{"botTask"}}, IncludeDependent: true,
				Echo: json.RawMessage(`{"tasks":["botTask"],"IncludeDependentTasks":true}`)}},
	}
	for _, tt := range ok {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseExport(t, tt.ct, tt.body)
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
	bad := map[string]string{
		"no exportType":            `{}`,
		"exportType old":           `{"exportType":"old"}`,
		"exportType a number":      `{"exportType":1}`,
		"exportOptions array":      `{"exportType":"latest","exportOptions":[]}`,
		"exportOptions a string":   `{"exportType":"latest","exportOptions":"tasks"}`,
		"tasks a string":           `{"exportType":"latest","exportOptions":{"tasks":"botTask"}}`,
		"subTasks a list":          `{"exportType":"latest","subTasks":[]}`,
		"subTasks.alerts numbers":  `{"exportType":"latest","subTasks":{"alerts":[1]}}`,
		"subTasks.dialogs string":  `{"exportType":"latest","subTasks":{"dialogs":"a"}}`,
		"inner subTasks a string":  `{"exportType":"latest","exportOptions":{"subTasks":"a"}}`,
		"dependent a string":       `{"exportType":"latest","IncludeDependentTasks":"yes"}`,
		"inner dependent a string": `{"exportType":"latest","exportOptions":{"tasks":["botTask"],"IncludeDependentTasks":"yes"}}`,
		"allTasks a string":        `{"exportType":"latest","allTasks":"all"}`,
		"not JSON":                 `{"exportType":`,
		"tasks of numbers":         `{"exportType":"latest","exportOptions":{"tasks":[1]}}`,
		"options a list":           `{"exportType":"latest","exportOptions":{"tasks":["botTask"],"options":[]}}`,
		"botVariables a string":    `{"exportType":"latest","exportOptions":{"options":{"botVariables":"x"}}}`,
		"ignore a string":          `{"exportType":"latest","exportOptions":{"options":{"botVariables":{"ignore":"x"}}}}`,
		"ignoreContent a string":   `{"exportType":"latest","exportOptions":{"options":{"botVariables":{"ignoreContentVariables":"yes"}}}}`,
	}
	for name, body := range bad {
		t.Run(name, func(t *testing.T) {
			if _, err := parseExport(t, js, body); !errors.Is(err, kore.ErrValidation) {
				t.Errorf("err %v, want ErrValidation", err)
			}
		})
	}
}

func parseExport(t *testing.T, ct, body string) (*exporter.Request, error) {
	t.Helper()
	f, err := bodyFields(t, ct, body)
	if err != nil {
		return nil, err
	}
	in, err := readExportFields(f)
	if err != nil {
		return nil, err
	}
	return exportRequest(in)
}
