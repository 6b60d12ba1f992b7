package httpapi

import (
	"errors"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"

	"github.com/botport/botport/internal/importer"
	"github.com/botport/botport/internal/kore"
	"github.com/botport/botport/internal/selection"
)

// parseImport reads a body as the import handlers do and applies the field
// rules.
func parseImport(t *testing.T, target, contentType, body string, existing bool) (*importer.Request, error) {
	t.Helper()
	s := &server{cfg: Config{BodyLimit: 1 << 20}}
	r := httptest.NewRequest("POST", target, strings.NewReader(body))
	if contentType != "" {
		r.Header.Set("Content-Type", contentType)
	}
	f, err := s.readFields(httptest.NewRecorder(), r)
	if err != nil {
		return nil, err
	}
	return importRequest(r, f, existing)
}

const (
	jsonCT = "application/json"
	formCT = "application/x-www-form-urlencoded"
)

// TestImportRequest covers the field rules of contract 4.2 (new bot) and
// 4.3 (existing bot), in JSON and form bodies.
func TestImportRequest(t *testing.T) {
	long := strings.Repeat("é", 100)
	for _, tt := range []struct {
		name     string
		existing bool
		ct, body string
		query    string
		want     importer.Request
	}{
		{"JSON mode by default", false, jsonCT, `{"botDefinition":"d","configInfo":"c","icon":"i"}`, "",
			importer.Request{Mode: "JSON", BotDefinition: "d", ConfigInfo: "c", Icon: "i"}},
		{"mode in any case, the other mode's fields ignored", false, jsonCT, `{"uploadMode":"zip","zipInfo":"z","botDefinition":"d","botFunctions":["f"]}`, "",
			importer.Request{Mode: "ZIP", ZipInfo: "z"}},
		{"JSON mode ignores zipInfo", false, jsonCT, `{"uploadMode":"Json","botDefinition":"d","configInfo":"c","icon":"i","zipInfo":"z"}`, "",
			importer.Request{Mode: "JSON", BotDefinition: "d", ConfigInfo: "c", Icon: "i"}},
		{"botFunctions: one id, or a list without empty strings", false, jsonCT,
			`{"botDefinition":"d","configInfo":"c","icon":"i","botFunctions":"f1"}`, "",
			importer.Request{Mode: "JSON", BotDefinition: "d", ConfigInfo: "c", Icon: "i", BotFunctions: []string{"f1"}}},
		{"botFunctions list", false, jsonCT, `{"botDefinition":"d","configInfo":"c","icon":"i","botFunctions":["f1","","f2"]}`, "",
			importer.Request{Mode: "JSON", BotDefinition: "d", ConfigInfo: "c", Icon: "i", BotFunctions: []string{"f1", "f2"}}},
		{"name trimmed, purpose any case, color kept", false, jsonCT,
			`{"botDefinition":"d","configInfo":"c","icon":"i","name":"  Billing Assistant ","purpose":" Employee","color":"#009dab"}`, "",
			importer.Request{Mode: "JSON", BotDefinition: "d", ConfigInfo: "c", Icon: "i", Name: "Billing Assistant", Purpose: "employee", Color: "#009dab"}},
		{"name of 100 characters", false, jsonCT, `{"botDefinition":"d","configInfo":"c","icon":"i","name":"` + long + `"}`, "",
			importer.Request{Mode: "JSON", BotDefinition: "d", ConfigInfo: "c", Icon: "i", Name: long}},
		{"empty strings and nulls are absent", false, jsonCT, `{"botDefinition":"d","configInfo":"c","icon":"i","name":"","purpose":null,"color":"","dryRun":null}`, "",
			importer.Request{Mode: "JSON", BotDefinition: "d", ConfigInfo: "c", Icon: "i"}},
		{"dryRun", false, jsonCT, `{"uploadMode":"ZIP","zipInfo":"z","dryRun":true}`, "",
			importer.Request{Mode: "ZIP", ZipInfo: "z", DryRun: true}},
		{"dryRun as text", false, jsonCT, `{"uploadMode":"ZIP","zipInfo":"z","dryRun":"TRUE"}`, "",
			importer.Request{Mode: "ZIP", ZipInfo: "z", DryRun: true}},
		{"dryRun in the query", false, jsonCT, `{"uploadMode":"ZIP","zipInfo":"z","dryRun":false}`, "?dryRun=1",
			importer.Request{Mode: "ZIP", ZipInfo: "z", DryRun: true}},
		{"form body", false, formCT, `botDefinition=d&configInfo=c&icon=i&name=Billing+%26+Co&botFunctions=f1&botFunctions[]=f2&dryRun=true`, "",
			importer.Request{Mode: "JSON", BotDefinition: "d", ConfigInfo: "c", Icon: "i", Name: "Billing & Co", BotFunctions: []string{"f1", "f2"}, DryRun: true}},
		{"untyped body starting with { is JSON", false, "", ` {"uploadMode":"ZIP","zipInfo":"z"}`, "",
			importer.Request{Mode: "ZIP", ZipInfo: "z"}},

		{"existing: icon optional, name, purpose and color ignored", true, jsonCT,
			`{"botDefinition":"d","configInfo":"c","name":"   ","purpose":"partner","color":7}`, "",
			importer.Request{Mode: "JSON", BotDefinition: "d", ConfigInfo: "c"}},
		{"existing: importOptions", true, jsonCT,
			`{"botDefinition":"d","configInfo":"c","importOptions":{"tasks":["botTask"],"nlpData":["training_data"],"options":{"utterances":{"replace":true}}}}`, "",
			importer.Request{Mode: "JSON", BotDefinition: "d", ConfigInfo: "c",
				Options: &selection.Selection{Tasks: []string{"botTask"}, NLPData: []string{"utterances"}, ReplaceUtterances: true}}},
		{"existing: top-level options", true, jsonCT,
			`{"botDefinition":"d","configInfo":"c","importOptions":{"nlpData":["patterns"]},"options":{"patterns":{"replace":true}}}`, "",
			importer.Request{Mode: "JSON", BotDefinition: "d", ConfigInfo: "c", Options: &selection.Selection{NLPData: []string{"patterns"}, ReplacePatterns: true}}},
		{"existing: importOptions selecting nothing stays incremental", true, jsonCT,
			`{"botDefinition":"d","configInfo":"c","importOptions":{"nlpData":["rules"]}}`, "",
			importer.Request{Mode: "JSON", BotDefinition: "d", ConfigInfo: "c", Options: &selection.Selection{}}},
		{"existing: importOptions empty string is a full import", true, jsonCT,
			`{"botDefinition":"d","configInfo":"c","importOptions":""}`, "",
			importer.Request{Mode: "JSON", BotDefinition: "d", ConfigInfo: "c"}},
		{"existing: importOptions as JSON text in a form", true, formCT,
			`botDefinition=d&configInfo=c&importOptions=%7B%22settings%22%3A%5B%22botVariables%22%5D%7D`, "",
			importer.Request{Mode: "JSON", BotDefinition: "d", ConfigInfo: "c", Options: &selection.Selection{Settings: []string{"botVariables"}}}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseImport(t, "/api/public/bot/import"+tt.query, tt.ct, tt.body, tt.existing)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(*got, tt.want) {
				t.Errorf("got  %+v %+v\nwant %+v %+v", *got, got.Options, tt.want, tt.want.Options)
			}
		})
	}
}

