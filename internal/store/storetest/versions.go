package storetest

import (
	"slices"
	"testing"
	"time"

	"github.com/botport/botport/internal/kore"
	"github.com/botport/botport/internal/store"
)

// getVersion reads a version back.
func getVersion(t *testing.T, s store.Store, accountID, id string) *store.Version {
	t.Helper()
	v, err := s.Version(t.Context(), accountID, id)
	must(t, err, "Version")
	return v
}

// metaOf reads a version's record metadata.
func metaOf(t *testing.T, s store.Store, accountID, versionID string) []store.Record {
	t.Helper()
	meta, err := s.RecordMeta(t.Context(), accountID, versionID)
	must(t, err, "RecordMeta")
	return meta
}

// commitNewBot stages layout and recs for a new bot and commits it at at.
// It returns the bot row that was committed and the version id.
func commitNewBot(t *testing.T, s store.Store, accountID string, layout []byte, at time.Time, recs ...store.Record) (*store.Bot, string) {
	t.Helper()
	b := botRow(accountID, kore.NewBotID())
	vid := stage(t, s, accountID, b.ID, "", layout, recs...)
	must(t, s.CommitVersion(t.Context(), &store.Commit{Bot: b, NewBot: true, VersionID: vid, At: at}), "CommitVersion")
	return b, vid
}

