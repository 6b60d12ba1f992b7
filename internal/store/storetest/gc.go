package storetest

import (
	"crypto/sha256"
	"testing"
	"time"

	"github.com/botport/botport/internal/kore"
	"github.com/botport/botport/internal/store"
)

// hasBody reports whether the account holds a body under hash, by reading
// it through a record of a throwaway version (Records joins records to
// their bodies). The version is left staged: discarding it would make the
// body a candidate for deletion.
func hasBody(t *testing.T, s store.Store, accountID string, hash []byte) bool {
	t.Helper()
	vid := stage(t, s, accountID, kore.NewBotID(), "", testLayout)
	must(t, s.PutRecordRefs(t.Context(), accountID, vid, []store.Record{{File: "probe", Kind: "probe", Ident: "probe", Hash: hash}}), "PutRecordRefs")
	return len(readRecords(t, s, accountID, vid, "*", "*")) == 1
}

// hashOf is the SHA-256 of body, as records carry it.
func hashOf(body string) []byte {
	sum := sha256.Sum256([]byte(body))
	return sum[:]
}

// deleteOrphans runs DeleteOrphanBodies until it has examined every
// candidate before cutoff, and returns the bodies it deleted.
func deleteOrphans(t *testing.T, s store.Store, cutoff time.Time) int {
	t.Helper()
	total := 0
	for {
		examined, deleted, err := s.DeleteOrphanBodies(t.Context(), cutoff, 2)
		must(t, err, "DeleteOrphanBodies")
		total += deleted
		if examined < 2 {
			return total
		}
	}
}

