package publish

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"errors"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/botport/botport/internal/botdef"
	"github.com/botport/botport/internal/botversion"
	"github.com/botport/botport/internal/kore"
	"github.com/botport/botport/internal/store"
	"github.com/botport/botport/internal/store/sqlite"
)

// jobs records the jobs Start enqueues; they run by hand in the tests.
type jobs struct{ args []PublishArgs }

func (j *jobs) InsertTx(_ context.Context, tx *sql.Tx, args river.JobArgs, _ *river.InsertOpts) (*rivertype.JobInsertResult, error) {
	if tx == nil {
		return nil, errors.New("no transaction")
	}
	j.args = append(j.args, args.(PublishArgs))
	return &rivertype.JobInsertResult{}, nil
}

type env struct {
	st   store.Store
	s    *Service
	jobs *jobs
	app  *store.App
	bot  *store.Bot
}

func record(member string, seq int, kind, ident, name, body string) store.Record {
	sum := sha256.Sum256([]byte(body))
	return store.Record{File: botdef.FileDefinition, Member: member, Seq: seq, Kind: kind, Ident: ident, Name: name, Count: 1, Hash: sum[:], Body: []byte(body)}
}

// newEnv is a real SQLite store holding one bot with two dialogs and a
// channels setting.
func newEnv(t *testing.T) *env {
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
	e := &env{st: st, jobs: &jobs{}, app: &store.App{ID: kore.NewAppID(), AccountID: acct.ID, UserID: kore.NewUserID()}}
	e.s = New(Config{Store: st})
	e.s.SetJobs(e.jobs)
	e.bot = e.newBot(t, acct.ID)
	return e
}

func (e *env) newBot(t *testing.T, accountID string) *store.Bot {
	t.Helper()
	w := botversion.New(botversion.Config{Store: e.st})
	b := &store.Bot{ID: kore.NewBotID(), AccountID: accountID, RefID: kore.NewUUID(), Name: "b"}
	vid := kore.NewHexID()
	if err := w.Stage(t.Context(), &store.Version{ID: vid, BotID: b.ID, AccountID: accountID,
		StagedBy: store.StagedBy{Kind: store.StagedByImport, ID: kore.NewImportID()}, Layout: []byte(`{}`)}); err != nil {
		t.Fatal(err)
	}
	recs := []store.Record{
		record("dialogs", 0, botdef.KindDialog, "r1", "PayBill", `{"_id":"dg-1","refId":"r1"}`),
		record("dialogs", 1, botdef.KindDialog, "r2", "Welcome", `{"refId":"r2","lname":"welcome"}`),
		record("channels", 0, botdef.KindSetting, "channels", "channels", `[{"type":"rtm"},{"type":"msteams","enable":false},{"type":"slack"}]`),
	}
	if err := e.st.PutRecords(t.Context(), accountID, vid, recs); err != nil {
		t.Fatal(err)
	}
	if err := w.Commit(t.Context(), &store.Commit{Bot: b, NewBot: true, VersionID: vid, At: time.Now()}); err != nil {
		t.Fatal(err)
	}
	got, err := e.st.Bot(t.Context(), accountID, b.ID)
	if err != nil {
		t.Fatal(err)
	}
	return got
}

// task loads the job of the i-th accepted publish.
func (e *env) task(t *testing.T, i int) *publishTask {
	t.Helper()
	task, err := e.s.loadTask(t.Context(), e.jobs.args[i])
	if err != nil {
		t.Fatal(err)
	}
	return task.(*publishTask)
}

