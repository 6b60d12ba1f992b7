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

// getBot reads a bot back.
func getBot(t *testing.T, s store.Store, accountID, id string) *store.Bot {
	t.Helper()
	b, err := s.Bot(t.Context(), accountID, id)
	must(t, err, "Bot")
	return b
}

// wantBot reports every field of got that differs from want; times compare
// at millisecond precision.
func wantBot(t *testing.T, got, want *store.Bot) {
	t.Helper()
	g, w := *got, *want
	g.CreatedOn, g.UpdatedOn, w.CreatedOn, w.UpdatedOn = time.Time{}, time.Time{}, time.Time{}, time.Time{}
	if g != w {
		t.Errorf("bot = %+v, want %+v", &g, &w)
	}
	wantTime(t, "bot CreatedOn", got.CreatedOn, want.CreatedOn)
	wantTime(t, "bot UpdatedOn", got.UpdatedOn, want.UpdatedOn)
}

// wantStaged reports an error unless the version is still staged.
func wantStaged(t *testing.T, s store.Store, accountID, versionID string) {
	t.Helper()
	if v := getVersion(t, s, accountID, versionID); v.Number != 0 || v.ContentHash != "" || !v.CommittedOn.IsZero() {
		t.Errorf("version %s: number %d, hash %q, committed %v; want it still staged", versionID, v.Number, v.ContentHash, v.CommittedOn)
	}
}

