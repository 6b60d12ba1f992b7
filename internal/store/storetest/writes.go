package storetest

import (
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/botport/botport/internal/kore"
	"github.com/botport/botport/internal/store"
)

// byFunctions is a bot-functions writer.
func byFunctions(id string) store.StagedBy {
	return store.StagedBy{Kind: store.StagedByFunctions, ID: id}
}

// writeFn is a WriteVersion of bot b by a bot-functions writer that drops
// Helpers.js and adds a script; it copies the current version.
func writeFn(b *store.Bot, at time.Time) *store.VersionWrite {
	vid := kore.NewHexID()
	return &store.VersionWrite{
		AccountID: b.AccountID, BotID: b.ID, VersionID: vid, StagedBy: byFunctions(vid),
		Drop:    []store.RecordKey{{Kind: "botFunction", Ident: "Helpers.js"}},
		Records: []store.Record{rec("Other.js", "", 0, "botFunction", "Other.js", "function g() {}")},
		At:      at,
	}
}

// wantUnchanged reports an error unless a refused write left the bot as
// cur and no version w.VersionID exists.
func wantUnchanged(t *testing.T, s store.Store, cur *store.Bot, w *store.VersionWrite, what string) {
	t.Helper()
	wantBot(t, getBot(t, s, cur.AccountID, cur.ID), cur)
	_, err := s.Version(t.Context(), cur.AccountID, w.VersionID)
	wantErrIs(t, err, store.ErrNotFound, what+": Version of the refused write")
}

