package variables

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/botport/botport/internal/botdef"
	"github.com/botport/botport/internal/botversion"
	"github.com/botport/botport/internal/fixture"
	"github.com/botport/botport/internal/kore"
	"github.com/botport/botport/internal/store"
	"github.com/botport/botport/internal/store/sqlite"
)

type env struct {
	st   store.Store
	s    *Service
	logs *bytes.Buffer
	app  *store.App
	bot  *store.Bot
}

// newEnv stores a fixture as a bot of a real SQLite store, as an import
// would: parsed into records, with its layout.
func newEnv(t *testing.T, fixtureName string) *env {
	t.Helper()
	st, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), sqlite.FileName))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	acct, err := st.EnsureAccount(t.Context(), "a")
	if err != nil {
		t.Fatal(err)
	}
	logs := &bytes.Buffer{}
	e := &env{st: st, logs: logs, app: &store.App{ID: kore.NewAppID(), AccountID: acct.ID, UserID: kore.NewUserID()}}
	e.s = New(Config{Store: st, Logger: slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))})
	ex := fixture.Get(t, fixtureName)
	var recs []store.Record
	emit := func(r *botdef.Record) error {
		sum := sha256.Sum256(r.Body)
		recs = append(recs, store.Record{File: r.File, Member: r.Member, Seq: r.Seq, Kind: r.Kind, Ident: r.Ident, RefID: r.RefID,
			Name: r.Name, Count: r.Count, Hash: sum[:], Body: r.Body})
		return nil
	}
	var ps botdef.Problems
	open := func(name string) *os.File {
		f, err := os.Open(ex.File(name))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { f.Close() })
		return f
	}
	def, err := botdef.ParseDefinition(open(botdef.FileDefinition), emit, &ps, botdef.Options{})
	if err != nil || ps.ErrorCount() > 0 {
		t.Fatalf("parse: %v %v", err, ps.Errors())
	}
	cfg, err := botdef.ParseConfig(open(botdef.FileConfig), emit, &ps)
	if err != nil || ps.ErrorCount() > 0 {
		t.Fatalf("parse config: %v %v", err, ps.Errors())
	}
	layout, _ := json.Marshal(botdef.Layout{Definition: def.Members, Config: cfg.Members})
	w := botversion.New(botversion.Config{Store: st})
	b := &store.Bot{ID: kore.NewBotID(), AccountID: acct.ID, RefID: kore.NewUUID(), Name: fixtureName}
	vid := kore.NewHexID()
	if err := w.Stage(t.Context(), &store.Version{ID: vid, BotID: b.ID, AccountID: acct.ID,
		StagedBy: store.StagedBy{Kind: store.StagedByImport, ID: kore.NewImportID()}, Layout: layout}); err != nil {
		t.Fatal(err)
	}
	if err := st.PutRecords(t.Context(), acct.ID, vid, recs); err != nil {
		t.Fatal(err)
	}
	if err := w.Commit(t.Context(), &store.Commit{Bot: b, NewBot: true, VersionID: vid, At: time.Now()}); err != nil {
		t.Fatal(err)
	}
	e.bot = b
	return e
}

func (e *env) export(t *testing.T) []Variable {
	t.Helper()
	vs, err := e.s.Export(t.Context(), e.app, e.bot.ID)
	if err != nil {
		t.Fatal(err)
	}
	return vs
}

func encode(v any) string { return string(kore.Encode(v)) }

