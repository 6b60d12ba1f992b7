package main

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/botport/botport/client"
	"github.com/botport/botport/internal/fixture"
)

// TestBotVariables drives the variables export and import (contract 4.11)
// through their successes and every error of the contract, under both
// paths (bot and stream), on both backends. A value is a canary that the
// server log must never show.
func TestBotVariables(t *testing.T) {
	const canary = "canary-3e9d1f0b-do-not-log"
	forBackends(t, func(t *testing.T, b backend, ts *testServer) {
		ctx := context.Background()
		a := newApps(t, b, ts, "bot_import", "bot_export", "bot_publish:publish_request")
		c := a.own
		bot := importAt(t, b, c, fixture.Get(t, "code-review-bot"))
		tok, foreign, wrong, none := mustToken(t, c), mustToken(t, a.foreign), mustToken(t, a.wrongScope), mustToken(t, a.noScope)
		exp, imp := "/api/1.1/public/builder/bot/"+bot+"/variables/export", "/api/1.1/public/builder/bot/"+bot+"/variables/import"
		versions := func() int {
			vs, err := c.Versions(ctx, bot)
			if err != nil {
				t.Fatal(err)
			}
			return len(vs)
		}

		// The export: env variables, then content variables, in file order.
		before, err := c.ExportVariables(ctx, bot)
		if err != nil {
			t.Fatal(err)
		}
		if len(before) != 26 || before[0].Key != "API_TOKEN" || before[0].VariableType != "env" || before[0].Value == nil ||
			before[3].VariableType != "locale" || len(before[3].LocaleData) == 0 || len(before[0].VNameSpace) != 1 || before[0].VNameSpace[0].Name != "default" {
			t.Fatalf("exported %d variables: %+v", len(before), before[:min(4, len(before))])
		}
		// The older path and another 1.x answer the same bytes.
		resp, body := rawRequest(t, "POST", ts.URL+exp, map[string]string{"auth": tok}, nil)
		for _, path := range []string{"/api/1.1/public/builder/stream/" + bot + "/variables/export", "/api/1.0/public/builder/bot/" + bot + "/variables/export"} {
			r2, b2 := rawRequest(t, "POST", ts.URL+path, map[string]string{"auth": tok}, nil)
			if resp.StatusCode != 200 || r2.StatusCode != 200 || string(b2) != string(body) {
				t.Errorf("%s: %d, differs from %s", path, r2.StatusCode, exp)
			}
		}

		item := `{"key":"API_TOKEN","value":"` + canary + `","variableType":"env","scope":"prePopulated"}`
		check(t, ts, []exchange{
			{"export: no token", "POST", exp, "", "", 401, `{"errors":[{"msg":"Invalid SDK credentials","code":4002}]}`},
			{"export: wrong scope", "POST", exp, wrong, "", 401, ansScope},
			{"export: no scope", "POST", exp, none, "", 401, ansScope},
			{"export: unknown bot", "POST", "/api/1.1/public/builder/bot/" + unknownBot + "/variables/export", tok, "", 400, ansStreamID},
			{"export: malformed bot id", "POST", "/api/1.1/public/builder/stream/st-1/variables/export", tok, "", 400, ansStreamID},
			{"export: foreign bot", "POST", exp, foreign, "", 400, ansStreamID},
			{"export: wrong method", "GET", exp, tok, "", 405, ansMethod},
			{"export: version 2.0", "POST", "/api/2.0/public/builder/bot/" + bot + "/variables/export", tok, "", 404, ansNotFound},
			{"export: version 1.x, wrong method", "GET", "/api/v1/public/builder/bot/" + bot + "/variables/export", tok, "", 404, ansNotFound},
			{"import: wrong scope", "POST", imp, wrong, "[" + item + "]", 401, ansScope},
			{"import: no scope", "POST", imp, none, "[" + item + "]", 401, ansScope},
			{"import: wrong method", "GET", imp, tok, "", 405, ansMethod},
			{"import: unknown bot", "POST", "/api/1.1/public/builder/bot/" + unknownBot + "/variables/import", tok, "[" + item + "]", 400, ansStreamID},
			{"import: foreign bot", "POST", imp, foreign, "[" + item + "]", 400, ansStreamID},
			{"import: no body", "POST", imp, tok, "", 412, ansInvalid},
			{"import: not JSON", "POST", imp, tok, "[{", 412, ansInvalid},
			{"import: an object without botVariables", "POST", imp, tok, `{"variables":[` + item + `]}`, 412, ansInvalid},
			{"import: empty list", "POST", imp, tok, `[]`, 412, ansInvalid},
			{"import: item without key", "POST", imp, tok, `[{"value":"` + canary + `","variableType":"env","scope":"prePopulated"}]`, 412, ansInvalid},
			{"import: item without variableType", "POST", imp, tok, `[{"key":"K","value":"` + canary + `","scope":"prePopulated"}]`, 412, ansInvalid},
			{"import: unknown variableType", "POST", imp, tok, `[{"key":"K","value":"v","variableType":"global","scope":"prePopulated"}]`, 412, ansInvalid},
			{"import: item without scope", "POST", imp, tok, `[{"key":"K","value":"` + canary + `","variableType":"env"}]`, 412, ansInvalid},
			{"import: env without value", "POST", imp, tok, `[{"key":"K","variableType":"env","scope":"prePopulated"}]`, 412, ansInvalid},
			{"import: env value not a string", "POST", imp, tok, `[{"key":"K","value":42,"variableType":"env","scope":"prePopulated"}]`, 412, ansInvalid},
			{"import: locale without localeData", "POST", imp, tok, `[{"key":"K","variableType":"locale","scope":"prePopulated"}]`, 412, ansInvalid},
			{"import: a bad item after a good one", "POST", imp, tok, `{"botVariables":[` + item + `,{"key":"K","variableType":"env","scope":"hidden"}]}`, 412, ansInvalid},
			{"import: bad item and unknown bot", "POST", "/api/1.1/public/builder/bot/" + unknownBot + "/variables/import", tok, `[{}]`, 412, ansInvalid},
		})
		if n := versions(); n != 1 {
			t.Fatalf("refused imports wrote versions: %d", n)
		}

		// The import: a replaced env variable, a new one, a replaced and a
		// new content variable, as {"botVariables": [...]} on the older path.
		body = []byte(`{"botVariables":[` + item + `,
			{"key":"STAGE","value":"production","variableType":"env","scope":"hidden","isSecured":true},
			{"key":"path","variableType":"locale","scope":"prePopulated","localeData":{"en":{"value":"Pfad","hint":"h","audioTag":""}}},
			{"key":"greeting","variableType":"locale","scope":"askOnInstall","localeData":{"en":{"value":"` + canary + `"}}}]}`)
		resp, got := rawRequest(t, "POST", ts.URL+"/api/1.1/public/builder/stream/"+bot+"/variables/import",
			map[string]string{"auth": tok, "Content-Type": "application/json"}, strings.NewReader(string(body)))
		if resp.StatusCode != 200 || string(got) != `{"message":"4 Variables imported/updated successfully."}` {
			t.Fatalf("import: %d %s", resp.StatusCode, got)
		}
		after, err := c.ExportVariables(ctx, bot)
		if err != nil {
			t.Fatal(err)
		}
		byKey := map[string]client.Variable{}
		for _, v := range after {
			byKey[v.VariableType+"/"+v.Key] = v
		}
		if len(after) != 28 || *byKey["env/API_TOKEN"].Value != canary || byKey["env/API_TOKEN"].Hint != "Codesence api token" ||
			*byKey["env/STAGE"].Value != "production" || !byKey["env/STAGE"].IsSecured ||
			string(byKey["locale/path"].LocaleData) != `{"en":{"value":"Pfad","hint":"h","audioTag":""}}` || byKey["locale/greeting"].Scope != "askOnInstall" {
			t.Errorf("after the import: %d variables %+v", len(after), byKey)
		}
		if n := versions(); n != 2 {
			t.Errorf("%d versions after one import of variables, want 2", n)
		}
		// Through the client: the exported list goes back unchanged and
		// writes a version with the same variables.
		res, err := c.ImportVariables(ctx, bot, after)
		if err != nil || res.Message != "28 Variables imported/updated successfully." {
			t.Fatalf("re-import: %+v %v", res, err)
		}
		again, _ := c.ExportVariables(ctx, bot)
		if a, b := mustJSON(t, again), mustJSON(t, after); a != b {
			t.Errorf("export after re-importing the export differs:\n%s\n%s", a, b)
		}
		if strings.Contains(ts.logs.String(), canary) {
			t.Errorf("the server log shows a variable's value")
		}
		if !strings.Contains(ts.logs.String(), "variables import refused") {
			t.Errorf("refused imports are not logged")
		}
	}, "--log-level", "debug")
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