// testWriteVersion covers WriteVersion: one transaction that copies a
// version, changes it and makes it current, and each error it documents.
func testWriteVersion(t *testing.T, open opener) {
	t.Run("CopyDropAdd", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		acct := newAccount(t, s)
		recs := sampleRecords()
		b, v1 := commitNewBot(t, s, acct.ID, testLayout, base, recs...)
		kept := link("dialog", "d1", "component", "c1")
		must(t, s.PutLinks(t.Context(), v1, []store.Link{kept, link("botFunction", "Helpers.js", "dialog", "d1")}), "PutLinks")
		cur := getBot(t, s, acct.ID, b.ID)
		w := writeFn(cur, base.Add(time.Hour))
		w.Links = []store.Link{link("botFunction", "Other.js", "dialog", "d1")}
		// A record whose body is stored already (Helpers.js's) comes by reference.
		helpers := ofMember(recs, "Helpers.js", "")[0]
		ref := helpers
		ref.File, ref.Ident, ref.Body = "Ref.js", "Ref.js", nil
		w.Records = append(w.Records, ref)
		v, err := s.WriteVersion(t.Context(), w)
		must(t, err, "WriteVersion")

		var want []store.Record
		for _, r := range recs {
			if r.Ident != "Helpers.js" {
				want = append(want, r)
			}
		}
		ref.Body = helpers.Body
		want = append(want, w.Records[0], ref)
		wantRecords(t, "Records of the written version", readRecords(t, s, acct.ID, w.VersionID, "", "*"), sortedRecords(want), true)
		wantLinks(t, "Links of the written version", linksOf(t, s, w.VersionID), []store.Link{kept, w.Links[0]})
		got := getVersion(t, s, acct.ID, w.VersionID)
		if got.Number != 2 || got.StagedBy != w.StagedBy || string(got.Layout) != string(testLayout) ||
			got.ContentHash != contentHash(testLayout, want) {
			t.Errorf("written version %+v, want number 2 by %+v with the copied layout and hash %s", got, w.StagedBy, contentHash(testLayout, want))
		}
		wantTime(t, "CommittedOn", got.CommittedOn, w.At)
		if v.ID != got.ID || v.Number != got.Number || v.ContentHash != got.ContentHash || v.StagedBy != got.StagedBy {
			t.Errorf("WriteVersion returned %+v, the store holds %+v", v, got)
		}
		// Without Bot, the row's listing fields stay; the version moves.
		want2 := *cur
		want2.VersionID, want2.Version, want2.UpdatedOn = w.VersionID, 2, w.At
		wantBot(t, getBot(t, s, acct.ID, b.ID), &want2)
		wantRecords(t, "Records of the source", readRecords(t, s, acct.ID, v1, "", "*"), sortedRecords(recs), true)
	})

	t.Run("FromLayoutAndBot", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		acct := newAccount(t, s)
		recs := sampleRecords()
		b, v1 := commitNewBot(t, s, acct.ID, testLayout, base, recs...)
		v2 := stage(t, s, acct.ID, b.ID, "", []byte(`{"v":2}`), recs[:2]...)
		must(t, s.CommitVersion(t.Context(), &store.Commit{Bot: getBot(t, s, acct.ID, b.ID), VersionID: v2, At: base}), "CommitVersion")
		cur := getBot(t, s, acct.ID, b.ID)
		// A restore: version 1's content, its listing fields, a new number.
		vid := kore.NewHexID()
		fields := *cur
		fields.Purpose, fields.Description, fields.Icon, fields.Color = "employee", "restored", "", "#123456"
		w := &store.VersionWrite{AccountID: acct.ID, BotID: b.ID, VersionID: vid, StagedBy: store.StagedBy{Kind: store.StagedByRestore, ID: vid},
			From: v1, Bot: &fields, At: base.Add(time.Hour)}
		_, err := s.WriteVersion(t.Context(), w)
		must(t, err, "WriteVersion from version 1")
		got := getVersion(t, s, acct.ID, vid)
		if got.Number != 3 || got.ContentHash != getVersion(t, s, acct.ID, v1).ContentHash {
			t.Errorf("restored version number %d hash %s, want 3 and version 1's %s", got.Number, got.ContentHash, getVersion(t, s, acct.ID, v1).ContentHash)
		}
		want := fields
		want.Icon = cur.Icon // an empty icon keeps the row's
		want.VersionID, want.Version, want.UpdatedOn = vid, 3, w.At
		wantBot(t, getBot(t, s, acct.ID, b.ID), &want)

		// A layout given replaces From's.
		w2 := writeFn(getBot(t, s, acct.ID, b.ID), base.Add(2*time.Hour))
		w2.Layout = []byte(`{"other":"layout"}`)
		_, err = s.WriteVersion(t.Context(), w2)
		must(t, err, "WriteVersion with a layout")
		if got := getVersion(t, s, acct.ID, w2.VersionID); string(got.Layout) != `{"other":"layout"}` {
			t.Errorf("layout %q, want the one given", got.Layout)
		}
	})

	t.Run("ErrNotFound", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		acct, other := newAccount(t, s), newAccount(t, s)
		b, _ := commitNewBot(t, s, acct.ID, testLayout, base, sampleRecords()...)
		cur := getBot(t, s, acct.ID, b.ID)
		otherBot := newBot(t, s, acct.ID, base, sampleRecords()...)
		staged := stage(t, s, acct.ID, b.ID, "", testLayout)
		for _, tt := range []struct {
			what string
			edit func(w *store.VersionWrite)
		}{
			{"unknown bot", func(w *store.VersionWrite) { w.BotID = kore.NewBotID() }},
			{"another account's bot", func(w *store.VersionWrite) { w.AccountID = other.ID }},
			{"unknown From", func(w *store.VersionWrite) { w.From = kore.NewHexID() }},
			{"From of another bot", func(w *store.VersionWrite) { w.From = otherBot.VersionID }},
			{"From staged, not committed", func(w *store.VersionWrite) { w.From = staged }},
		} {
			w := writeFn(cur, base.Add(time.Hour))
			tt.edit(w)
			_, err := s.WriteVersion(t.Context(), w)
			wantErrIs(t, err, store.ErrNotFound, "WriteVersion with "+tt.what)
			wantUnchanged(t, s, cur, w, tt.what)
		}
	})

	t.Run("ErrConflict", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		acct := newAccount(t, s)
		b, v1 := commitNewBot(t, s, acct.ID, testLayout, base, sampleRecords()...)
		w := writeFn(getBot(t, s, acct.ID, b.ID), base)
		w.Base = v1
		_, err := s.WriteVersion(t.Context(), w)
		must(t, err, "WriteVersion on the current base")
		cur := getBot(t, s, acct.ID, b.ID)
		stale := writeFn(cur, base.Add(time.Hour))
		stale.Base = v1
		_, err = s.WriteVersion(t.Context(), stale)
		wantErrIs(t, err, store.ErrConflict, "WriteVersion on a stale base")
		wantUnchanged(t, s, cur, stale, "stale base")
	})

	t.Run("Concurrent", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		acct := newAccount(t, s)
		b, _ := commitNewBot(t, s, acct.ID, testLayout, base, sampleRecords()...)
		// Writes that copy the current version and commits without a base
		// race on one bot: every one lands, each on the one before it.
		const n = 4
		errs := make(chan error, 2*n)
		for i := range n {
			go func() {
				w := writeFn(getBot(t, s, acct.ID, b.ID), base.Add(time.Minute))
				w.Drop = nil
				w.Records = []store.Record{rec(fmt.Sprintf("W%d.js", i), "", 0, "botFunction", fmt.Sprintf("W%d.js", i), "x")}
				_, err := s.WriteVersion(t.Context(), w)
				errs <- err
			}()
			go func() {
				vid := stage(t, s, acct.ID, b.ID, kore.NewImportID(), testLayout, sampleRecords()[:2]...)
				bot, err := s.Bot(t.Context(), acct.ID, b.ID)
				if err == nil {
					err = s.CommitVersion(t.Context(), &store.Commit{Bot: bot, VersionID: vid, At: base.Add(time.Minute)})
				}
				errs <- err
			}()
		}
		for range 2 * n {
			if err := <-errs; err != nil {
				t.Errorf("racing write: %v", err)
			}
		}
		vs, err := s.Versions(t.Context(), acct.ID, b.ID)
		must(t, err, "Versions")
		if got := getBot(t, s, acct.ID, b.ID); len(vs) != 2*n+1 || got.Version != 2*n+1 || vs[2*n].ID != got.VersionID {
			t.Errorf("%d versions, bot at %d, want %d", len(vs), got.Version, 2*n+1)
		}
		for i, v := range vs {
			if v.Number != i+1 {
				t.Errorf("version %d has number %d", i, v.Number)
			}
		}
	})
}

