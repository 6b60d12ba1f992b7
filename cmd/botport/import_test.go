package main

import (
	"context"
	"encoding/json"
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/botport/botport/client"
	"github.com/botport/botport/internal/fixture"
)

// expected counts a fixture's dialogs and enabled events with the standard
// decoder, independently of botport's parser.
func expected(t testing.TB, e fixture.Export) (dialogs, events int) {
	t.Helper()
	b, err := os.ReadFile(e.File("botDefinition.json"))
	if err != nil {
		t.Fatal(err)
	}
	var def struct {
		Dialogs   []json.RawMessage `json:"dialogs"`
		BotEvents map[string]struct {
			Enabled bool `json:"enabled"`
		} `json:"botEvents"`
	}
	if err := json.Unmarshal(b, &def); err != nil {
		t.Fatal(err)
	}
	for _, ev := range def.BotEvents {
		if ev.Enabled {
			events++
		}
	}
	return len(def.Dialogs), events
}

// checkSuccess asserts a finished new-bot import's document.
func checkSuccess(t *testing.T, st *client.Status, wantDialogs, wantEvents int) {
	t.Helper()
	if st.Status != "success" {
		t.Fatalf("status %s: %s\n%+v", st.Status, st.Message, st.StatusLogs)
	}
	count := map[string]int{}
	for _, e := range st.StatusLogs {
		count[e.TaskType]++
		if e.Status != "success" {
			t.Errorf("entry %s %q is %s", e.TaskType, e.TaskName, e.Status)
		}
	}
	if count["Dialog"] != wantDialogs || count["Event"] != wantEvents {
		t.Errorf("Dialog entries %d (want %d), Event entries %d (want %d)", count["Dialog"], wantDialogs, count["Event"], wantEvents)
	}
	logs := st.StatusLogs
	if logs[0].TaskType != "importRequest" || logs[1].TaskType != "Bot Definition" || logs[len(logs)-1].TaskType != "importBot" {
		t.Errorf("order: first %s, %s; last %s", logs[0].TaskType, logs[1].TaskType, logs[len(logs)-1].TaskType)
	}
	for _, fixed := range []string{"IdpConfigurations", "CustomTemplates", "BotFunctions", "KnowledgeTasks", "Utterences", "Patterns", "Standard Responses", "BotVariables", "SmallTalk"} {
		if count[fixed] != 1 {
			t.Errorf("%s entries: %d, want 1", fixed, count[fixed])
		}
	}
	if !strings.HasPrefix(st.StreamID, "st-") || st.RequestType != "Botimport" {
		t.Errorf("streamId %q requestType %q", st.StreamID, st.RequestType)
	}
}

// TestImportEveryFixture imports every real export as a new bot, in JSON
// mode and, where the fixture has one, from its export.zip.
func TestImportEveryFixture(t *testing.T) {
	ts := startServer(t)
	c := ts.client()
	ctx := context.Background()
	var mu sync.Mutex
	bots := map[string]bool{}
	t.Run("imports", func(t *testing.T) {
		for _, e := range fixture.Exports(t) {
			dialogs, events := expected(t, e)
			check := func(t *testing.T, start *client.Status) {
				st := wait(t, c, start.ID)
				checkSuccess(t, st, dialogs, events)
				mu.Lock()
				bots[st.StreamID] = true
				mu.Unlock()
			}
			t.Run(e.Name+"/json", func(t *testing.T) {
				t.Parallel()
				start, err := c.ImportNew(ctx, uploadExport(t, c, e))
				if err != nil {
					t.Fatal(err)
				}
				if start.Status != "pending" || len(start.StatusLogs) != 1 || start.StatusLogs[0].TaskType != "importRequest" || start.StreamID != "" {
					t.Errorf("start document: %+v", start)
				}
				check(t, start)
			})
			if e.Zip == "" {
				continue
			}
			t.Run(e.Name+"/zip", func(t *testing.T) {
				t.Parallel()
				start, err := c.ImportNew(ctx, client.ImportRequest{UploadMode: "ZIP", ZipInfo: uploadPath(t, c, e.Zip)})
				if err != nil {
					t.Fatal(err)
				}
				check(t, start)
			})
		}
	})
	// Every successful import created its own bot, and Get Bots lists them
	// all, paged as deploy scripts page (offset is a page index).
	listed := map[string]bool{}
	for page := 0; ; page++ {
		p, err := c.Bots(ctx, page, 5)
		if err != nil {
			t.Fatal(err)
		}
		for _, b := range p.Bots {
			listed[b.ID] = true
		}
		if p.Total != len(bots) {
			t.Errorf("total %d, want %d", p.Total, len(bots))
		}
		if !p.AvailableMore {
			break
		}
	}
	if len(listed) != len(bots) {
		t.Errorf("Get Bots listed %d bots, imports created %d", len(listed), len(bots))
	}
	for id := range bots {
		if !listed[id] {
			t.Errorf("bot %s not listed", id)
		}
	}
}

// TestDemobotEntries checks the exact entry names of demobot1-full
// (export-format.md section 6) and what Get Bots shows afterwards.
func TestDemobotEntries(t *testing.T) {
	ts := startServer(t)
	c := ts.client()
	ctx := context.Background()
	req := uploadExport(t, c, fixture.Get(t, "demobot1-full"))
	req.Name, req.Purpose = "Billing & Co <test>", "employee"
	start, err := c.ImportNew(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	if start.StatusLogs[0].TaskName != "Billing & Co <test>" {
		t.Errorf("importRequest taskName %q", start.StatusLogs[0].TaskName)
	}
	st := wait(t, c, start.ID)
	var dialogs, events []string
	for _, e := range st.StatusLogs {
		switch e.TaskType {
		case "Dialog":
			dialogs = append(dialogs, e.TaskName)
		case "Event":
			events = append(events, e.TaskName)
		}
	}
	// Dialogs and events in file order.
	if got := strings.Join(dialogs, ","); got != "AgentT,Fallback Task,GitTest,InternetTroubleshooting,PayMyBill,ViewMyBill,Voice,Welcome Task" {
		t.Errorf("dialog entries: %s", got)
	}
	if got := strings.Join(events, ","); got != "INTENT_UNIDENTIFIED,WELCOME_MESSAGE_EVENT,ON_CONNECT_EVENT,TASK_FAILURE_EVENT" {
		t.Errorf("event entries: %s", got)
	}
	bots, err := c.AllBots(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(bots) != 1 || bots[0].ID != st.StreamID || bots[0].Name != "Billing & Co <test>" || bots[0].Purpose != "employee" ||
		bots[0].DefaultLanguage != "en" || bots[0].CreatedBy != st.CreatedBy {
		t.Errorf("Get Bots: %+v (import %s)", bots, st.StreamID)
	}
}
