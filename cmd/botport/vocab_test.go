package main

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/botport/botport/client"
	"github.com/botport/botport/internal/botdef"
	"github.com/botport/botport/internal/fixture"
	"github.com/botport/botport/internal/store"
)

// TestIncrementalSettingsStatusRows is the case of Kore.ai's QA suite
// (contract 5.3): settings botSettings, botVariables and ivrSettings alone,
// imported into a bot with three enabled events, write rows 1, 2, 3, 4, 5,
// the three Event rows, then 12, so statusLogs[8] is BotVariables. The
// Event rows import nothing: the events are nlpSettings', so a file whose
// event triggers another dialog leaves the bot's event as it was.
func TestIncrementalSettingsStatusRows(t *testing.T) {
	e := newIncEnv(t)
	botID := e.newBot(t, fixture.Get(t, "candy-education")) // three enabled events
	before, err := e.st.Bot(context.Background(), e.ts.AccountID, botID)
	if err != nil {
		t.Fatal(err)
	}
	ex := editedExport(t, "candy-education", func(def map[string]any) {
		other := elements(def, "dialogs")[1]["refId"]
		def["botEvents"].(map[string]any)["INTENT_UNIDENTIFIED"].(map[string]any)["task"] = other
	})
	st := e.mustImport(t, botID, ex, &client.ImportOptions{Settings: []string{"botSettings", "botVariables", "ivrSettings"}})
	var got []string
	for _, l := range st.StatusLogs {
		got = append(got, l.TaskType+"/"+l.TaskName)
		if l.Status != "success" {
			t.Errorf("entry %s/%s is %s", l.TaskType, l.TaskName, l.Status)
		}
	}
	want := []string{"importRequest/candy-education", "Bot Definition/candy-education", "IdpConfigurations/IdpConfigurations",
		"CustomTemplates/CustomTemplates", "BotFunctions/Bot Functions", "Event/INTENT_UNIDENTIFIED", "Event/ON_CONNECT_EVENT",
		"Event/TASK_FAILURE_EVENT", "BotVariables/BotVariables", "importBot/candy-education"}
	// The bot's name is the fixture's, whatever it is: compare the rest.
	name := strings.TrimPrefix(got[0], "importRequest/")
	for i := range want {
		want[i] = strings.Replace(want[i], "candy-education", name, 1)
	}
	if !slices.Equal(got, want) {
		t.Errorf("statusLogs\n got %v\nwant %v", got, want)
	}
	if len(st.StatusLogs) > 8 && st.StatusLogs[8].TaskType != "BotVariables" {
		t.Errorf("statusLogs[8] is %s, want BotVariables", st.StatusLogs[8].TaskType)
	}
	after, err := e.st.Bot(context.Background(), e.ts.AccountID, botID)
	if err != nil {
		t.Fatal(err)
	}
	if b, a := eventLinks(t, e.st, before.VersionID), eventLinks(t, e.st, after.VersionID); !slices.Equal(a, b) {
		t.Errorf("event links changed by a settings import:\n got %v\nwant %v", a, b)
	}
	if a, b := hashesOf(recordMeta(t, e.st, after), botdef.KindEvent), hashesOf(recordMeta(t, e.st, before), botdef.KindEvent); !mapsEqual(a, b) {
		t.Error("events changed by a settings import")
	}
}

func recordMeta(t *testing.T, st store.Store, bot *store.Bot) []store.Record {
	t.Helper()
	meta, err := st.RecordMeta(context.Background(), bot.AccountID, bot.VersionID)
	if err != nil {
		t.Fatal(err)
	}
	return meta
}

func eventLinks(t *testing.T, st store.Store, versionID string) []string {
	t.Helper()
	links, err := st.Links(context.Background(), versionID)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, l := range links {
		if l.FromKind == botdef.KindEvent {
			out = append(out, fmt.Sprintf("%s>%s:%s", l.FromIdent, l.ToKind, l.ToIdent))
		}
	}
	slices.Sort(out)
	return out
}

// TestUnknownValuesRefused: nlpData rules imports nothing botport reads, so
// it is dropped like any unknown value; a selection left empty is 400
// "Please select at least one component", for imports and exports alike,
// and the bot does not change.
func TestUnknownValuesRefused(t *testing.T) {
	e := newIncEnv(t)
	ex := fixture.Get(t, "demobot1-full")
	botID := e.newBot(t, ex)
	files := `"botDefinition":"` + uploadPath(t, e.c, ex.File("botDefinition.json")) + `","configInfo":"` + uploadPath(t, e.c, ex.File("config.json")) + `"`
	const refused = `{"errors":[{"msg":"Please select at least one component","code":400}]}`
	post := func(t *testing.T, path, body string) {
		t.Helper()
		resp, out := rawRequest(t, "POST", e.ts.URL+"/api/public/bot/"+botID+path,
			map[string]string{"auth": mustToken(t, e.c), "Content-Type": "application/json"}, strings.NewReader(body))
		if resp.StatusCode != 400 || string(out) != refused {
			t.Errorf("got %d %s, want 400 %s", resp.StatusCode, out, refused)
		}
	}
	for _, opts := range []string{`{"nlpData":["rules"]}`, `{"nlpData":["Rules","traitRules"]}`, `{"tasks":["bogus"]}`,
		`{"tasks":["utterances"],"settings":["rules"]}`} {
		t.Run(opts, func(t *testing.T) {
			bot, err := e.st.Bot(context.Background(), e.ts.AccountID, botID)
			if err != nil {
				t.Fatal(err)
			}
			post(t, "/import", `{`+files+`,"importOptions":`+opts+`}`)
			post(t, "/export", `{"exportType":"latest","exportOptions":`+opts+`}`)
			after, err := e.st.Bot(context.Background(), e.ts.AccountID, botID)
			if err != nil {
				t.Fatal(err)
			}
			if after.Version != bot.Version {
				t.Errorf("the bot changed: version %d -> %d", bot.Version, after.Version)
			}
		})
	}
}