// testCommit covers CommitVersion on existing bots: versions numbering,
// optimistic concurrency and carried kinds.
func testCommit(t *testing.T, open opener) {
	t.Run("Concurrent", func(t *testing.T) { testConcurrentCommits(t, open) })
	t.Run("ExistingBot", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		acct := newAccount(t, s)
		b, v1 := commitNewBot(t, s, acct.ID, testLayout, base, sampleRecords()...)
		cur := getBot(t, s, acct.ID, b.ID)

		recs := sampleRecords()[:4]
		v2 := stage(t, s, acct.ID, cur.ID, "", testLayout, recs...)
		upd := *cur
		upd.Name, upd.Icon = "renamed", ""
		upd.Purpose, upd.Type, upd.DefaultLanguage, upd.Description, upd.Color = "support", "universal", "de", "new", "#ffffff"
		at := base.Add(time.Hour)
		must(t, s.CommitVersion(t.Context(), &store.Commit{Bot: &upd, VersionID: v2, BaseVersionID: v1, At: at}), "CommitVersion")

		want := upd
		want.Name, want.Icon = cur.Name, cur.Icon // the name never changes; no icon keeps the current one
		want.VersionID, want.Version = v2, 2
		want.CreatedOn, want.UpdatedOn = cur.CreatedOn, at
		wantBot(t, getBot(t, s, acct.ID, cur.ID), &want)
		if v := getVersion(t, s, acct.ID, v2); v.Number != 2 || v.ContentHash != contentHash(testLayout, recs) {
			t.Errorf("second version: number %d, hash %q; want 2, %q", v.Number, v.ContentHash, contentHash(testLayout, recs))
		}
		if v := getVersion(t, s, acct.ID, v1); v.Number != 1 {
			t.Errorf("first version number = %d after the second commit, want 1", v.Number)
		}

		v3 := stage(t, s, acct.ID, cur.ID, "", testLayout, recs...)
		upd3 := want
		upd3.Icon = kore.NewHexID()
		must(t, s.CommitVersion(t.Context(), &store.Commit{Bot: &upd3, VersionID: v3, BaseVersionID: v2, At: at}), "CommitVersion with an icon")
		if got := getBot(t, s, acct.ID, cur.ID); got.Icon != upd3.Icon || got.Version != 3 || got.VersionID != v3 {
			t.Errorf("after a commit with a new icon: icon %q version %d %s, want %q 3 %s", got.Icon, got.Version, got.VersionID, upd3.Icon, v3)
		}
	})

	t.Run("StaleBaseConflicts", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		acct := newAccount(t, s)
		b, v1 := commitNewBot(t, s, acct.ID, testLayout, base, sampleRecords()...)
		v2 := stage(t, s, acct.ID, b.ID, "", testLayout, sampleRecords()[:1]...)
		must(t, s.CommitVersion(t.Context(), &store.Commit{Bot: getBot(t, s, acct.ID, b.ID), VersionID: v2, BaseVersionID: v1, At: base}), "CommitVersion")
		cur := getBot(t, s, acct.ID, b.ID)

		v3 := stage(t, s, acct.ID, b.ID, "", testLayout, sampleRecords()[:2]...)
		upd := *cur
		upd.Purpose, upd.Icon = "stale", kore.NewHexID()
		err := s.CommitVersion(t.Context(), &store.Commit{Bot: &upd, VersionID: v3, BaseVersionID: v1, At: base.Add(time.Hour)})
		wantErrIs(t, err, store.ErrConflict, "CommitVersion on a stale base")
		wantBot(t, getBot(t, s, acct.ID, b.ID), cur)
		wantStaged(t, s, acct.ID, v3)
	})

	t.Run("NoBase", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		acct := newAccount(t, s)
		b, _ := commitNewBot(t, s, acct.ID, testLayout, base, sampleRecords()...)
		for n := 2; n <= 3; n++ {
			vid := stage(t, s, acct.ID, b.ID, "", testLayout, sampleRecords()[:n]...)
			must(t, s.CommitVersion(t.Context(), &store.Commit{Bot: getBot(t, s, acct.ID, b.ID), VersionID: vid, At: base}), "CommitVersion without a base")
			if got := getBot(t, s, acct.ID, b.ID); got.Version != n || got.VersionID != vid {
				t.Errorf("bot version %d %s, want %d %s", got.Version, got.VersionID, n, vid)
			}
		}
	})

	t.Run("CarryKindsMissing", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		acct := newAccount(t, s)
		recs := sampleRecords()
		b, v1 := commitNewBot(t, s, acct.ID, testLayout, base, recs...)
		staged := ofMember(recs, "botDefinition.json", "dialogs")
		v2 := stage(t, s, acct.ID, b.ID, "", testLayout, staged...)
		must(t, s.CommitVersion(t.Context(), &store.Commit{
			Bot: getBot(t, s, acct.ID, b.ID), VersionID: v2, BaseVersionID: v1, CarryKinds: []string{"icon"}, At: base,
		}), "CommitVersion")
		// The icon comes along; the bot function, a kind not carried, does not.
		want := slices.Concat(staged, ofMember(recs, "icon.png", ""))
		wantRecords(t, "Records with the carried icon", readRecords(t, s, acct.ID, v2, "", "*"), sortedRecords(want), true)
		wantRecords(t, "RecordMeta with the carried icon", metaOf(t, s, acct.ID, v2), sortedRecords(want), false)
		if got := getVersion(t, s, acct.ID, v2).ContentHash; got != contentHash(testLayout, want) {
			t.Errorf("ContentHash = %q, want the hash including the carried icon, %q", got, contentHash(testLayout, want))
		}
	})

	t.Run("CarryKindsPresent", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		acct := newAccount(t, s)
		recs := sampleRecords()
		b, v1 := commitNewBot(t, s, acct.ID, testLayout, base, recs...)
		staged := slices.Concat(ofMember(recs, "botDefinition.json", "dialogs"),
			[]store.Record{rec("icon.jpg", "", 0, "icon", "icon", "new icon bytes")})
		v2 := stage(t, s, acct.ID, b.ID, "", testLayout, staged...)
		must(t, s.CommitVersion(t.Context(), &store.Commit{
			Bot: getBot(t, s, acct.ID, b.ID), VersionID: v2, BaseVersionID: v1, CarryKinds: []string{"icon", "botFunction"}, At: base,
		}), "CommitVersion")
		// The staged icon stays alone; the missing bot function is carried.
		want := slices.Concat(staged, ofMember(recs, "Helpers.js", ""))
		wantRecords(t, "Records", readRecords(t, s, acct.ID, v2, "", "*"), sortedRecords(want), true)
	})

	t.Run("CommittedVersionIsNotStaged", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		acct := newAccount(t, s)
		b, v1 := commitNewBot(t, s, acct.ID, testLayout, base, sampleRecords()...)
		cur := getBot(t, s, acct.ID, b.ID)
		err := s.CommitVersion(t.Context(), &store.Commit{Bot: cur, VersionID: v1, BaseVersionID: v1, At: base})
		wantErrIs(t, err, store.ErrNotFound, "committing a committed version again")
		wantBot(t, getBot(t, s, acct.ID, b.ID), cur)
	})

	t.Run("ErrNotFoundAndFaults", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		acct := newAccount(t, s)
		b, _ := commitNewBot(t, s, acct.ID, testLayout, base, sampleRecords()...)
		cur := getBot(t, s, acct.ID, b.ID)
		// An existing bot that does not exist (or is another account's).
		ghost := botRow(acct.ID, kore.NewBotID())
		vid := stage(t, s, acct.ID, ghost.ID, "", testLayout, sampleRecords()[:1]...)
		err := s.CommitVersion(t.Context(), &store.Commit{Bot: ghost, VersionID: vid, At: base})
		wantErrIs(t, err, store.ErrNotFound, "CommitVersion into a bot that does not exist")
		other := newAccount(t, s)
		foreign := *cur
		foreign.AccountID = other.ID
		v2 := stage(t, s, acct.ID, b.ID, "", testLayout, sampleRecords()[:1]...)
		err = s.CommitVersion(t.Context(), &store.Commit{Bot: &foreign, VersionID: v2, At: base})
		wantErrIs(t, err, store.ErrNotFound, "CommitVersion into another account's bot")
		// An unknown staged version.
		err = s.CommitVersion(t.Context(), &store.Commit{Bot: cur, VersionID: kore.NewHexID(), At: base})
		wantErrIs(t, err, store.ErrNotFound, "CommitVersion of an unknown version")
		// A version staged for another bot is a fault, not a sentinel.
		err = s.CommitVersion(t.Context(), &store.Commit{Bot: cur, VersionID: vid, At: base})
		if err == nil || errors.Is(err, store.ErrNotFound) || errors.Is(err, store.ErrConflict) || errors.Is(err, store.ErrNotPending) {
			t.Errorf("CommitVersion of another bot's staged version: %v, want a fault", err)
		}
		wantBot(t, getBot(t, s, acct.ID, b.ID), cur)
		wantStaged(t, s, acct.ID, vid)
		wantStaged(t, s, acct.ID, v2)
	})

	t.Run("NewBotWithTakenID", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		acct := newAccount(t, s)
		b, _ := commitNewBot(t, s, acct.ID, testLayout, base, sampleRecords()...)
		cur := getBot(t, s, acct.ID, b.ID)
		v2 := stage(t, s, acct.ID, b.ID, "", testLayout, sampleRecords()[:1]...)
		again := botRow(acct.ID, b.ID)
		err := s.CommitVersion(t.Context(), &store.Commit{Bot: again, NewBot: true, VersionID: v2, At: base})
		wantErrIs(t, err, store.ErrConflict, "creating a bot whose id is taken")
		wantBot(t, getBot(t, s, acct.ID, b.ID), cur)
		wantStaged(t, s, acct.ID, v2)
	})
}