// testVersions covers staging, committing a new bot, layouts, content
// hashes, DiscardStaged and CopyRecords.
func testVersions(t *testing.T, open opener) {
	t.Run("CommitNewBot", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		acct := newAccount(t, s)
		recs := sampleRecords()
		want := botRow(acct.ID, kore.NewBotID())
		vid := stage(t, s, acct.ID, want.ID, "", testLayout, recs...)

		v := getVersion(t, s, acct.ID, vid)
		if v.ID != vid || v.BotID != want.ID || v.AccountID != acct.ID || v.Number != 0 || v.StagedBy != (store.StagedBy{}) ||
			string(v.Layout) != string(testLayout) || v.ContentHash != "" || !v.CommittedOn.IsZero() {
			t.Errorf("staged Version = %+v", v)
		}
		wantTime(t, "staged CreatedOn", v.CreatedOn, base)
		_, err := s.Bot(t.Context(), acct.ID, want.ID)
		wantErrIs(t, err, store.ErrNotFound, "Bot before its first commit")

		at := base.Add(time.Minute)
		c := &store.Commit{Bot: want, NewBot: true, VersionID: vid, At: at}
		must(t, s.CommitVersion(t.Context(), c), "CommitVersion")
		got, err := s.Bot(t.Context(), acct.ID, want.ID)
		must(t, err, "Bot")
		w := *want
		w.VersionID, w.Version = vid, 1
		w.CreatedOn, w.UpdatedOn = at, at
		wantBot(t, got, &w)

		v = getVersion(t, s, acct.ID, vid)
		if v.Number != 1 || v.BotID != want.ID {
			t.Errorf("committed Version number %d of bot %s, want 1 of %s", v.Number, v.BotID, want.ID)
		}
		if v.ContentHash == "" || v.ContentHash != contentHash(testLayout, recs) {
			t.Errorf("ContentHash = %q, want %q", v.ContentHash, contentHash(testLayout, recs))
		}
		wantTime(t, "CommittedOn", v.CommittedOn, at)
		wantRecords(t, "Records after commit", readRecords(t, s, acct.ID, vid, "", "*"), sortedRecords(recs), true)
	})

	t.Run("SetVersionLayout", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		acct := newAccount(t, s)
		botID := kore.NewBotID()
		recs := sampleRecords()[:2]
		vid := stage(t, s, acct.ID, botID, "", []byte(`{}`), recs...)
		layout := []byte(`{"botDefinition.json":["dialogs","components"]}`)
		must(t, s.SetVersionLayout(t.Context(), vid, layout), "SetVersionLayout")
		if v := getVersion(t, s, acct.ID, vid); string(v.Layout) != string(layout) {
			t.Errorf("Layout = %q, want %q", v.Layout, layout)
		}
		must(t, s.CommitVersion(t.Context(), &store.Commit{Bot: botRow(acct.ID, botID), NewBot: true, VersionID: vid, At: base}), "CommitVersion")
		v := getVersion(t, s, acct.ID, vid)
		if v.ContentHash != contentHash(layout, recs) {
			t.Errorf("ContentHash = %q, want the hash over the layout set later, %q", v.ContentHash, contentHash(layout, recs))
		}
		// A committed version is immutable.
		_ = s.SetVersionLayout(t.Context(), vid, []byte(`{"changed":true}`))
		if v := getVersion(t, s, acct.ID, vid); string(v.Layout) != string(layout) {
			t.Errorf("SetVersionLayout changed a committed version's layout to %q", v.Layout)
		}
	})

	t.Run("StageWithoutLayout", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		acct := newAccount(t, s)
		// The layout is optional at staging: SetVersionLayout records it later.
		for _, layout := range [][]byte{nil, {}} {
			vid := stage(t, s, acct.ID, kore.NewBotID(), "", layout)
			if v := getVersion(t, s, acct.ID, vid); len(v.Layout) != 0 {
				t.Errorf("staged with layout %#v: Layout = %q", layout, v.Layout)
			}
			must(t, s.SetVersionLayout(t.Context(), vid, testLayout), "SetVersionLayout")
			if v := getVersion(t, s, acct.ID, vid); string(v.Layout) != string(testLayout) {
				t.Errorf("Layout = %q, want %q", v.Layout, testLayout)
			}
		}
	})

	t.Run("AccountIsolation", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		owner, other := newAccount(t, s), newAccount(t, s)
		_, vid := commitNewBot(t, s, owner.ID, testLayout, base, sampleRecords()...)
		_, err := s.Version(t.Context(), other.ID, vid)
		wantErrIs(t, err, store.ErrNotFound, "Version of another account")
		_, err = s.Version(t.Context(), owner.ID, kore.NewHexID())
		wantErrIs(t, err, store.ErrNotFound, "Version unknown")
	})

	t.Run("ContentHash", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		acct := newAccount(t, s)
		recs := sampleRecords()
		reversed := slices.Clone(recs)
		slices.Reverse(reversed)
		changed := slices.Clone(recs)
		changed[0] = rec(changed[0].File, changed[0].Member, changed[0].Seq, changed[0].Kind, changed[0].Ident, `[{"name":"changed"}]`)

		hashOf := func(layout []byte, recs []store.Record) string {
			t.Helper()
			_, vid := commitNewBot(t, s, acct.ID, layout, base, recs...)
			return getVersion(t, s, acct.ID, vid).ContentHash
		}
		h1 := hashOf(testLayout, recs)
		h2 := hashOf(testLayout, reversed)
		if h1 == "" || h1 != h2 {
			t.Errorf("identical content, put in another order: hashes %q and %q, want equal and non-empty", h1, h2)
		}
		if want := contentHash(testLayout, recs); h1 != want {
			t.Errorf("ContentHash = %q, want store.ContentHasher's %q", h1, want)
		}
		if h := hashOf(testLayout, changed); h == h1 {
			t.Errorf("a different body gives the same hash %q", h)
		}
		if h := hashOf([]byte(`{"other":"layout"}`), recs); h == h1 {
			t.Errorf("a different layout gives the same hash %q", h)
		}
	})

	t.Run("DiscardStaged", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		acct := newAccount(t, s)
		recs := sampleRecords()
		links := []store.Link{link("dialog", "d1", "component", "c1")}
		imp1, imp2, imp3 := kore.NewImportID(), kore.NewImportID(), kore.NewImportID()

		bot := botRow(acct.ID, kore.NewBotID())
		v1 := stage(t, s, acct.ID, bot.ID, imp1, testLayout, recs...)
		must(t, s.PutLinks(t.Context(), v1, links), "PutLinks")
		must(t, s.CommitVersion(t.Context(), &store.Commit{Bot: bot, NewBot: true, VersionID: v1, At: base}), "CommitVersion")
		var discarded, kept []string
		for _, imp := range []string{imp2, imp2, imp3} {
			v := stage(t, s, acct.ID, bot.ID, imp, testLayout, recs...)
			must(t, s.PutLinks(t.Context(), v, links), "PutLinks")
			if imp == imp2 {
				discarded = append(discarded, v)
			} else {
				kept = append(kept, v)
			}
		}
		// Another kind of writer with the same id is another writer, and a
		// version staged by nobody is nobody's to discard.
		other := stageBy(t, s, acct.ID, bot.ID, store.StagedBy{Kind: store.StagedByRestore, ID: imp2}, testLayout, recs...)
		must(t, s.PutLinks(t.Context(), other, links), "PutLinks")
		nobody := stage(t, s, acct.ID, bot.ID, "", testLayout, recs...)
		must(t, s.PutLinks(t.Context(), nobody, links), "PutLinks")
		kept = append(kept, other, nobody)

		must(t, s.DiscardStaged(t.Context(), byImport(imp2)), "DiscardStaged")
		must(t, s.DiscardStaged(t.Context(), byImport(imp1)), "DiscardStaged of a committed import")
		must(t, s.DiscardStaged(t.Context(), byImport(kore.NewImportID())), "DiscardStaged of an unknown import")
		must(t, s.DiscardStaged(t.Context(), store.StagedBy{}), "DiscardStaged of nobody")
		if v := getVersion(t, s, acct.ID, v1); v.StagedBy != byImport(imp1) {
			t.Errorf("committed version StagedBy = %+v, want %+v", v.StagedBy, byImport(imp1))
		}
		if v := getVersion(t, s, acct.ID, other); v.StagedBy.Kind != store.StagedByRestore || v.StagedBy.ID != imp2 {
			t.Errorf("staged version StagedBy = %+v", v.StagedBy)
		}
		for _, vid := range discarded {
			_, err := s.Version(t.Context(), acct.ID, vid)
			wantErrIs(t, err, store.ErrNotFound, "Version after DiscardStaged")
			if got := readRecords(t, s, acct.ID, vid, "", "*"); len(got) != 0 {
				t.Errorf("discarded version %s still has %d records", vid, len(got))
			}
			if got := linksOf(t, s, vid); len(got) != 0 {
				t.Errorf("discarded version %s still has links %v", vid, got)
			}
		}
		for _, vid := range append(kept, v1) {
			getVersion(t, s, acct.ID, vid)
			wantRecords(t, "Records of a version not discarded", readRecords(t, s, acct.ID, vid, "", "*"), sortedRecords(recs), true)
			wantLinks(t, "Links of a version not discarded", linksOf(t, s, vid), links)
		}
		if v := getVersion(t, s, acct.ID, v1); v.Number != 1 {
			t.Errorf("committed version number = %d after DiscardStaged, want 1", v.Number)
		}
	})

	t.Run("CopyRecords", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		acct := newAccount(t, s)
		recs := sampleRecords()
		bot, v1 := commitNewBot(t, s, acct.ID, testLayout, base, recs...)
		kept := store.Link{FromKind: "dialog", FromIdent: "d1", ToKind: "component", ToIdent: "c1"}
		must(t, s.PutLinks(t.Context(), v1, []store.Link{kept, link("dialog", "d2", "component", "c2")}), "PutLinks")

		v2 := stageBy(t, s, acct.ID, bot.ID, store.StagedBy{Kind: store.StagedByFunctions, ID: kore.NewHexID()}, testLayout)
		drop := []store.RecordKey{{Kind: "dialog", Ident: "d2"}, {Kind: "botFunction", Ident: "Helpers.js"}}
		must(t, s.CopyRecords(t.Context(), v1, v2, drop), "CopyRecords")
		var want []store.Record
		for _, r := range recs {
			if !slices.Contains(drop, store.RecordKey{Kind: r.Kind, Ident: r.Ident}) {
				want = append(want, r)
			}
		}
		wantRecords(t, "RecordMeta of the copy", metaOf(t, s, acct.ID, v2), sortedRecords(want), false)
		wantRecords(t, "Records of the copy", readRecords(t, s, acct.ID, v2, "", "*"), sortedRecords(want), true)
		if got := linksOf(t, s, v2); !slices.Contains(got, kept) {
			t.Errorf("Links of the copy = %v, want them to include %v", got, kept)
		}
		wantRecords(t, "Records of the source", readRecords(t, s, acct.ID, v1, "", "*"), sortedRecords(recs), true)

		// The dropped positions are free for the replacements.
		repl := []store.Record{
			rec("botDefinition.json", "dialogs", 1, "dialog", "d2", `[{"name":"replaced"}]`),
			rec("Helpers.js", "", 0, "botFunction", "Helpers.js", "function g() {}"),
		}
		must(t, s.PutRecords(t.Context(), acct.ID, v2, repl), "PutRecords replacements")
		want = append(want, repl...)
		wantRecords(t, "Records with replacements", readRecords(t, s, acct.ID, v2, "", "*"), sortedRecords(want), true)
		must(t, s.CommitVersion(t.Context(), &store.Commit{Bot: bot, VersionID: v2, BaseVersionID: v1, At: base}), "CommitVersion")
		if got := getVersion(t, s, acct.ID, v2).ContentHash; got != contentHash(testLayout, want) {
			t.Errorf("ContentHash of the copy = %q, want %q", got, contentHash(testLayout, want))
		}
	})
}