func TestStartRunStatus(t *testing.T) {
	e := newEnv(t)
	ctx := t.Context()
	if _, err := e.s.Status(ctx, e.app, e.bot.ID); err != kore.ErrRequestID {
		t.Errorf("status of a never-published bot: %v", err)
	}
	acc, err := e.s.Start(ctx, e.app, e.bot.ID, Request{Comment: "  first release ", Train: true})
	if err != nil {
		t.Fatal(err)
	}
	wantDialogs := []Dialog{{ID: "dg-1", Name: "PayBill"}, {ID: "r2", Name: "Welcome"}}
	if !kore.IsPublishID(acc.ID) || acc.Comment != "first release" || !slices.Equal(acc.Dialogs, wantDialogs) ||
		!slices.Equal(acc.Channels, []string{"rtm", "slack"}) || len(e.jobs.args) != 1 || e.jobs.args[0].PublishID != acc.ID {
		t.Fatalf("accepted %+v, jobs %+v", acc, e.jobs.args)
	}
	st, err := e.s.Status(ctx, e.app, e.bot.ID)
	if err != nil || st.State != store.StatusPending || st.ID != acc.ID || !st.FinishedOn.IsZero() || st.Channels != nil {
		t.Fatalf("status while pending: %+v %v", st, err)
	}
	task := e.task(t, 0)
	if n, err := task.Ahead(ctx); err != nil || n != 0 || !task.Pending() {
		t.Fatalf("ahead %d %v, pending %v", n, err, task.Pending())
	}
	if err := task.Run(ctx, 1); err != nil {
		t.Fatal(err)
	}
	st, err = e.s.Status(ctx, e.app, e.bot.ID)
	if err != nil || st.State != store.StatusSuccess || st.StartedOn.IsZero() || st.FinishedOn.Before(st.StartedOn) ||
		!slices.Equal(st.Channels, []string{"rtm", "slack"}) {
		t.Errorf("status after the run: %+v %v", st, err)
	}
	if b, _ := e.st.Bot(ctx, e.app.AccountID, e.bot.ID); b.PublishedVersionID != e.bot.VersionID {
		t.Errorf("published %q, want %q", b.PublishedVersionID, e.bot.VersionID)
	}
	// The job of a publish that ended has nothing left to do.
	if e.task(t, 0).Pending() {
		t.Errorf("a published request is still pending")
	}
}

func TestStartRefuses(t *testing.T) {
	e := newEnv(t)
	ctx := t.Context()
	other := &store.App{ID: kore.NewAppID(), UserID: kore.NewUserID()}
	acct, err := e.st.EnsureAccount(ctx, "other")
	if err != nil {
		t.Fatal(err)
	}
	other.AccountID = acct.ID
	for _, tt := range []struct {
		name    string
		app     *store.App
		bot     string
		comment string
		want    error
	}{
		{"unknown bot", e.app, kore.NewBotID(), "c", kore.ErrStreamID},
		{"foreign bot", other, e.bot.ID, "c", kore.ErrStreamID},
		{"empty comment", e.app, e.bot.ID, "", kore.ErrValidation},
		{"blank comment", e.app, e.bot.ID, " \t\n", kore.ErrValidation},
		{"comment too long", e.app, e.bot.ID, strings.Repeat("é", MaxComment+1), kore.ErrValidation},
		{"comment not UTF-8", e.app, e.bot.ID, "bad \xff", kore.ErrValidation},
	} {
		if _, err := e.s.Start(ctx, tt.app, tt.bot, Request{Comment: tt.comment}); err != tt.want {
			t.Errorf("%s: %v, want %v", tt.name, err, tt.want)
		}
	}
	if _, err := e.s.Start(ctx, e.app, e.bot.ID, Request{Comment: strings.Repeat("é", MaxComment)}); err != nil {
		t.Errorf("a comment of %d characters: %v", MaxComment, err)
	}
	if _, err := e.s.Status(ctx, other, e.bot.ID); err != kore.ErrStreamID {
		t.Errorf("status of a foreign bot: %v", err)
	}
	if len(e.jobs.args) != 1 {
		t.Errorf("%d jobs enqueued, want 1", len(e.jobs.args))
	}
}

