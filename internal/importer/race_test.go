package importer_test

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"github.com/riverqueue/river/rivertype"

	"github.com/botport/botport/internal/botdef"
	"github.com/botport/botport/internal/fixture"
	"github.com/botport/botport/internal/importer"
	"github.com/botport/botport/internal/store"
	"github.com/botport/botport/internal/store/sqlstore"
)

// racingStore is the real store, with a hook that runs just before an
// import's commit: there another writer's write lands, deterministically.
type racingStore struct {
	*sqlstore.DB
	beforeCommit func(ctx context.Context, c *store.Commit)
}

func (s *racingStore) CommitVersion(ctx context.Context, c *store.Commit) error {
	if s.beforeCommit != nil && c.ImportID != "" {
		s.beforeCommit(ctx, c)
	}
	return s.DB.CommitVersion(ctx, c)
}

// TestIncrementalImportLosesCommitRace: a bot-functions write lands between
// an incremental import's merge and its commit. The import merges again at
// once on the new version (the script is kept), in the same job run, with
// no fault; while it does, it holds the bot, so a second write waits for it
// and answers ErrBusy after the bound instead of moving the version again.
func TestIncrementalImportLosesCommitRace(t *testing.T) {
	ctx := context.Background()
	base := newTestBase(t, "race")
	db := base.db
	st := &racingStore{DB: db}
	app := base.app()
	svc := importer.New(importer.Config{Store: st, Blobs: base.blobs, BusyWait: 50 * time.Millisecond})
	jobs, err := river.NewClient(riversqlite.New(db.W), &river.Config{})
	if err != nil {
		t.Fatal(err)
	}
	rec := &recorder{Client: jobs}
	svc.SetJobs(rec)
	worker := svc.Worker()

	upload := func(name, path string) string { return base.upload(t, name, path) }
	e := fixture.Get(t, "demobot1-full")
	req := func() *importer.Request {
		return &importer.Request{Mode: importer.ModeJSON, BotDefinition: upload("botDefinition.json", e.File("botDefinition.json")),
			ConfigInfo: upload("config.json", e.File("config.json")), Icon: upload("icon.png", e.File("icon.png"))}
	}
	run := func(botID string, r *importer.Request) *store.Import {
		t.Helper()
		doc, err := svc.Start(ctx, app, botID, r)
		if err != nil {
			t.Fatal(err)
		}
		var started struct {
			ID string `json:"_id"`
		}
		if err := json.Unmarshal(doc, &started); err != nil {
			t.Fatal(err)
		}
		row := *rec.last
		row.Attempt, row.MaxAttempts = 1, 5
		job := &river.Job[importer.ImportArgs]{JobRow: &row, Args: importer.ImportArgs{AccountID: app.AccountID, ImportID: started.ID}}
		if err := worker.Work(ctx, job); err != nil {
			var snooze *rivertype.JobSnoozeError
			if errors.As(err, &snooze) {
				t.Fatalf("import %s waits behind another", started.ID)
			}
			t.Fatalf("import %s: job failed: %v", started.ID, err)
		}
		imp, err := db.Import(ctx, app.AccountID, started.ID)
		if err != nil {
			t.Fatal(err)
		}
		if imp.Status != store.StatusSuccess {
			t.Fatalf("import %s ended %s: %s", imp.ID, imp.Status, imp.Doc)
		}
		return imp
	}

	first := run("", req())
	script := upload("Race.js", writeFile(t, "Race.js", "function race() {}\n"))
	fns := []importer.Function{{FileName: "Race.js", FileID: script}}

	incremental := req()
	incremental.Icon = ""
	opts, ok := importer.ParseOptions(json.RawMessage(`{"tasks":["botTask"]}`), nil)
	if !ok {
		t.Fatal("ParseOptions refused tasks: botTask")
	}
	incremental.Options = opts
	commits := 0
	var busyErr error
	st.beforeCommit = func(ctx context.Context, c *store.Commit) {
		switch commits++; commits {
		case 1: // the write lands after the merge read the bot's version
			if _, err := svc.ImportFunctions(ctx, app, first.BotID, fns); err != nil {
				t.Errorf("bot functions before the import's commit: %v", err)
			}
		case 2: // the import merged again and holds the bot
			_, busyErr = svc.ImportFunctions(ctx, app, first.BotID, []importer.Function{{FileName: "Late.js", FileID: script}})
		}
	}
	second := run(first.BotID, incremental)
	st.beforeCommit = nil

	if commits != 2 {
		t.Errorf("the import committed %d times, want 2 (lost once, merged again)", commits)
	}
	if !errors.Is(busyErr, importer.ErrBusy) {
		t.Errorf("a write while the import held the bot: %v, want %v", busyErr, importer.ErrBusy)
	}
	vs, err := db.Versions(ctx, app.AccountID, first.BotID)
	if err != nil {
		t.Fatal(err)
	}
	kinds := []string{}
	for _, v := range vs {
		kinds = append(kinds, v.StagedBy.Kind)
	}
	if len(vs) != 3 || kinds[0] != store.StagedByImport || kinds[1] != store.StagedByFunctions || kinds[2] != store.StagedByImport ||
		vs[2].StagedBy.ID != second.ID {
		t.Fatalf("versions staged by %v, want import, functions, import %s", kinds, second.ID)
	}
	// The import merged onto the functions write: the script is there.
	var scripts []string
	err = db.Records(ctx, app.AccountID, vs[2].ID, "*", "*", func(r *store.Record) error {
		if r.Kind == botdef.KindBotFunction {
			scripts = append(scripts, r.File)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(scripts) != 1 || scripts[0] != "Race.js" {
		t.Errorf("scripts of the merged version %v, want [Race.js]", scripts)
	}
	// The commit released the hold: writes go through again.
	if _, err := svc.ImportFunctions(ctx, app, first.BotID, fns); err != nil {
		t.Errorf("bot functions after the import: %v", err)
	}
}

func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}
