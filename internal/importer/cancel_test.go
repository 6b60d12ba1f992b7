package importer_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"github.com/riverqueue/river/rivertype"

	"github.com/botport/botport/internal/fixture"
	"github.com/botport/botport/internal/importer"
	"github.com/botport/botport/internal/kore"
	"github.com/botport/botport/internal/store"
	"github.com/botport/botport/internal/store/sqlstore"
)

// savingStore is the real store with a hook after each progress write.
type savingStore struct {
	*sqlstore.DB
	afterSave func(ctx context.Context, id string, doc []byte)
}

func (s *savingStore) SaveImportDoc(ctx context.Context, id string, doc []byte) error {
	err := s.DB.SaveImportDoc(ctx, id, doc)
	if err == nil && s.afterSave != nil {
		s.afterSave(ctx, id, doc)
	}
	return err
}

// cancelEnv is an importer over a real SQLite store and River's client,
// whose jobs the test runs itself.
type cancelEnv struct {
	*testBase
	st   *savingStore
	svc  *importer.Service
	jobs *river.Client[*sql.Tx]
	rec  *recorder
	app  *store.App
}

func newCancelEnv(t *testing.T) *cancelEnv {
	t.Helper()
	b := newTestBase(t, "cancel")
	e := &cancelEnv{testBase: b, st: &savingStore{DB: b.db}, app: b.app()}
	// Every stage boundary writes progress, so "the next boundary" is exact.
	e.svc = importer.New(importer.Config{Store: e.st, Blobs: b.blobs, SaveEvery: time.Nanosecond, CancelWait: time.Minute})
	var err error
	if e.jobs, err = river.NewClient(riversqlite.New(b.db.W), &river.Config{}); err != nil {
		t.Fatal(err)
	}
	e.rec = &recorder{Client: e.jobs}
	e.svc.SetJobs(e.rec)
	return e
}

// start accepts an import of demobot1-full into botID ("": a new bot).
func (e *cancelEnv) start(t *testing.T, botID string) (bir string, job *rivertype.JobRow) {
	t.Helper()
	f := fixture.Get(t, "demobot1-full")
	req := &importer.Request{Mode: importer.ModeJSON, BotDefinition: e.upload(t, "botDefinition.json", f.File("botDefinition.json")),
		ConfigInfo: e.upload(t, "config.json", f.File("config.json")), Icon: e.upload(t, "icon.png", f.File("icon.png"))}
	doc, err := e.svc.Start(context.Background(), e.app, botID, req)
	if err != nil {
		t.Fatal(err)
	}
	var started struct {
		ID string `json:"_id"`
	}
	if err := json.Unmarshal(doc, &started); err != nil {
		t.Fatal(err)
	}
	return started.ID, e.rec.last
}

// work runs an import's job as River's worker would, marking it running
// first (as River's fetch does), and returns the worker's answer.
func (e *cancelEnv) work(t *testing.T, bir string, row *rivertype.JobRow) error {
	t.Helper()
	ctx := context.Background()
	if _, err := e.db.W.ExecContext(ctx, `UPDATE river_job SET state = 'running', attempt = 1, finalized_at = NULL WHERE id = $1`, row.ID); err != nil {
		t.Fatal(err)
	}
	r := *row
	r.Attempt, r.MaxAttempts, r.State = 1, 5, rivertype.JobStateRunning
	job := &river.Job[importer.ImportArgs]{JobRow: &r, Args: importer.ImportArgs{AccountID: e.app.AccountID, ImportID: bir}}
	return e.svc.Worker().Work(ctx, job)
}