// testCommitImport covers CommitVersion finishing an import.
func testCommitImport(t *testing.T, open opener) {
	t.Run("FinishesImport", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		acct := newAccount(t, s)
		botID := kore.NewBotID()
		imp := newImport(acct.ID, botID, true)
		createImport(t, s, imp)
		v1 := stage(t, s, acct.ID, botID, imp.ID, testLayout, sampleRecords()...)
		at := base.Add(5 * time.Minute)
		doc := []byte(`{"status":"success"}`)
		must(t, s.CommitVersion(t.Context(), &store.Commit{
			Bot: botRow(acct.ID, botID), NewBot: true, VersionID: v1, ImportID: imp.ID, Doc: doc, At: at,
		}), "CommitVersion")
		want := *imp
		want.Status, want.Doc, want.FinishedOn = store.StatusSuccess, doc, at
		wantImport(t, getImport(t, s, acct.ID, imp.ID), &want)
		if v := getVersion(t, s, acct.ID, v1); v.StagedBy != byImport(imp.ID) || v.Number != 1 {
			t.Errorf("version staged by %+v number %d, want %+v 1", v.StagedBy, v.Number, byImport(imp.ID))
		}
		// A successful import is over: it takes no more documents and cannot fail.
		wantErrIs(t, s.SaveImportDoc(t.Context(), imp.ID, []byte(`{}`)), store.ErrNotPending, "SaveImportDoc after success")
		wantErrIs(t, s.FinishImport(t.Context(), imp.ID, store.StatusFailure, []byte(`{}`), at), store.ErrNotPending, "FinishImport after success")
		wantImport(t, getImport(t, s, acct.ID, imp.ID), &want)
		// Committing it again is refused for that reason, not as a conflict.
		again := stage(t, s, acct.ID, botID, imp.ID, testLayout, sampleRecords()...)
		err := s.CommitVersion(t.Context(), &store.Commit{Bot: getBot(t, s, acct.ID, botID), VersionID: again, ImportID: imp.ID, Doc: doc, At: at})
		wantErrIs(t, err, store.ErrNotPending, "CommitVersion of an import that succeeded")
		if errors.Is(err, store.ErrConflict) {
			t.Errorf("CommitVersion of a finished import answers ErrConflict too: %v", err)
		}

		next := newImport(acct.ID, botID, false)
		createImport(t, s, next)
		v2 := stage(t, s, acct.ID, botID, next.ID, testLayout, sampleRecords()[:3]...)
		must(t, s.CommitVersion(t.Context(), &store.Commit{
			Bot: getBot(t, s, acct.ID, botID), VersionID: v2, BaseVersionID: v1, ImportID: next.ID, Doc: doc, At: at,
		}), "CommitVersion into the existing bot")
		if got := getImport(t, s, acct.ID, next.ID); got.Status != store.StatusSuccess {
			t.Errorf("second import status = %q, want %q", got.Status, store.StatusSuccess)
		}
		if got := getBot(t, s, acct.ID, botID); got.Version != 2 {
			t.Errorf("bot version = %d, want 2", got.Version)
		}
	})

	t.Run("FailedImportBlocksNewBot", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		acct := newAccount(t, s)
		botID := kore.NewBotID()
		imp := newImport(acct.ID, botID, true)
		createImport(t, s, imp)
		vid := stage(t, s, acct.ID, botID, imp.ID, testLayout, sampleRecords()...)
		failDoc := []byte(`{"status":"failure"}`)
		must(t, s.FinishImport(t.Context(), imp.ID, store.StatusFailure, failDoc, base), "FailImport")

		for importID, want := range map[string]error{imp.ID: store.ErrNotPending, kore.NewImportID(): store.ErrNotFound} {
			err := s.CommitVersion(t.Context(), &store.Commit{
				Bot: botRow(acct.ID, botID), NewBot: true, VersionID: vid, ImportID: importID,
				Doc: []byte(`{"status":"success"}`), At: base,
			})
			wantErrIs(t, err, want, "CommitVersion finishing an import that is not pending")
		}
		_, err := s.Bot(t.Context(), acct.ID, botID)
		wantErrIs(t, err, store.ErrNotFound, "Bot after a refused commit")
		wantStaged(t, s, acct.ID, vid)
		if got := getImport(t, s, acct.ID, imp.ID); got.Status != store.StatusFailure || string(got.Doc) != string(failDoc) {
			t.Errorf("import after a refused commit: status %q doc %q, want %q %q", got.Status, got.Doc, store.StatusFailure, failDoc)
		}
	})

	t.Run("FailedImportBlocksUpdate", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		acct := newAccount(t, s)
		b, v1 := commitNewBot(t, s, acct.ID, testLayout, base, sampleRecords()...)
		cur := getBot(t, s, acct.ID, b.ID)
		imp := newImport(acct.ID, b.ID, false)
		createImport(t, s, imp)
		v2 := stage(t, s, acct.ID, b.ID, imp.ID, testLayout, sampleRecords()[:2]...)
		must(t, s.FinishImport(t.Context(), imp.ID, store.StatusFailure, []byte(`{}`), base), "FailImport")

		upd := *cur
		upd.Purpose = "changed"
		err := s.CommitVersion(t.Context(), &store.Commit{
			Bot: &upd, VersionID: v2, BaseVersionID: v1, ImportID: imp.ID, Doc: []byte(`{"status":"success"}`), At: base.Add(time.Hour),
		})
		wantErrIs(t, err, store.ErrNotPending, "CommitVersion finishing a failed import")
		wantBot(t, getBot(t, s, acct.ID, b.ID), cur)
		wantStaged(t, s, acct.ID, v2)
	})
}

