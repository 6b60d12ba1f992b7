package storetest

import (
	"context"
	"database/sql"
	"errors"
	"testing"
	"time"

	"github.com/botport/botport/internal/kore"
	"github.com/botport/botport/internal/store"
)

func newPublish(accountID, botID string, at time.Time) *store.Publish {
	return &store.Publish{
		ID: "bpr-" + kore.NewUUID(), AccountID: accountID, BotID: botID, AppID: kore.NewAppID(), CreatedBy: kore.NewUserID(),
		Comment: "release 1", Train: true, Status: store.StatusPending, CreatedOn: at,
	}
}

func createPublish(t *testing.T, s store.Store, p *store.Publish) {
	t.Helper()
	must(t, s.CreatePublish(t.Context(), p, noJob), "CreatePublish")
}

// testPublishes covers publish requests: creation with its job, their
// place in the bot's order of work beside imports, the commit that marks
// the current version published (and nothing else), failures and
// retention.
func testPublishes(t *testing.T, open opener) {
	t.Run("CreateAndRead", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		a, other := newAccount(t, s), newAccount(t, s)
		bot := newBot(t, s, a.ID, base)
		if bot.PublishedVersionID != "" || !bot.PublishedOn.IsZero() {
			t.Errorf("a new bot is published: %q %v", bot.PublishedVersionID, bot.PublishedOn)
		}
		_, err := s.LatestPublish(t.Context(), a.ID, bot.ID)
		wantErrIs(t, err, store.ErrNotFound, "LatestPublish of a never-published bot")
		p := newPublish(a.ID, bot.ID, base)
		var sawTx bool
		must(t, s.CreatePublish(t.Context(), p, func(_ context.Context, tx *sql.Tx) error {
			sawTx = tx != nil
			return nil
		}), "CreatePublish")
		if !sawTx || p.Seq == 0 || p.After != 0 {
			t.Errorf("enqueue saw a transaction: %v, seq %d, after %d", sawTx, p.Seq, p.After)
		}
		got, err := s.Publish(t.Context(), a.ID, p.ID)
		must(t, err, "Publish")
		if got.BotID != bot.ID || got.AppID != p.AppID || got.CreatedBy != p.CreatedBy || got.Comment != "release 1" || !got.Train ||
			got.Status != store.StatusPending || got.Seq != p.Seq || got.VersionID != "" || !got.StartedOn.IsZero() || !got.FinishedOn.IsZero() {
			t.Errorf("read back %+v", got)
		}
		wantTime(t, "CreatedOn", got.CreatedOn, base)
		_, err = s.Publish(t.Context(), other.ID, p.ID)
		wantErrIs(t, err, store.ErrNotFound, "Publish of another account")
		_, err = s.LatestPublish(t.Context(), other.ID, bot.ID)
		wantErrIs(t, err, store.ErrNotFound, "LatestPublish for another account")
		second := newPublish(a.ID, bot.ID, base.Add(time.Second))
		createPublish(t, s, second)
		latest, err := s.LatestPublish(t.Context(), a.ID, bot.ID)
		must(t, err, "LatestPublish")
		if latest.ID != second.ID {
			t.Errorf("latest publish %s, want %s", latest.ID, second.ID)
		}
		err = s.CreatePublish(t.Context(), newPublish(other.ID, bot.ID, base), noJob)
		wantErrIs(t, err, store.ErrNotFound, "CreatePublish for another account's bot")
		err = s.CreatePublish(t.Context(), newPublish(a.ID, kore.NewBotID(), base), noJob)
		wantErrIs(t, err, store.ErrNotFound, "CreatePublish for an unknown bot")
	})
	t.Run("EnqueueFailureLeavesNothing", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		a := newAccount(t, s)
		bot := newBot(t, s, a.ID, base)
		p := newPublish(a.ID, bot.ID, base)
		errQueue := errors.New("queue down")
		wantErrIs(t, s.CreatePublish(t.Context(), p, func(context.Context, *sql.Tx) error { return errQueue }), errQueue, "CreatePublish with a failing enqueue")
		_, err := s.Publish(t.Context(), a.ID, p.ID)
		wantErrIs(t, err, store.ErrNotFound, "Publish after a failed CreatePublish")
	})
	t.Run("OrderWithImports", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		a := newAccount(t, s)
		bot, otherBot := newBot(t, s, a.ID, base), newBot(t, s, a.ID, base)
		// i1, p1, i2, p2, p3, i3 in acceptance order; another bot's import
		// between them changes nothing.
		i1 := newImport(a.ID, bot.ID, false)
		createImport(t, s, i1)
		p1 := newPublish(a.ID, bot.ID, base)
		createPublish(t, s, p1)
		i2 := newImport(a.ID, bot.ID, false)
		createImport(t, s, i2)
		createImport(t, s, newImport(a.ID, otherBot.ID, false))
		p2, p3 := newPublish(a.ID, bot.ID, base), newPublish(a.ID, bot.ID, base)
		createPublish(t, s, p2)
		createPublish(t, s, p3)
		i3 := newImport(a.ID, bot.ID, false)
		createImport(t, s, i3)
		if p1.After != i1.Seq || p2.After != i2.Seq || p3.After != i2.Seq || !(p1.Seq < p2.Seq && p2.Seq < p3.Seq) {
			t.Fatalf("positions: i1 %d, p1 (%d,%d), i2 %d, p2 (%d,%d), p3 (%d,%d)", i1.Seq, p1.After, p1.Seq, i2.Seq, p2.After, p2.Seq, p3.After, p3.Seq)
		}
		type counts struct{ imports, publishes int }
		aheadOf := func(imp *store.Import, p *store.Publish) counts {
			t.Helper()
			var c counts
			var err error
			if imp != nil {
				c.imports, err = s.ImportsAhead(t.Context(), bot.ID, imp.Seq)
				must(t, err, "ImportsAhead")
				c.publishes, err = s.PublishesAhead(t.Context(), bot.ID, imp.Seq, 0)
			} else {
				c.imports, err = s.ImportsAhead(t.Context(), bot.ID, p.After+1)
				must(t, err, "ImportsAhead")
				c.publishes, err = s.PublishesAhead(t.Context(), bot.ID, p.After, p.Seq)
			}
			must(t, err, "PublishesAhead")
			return c
		}
		for _, tt := range []struct {
			name string
			imp  *store.Import
			p    *store.Publish
			want counts
		}{
			{"i1", i1, nil, counts{0, 0}},
			{"p1", nil, p1, counts{1, 0}},
			{"i2", i2, nil, counts{1, 1}},
			{"p2", nil, p2, counts{2, 1}},
			{"p3", nil, p3, counts{2, 2}},
			{"i3", i3, nil, counts{2, 3}},
		} {
			if got := aheadOf(tt.imp, tt.p); got != tt.want {
				t.Errorf("%s: ahead %+v, want %+v", tt.name, got, tt.want)
			}
		}
		if n, _ := s.PublishesAhead(t.Context(), otherBot.ID, i3.Seq+1, 0); n != 0 {
			t.Errorf("PublishesAhead of another bot = %d", n)
		}
		must(t, s.FinishImport(t.Context(), i1.ID, store.StatusFailure, []byte(`{}`), base), "FinishImport")
		_, err := s.CommitPublish(t.Context(), &store.PublishCommit{AccountID: a.ID, BotID: bot.ID, PublishID: p1.ID, At: base})
		must(t, err, "CommitPublish p1")
		if got := aheadOf(i2, nil); got != (counts{0, 0}) {
			t.Errorf("i2 after i1 and p1 ended: ahead %+v", got)
		}
		if got := aheadOf(nil, p3); got != (counts{1, 1}) {
			t.Errorf("p3 after i1 and p1 ended: ahead %+v", got)
		}
	})
	t.Run("Commit", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		a, other := newAccount(t, s), newAccount(t, s)
		bot := newBot(t, s, a.ID, base, rec("botDefinition.json", "dialogs", 0, "dialog", "d1", `{"refId":"d1"}`))
		p := newPublish(a.ID, bot.ID, base)
		createPublish(t, s, p)
		started, at := base.Add(time.Second), base.Add(2*time.Second)
		c := &store.PublishCommit{AccountID: a.ID, BotID: bot.ID, PublishID: p.ID, Base: bot.VersionID, Detail: []byte(`{"channels":[]}`),
			StartedOn: started, At: at}
		wantErrIs(t, commitPublishErr(s, t, &store.PublishCommit{AccountID: other.ID, BotID: bot.ID, PublishID: p.ID, At: at}), store.ErrNotFound,
			"CommitPublish by another account")
		wantErrIs(t, commitPublishErr(s, t, &store.PublishCommit{AccountID: a.ID, BotID: bot.ID, PublishID: "bpr-" + kore.NewUUID(), At: at}),
			store.ErrNotFound, "CommitPublish of an unknown publish")
		stale := *c
		stale.Base = kore.NewHexID()
		wantErrIs(t, commitPublishErr(s, t, &stale), store.ErrConflict, "CommitPublish on a moved version")
		if b, _ := s.Bot(t.Context(), a.ID, bot.ID); b.PublishedVersionID != "" {
			t.Fatalf("a refused commit published %s", b.PublishedVersionID)
		}
		got, err := s.CommitPublish(t.Context(), c)
		must(t, err, "CommitPublish")
		if got.Status != store.StatusSuccess || got.VersionID != bot.VersionID || got.Version != 1 || string(got.Detail) != `{"channels":[]}` {
			t.Errorf("committed publish %+v", got)
		}
		read, _ := s.Publish(t.Context(), a.ID, p.ID)
		if read.Status != store.StatusSuccess || read.VersionID != bot.VersionID || read.Version != 1 || string(read.Detail) != `{"channels":[]}` {
			t.Errorf("committed publish read back %+v", read)
		}
		wantTime(t, "StartedOn", read.StartedOn, started)
		wantTime(t, "FinishedOn", read.FinishedOn, at)
		b, _ := s.Bot(t.Context(), a.ID, bot.ID)
		if b.PublishedVersionID != bot.VersionID || b.VersionID != bot.VersionID || b.Version != 1 {
			t.Errorf("bot after publish: current %s (%d), published %s", b.VersionID, b.Version, b.PublishedVersionID)
		}
		wantTime(t, "PublishedOn", b.PublishedOn, at)
		wantErrIs(t, commitPublishErr(s, t, c), store.ErrNotPending, "CommitPublish again")
		wantErrIs(t, s.FailPublish(t.Context(), p.ID, "late", at, at), store.ErrNotPending, "FailPublish of a published request")

		// A write after the publish leaves the published version alone;
		// the next publish moves it.
		v2, err := s.WriteVersion(t.Context(), &store.VersionWrite{AccountID: a.ID, BotID: bot.ID, VersionID: kore.NewHexID(),
			StagedBy: store.StagedBy{Kind: store.StagedByVariables, ID: "v2"}, At: at})
		must(t, err, "WriteVersion")
		b, _ = s.Bot(t.Context(), a.ID, bot.ID)
		if b.VersionID != v2.ID || b.PublishedVersionID != bot.VersionID {
			t.Errorf("after a write: current %s, published %s", b.VersionID, b.PublishedVersionID)
		}
		if bots, _, _ := s.Bots(t.Context(), a.ID, 0, 10); len(bots) != 1 || bots[0].PublishedVersionID != bot.VersionID {
			t.Errorf("Bots lists the published version as %+v", bots)
		}
		next := newPublish(a.ID, bot.ID, at)
		createPublish(t, s, next)
		got, err = s.CommitPublish(t.Context(), &store.PublishCommit{AccountID: a.ID, BotID: bot.ID, PublishID: next.ID, At: at})
		must(t, err, "CommitPublish without a base")
		if b, _ = s.Bot(t.Context(), a.ID, bot.ID); b.PublishedVersionID != v2.ID || got.Version != 2 {
			t.Errorf("second publish: published %s (version %d), want %s", b.PublishedVersionID, got.Version, v2.ID)
		}
	})
	t.Run("FailAndRetention", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		a := newAccount(t, s)
		bot := newBot(t, s, a.ID, base)
		failed, done, pending := newPublish(a.ID, bot.ID, base), newPublish(a.ID, bot.ID, base), newPublish(a.ID, bot.ID, base)
		for _, p := range []*store.Publish{failed, done, pending} {
			createPublish(t, s, p)
		}
		must(t, s.FailPublish(t.Context(), failed.ID, "no luck", base, base), "FailPublish")
		got, _ := s.Publish(t.Context(), a.ID, failed.ID)
		if got.Status != store.StatusFailure || got.Message != "no luck" || got.VersionID != "" {
			t.Errorf("failed publish read back %+v", got)
		}
		if b, _ := s.Bot(t.Context(), a.ID, bot.ID); b.PublishedVersionID != "" {
			t.Errorf("a failed publish published %s", b.PublishedVersionID)
		}
		wantErrIs(t, s.FailPublish(t.Context(), failed.ID, "again", base, base), store.ErrNotPending, "FailPublish twice")
		wantErrIs(t, s.FailPublish(t.Context(), "bpr-"+kore.NewUUID(), "x", base, base), store.ErrNotFound, "FailPublish of an unknown publish")
		_, err := s.CommitPublish(t.Context(), &store.PublishCommit{AccountID: a.ID, BotID: bot.ID, PublishID: done.ID, At: base.Add(48 * time.Hour)})
		must(t, err, "CommitPublish")
		n, err := s.DeleteFinishedPublishes(t.Context(), base.Add(24*time.Hour), 10)
		must(t, err, "DeleteFinishedPublishes")
		if n != 1 {
			t.Errorf("deleted %d publishes, want 1", n)
		}
		for p, want := range map[*store.Publish]bool{failed: false, done: true, pending: true} {
			if _, err := s.Publish(t.Context(), a.ID, p.ID); (err == nil) != want {
				t.Errorf("publish %s present: %v, want %v", p.ID, err == nil, want)
			}
		}
		if b, _ := s.Bot(t.Context(), a.ID, bot.ID); b.PublishedVersionID != bot.VersionID {
			t.Errorf("retention changed the published version: %q", b.PublishedVersionID)
		}
	})
}

func commitPublishErr(s store.Store, t *testing.T, c *store.PublishCommit) error {
	_, err := s.CommitPublish(t.Context(), c)
	return err
}
