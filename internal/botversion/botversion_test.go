package botversion

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"errors"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/botport/botport/internal/kore"
	"github.com/botport/botport/internal/store"
	"github.com/botport/botport/internal/store/sqlite"
)

// env is a real SQLite store with one bot (version 1 holds one script).
type env struct {
	st   store.Store
	w    *Writer
	acct string
	bot  *store.Bot
}

func newEnv(t *testing.T, cfg Config) *env {
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
	cfg.Store = st
	e := &env{st: st, w: New(cfg), acct: acct.ID}
	b := &store.Bot{ID: kore.NewBotID(), AccountID: acct.ID, RefID: kore.NewUUID(), Name: "b", Purpose: "customer", Type: "default"}
	vid := kore.NewHexID()
	by := store.StagedBy{Kind: store.StagedByImport, ID: kore.NewImportID()}
	if err := e.w.Stage(t.Context(), &store.Version{ID: vid, BotID: b.ID, AccountID: acct.ID, StagedBy: by, Layout: []byte(`{}`)}); err != nil {
		t.Fatal(err)
	}
	if err := st.PutRecords(t.Context(), acct.ID, vid, []store.Record{script("A.js", "a")}); err != nil {
		t.Fatal(err)
	}
	if err := e.w.Commit(t.Context(), &store.Commit{Bot: b, NewBot: true, VersionID: vid, At: time.Now()}); err != nil {
		t.Fatal(err)
	}
	e.bot = b
	e.bot = e.get(t)
	return e
}