// testConcurrentCommits is run by testCommit: committers racing on one bot
// without a base version all win at once (the bot row is taken first, so
// none of them sees ErrConflict), each with its own version number.
func testConcurrentCommits(t *testing.T, open opener) {
	t.Parallel()
	s := open(t)
	a := newAccount(t, s)
	bot := newBot(t, s, a.ID, base, rec("botDefinition.json", "dialogs", 0, "dialog", "d", `{"v":0}`))
	const n = 6
	errs := make(chan error, n)
	for i := range n {
		go func() {
			vid := stage(t, s, a.ID, bot.ID, fmt.Sprintf("imp-%d", i), testLayout, rec("botDefinition.json", "dialogs", 0, "dialog", "d", fmt.Sprintf(`{"v":%d}`, i+1)))
			b, err := s.Bot(t.Context(), a.ID, bot.ID)
			if err == nil {
				err = s.CommitVersion(t.Context(), &store.Commit{Bot: b, VersionID: vid, At: base.Add(time.Minute)})
			}
			errs <- err
		}()
	}
	for range n {
		if err := <-errs; err != nil {
			t.Errorf("commit without a base: %v", err)
		}
	}
	vs, err := s.Versions(t.Context(), a.ID, bot.ID)
	must(t, err, "Versions")
	got := getBot(t, s, a.ID, bot.ID)
	if len(vs) != n+1 || got.Version != n+1 || vs[n].ID != got.VersionID {
		t.Errorf("%d versions, bot at %d (%s), want %d", len(vs), got.Version, got.VersionID, n+1)
	}
	for i, v := range vs {
		if v.Number != i+1 {
			t.Errorf("version %d has number %d", i, v.Number)
		}
	}
}