// testGC covers the collection of staged data: DeleteOrphanBodies after
// DiscardStaged and DiscardVersion, the grace PutBody gives, and
// DiscardAbandoned.
func testGC(t *testing.T, open opener) {
	t.Run("DiscardedBodiesAreDeleted", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		acct := newAccount(t, s)
		shared := rec("botDefinition.json", "dialogs", 0, "dialog", "d0", `{"shared":true}`)
		bot := newBot(t, s, acct.ID, base, shared)
		imp := newImport(acct.ID, bot.ID, false)
		createImport(t, s, imp)
		secret := rec("config.json", "envVariables", 0, "envVariable", "TOKEN", `{"key":"TOKEN","value":"s3cret"}`)
		stage(t, s, acct.ID, bot.ID, imp.ID, testLayout, shared, secret)
		other := rec("botDefinition.json", "dialogs", 1, "dialog", "d1", `{"discarded":"version"}`)
		vid := stage(t, s, acct.ID, bot.ID, "", testLayout, other)

		must(t, s.DiscardStaged(t.Context(), byImport(imp.ID)), "DiscardStaged")
		must(t, s.DiscardVersion(t.Context(), vid), "DiscardVersion")
		if n := deleteOrphans(t, s, base); n != 2 {
			t.Errorf("DeleteOrphanBodies deleted %d bodies, want 2 (the secret and the discarded version's)", n)
		}
		if hasBody(t, s, acct.ID, secret.Hash) || hasBody(t, s, acct.ID, other.Hash) {
			t.Errorf("a discarded version's body is still stored")
		}
		if !hasBody(t, s, acct.ID, shared.Hash) {
			t.Errorf("the body a committed version refers to was deleted")
		}
		if got := readRecords(t, s, acct.ID, bot.VersionID, "*", "*"); len(got) != 1 {
			t.Errorf("the bot's version reads %d records, want 1", len(got))
		}
		if n := deleteOrphans(t, s, base); n != 0 {
			t.Errorf("a second DeleteOrphanBodies deleted %d bodies, want 0", n)
		}
	})
	t.Run("OtherAccountsKeepTheirBodies", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		a, b := newAccount(t, s), newAccount(t, s)
		same := rec("botDefinition.json", "dialogs", 0, "dialog", "d0", `{"same":"content"}`)
		newBot(t, s, b.ID, base, same)
		must(t, s.DiscardVersion(t.Context(), stage(t, s, a.ID, kore.NewBotID(), "", testLayout, same)), "DiscardVersion")
		if n := deleteOrphans(t, s, base); n != 1 {
			t.Errorf("DeleteOrphanBodies deleted %d bodies, want 1", n)
		}
		if hasBody(t, s, a.ID, same.Hash) || !hasBody(t, s, b.ID, same.Hash) {
			t.Errorf("a body was deleted in the wrong account")
		}
	})
	t.Run("PutBodyGrace", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		acct := newAccount(t, s)
		bot := newBot(t, s, acct.ID, base)
		kept, dropped := []byte("function kept() {}"), []byte("function dropped() {}")
		must(t, s.PutBody(t.Context(), acct.ID, hashOf(string(kept)), kept, base), "PutBody")
		must(t, s.PutBody(t.Context(), acct.ID, hashOf(string(dropped)), dropped, base), "PutBody")
		if n := deleteOrphans(t, s, base); n != 0 {
			t.Errorf("DeleteOrphanBodies deleted %d bodies stored at its cutoff, want 0", n)
		}
		_, err := s.WriteVersion(t.Context(), &store.VersionWrite{AccountID: acct.ID, BotID: bot.ID, VersionID: kore.NewHexID(),
			StagedBy: store.StagedBy{Kind: store.StagedByFunctions, ID: kore.NewHexID()}, At: base,
			Records: []store.Record{{File: "kept.js", Kind: "botFunction", Ident: "kept.js", Hash: hashOf(string(kept))}}})
		must(t, err, "WriteVersion")
		if n := deleteOrphans(t, s, base.Add(time.Millisecond)); n != 1 {
			t.Errorf("DeleteOrphanBodies deleted %d bodies past their grace, want 1 (the one no version refers to)", n)
		}
		if !hasBody(t, s, acct.ID, hashOf(string(kept))) || hasBody(t, s, acct.ID, hashOf(string(dropped))) {
			t.Errorf("kept %v, dropped %v: want the referred body kept and the other deleted",
				hasBody(t, s, acct.ID, hashOf(string(kept))), hasBody(t, s, acct.ID, hashOf(string(dropped))))
		}
		// A later PutBody of a candidate's content moves its grace on.
		must(t, s.DiscardVersion(t.Context(), stage(t, s, acct.ID, bot.ID, "", testLayout,
			rec("x.js", "", 0, "botFunction", "x.js", string(dropped)))), "DiscardVersion")
		must(t, s.PutBody(t.Context(), acct.ID, hashOf(string(dropped)), dropped, base.Add(time.Hour)), "PutBody again")
		if n := deleteOrphans(t, s, base.Add(time.Minute)); n != 0 {
			t.Errorf("DeleteOrphanBodies deleted %d bodies whose grace PutBody renewed, want 0", n)
		}
	})
	t.Run("DiscardAbandoned", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		acct := newAccount(t, s)
		bot := newBot(t, s, acct.ID, base)
		ended, pending := newImport(acct.ID, bot.ID, false), newImport(acct.ID, bot.ID, false)
		createImport(t, s, ended)
		createImport(t, s, pending)
		secret := rec("config.json", "envVariables", 0, "envVariable", "TOKEN", `{"key":"TOKEN","value":"abandoned"}`)
		endedVID := stage(t, s, acct.ID, bot.ID, ended.ID, testLayout, secret)
		pendingVID := stage(t, s, acct.ID, bot.ID, pending.ID, testLayout)
		otherVID := stageBy(t, s, acct.ID, bot.ID, store.StagedBy{Kind: store.StagedByFunctions, ID: kore.NewHexID()}, testLayout)
		must(t, s.FinishImport(t.Context(), ended.ID, store.StatusFailure, []byte(`{}`), base), "FinishImport")

		n, err := s.DiscardAbandoned(t.Context(), base, 10)
		must(t, err, "DiscardAbandoned")
		if n != 0 {
			t.Errorf("DiscardAbandoned with a cutoff at their creation discarded %d versions, want 0", n)
		}
		n, err = s.DiscardAbandoned(t.Context(), base.Add(time.Second), 10)
		must(t, err, "DiscardAbandoned")
		if n != 2 {
			t.Errorf("DiscardAbandoned discarded %d versions, want 2 (the ended import's and the other writer's)", n)
		}
		for _, vid := range []string{endedVID, otherVID} {
			_, err := s.Version(t.Context(), acct.ID, vid)
			wantErrIs(t, err, store.ErrNotFound, "Version of an abandoned staged version")
		}
		getVersion(t, s, acct.ID, pendingVID) // a pending import's version stays
		getVersion(t, s, acct.ID, bot.VersionID)
		if n := deleteOrphans(t, s, base); n != 1 || hasBody(t, s, acct.ID, secret.Hash) {
			t.Errorf("DeleteOrphanBodies after DiscardAbandoned deleted %d bodies, want 1 (the abandoned secret)", n)
		}
	})
}
