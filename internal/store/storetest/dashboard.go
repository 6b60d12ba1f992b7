package storetest

import (
	"bytes"
	"testing"
	"time"

	"github.com/botport/botport/internal/kore"
	"github.com/botport/botport/internal/store"
)

// newSession returns a session of an app of accountID, expiring at expires.
func newSession(accountID string, expires time.Time) *store.Session {
	return &store.Session{IDHash: kore.NewHexID() + kore.NewHexID(), AppID: kore.NewAppID(), AccountID: accountID,
		CSRF: "csrf-" + kore.NewHexID(), SecretTag: "tag-" + kore.NewHexID(), CreatedOn: base, ExpiresOn: expires}
}

// testDashboard covers the dashboard's sessions and the imports' stage
// times.
func testDashboard(t *testing.T, open opener) {
	t.Run("SessionRoundTrip", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		a := newAccount(t, s)
		want := newSession(a.ID, base.Add(time.Hour))
		must(t, s.CreateSession(t.Context(), want), "CreateSession")
		must(t, s.CreateSession(t.Context(), newSession(a.ID, base.Add(time.Hour))), "CreateSession other")
		got, err := s.Session(t.Context(), want.IDHash, base)
		must(t, err, "Session")
		if got.IDHash != want.IDHash || got.AppID != want.AppID || got.AccountID != want.AccountID ||
			got.CSRF != want.CSRF || got.SecretTag != want.SecretTag {
			t.Errorf("Session = %+v, want %+v", got, want)
		}
		wantTime(t, "CreatedOn", got.CreatedOn, want.CreatedOn)
		wantTime(t, "ExpiresOn", got.ExpiresOn, want.ExpiresOn)
		_, err = s.Session(t.Context(), kore.NewHexID(), base)
		wantErrIs(t, err, store.ErrNotFound, "Session unknown")
	})

	t.Run("SessionExpires", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		a := newAccount(t, s)
		sess := newSession(a.ID, base.Add(time.Minute))
		must(t, s.CreateSession(t.Context(), sess), "CreateSession")
		if _, err := s.Session(t.Context(), sess.IDHash, base.Add(time.Minute-time.Millisecond)); err != nil {
			t.Errorf("Session a millisecond before its expiry: %v", err)
		}
		_, err := s.Session(t.Context(), sess.IDHash, base.Add(time.Minute))
		wantErrIs(t, err, store.ErrNotFound, "Session at its expiry")
	})

	t.Run("SignOutEndsOnlyThatSession", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		a := newAccount(t, s)
		one, two := newSession(a.ID, base.Add(time.Hour)), newSession(a.ID, base.Add(time.Hour))
		must(t, s.CreateSession(t.Context(), one), "CreateSession")
		must(t, s.CreateSession(t.Context(), two), "CreateSession")
		must(t, s.DeleteSession(t.Context(), one.IDHash), "DeleteSession")
		must(t, s.DeleteSession(t.Context(), one.IDHash), "DeleteSession again")
		_, err := s.Session(t.Context(), one.IDHash, base)
		wantErrIs(t, err, store.ErrNotFound, "Session after sign-out")
		if _, err := s.Session(t.Context(), two.IDHash, base); err != nil {
			t.Errorf("the other session ended with the first: %v", err)
		}
	})

	t.Run("DeleteExpiredSessions", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		a := newAccount(t, s)
		var old []*store.Session
		for i := range 3 {
			sess := newSession(a.ID, base.Add(time.Duration(i)*time.Second))
			must(t, s.CreateSession(t.Context(), sess), "CreateSession")
			old = append(old, sess)
		}
		live := newSession(a.ID, base.Add(time.Hour))
		must(t, s.CreateSession(t.Context(), live), "CreateSession live")
		now := base.Add(time.Minute)
		n, err := s.DeleteExpiredSessions(t.Context(), now, 2)
		must(t, err, "DeleteExpiredSessions")
		if n != 2 {
			t.Errorf("DeleteExpiredSessions(limit 2) = %d", n)
		}
		n, err = s.DeleteExpiredSessions(t.Context(), now, 10)
		must(t, err, "DeleteExpiredSessions")
		if n != 1 {
			t.Errorf("DeleteExpiredSessions after the first two = %d, want 1", n)
		}
		// An expired session is gone even when asked for with a clock
		// before its expiry: it was deleted, not just hidden.
		_, err = s.Session(t.Context(), old[0].IDHash, base.Add(-time.Hour))
		wantErrIs(t, err, store.ErrNotFound, "Session deleted")
		if _, err := s.Session(t.Context(), live.IDHash, now); err != nil {
			t.Errorf("live session deleted: %v", err)
		}
	})

	t.Run("ImportTimes", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		a, b := newAccount(t, s), newAccount(t, s)
		imp := newImport(a.ID, kore.NewBotID(), true)
		createImport(t, s, imp)
		got, err := s.ImportTimes(t.Context(), a.ID, imp.ID)
		must(t, err, "ImportTimes before any")
		if len(got) != 0 {
			t.Errorf("ImportTimes of a new import = %q, want none", got)
		}
		rev := importRev(t, s, a.ID, imp.ID)
		times := []byte(`{"ends":[1,2,3]}`)
		must(t, s.SaveImportTimes(t.Context(), imp.ID, times), "SaveImportTimes")
		got, err = s.ImportTimes(t.Context(), a.ID, imp.ID)
		must(t, err, "ImportTimes")
		if !bytes.Equal(got, times) {
			t.Errorf("ImportTimes = %q, want %q", got, times)
		}
		if r := importRev(t, s, a.ID, imp.ID); r != rev {
			t.Errorf("SaveImportTimes moved the document's revision %d to %d: the event stream would send an event for no change", rev, r)
		}
		// Times of an import that has ended are still written: the last
		// stage's end is recorded with the import's end.
		must(t, s.FinishImport(t.Context(), imp.ID, store.StatusFailure, []byte(`{"status":"failure"}`), base), "FinishImport")
		must(t, s.SaveImportTimes(t.Context(), imp.ID, []byte(`{"ends":[4]}`)), "SaveImportTimes after the end")
		got, _ = s.ImportTimes(t.Context(), a.ID, imp.ID)
		if string(got) != `{"ends":[4]}` {
			t.Errorf("ImportTimes after the end = %q", got)
		}
		_, err = s.ImportTimes(t.Context(), b.ID, imp.ID)
		wantErrIs(t, err, store.ErrNotFound, "ImportTimes of another account's import")
		wantErrIs(t, s.SaveImportTimes(t.Context(), kore.NewImportID(), times), store.ErrNotFound, "SaveImportTimes unknown")
	})
}

// importRev is the revision of an import's status document.
func importRev(t *testing.T, s store.Store, accountID, id string) int64 {
	t.Helper()
	st, err := s.ImportState(t.Context(), accountID, id, 0)
	must(t, err, "ImportState")
	return st.Rev
}