func TestExport(t *testing.T) {
	e := newEnv(t, "code-review-bot")
	vs := e.export(t)
	if len(vs) != 3+23 {
		t.Fatalf("%d variables, want 26", len(vs))
	}
	if got, want := encode(vs[0]), `{"key":"API_TOKEN","value":"REDACTED","hint":"Codesence api token","audioTag":"","variableType":"env","scope":"prePopulated","group":"","propagateValue":false,"vNameSpace":[{"name":"default","refId":"611ab13d-5355-58fc-b364-66ed09d349db"}],"isSecured":false}`; got != want {
		t.Errorf("first env variable:\n got %s\nwant %s", got, want)
	}
	if got, want := encode(vs[3]), `{"key":"path","hint":"","audioTag":"","variableType":"locale","scope":"prePopulated","group":"File Level Reveiw","propagateValue":false,"vNameSpace":[{"name":"default","refId":"611ab13d-5355-58fc-b364-66ed09d349db"}],"isSecured":false,"localeData":{"en":{"audioTag":"","hint":"File path while showing file level reveiw analysis","value":"File Path"}}}`; got != want {
		t.Errorf("first content variable:\n got %s\nwant %s", got, want)
	}
	// A bot without namespaces has no vNameSpace; one without variables exports [].
	if vs := newEnv(t, "weatherbot-old-format").export(t); encode(vs) != `[]` {
		t.Errorf("weatherbot: %s", encode(vs))
	}
	if _, err := e.s.Export(t.Context(), e.app, kore.NewBotID()); err != kore.ErrStreamID {
		t.Errorf("unknown bot: %v", err)
	}
	other := &store.App{ID: kore.NewAppID(), AccountID: kore.NewHexID()}
	if _, err := e.s.Export(t.Context(), other, e.bot.ID); err != kore.ErrStreamID {
		t.Errorf("another account's bot: %v", err)
	}
}

func TestParseItems(t *testing.T) {
	for _, tt := range []struct {
		name, body string
		bad        string // "" for valid; "body" for the body's shape, "item" for an item's; else the field named
	}{
		{"env", `[{"key":"K","value":"v","variableType":"env","scope":"prePopulated"}]`, ""},
		{"wrapped", `{"botVariables":[{"key":"K","value":"v","variableType":"env","scope":"hidden"}]}`, ""},
		{"locale", `[{"key":"K","variableType":"locale","scope":"askOnInstall","localeData":{"en":{"value":"x","hint":"","audioTag":""},"de":{}}}]`, ""},
		{"all optional fields", `[{"key":"K","value":"v","variableType":"env","scope":"prePopulated","hint":"h","audioTag":"a","group":"g","propagateValue":true,"isSecured":true,"vNameSpace":["ns1",{"name":"default","refId":"ns2"}]}]`, ""},
		{"not JSON", `[{`, "body"},
		{"a string", `"x"`, "body"},
		{"object without botVariables", `{"variables":[]}`, "body"},
		{"empty", `[]`, "body"},
		{"item not an object", `[1]`, "item"},
		{"no key", `[{"value":"v","variableType":"env","scope":"prePopulated"}]`, "key"},
		{"empty key", `[{"key":"","value":"v","variableType":"env","scope":"prePopulated"}]`, "key"},
		{"numeric key", `[{"key":7,"value":"v","variableType":"env","scope":"prePopulated"}]`, "key"},
		{"no type", `[{"key":"K","value":"v","scope":"prePopulated"}]`, "variableType"},
		{"unknown type", `[{"key":"K","value":"v","variableType":"secret","scope":"prePopulated"}]`, "variableType"},
		{"no scope", `[{"key":"K","value":"v","variableType":"env"}]`, "scope"},
		{"unknown scope", `[{"key":"K","value":"v","variableType":"env","scope":"global"}]`, "scope"},
		{"env without value", `[{"key":"K","variableType":"env","scope":"prePopulated"}]`, "value"},
		{"env value not a string", `[{"key":"K","value":{"a":1},"variableType":"env","scope":"prePopulated"}]`, "value"},
		{"locale without localeData", `[{"key":"K","variableType":"locale","scope":"prePopulated"}]`, "localeData"},
		{"localeData not objects", `[{"key":"K","variableType":"locale","scope":"prePopulated","localeData":{"en":"x"}}]`, "localeData"},
		{"localeData value not a string", `[{"key":"K","variableType":"locale","scope":"prePopulated","localeData":{"en":{"value":1}}}]`, "localeData"},
		{"hint not a string", `[{"key":"K","value":"v","variableType":"env","scope":"prePopulated","hint":1}]`, "hint"},
		{"isSecured not a bool", `[{"key":"K","value":"v","variableType":"env","scope":"prePopulated","isSecured":"yes"}]`, "isSecured"},
		{"vNameSpace not an array", `[{"key":"K","value":"v","variableType":"env","scope":"prePopulated","vNameSpace":"ns"}]`, "vNameSpace"},
		{"vNameSpace entry without refId", `[{"key":"K","value":"v","variableType":"env","scope":"prePopulated","vNameSpace":[{"name":"x"}]}]`, "vNameSpace/0"},
		{"second item bad", `[{"key":"K","value":"v","variableType":"env","scope":"prePopulated"},{"key":"L","variableType":"env","scope":"prePopulated"}]`, "value"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			items, err := ParseItems([]byte(tt.body))
			var ie *ItemError
			switch {
			case tt.bad == "":
				if err != nil || len(items) == 0 {
					t.Errorf("refused: %v", err)
				}
			case !errors.As(err, &ie):
				t.Errorf("accepted, or not an ItemError: %v", err)
			case tt.bad == "body" && ie.Index != -1, tt.bad == "item" && (ie.Index != 0 || ie.Field != ""),
				tt.bad != "body" && tt.bad != "item" && ie.Field != tt.bad:
				t.Errorf("error %v, want field %q", err, tt.bad)
			}
			if err != nil && strings.Contains(err.Error(), `"v"`) {
				t.Errorf("the error quotes a value: %v", err)
			}
		})
	}
}