// get reads the bot back.
func (e *env) get(t *testing.T) *store.Bot {
	t.Helper()
	b, err := e.st.Bot(t.Context(), e.acct, e.bot.ID)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func script(name, body string) store.Record {
	sum := sha256.Sum256([]byte(body))
	return store.Record{File: name, Kind: "botFunction", Ident: name, Name: name, Hash: sum[:], Body: []byte(body)}
}

// addScript is an Edit that adds a script to the current version.
func addScript(name string) Edit {
	return func(context.Context, *store.Bot) (*store.VersionWrite, error) {
		return &store.VersionWrite{Records: []store.Record{script(name, name)}}, nil
	}
}

func TestWrite(t *testing.T) {
	e := newEnv(t, Config{})
	v, err := e.w.Write(t.Context(), store.StagedByFunctions, e.acct, e.bot.ID, addScript("B.js"))
	if err != nil {
		t.Fatal(err)
	}
	if v.Number != 2 || v.StagedBy != (store.StagedBy{Kind: store.StagedByFunctions, ID: v.ID}) {
		t.Errorf("written version %+v, want number 2 staged by functions with its own id", v)
	}
	if b := e.get(t); b.VersionID != v.ID {
		t.Errorf("bot at %s, want %s", b.VersionID, v.ID)
	}
	_, err = e.w.Write(t.Context(), store.StagedByFunctions, e.acct, kore.NewBotID(), addScript("C.js"))
	if !errors.Is(err, store.ErrNotFound) {
		t.Errorf("Write to an unknown bot: %v, want %v", err, store.ErrNotFound)
	}
	boom := errors.New("edit failed")
	_, err = e.w.Write(t.Context(), store.StagedByFunctions, e.acct, e.bot.ID, func(context.Context, *store.Bot) (*store.VersionWrite, error) { return nil, boom })
	if !errors.Is(err, boom) {
		t.Errorf("Write with a failing edit: %v", err)
	}
}

// TestWriteRebuildsOnMovedBase: a change computed from the current version
// whose base moved before it landed is built again on the new one.
func TestWriteRebuildsOnMovedBase(t *testing.T) {
	e := newEnv(t, Config{})
	calls := 0
	v, err := e.w.Write(t.Context(), store.StagedByVariables, e.acct, e.bot.ID, func(ctx context.Context, b *store.Bot) (*store.VersionWrite, error) {
		calls++
		if calls == 1 { // another write lands after this read
			if _, err := e.w.Write(ctx, store.StagedByFunctions, e.acct, e.bot.ID, addScript("Other.js")); err != nil {
				return nil, err
			}
		}
		return &store.VersionWrite{Base: b.VersionID, Records: []store.Record{script("Vars.js", "v")}}, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if calls != 2 || v.Number != 3 {
		t.Errorf("edit called %d times, version %d; want 2 and 3", calls, v.Number)
	}
	// A base that moves every time ends in ErrBusy.
	calls = 0
	_, err = e.w.Write(t.Context(), store.StagedByVariables, e.acct, e.bot.ID, func(ctx context.Context, b *store.Bot) (*store.VersionWrite, error) {
		calls++
		if _, err := e.w.Write(ctx, store.StagedByFunctions, e.acct, e.bot.ID, addScript(fmt.Sprintf("Again%d.js", calls))); err != nil {
			return nil, err
		}
		return &store.VersionWrite{Base: b.VersionID}, nil
	})
	if !errors.Is(err, ErrBusy) || calls != MaxRebuilds {
		t.Errorf("Write on a base that always moves: %v after %d edits, want %v after %d", err, calls, ErrBusy, MaxRebuilds)
	}
}

// TestWriteWaitsForHold: a synchronous write waits while an import holds
// the bot, and lands once the hold is released.
func TestWriteWaitsForHold(t *testing.T) {
	e := newEnv(t, Config{BusyWait: time.Hour})
	imp := store.StagedBy{Kind: store.StagedByImport, ID: kore.NewImportID()}
	release, err := e.w.Hold(t.Context(), e.acct, e.bot.ID, imp)
	if err != nil {
		t.Fatal(err)
	}
	waits := 0
	e.w.sleep = func(context.Context, time.Duration) error {
		if waits++; waits == 2 {
			release()
		}
		return nil
	}
	v, err := e.w.Write(t.Context(), store.StagedByFunctions, e.acct, e.bot.ID, addScript("B.js"))
	if err != nil {
		t.Fatal(err)
	}
	if waits != 2 || v.Number != 2 {
		t.Errorf("waited %d times, version %d; want 2 and 2", waits, v.Number)
	}
	// Another writer cannot take a held bot's hold.
	release, err = e.w.Hold(t.Context(), e.acct, e.bot.ID, imp)
	if err != nil {
		t.Fatal(err)
	}
	defer release()
	if _, err := e.w.Hold(t.Context(), e.acct, e.bot.ID, store.StagedBy{Kind: store.StagedByImport, ID: kore.NewImportID()}); !errors.Is(err, store.ErrBusy) {
		t.Errorf("Hold of a held bot: %v, want %v", err, store.ErrBusy)
	}
}

// TestWriteBusy: a hold that outlasts BusyWait answers ErrBusy, and the bot
// is left as it was.
func TestWriteBusy(t *testing.T) {
	e := newEnv(t, Config{BusyWait: 10 * time.Second, HoldLease: time.Minute})
	release, err := e.w.Hold(t.Context(), e.acct, e.bot.ID, store.StagedBy{Kind: store.StagedByImport, ID: kore.NewImportID()})
	if err != nil {
		t.Fatal(err)
	}
	defer release()
	now := time.Now()
	e.w.cfg.Now = func() time.Time { return now }
	waits := 0
	e.w.sleep = func(_ context.Context, d time.Duration) error {
		waits++
		now = now.Add(d)
		return nil
	}
	_, err = e.w.Write(t.Context(), store.StagedByFunctions, e.acct, e.bot.ID, addScript("B.js"))
	if !errors.Is(err, ErrBusy) || !errors.Is(err, store.ErrBusy) {
		t.Errorf("Write to a held bot: %v, want %v", err, ErrBusy)
	}
	if waits < 2 {
		t.Errorf("waited %d times before giving up, want a backoff", waits)
	}
	if b := e.get(t); b.Version != 1 {
		t.Errorf("bot at version %d after a refused write, want 1", b.Version)
	}
}

// TestCommit: a staged version commits; a moved base answers ErrMoved; an
// import that ended answers store.ErrNotPending, never a conflict; Stage
// starts clean and Discard drops what a writer staged.
func TestCommit(t *testing.T) {
	e := newEnv(t, Config{})
	ctx := t.Context()
	imp := &store.Import{ID: kore.NewImportID(), AccountID: e.acct, BotID: e.bot.ID, Status: store.StatusPending,
		Request: []byte(`{}`), Doc: []byte(`{}`), CreatedOn: time.Now()}
	if err := e.st.CreateImport(ctx, imp, 0, func(context.Context, *sql.Tx, bool) (int64, error) { return 0, nil }); err != nil {
		t.Fatal(err)
	}
	by := store.StagedBy{Kind: store.StagedByImport, ID: imp.ID}
	stage := func() string {
		t.Helper()
		vid := kore.NewHexID()
		if err := e.w.Stage(ctx, &store.Version{ID: vid, BotID: e.bot.ID, AccountID: e.acct, StagedBy: by, Layout: []byte(`{}`)}); err != nil {
			t.Fatal(err)
		}
		return vid
	}
	first := stage()
	second := stage() // a rerun: the first attempt's version is gone
	if _, err := e.st.Version(ctx, e.acct, first); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("Stage kept the writer's earlier version: %v", err)
	}
	base := e.bot.VersionID
	if _, err := e.w.Write(ctx, store.StagedByFunctions, e.acct, e.bot.ID, addScript("B.js")); err != nil {
		t.Fatal(err)
	}
	c := &store.Commit{Bot: e.get(t), VersionID: second, BaseVersionID: base, ImportID: imp.ID, Doc: []byte(`{}`), At: time.Now()}
	if err := e.w.Commit(ctx, c); !errors.Is(err, ErrMoved) {
		t.Errorf("Commit on a moved base: %v, want %v", err, ErrMoved)
	}
	c.BaseVersionID = e.get(t).VersionID
	if err := e.w.Commit(ctx, c); err != nil {
		t.Fatal(err)
	}
	third := stage()
	c.VersionID = third
	if err := e.w.Commit(ctx, c); !errors.Is(err, store.ErrNotPending) || errors.Is(err, ErrMoved) {
		t.Errorf("Commit of an import that ended: %v, want %v", err, store.ErrNotPending)
	}
	if err := e.w.Discard(ctx, by); err != nil {
		t.Fatal(err)
	}
	if _, err := e.st.Version(ctx, e.acct, third); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("Discard kept a staged version: %v", err)
	}
	if v, err := e.st.Version(ctx, e.acct, second); err != nil || v.Number != 3 {
		t.Errorf("Discard touched the committed version: %+v, %v", v, err)
	}
}