// TestImportRequestRefused: every broken field rule is 412.
func TestImportRequestRefused(t *testing.T) {
	for _, tt := range []struct {
		name     string
		existing bool
		ct, body string
	}{
		{"unknown mode", false, jsonCT, `{"uploadMode":"xml","botDefinition":"d","configInfo":"c","icon":"i"}`},
		{"mode not a string", false, jsonCT, `{"uploadMode":1,"zipInfo":"z"}`},
		{"JSON mode without botDefinition", false, jsonCT, `{"configInfo":"c","icon":"i"}`},
		{"JSON mode with an empty configInfo", false, jsonCT, `{"botDefinition":"d","configInfo":"","icon":"i"}`},
		{"new bot without icon", false, jsonCT, `{"botDefinition":"d","configInfo":"c"}`},
		{"ZIP mode without zipInfo", false, jsonCT, `{"uploadMode":"ZIP","botDefinition":"d","configInfo":"c","icon":"i"}`},
		{"file id not a string", false, jsonCT, `{"botDefinition":{"id":"d"},"configInfo":"c","icon":"i"}`},
		{"botFunctions with null", false, jsonCT, `{"botDefinition":"d","configInfo":"c","icon":"i","botFunctions":["f",null]}`},
		{"botFunctions a number", false, jsonCT, `{"botDefinition":"d","configInfo":"c","icon":"i","botFunctions":1}`},
		{"name only blanks", false, jsonCT, `{"botDefinition":"d","configInfo":"c","icon":"i","name":"   "}`},
		{"name over 100 characters", false, jsonCT, `{"botDefinition":"d","configInfo":"c","icon":"i","name":"` + strings.Repeat("a", 101) + `"}`},
		{"name not a string", false, jsonCT, `{"botDefinition":"d","configInfo":"c","icon":"i","name":7}`},
		{"unknown purpose", false, jsonCT, `{"botDefinition":"d","configInfo":"c","icon":"i","purpose":"partner"}`},
		{"dryRun not a boolean", false, jsonCT, `{"uploadMode":"ZIP","zipInfo":"z","dryRun":"maybe"}`},
		{"repeated form field", false, formCT, `botDefinition=d&botDefinition=e&configInfo=c&icon=i`},
		{"body not an object", false, jsonCT, `["botDefinition"]`},
		{"broken JSON", false, jsonCT, `{"botDefinition":"d",`},
		{"unknown content type", false, "text/plain", `botDefinition=d`},
		{"existing: importOptions a list", true, jsonCT, `{"botDefinition":"d","configInfo":"c","importOptions":[]}`},
		{"existing: importOptions as a JSON string", true, jsonCT, `{"botDefinition":"d","configInfo":"c","importOptions":"{\"tasks\":[\"botTask\"]}"}`},
		{"existing: tasks a string", true, jsonCT, `{"botDefinition":"d","configInfo":"c","importOptions":{"tasks":"botTask"}}`},
		{"existing: top-level options a list", true, jsonCT, `{"botDefinition":"d","configInfo":"c","importOptions":{"tasks":["botTask"]},"options":[]}`},
		{"existing: broken JSON text in a form", true, formCT, `botDefinition=d&configInfo=c&importOptions=%7B%22tasks%22`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseImport(t, "/api/public/bot/import", tt.ct, tt.body, tt.existing)
			if !errors.Is(err, kore.ErrValidation) {
				t.Errorf("got %+v, %v; want 412", got, err)
			}
		})
	}
}
