package importer_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riversqlite"

	"github.com/botport/botport/internal/botdef"
	"github.com/botport/botport/internal/fixture"
	"github.com/botport/botport/internal/importer"
	"github.com/botport/botport/internal/kore"
	"github.com/botport/botport/internal/store"
)

// startEnv is an importer over a real SQLite store and blob directory,
// whose jobs are recorded and run by the test.
type startEnv struct {
	*testBase
	svc    *importer.Service
	jobs   *recorder
	app    *store.App
	worker river.Worker[importer.ImportArgs]
}

func newStartEnv(t *testing.T) *startEnv {
	t.Helper()
	b := newTestBase(t, "start")
	svc := importer.New(importer.Config{Store: b.db, Blobs: b.blobs})
	jobs, err := river.NewClient(riversqlite.New(b.db.W), &river.Config{})
	if err != nil {
		t.Fatal(err)
	}
	rec := &recorder{Client: jobs}
	svc.SetJobs(rec)
	return &startEnv{testBase: b, svc: svc, jobs: rec, worker: svc.Worker(), app: b.app()}
}

// run runs the job Start enqueued last and returns the import as it ended.
func (e *startEnv) run(t *testing.T, bir string) *store.Import {
	t.Helper()
	ctx := context.Background()
	row := *e.jobs.last
	row.Attempt, row.MaxAttempts = 1, 5
	if err := e.worker.Work(ctx, &river.Job[importer.ImportArgs]{JobRow: &row, Args: importer.ImportArgs{AccountID: e.app.AccountID, ImportID: bir}}); err != nil {
		t.Fatalf("import %s: %v", bir, err)
	}
	imp, err := e.db.Import(ctx, e.app.AccountID, bir)
	if err != nil {
		t.Fatal(err)
	}
	return imp
}

// readBytes is how many bytes this process has read through read system
// calls (rchar of /proc/self/io).
func readBytes(t *testing.T) int64 {
	t.Helper()
	b, err := os.ReadFile("/proc/self/io")
	if err != nil {
		t.Skipf("no /proc/self/io: %v", err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, "rchar:"); ok {
			n, err := strconv.ParseInt(strings.TrimSpace(rest), 10, 64)
			if err != nil {
				t.Fatal(err)
			}
			return n
		}
	}
	t.Fatal("no rchar in /proc/self/io")
	return 0
}

// lateDefinition writes a definition of about size bytes whose top-level
// members the start needs (type, defaultLanguage, localeData) come after
// its dialogs, as a hostile upload may order them.
func lateDefinition(t *testing.T, size int, head string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "botDefinition.json")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprint(f, `{"dialogs": [`)
	pad := strings.Repeat("d", 1000)
	for n, i := 0, 0; n < size; i++ {
		if i > 0 {
			fmt.Fprint(f, ",")
		}
		k, _ := fmt.Fprintf(f, `{"refId": "%d-%s"}`, i, pad)
		n += k + 1
	}
	fmt.Fprint(f, `], "dialogComponents": [], `+head+`}`)
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestFinding9StartReadsBounded: new-bot imports peeked at the definition
// on the request path, as far as it took to find its members: six starts
// of a 200 MiB definition cost 2–4 s each and 685 MB (issue 12, finding
// 9). The start now reads a bounded amount whatever the file's size; an old
// Universal Bot it cannot tell within it fails in the job, with the
// platform's message.
func TestFinding9StartReadsBounded(t *testing.T) {
	e := newStartEnv(t)
	ctx := context.Background()
	cfg := e.upload(t, "config.json", writeFile(t, "config.json", `{"name": "", "envVariables": []}`))
	def := e.upload(t, "botDefinition.json", lateDefinition(t, 64<<20,
		`"type": "default", "defaultLanguage": "en", "localeData": {"en": {"name": "Late"}}`))
	before := readBytes(t)
	doc, err := e.svc.Start(ctx, e.app, "", &importer.Request{Mode: importer.ModeJSON, BotDefinition: def, ConfigInfo: cfg})
	read := readBytes(t) - before
	t.Logf("start of a new-bot import of a 64 MiB definition whose name comes last: read %d bytes", read)
	if err != nil {
		t.Fatal(err)
	}
	if read > 4<<20 {
		t.Errorf("the start read %d bytes of a 64 MiB definition, want at most 4 MiB", read)
	}
	if !strings.Contains(string(doc), `"taskName":"Imported bot"`) {
		t.Errorf("start document %s: want the fallback name (the definition's is past the bound)", doc)
	}

	// An old Universal Bot whose universalBotVersion the start cannot see:
	// accepted, then refused by the job.
	ub := e.upload(t, "botDefinition.json", lateDefinition(t, 2<<20,
		`"type": "universalbot", "defaultLanguage": "en", "localeData": {"en": {"name": "UB"}}`))
	doc, err = e.svc.Start(ctx, e.app, "", &importer.Request{Mode: importer.ModeJSON, BotDefinition: ub, ConfigInfo: cfg})
	if err != nil {
		t.Fatalf("start of a Universal Bot past the peek bound: %v", err)
	}
	var started struct {
		ID string `json:"_id"`
	}
	if err := json.Unmarshal(doc, &started); err != nil {
		t.Fatal(err)
	}
	imp := e.run(t, started.ID)
	if imp.Status != store.StatusFailure || !strings.Contains(string(imp.Doc), "Universal Bots built using an older version") {
		t.Errorf("the Universal Bot's import ended %s: %s", imp.Status, imp.Doc)
	}

	// Within the bound, the start refuses it as before (contract 4.2).
	small := e.upload(t, "botDefinition.json", writeFile(t, "botDefinition.json",
		`{"type": "universalbot", "defaultLanguage": "en", "localeData": {"en": {"name": "UB"}}, "dialogs": []}`))
	_, err = e.svc.Start(ctx, e.app, "", &importer.Request{Mode: importer.ModeJSON, BotDefinition: small, ConfigInfo: cfg})
	if !errors.Is(err, kore.ErrUniversalBot) {
		t.Errorf("start of a small Universal Bot: %v, want %v", err, kore.ErrUniversalBot)
	}
}

