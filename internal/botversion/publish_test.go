package botversion

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/botport/botport/internal/kore"
	"github.com/botport/botport/internal/store"
)

// newPublish accepts a publish of the env's bot.
func (e *env) newPublish(t *testing.T) string {
	t.Helper()
	p := &store.Publish{ID: "bpr-" + kore.NewUUID(), AccountID: e.acct, BotID: e.bot.ID, AppID: kore.NewAppID(), CreatedBy: kore.NewUserID(),
		Comment: "c", Status: store.StatusPending, CreatedOn: time.Now()}
	if err := e.st.CreatePublish(t.Context(), p, func(context.Context, *sql.Tx) error { return nil }); err != nil {
		t.Fatal(err)
	}
	return p.ID
}

// TestPublish: a publish marks the version current when it commits, after
// describing it; a write that lands between the description and the commit
// makes it describe and publish the new version.
func TestPublish(t *testing.T) {
	e := newEnv(t, Config{})
	id := e.newPublish(t)
	calls := 0
	var described []string
	p, err := e.w.Publish(t.Context(), e.acct, e.bot.ID, id, time.Now(), func(ctx context.Context, b *store.Bot) ([]byte, error) {
		calls++
		described = append(described, b.VersionID)
		if calls == 1 { // another write lands after this read
			if _, err := e.w.Write(ctx, store.StagedByFunctions, e.acct, e.bot.ID, addScript("Other.js")); err != nil {
				return nil, err
			}
		}
		return []byte(fmt.Sprintf(`{"call":%d}`, calls)), nil
	})
	if err != nil {
		t.Fatal(err)
	}
	b := e.get(t)
	if calls != 2 || described[1] != b.VersionID || p.VersionID != b.VersionID || b.PublishedVersionID != b.VersionID ||
		p.Version != 2 || string(p.Detail) != `{"call":2}` || p.Status != store.StatusSuccess {
		t.Errorf("after %d descriptions (%v): publish %+v, bot current %s published %s", calls, described, p, b.VersionID, b.PublishedVersionID)
	}
	// Done is done: another run finds nothing to do.
	_, err = e.w.Publish(t.Context(), e.acct, e.bot.ID, id, time.Now(), func(context.Context, *store.Bot) ([]byte, error) { return nil, nil })
	if !errors.Is(err, store.ErrNotPending) {
		t.Errorf("publishing again: %v, want %v", err, store.ErrNotPending)
	}
	// A version that moves every time ends in ErrBusy, and nothing is published.
	id = e.newPublish(t)
	calls = 0
	_, err = e.w.Publish(t.Context(), e.acct, e.bot.ID, id, time.Now(), func(ctx context.Context, b *store.Bot) ([]byte, error) {
		calls++
		_, err := e.w.Write(ctx, store.StagedByFunctions, e.acct, e.bot.ID, addScript(fmt.Sprintf("Again%d.js", calls)))
		return nil, err
	})
	if !errors.Is(err, ErrBusy) || calls != MaxRebuilds {
		t.Errorf("Publish on a version that always moves: %v after %d descriptions", err, calls)
	}
	if b2 := e.get(t); b2.PublishedVersionID != b.VersionID {
		t.Errorf("a failed publish moved the published version to %s", b2.PublishedVersionID)
	}
	boom := errors.New("describe failed")
	if _, err := e.w.Publish(t.Context(), e.acct, e.bot.ID, id, time.Now(), func(context.Context, *store.Bot) ([]byte, error) { return nil, boom }); !errors.Is(err, boom) {
		t.Errorf("Publish with a failing describe: %v", err)
	}
	// A publish does not wait for a hold (see Publish).
	release, err := e.w.Hold(t.Context(), e.acct, e.bot.ID, store.StagedBy{Kind: store.StagedByImport, ID: kore.NewImportID()})
	if err != nil {
		t.Fatal(err)
	}
	defer release()
	if _, err := e.w.Publish(t.Context(), e.acct, e.bot.ID, id, time.Now(), func(context.Context, *store.Bot) ([]byte, error) { return nil, nil }); err != nil {
		t.Errorf("Publish of a held bot: %v", err)
	}
}