// testHoldBot covers HoldBot and how holds refuse WriteVersion.
func testHoldBot(t *testing.T, open opener) {
	t.Run("ErrNotFound", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		acct, other := newAccount(t, s), newAccount(t, s)
		b, _ := commitNewBot(t, s, acct.ID, testLayout, base, sampleRecords()...)
		by := byImport(kore.NewImportID())
		wantErrIs(t, s.HoldBot(t.Context(), acct.ID, kore.NewBotID(), by, base, base.Add(time.Minute)), store.ErrNotFound, "HoldBot of an unknown bot")
		wantErrIs(t, s.HoldBot(t.Context(), other.ID, b.ID, by, base, base.Add(time.Minute)), store.ErrNotFound, "HoldBot of another account's bot")
	})

	t.Run("ErrBusy", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		acct := newAccount(t, s)
		b, _ := commitNewBot(t, s, acct.ID, testLayout, base, sampleRecords()...)
		holder, other := byImport(kore.NewImportID()), byImport(kore.NewImportID())
		until := base.Add(time.Minute)
		must(t, s.HoldBot(t.Context(), acct.ID, b.ID, holder, base, until), "HoldBot")
		must(t, s.HoldBot(t.Context(), acct.ID, b.ID, holder, base, until.Add(time.Minute)), "HoldBot again by the holder")
		wantErrIs(t, s.HoldBot(t.Context(), acct.ID, b.ID, other, base, until), store.ErrBusy, "HoldBot by another writer")

		cur := getBot(t, s, acct.ID, b.ID)
		w := writeFn(cur, base.Add(30*time.Second))
		_, err := s.WriteVersion(t.Context(), w)
		wantErrIs(t, err, store.ErrBusy, "WriteVersion while another writer holds the bot")
		wantUnchanged(t, s, cur, w, "held bot")

		// Releasing needs the holder; then writes go through.
		must(t, s.HoldBot(t.Context(), acct.ID, b.ID, other, base, time.Time{}), "release by a writer that does not hold it")
		_, err = s.WriteVersion(t.Context(), writeFn(cur, base.Add(30*time.Second)))
		wantErrIs(t, err, store.ErrBusy, "WriteVersion after a release by another writer")
		must(t, s.HoldBot(t.Context(), acct.ID, b.ID, holder, base, time.Time{}), "release by the holder")
		_, err = s.WriteVersion(t.Context(), writeFn(cur, base.Add(30*time.Second)))
		must(t, err, "WriteVersion after the release")
	})

	t.Run("Expires", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		acct := newAccount(t, s)
		b, _ := commitNewBot(t, s, acct.ID, testLayout, base, sampleRecords()...)
		until := base.Add(time.Minute)
		must(t, s.HoldBot(t.Context(), acct.ID, b.ID, byImport(kore.NewImportID()), base, until), "HoldBot")
		_, err := s.WriteVersion(t.Context(), writeFn(getBot(t, s, acct.ID, b.ID), until))
		must(t, err, "WriteVersion once the hold expired")
		must(t, s.HoldBot(t.Context(), acct.ID, b.ID, byImport(kore.NewImportID()), until, until.Add(time.Minute)), "HoldBot by another writer once the hold expired")
	})

	t.Run("HolderWritesAndCommitReleases", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		acct := newAccount(t, s)
		b, _ := commitNewBot(t, s, acct.ID, testLayout, base, sampleRecords()...)
		// A writer's own hold does not refuse it.
		fnWrite := writeFn(getBot(t, s, acct.ID, b.ID), base)
		must(t, s.HoldBot(t.Context(), acct.ID, b.ID, fnWrite.StagedBy, base, base.Add(time.Minute)), "HoldBot")
		_, err := s.WriteVersion(t.Context(), fnWrite)
		must(t, err, "WriteVersion by the holder")
		must(t, s.HoldBot(t.Context(), acct.ID, b.ID, fnWrite.StagedBy, base, time.Time{}), "release")

		// The holding import's commit releases the hold.
		imp := newImport(acct.ID, b.ID, false)
		createImport(t, s, imp)
		must(t, s.HoldBot(t.Context(), acct.ID, b.ID, byImport(imp.ID), base, base.Add(time.Hour)), "HoldBot by the import")
		cur := getBot(t, s, acct.ID, b.ID)
		vid := stage(t, s, acct.ID, b.ID, imp.ID, testLayout, sampleRecords()...)
		must(t, s.CommitVersion(t.Context(), &store.Commit{Bot: cur, VersionID: vid, BaseVersionID: cur.VersionID, ImportID: imp.ID,
			Doc: []byte(`{"status":"success"}`), At: base}), "CommitVersion by the holding import")
		_, err = s.WriteVersion(t.Context(), writeFn(getBot(t, s, acct.ID, b.ID), base))
		must(t, err, "WriteVersion after the holding import committed")
		// A commit by an import that does not hold the bot leaves the hold.
		holder := byImport(kore.NewImportID())
		must(t, s.HoldBot(t.Context(), acct.ID, b.ID, holder, base, base.Add(time.Hour)), "HoldBot")
		imp2 := newImport(acct.ID, b.ID, false)
		createImport(t, s, imp2)
		vid2 := stage(t, s, acct.ID, b.ID, imp2.ID, testLayout, sampleRecords()...)
		must(t, s.CommitVersion(t.Context(), &store.Commit{Bot: getBot(t, s, acct.ID, b.ID), VersionID: vid2, ImportID: imp2.ID,
			Doc: []byte(`{}`), At: base}), "CommitVersion by another import")
		_, err = s.WriteVersion(t.Context(), writeFn(getBot(t, s, acct.ID, b.ID), base))
		if !errors.Is(err, store.ErrBusy) {
			t.Errorf("WriteVersion after a commit by an import that does not hold the bot: %v, want %v", err, store.ErrBusy)
		}
		if vs, _ := s.Versions(t.Context(), acct.ID, b.ID); !slices.ContainsFunc(vs, func(v *store.Version) bool { return v.ID == vid2 }) {
			t.Errorf("the other import's commit is not listed")
		}
	})
}