// staged counts the versions left staged.
func (e *cancelEnv) staged(t *testing.T) int {
	t.Helper()
	var n int
	if err := e.db.W.QueryRow(`SELECT count(*) FROM versions WHERE num IS NULL`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// doc decodes a status document.
func decodeDoc(t *testing.T, b []byte) *importer.Doc {
	t.Helper()
	d, err := importer.DecodeDoc(b)
	if err != nil {
		t.Fatalf("document %q: %v", b, err)
	}
	return d
}

// TestCancelRunningStopsAtNextBoundary: a cancel that arrives while an
// import runs (here, right after one of its progress writes) stops it at its
// very next stage boundary: the document holds the stages completed up to
// there, nothing after; the commit never happens; the staged version is
// discarded; the job ends cancelled; Cancel's answer is the final document.
func TestCancelRunningStopsAtNextBoundary(t *testing.T) {
	e := newCancelEnv(t)
	ctx := context.Background()
	bir0, job0 := e.start(t, "")
	if err := e.work(t, bir0, job0); err != nil {
		t.Fatalf("first import: %v", err)
	}
	first, err := e.db.Import(ctx, e.app.AccountID, bir0)
	if err != nil || first.Status != store.StatusSuccess {
		t.Fatalf("first import: %v %+v", err, first)
	}
	bot, err := e.db.Bot(ctx, e.app.AccountID, first.BotID)
	if err != nil {
		t.Fatal(err)
	}

	bir, job := e.start(t, bot.ID)
	var atCancel int // statusLogs entries saved when the cancel was acknowledged
	answer := make(chan []byte, 1)
	e.st.afterSave = func(_ context.Context, id string, doc []byte) {
		d := decodeDoc(t, doc)
		if id != bir || atCancel > 0 || len(d.StatusLogs) < 3 {
			return
		}
		atCancel = len(d.StatusLogs)
		go func() {
			doc, err := e.svc.Cancel(ctx, e.app, bir)
			if err != nil {
				t.Errorf("Cancel: %v", err)
			}
			answer <- doc
		}()
		for { // the run goes on once the cancel is recorded
			imp, err := e.db.Import(ctx, e.app.AccountID, bir)
			if err != nil {
				t.Error(err)
				return
			}
			if imp.Cancelled {
				return
			}
			time.Sleep(5 * time.Millisecond)
		}
	}
	err = e.work(t, bir, job)
	var cancelErr *rivertype.JobCancelError
	if !errors.As(err, &cancelErr) {
		t.Fatalf("the job ended with %v, want River's cancel", err)
	}
	if atCancel == 0 {
		t.Fatal("the import never wrote progress with three entries")
	}
	imp, err := e.db.Import(ctx, e.app.AccountID, bir)
	if err != nil {
		t.Fatal(err)
	}
	d := decodeDoc(t, imp.Doc)
	if imp.Status != store.StatusFailure || d.Status != store.StatusFailure || d.Message != importer.CancelledMessage || !d.Cancelled {
		t.Errorf("ended %s: %s", imp.Status, imp.Doc)
	}
	// The run stopped at the boundary after the acknowledged cancel: the
	// stage it had just completed is there, nothing after it.
	if len(d.StatusLogs) != atCancel+1 {
		t.Errorf("%d entries at the cancel, %d at the end, want %d: %s", atCancel, len(d.StatusLogs), atCancel+1, imp.Doc)
	}
	for _, l := range d.StatusLogs {
		if l.Status != store.StatusSuccess || l.TaskType == importer.TaskImportBot {
			t.Errorf("entry %+v in a cancelled document", l)
		}
	}
	if got := <-answer; string(got) != string(imp.Doc) {
		t.Errorf("Cancel answered %s\nthe import ended %s", got, imp.Doc)
	}
	after, err := e.db.Bot(ctx, e.app.AccountID, bot.ID)
	if err != nil {
		t.Fatal(err)
	}
	if after.VersionID != bot.VersionID || after.Version != bot.Version {
		t.Errorf("the bot moved from version %d to %d", bot.Version, after.Version)
	}
	if n := e.staged(t); n != 0 {
		t.Errorf("%d versions left staged", n)
	}
	if _, err := e.svc.Cancel(ctx, e.app, bir); !errors.Is(err, importer.ErrEnded) {
		t.Errorf("a second cancel: %v, want ErrEnded", err)
	}
}

// TestCancelIdleEndsAtOnce: an import whose job waits ends in the cancel
// itself, with its River job cancelled; the job, fetched anyway, finds the
// import ended. Unknown and foreign ids are ErrRequestID.
func TestCancelIdleEndsAtOnce(t *testing.T) {
	e := newCancelEnv(t)
	ctx := context.Background()
	bir, job := e.start(t, "")
	doc, err := e.svc.Cancel(ctx, e.app, bir)
	if err != nil {
		t.Fatal(err)
	}
	d := decodeDoc(t, doc)
	if d.Status != store.StatusFailure || d.Message != importer.CancelledMessage || !d.Cancelled || len(d.StatusLogs) != 1 || d.StreamID != "" {
		t.Errorf("cancelled document %s", doc)
	}
	row, err := e.jobs.JobGet(ctx, job.ID)
	if err != nil {
		t.Fatal(err)
	}
	if row.State != rivertype.JobStateCancelled {
		t.Errorf("job state %s, want cancelled", row.State)
	}
	if err := e.work(t, bir, job); err != nil {
		t.Errorf("a job fetched after the cancel: %v", err)
	}
	if imp, _ := e.db.Import(ctx, e.app.AccountID, bir); string(imp.Doc) != string(doc) {
		t.Errorf("the job changed the document: %s", imp.Doc)
	}
	other := &store.App{ID: kore.NewAppID(), AccountID: kore.NewHexID(), UserID: kore.NewUserID()}
	for name, try := range map[string]func() error{
		"foreign":   func() error { _, err := e.svc.Cancel(ctx, other, bir); return err },
		"unknown":   func() error { _, err := e.svc.Cancel(ctx, e.app, kore.NewImportID()); return err },
		"malformed": func() error { _, err := e.svc.Cancel(ctx, e.app, "bir-x"); return err },
	} {
		if err := try(); !errors.Is(err, kore.ErrRequestID) {
			t.Errorf("%s: %v, want ErrRequestID", name, err)
		}
	}
}

// TestCancelledJobAtStart: a cancel recorded while the job ran (a replica
// that then died) is found at the next run's start, which ends the import
// without running a stage.
func TestCancelledJobAtStart(t *testing.T) {
	e := newCancelEnv(t)
	ctx := context.Background()
	bir, job := e.start(t, "")
	if _, err := e.db.W.ExecContext(ctx, `UPDATE river_job SET state = 'running' WHERE id = $1`, job.ID); err != nil {
		t.Fatal(err)
	}
	cctx, cancel := context.WithTimeout(ctx, 100*time.Millisecond) // Cancel waits for a run that never comes
	defer cancel()
	doc, err := e.svc.Cancel(cctx, e.app, bir)
	if err != nil {
		t.Fatal(err)
	}
	if d := decodeDoc(t, doc); d.Status != store.StatusPending {
		t.Fatalf("running import after the cancel: %s", doc)
	}
	err = e.work(t, bir, job)
	var cancelErr *rivertype.JobCancelError
	if !errors.As(err, &cancelErr) {
		t.Fatalf("the job ended with %v, want River's cancel", err)
	}
	imp, err := e.db.Import(ctx, e.app.AccountID, bir)
	if err != nil {
		t.Fatal(err)
	}
	if d := decodeDoc(t, imp.Doc); d.Status != store.StatusFailure || !d.Cancelled || len(d.StatusLogs) != 1 {
		t.Errorf("ended %s", imp.Doc)
	}
}