// TestOrderWithImports: a publish waits for the bot's imports accepted
// before it, not for those accepted after; a publish ahead of another one
// keeps it waiting.
func TestOrderWithImports(t *testing.T) {
	e := newEnv(t)
	ctx := t.Context()
	imp := &store.Import{ID: kore.NewImportID(), AccountID: e.app.AccountID, AppID: e.app.ID, CreatedBy: e.app.UserID, BotID: e.bot.ID,
		StreamRefID: e.bot.RefID, BotName: "b", Status: store.StatusPending, Request: []byte(`{}`), Doc: []byte(`{}`), CreatedOn: time.Now()}
	if err := e.st.CreateImport(ctx, imp, 0, func(context.Context, *sql.Tx, bool) (int64, error) { return 0, nil }); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if _, err := e.s.Start(ctx, e.app, e.bot.ID, Request{Comment: "c"}); err != nil {
			t.Fatal(err)
		}
	}
	later := *imp
	later.ID = kore.NewImportID()
	if err := e.st.CreateImport(ctx, &later, 0, func(context.Context, *sql.Tx, bool) (int64, error) { return 0, nil }); err != nil {
		t.Fatal(err)
	}
	first, second := e.task(t, 0), e.task(t, 1)
	ahead := func(task *publishTask) int {
		n, err := task.Ahead(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	if a1, a2 := ahead(first), ahead(second); a1 != 1 || a2 != 2 {
		t.Errorf("ahead: first %d, second %d; want 1 and 2", a1, a2)
	}
	if err := e.st.FinishImport(ctx, imp.ID, store.StatusFailure, []byte(`{}`), time.Now()); err != nil {
		t.Fatal(err)
	}
	if a1, a2 := ahead(first), ahead(second); a1 != 0 || a2 != 1 {
		t.Errorf("ahead once the import ended: first %d, second %d; want 0 and 1", a1, a2)
	}
	if n, err := e.st.PublishesAhead(ctx, e.bot.ID, later.Seq, 0); err != nil || n != 2 {
		t.Errorf("the later import waits for %d publishes (%v), want 2", n, err)
	}
}

func TestFail(t *testing.T) {
	e := newEnv(t)
	ctx := t.Context()
	if _, err := e.s.Start(ctx, e.app, e.bot.ID, Request{Comment: "c"}); err != nil {
		t.Fatal(err)
	}
	if err := e.task(t, 0).Fail(ctx, errors.New("boom")); err != nil {
		t.Fatal(err)
	}
	st, err := e.s.Status(ctx, e.app, e.bot.ID)
	if err != nil || st.State != store.StatusFailure || !strings.Contains(st.Message, "internal error") || strings.Contains(st.Message, "boom") {
		t.Errorf("status after a failure: %+v %v", st, err)
	}
	if b, _ := e.st.Bot(ctx, e.app.AccountID, e.bot.ID); b.PublishedVersionID != "" {
		t.Errorf("a failed publish published %s", b.PublishedVersionID)
	}
}

func TestEnabledChannels(t *testing.T) {
	for _, tt := range []struct {
		body string
		want []string
	}{
		{`[]`, []string{}},
		{`null`, []string{}},
		{`{"type":"rtm"}`, []string{}},
		{`[{"type":"rtm"},{"type":"rtm"}]`, []string{"rtm"}},
		{`[{"type":"ivr","enabled":false},{"type":"email","isEnabled":true},{"name":"x"},{"type":7}]`, []string{"email"}},
	} {
		if got := enabledChannels([]byte(tt.body)); !slices.Equal(got, tt.want) {
			t.Errorf("%s: %q, want %q", tt.body, got, tt.want)
		}
	}
}

func TestCheckComment(t *testing.T) {
	for in, want := range map[string]bool{"x": true, " x ": true, "": false, "   ": false, strings.Repeat("a", 1000): true, strings.Repeat("a", 1001): false} {
		if _, ok := CheckComment(in); ok != want {
			t.Errorf("CheckComment(%d chars %q...) = %v", len(in), in[:min(len(in), 5)], ok)
		}
	}
}
