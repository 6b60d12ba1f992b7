package httpapi

import (
	"errors"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"

	"github.com/botport/botport/internal/importer"
	"github.com/botport/botport/internal/kore"
)

// TestImportRequest covers the field rules of contract 4.2 (new bot) and
// 4.3 (existing bot), from the body as sent. The importOptions vocabulary
// is importer.ParseOptions'; here only that it is read.
func TestImportRequest(t *testing.T) {
	const js, form = "application/json", "application/x-www-form-urlencoded"
	const d, c, i = "0123456789abcdef01234567", "89abcdef0123456789abcdef", "456789abcdef0123456789ab"
	files := `"botDefinition":"` + d + `","configInfo":"` + c + `"`
	ok := []struct {
		name     string
		query    string
		ct       string
		existing bool
		body     string
		want     importer.Request
	}{
		{"JSON mode is the default", "", js, false, `{` + files + `,"icon":"` + i + `"}`,
			importer.Request{Mode: importer.ModeJSON, BotDefinition: d, ConfigInfo: c, Icon: i}},
		{"existing bot: icon optional, name ignored", "", js, true, `{` + files + `,"name":"   ","purpose":"nope"}`,
			importer.Request{Mode: importer.ModeJSON, BotDefinition: d, ConfigInfo: c}},
		{"zip mode, any case", "", js, true, `{"uploadMode":"zip","zipInfo":"` + d + `","botDefinition":7}`,
			importer.Request{Mode: importer.ModeZIP, ZipInfo: d}},
		{"botFunctions one id or a list, empty strings dropped", "", js, true, `{` + files + `,"botFunctions":["` + i + `",""]}`,
			importer.Request{Mode: importer.ModeJSON, BotDefinition: d, ConfigInfo: c, BotFunctions: []string{i}}},
		{"botFunctions one string", "", js, true, `{` + files + `,"botFunctions":"` + i + `"}`,
			importer.Request{Mode: importer.ModeJSON, BotDefinition: d, ConfigInfo: c, BotFunctions: []string{i}}},
		{"new bot: name trimmed, purpose lowercased, color kept", "", js, false,
			`{` + files + `,"icon":"` + i + `","name":"  My bot ","purpose":" Employee","color":"#fff"}`,
			importer.Request{Mode: importer.ModeJSON, BotDefinition: d, ConfigInfo: c, Icon: i, Name: "My bot", Purpose: "employee", Color: "#fff"}},
		{"name of 100 characters", "", js, false, `{` + files + `,"icon":"` + i + `","name":"` + strings.Repeat("é", 100) + `"}`,
			importer.Request{Mode: importer.ModeJSON, BotDefinition: d, ConfigInfo: c, Icon: i, Name: strings.Repeat("é", 100)}},
		{"importOptions makes the import incremental", "", js, true, `{` + files + `,"importOptions":{"tasks":["botTask"]}}`,
			importer.Request{Mode: importer.ModeJSON, BotDefinition: d, ConfigInfo: c, Options: &importer.Options{Tasks: []string{"botTask"}}}},
		{"empty importOptions is a full import", "", js, true, `{` + files + `,"importOptions":""}`,
			importer.Request{Mode: importer.ModeJSON, BotDefinition: d, ConfigInfo: c}},
		{"dryRun in the body", "", js, true, `{` + files + `,"dryRun":true}`,
			importer.Request{Mode: importer.ModeJSON, BotDefinition: d, ConfigInfo: c, DryRun: true}},
		{"dryRun as text", "", js, true, `{` + files + `,"dryRun":"TRUE"}`,
			importer.Request{Mode: importer.ModeJSON, BotDefinition: d, ConfigInfo: c, DryRun: true}},
		{"dryRun in the query", "?dryRun=1", js, true, `{` + files + `,"dryRun":false}`,
			importer.Request{Mode: importer.ModeJSON, BotDefinition: d, ConfigInfo: c, DryRun: true}},
		{"form body, botFunctions[] repeated", "", form, true,
			"botDefinition=" + d + "&configInfo=" + c + "&botFunctions[]=" + i + "&botFunctions=" + d + "&importOptions=" + `{"nlpData":["utterances"]}`,
			importer.Request{Mode: importer.ModeJSON, BotDefinition: d, ConfigInfo: c, BotFunctions: []string{d, i},
				Options: &importer.Options{NLPData: []string{"utterances"}}}},
	}
	for _, tt := range ok {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseImport(t, tt.query, tt.ct, tt.existing, tt.body)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(*got, tt.want) {
				t.Errorf("request\n got %+v %+v\nwant %+v %+v", *got, got.Options, tt.want, tt.want.Options)
			}
		})
	}
	bad := []struct {
		name     string
		existing bool
		body     string
	}{
		{"unknown uploadMode", true, `{"uploadMode":"tar",` + files + `}`},
		{"zip mode without zipInfo", true, `{"uploadMode":"ZIP",` + files + `}`},
		{"no botDefinition", true, `{"configInfo":"` + c + `"}`},
		{"empty configInfo", true, `{"botDefinition":"` + d + `","configInfo":""}`},
		{"botDefinition a number", true, `{"botDefinition":7,"configInfo":"` + c + `"}`},
		{"new bot without icon", false, `{` + files + `}`},
		{"botFunctions with null", true, `{` + files + `,"botFunctions":["` + i + `",null]}`},
		{"botFunctions an object", true, `{` + files + `,"botFunctions":{}}`},
		{"importOptions a list", true, `{` + files + `,"importOptions":[]}`},
		{"importOptions tasks a string", true, `{` + files + `,"importOptions":{"tasks":"botTask"}}`},
		{"options a string", true, `{` + files + `,"importOptions":{"tasks":["botTask"]},"options":"x"}`},
		{"name only spaces", false, `{` + files + `,"icon":"` + i + `","name":"   "}`},
		{"name of 101 characters", false, `{` + files + `,"icon":"` + i + `","name":"` + strings.Repeat("a", 101) + `"}`},
		{"unknown purpose", false, `{` + files + `,"icon":"` + i + `","purpose":"robots"}`},
		{"color a number", false, `{` + files + `,"icon":"` + i + `","color":1}`},
		{"dryRun not a boolean", true, `{` + files + `,"dryRun":"maybe"}`},
		{"body not an object", true, `[1]`},
	}
	for _, tt := range bad {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := parseImport(t, "", js, tt.existing, tt.body); !errors.Is(err, kore.ErrValidation) {
				t.Errorf("err %v, want ErrValidation", err)
			}
		})
	}
}

func parseImport(t *testing.T, query, ct string, existing bool, body string) (*importer.Request, error) {
	t.Helper()
	s := &server{cfg: Config{BodyLimit: 1 << 20}}
	r := httptest.NewRequest("POST", "/api/public/bot/import"+query, strings.NewReader(body))
	r.Header.Set("Content-Type", ct)
	f, err := s.readFields(httptest.NewRecorder(), r)
	if err != nil {
		return nil, err
	}
	return importRequest(r, f, existing)
}