// TestImportFunctionsMerges: of entries with one name (matched regardless
// of case) only the last is read and written; a script over the size
// bounds is refused from its stored size before anything is read.
func TestImportFunctionsMerges(t *testing.T) {
	e := newStartEnv(t)
	ctx := context.Background()
	fx := fixture.Get(t, "demobot1-full")
	doc, err := e.svc.Start(ctx, e.app, "", &importer.Request{Mode: importer.ModeJSON,
		BotDefinition: e.upload(t, "botDefinition.json", fx.File("botDefinition.json")),
		ConfigInfo:    e.upload(t, "config.json", fx.File("config.json")), Icon: e.upload(t, "icon.png", fx.File("icon.png"))})
	if err != nil {
		t.Fatal(err)
	}
	var started struct {
		ID string `json:"_id"`
	}
	if err := json.Unmarshal(doc, &started); err != nil {
		t.Fatal(err)
	}
	imp := e.run(t, started.ID)
	if imp.Status != store.StatusSuccess {
		t.Fatalf("import: %s", imp.Doc)
	}
	broken := e.upload(t, "broken.js", writeFile(t, "broken.js", "not text \xff"))
	good := e.upload(t, "good.js", writeFile(t, "good.js", "function good() {}\n"))
	fns := []importer.Function{{FileName: "Same.js", FileID: broken}, {FileName: "same.JS", FileID: good}, {FileName: "Other.js", FileID: good}}
	if _, err := e.svc.ImportFunctions(ctx, e.app, imp.BotID, fns); err != nil {
		t.Fatalf("ImportFunctions with the broken script replaced by a later entry: %v", err)
	}
	if _, err := e.svc.ImportFunctions(ctx, e.app, imp.BotID, []importer.Function{{FileName: "SAME.js", FileID: good}}); err != nil {
		t.Fatal(err)
	}
	bot, err := e.db.Bot(ctx, e.app.AccountID, imp.BotID)
	if err != nil {
		t.Fatal(err)
	}
	var scripts []string
	err = e.db.Records(ctx, e.app.AccountID, bot.VersionID, "*", "*", func(r *store.Record) error {
		if r.Kind == "botFunction" {
			scripts = append(scripts, r.Ident+"="+string(r.Body))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(scripts, "|") != "Other.js=function good() {}\n|SAME.js=function good() {}\n" {
		t.Errorf("scripts %q, want Other.js and SAME.js (which replaced same.JS)", scripts)
	}
	if _, err := e.svc.ImportFunctions(ctx, e.app, imp.BotID, []importer.Function{{FileName: "broken.js", FileID: broken}}); !errors.Is(err, kore.ErrValidation) {
		t.Errorf("a script that is not text: %v, want %v", err, kore.ErrValidation)
	}
	big := e.upload(t, "big.js", writeFile(t, "big.js", strings.Repeat("x", botdef.MaxScript+1)))
	if _, err := e.svc.ImportFunctions(ctx, e.app, imp.BotID, []importer.Function{{FileName: "big.js", FileID: big}}); !errors.Is(err, importer.ErrScriptsTooLarge) {
		t.Errorf("a script over the bound: %v, want %v", err, importer.ErrScriptsTooLarge)
	}
}