// TestImport writes an env and a content variable into a bot that has
// both, replacing one of each and adding one of each, and reads them back.
func TestImport(t *testing.T) {
	e := newEnv(t, "code-review-bot")
	before := e.export(t)
	const canary = "canary-5f2a9c71-secret"
	body := `{"botVariables":[
		{"key":"API_TOKEN","value":"` + canary + `","variableType":"env","scope":"prePopulated"},
		{"key":"NEW_URL","value":"https://x.example/<a>&b","variableType":"env","scope":"hidden","isSecured":true},
		{"key":"path","variableType":"locale","scope":"prePopulated","localeData":{"en":{"value":"Pfad","hint":"","audioTag":""}}},
		{"key":"brandNew","variableType":"locale","scope":"askOnInstall","localeData":{"en":{"value":"` + canary + `"}}}]}`
	items, err := ParseItems([]byte(body))
	if err != nil {
		t.Fatal(err)
	}
	n, err := e.s.Import(t.Context(), e.app, e.bot.ID, items)
	if err != nil || n != 4 {
		t.Fatalf("imported %d: %v", n, err)
	}
	after := e.export(t)
	if len(after) != len(before)+2 {
		t.Fatalf("%d variables after, want %d", len(after), len(before)+2)
	}
	byKey := map[string]Variable{}
	for _, v := range after {
		byKey[v.VariableType+"/"+v.Key] = v
	}
	if v := byKey["env/API_TOKEN"]; *v.Value != canary || v.Hint != "Codesence api token" || v.Scope != "prePopulated" || len(*v.VNameSpace) != 1 {
		t.Errorf("replaced env variable keeps the members it was not given: %s", encode(v))
	}
	if after[0].Key != "API_TOKEN" || after[3].Key != "NEW_URL" || after[4].Key != "path" || after[len(after)-1].Key != "brandNew" {
		t.Errorf("order: %s, %s, %s ... %s", after[0].Key, after[3].Key, after[4].Key, after[len(after)-1].Key)
	}
	if got, want := encode(byKey["env/NEW_URL"]), `{"key":"NEW_URL","value":"https://x.example/<a>&b","hint":"","audioTag":"","variableType":"env","scope":"hidden","group":"","propagateValue":false,"vNameSpace":[],"isSecured":true}`; got != want {
		t.Errorf("new env variable:\n got %s\nwant %s", got, want)
	}
	if v := byKey["locale/path"]; string(v.LocaleData) != `{"en":{"value":"Pfad","hint":"","audioTag":""}}` || v.Group != "File Level Reveiw" {
		t.Errorf("replaced content variable: %s", encode(v))
	}
	// The stored elements are what an export of the bot writes.
	b, _ := e.st.Bot(t.Context(), e.app.AccountID, e.bot.ID)
	var stored [][]byte
	for _, m := range []struct{ file, member string }{{botdef.FileConfig, "envVariables"}, {botdef.FileDefinition, "contentVariables"}} {
		if err := e.st.Records(t.Context(), e.app.AccountID, b.VersionID, m.file, m.member, func(r *store.Record) error {
			if r.Ident == "NEW_URL" || r.Ident == "brandNew" {
				stored = append(stored, bytes.Clone(r.Body))
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
	}
	if len(stored) != 2 || string(stored[0]) != `{"key":"NEW_URL","value":"https://x.example/<a>&b","variableType":"env","hint":"","scope":"hidden","group":"","propagateValue":false,"vNameSpace":[],"isSecured":true}` ||
		string(stored[1]) != `{"group":"","key":"brandNew","localeData":{"en":{"value":"`+canary+`"}},"propagateValue":false,"scope":"askOnInstall","vNameSpace":[],"variableType":"locale"}` {
		t.Errorf("stored elements:\n%s", bytes.Join(stored, []byte("\n")))
	}
	if vs, _ := e.st.Versions(t.Context(), e.app.AccountID, e.bot.ID); len(vs) != 2 || vs[1].StagedBy.Kind != store.StagedByVariables {
		t.Errorf("versions after the import: %d, the last staged by %+v", len(vs), vs[len(vs)-1].StagedBy)
	}
	if strings.Contains(e.logs.String(), canary) || !strings.Contains(e.logs.String(), "bot variables imported") {
		t.Errorf("log:\n%s", e.logs)
	}
	if _, err := e.s.Import(t.Context(), e.app, kore.NewBotID(), items); err != kore.ErrStreamID {
		t.Errorf("unknown bot: %v", err)
	}
}

// TestImportIntoBotWithout: a bot whose config.json has no envVariables
// member gets one; a key given twice is written once, the later item's.
func TestImportIntoBotWithout(t *testing.T) {
	e := newEnv(t, "demobot1-full")
	items, err := ParseItems([]byte(`[{"key":"A","value":"1","variableType":"env","scope":"prePopulated"},{"key":"A","value":"2","variableType":"env","scope":"prePopulated","group":"g"}]`))
	if err != nil {
		t.Fatal(err)
	}
	if n, err := e.s.Import(t.Context(), e.app, e.bot.ID, items); err != nil || n != 2 {
		t.Fatalf("imported %d: %v", n, err)
	}
	if vs := e.export(t); len(vs) != 1 || *vs[0].Value != "2" || vs[0].Group != "g" {
		t.Errorf("variables %s", encode(vs))
	}
}

// TestImportBusy: an import that holds the bot makes a variables import
// wait, then refuse with kore.ErrBusy, writing nothing.
func TestImportBusy(t *testing.T) {
	e := newEnv(t, "demobot1-full")
	e.s = New(Config{Store: e.st, BusyWait: 50 * time.Millisecond})
	w := botversion.New(botversion.Config{Store: e.st})
	release, err := w.Hold(context.Background(), e.app.AccountID, e.bot.ID, store.StagedBy{Kind: store.StagedByImport, ID: kore.NewImportID()})
	if err != nil {
		t.Fatal(err)
	}
	defer release()
	items, _ := ParseItems([]byte(`[{"key":"A","value":"1","variableType":"env","scope":"prePopulated"}]`))
	if _, err := e.s.Import(t.Context(), e.app, e.bot.ID, items); err != kore.ErrBusy {
		t.Errorf("import into a held bot: %v", err)
	}
	if vs, _ := e.st.Versions(t.Context(), e.app.AccountID, e.bot.ID); len(vs) != 1 {
		t.Errorf("%d versions", len(vs))
	}
}
