package storetest

import (
	"testing"
	"time"

	"github.com/botport/botport/internal/kore"
	"github.com/botport/botport/internal/store"
)

// newFile returns an uploaded file of accountID that expires at expires.
func newFile(accountID string, expires time.Time) *store.File {
	id := kore.NewHexID()
	return &store.File{
		ID: id, AccountID: accountID, BlobKey: "uploads/" + id, Name: "export.zip", Context: "bulkImport",
		Extension: "zip", Size: 1 << 33, SHA1: "da39a3ee5e6b4b0d3255bfef95601890afd80709",
		CreatedOn: base, ExpiresOn: expires,
	}
}

// createFiles stores files.
func createFiles(t *testing.T, s store.Store, files ...*store.File) {
	t.Helper()
	for _, f := range files {
		must(t, s.CreateFile(t.Context(), f), "CreateFile")
	}
}

// expiredIDs returns the ids ExpiredFiles lists at now.
func expiredIDs(t *testing.T, s store.Store, now time.Time, limit int) []string {
	t.Helper()
	files, err := s.ExpiredFiles(t.Context(), now, limit)
	must(t, err, "ExpiredFiles")
	var ids []string
	for _, f := range files {
		ids = append(ids, f.ID)
	}
	return ids
}

// testFiles covers CreateFile, File, ExpiredFiles and DeleteFile.
func testFiles(t *testing.T, open opener) {
	t.Run("RoundTrip", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		acct := newAccount(t, s)
		want := newFile(acct.ID, base.Add(24*time.Hour))
		createFiles(t, s, want)
		got, err := s.File(t.Context(), acct.ID, want.ID)
		must(t, err, "File")
		if got.ID != want.ID || got.AccountID != want.AccountID || got.BlobKey != want.BlobKey ||
			got.Name != want.Name || got.Context != want.Context || got.Extension != want.Extension ||
			got.Size != want.Size || got.SHA1 != want.SHA1 {
			t.Errorf("File = %+v, want %+v", got, want)
		}
		wantTime(t, "CreatedOn", got.CreatedOn, want.CreatedOn)
		wantTime(t, "ExpiresOn", got.ExpiresOn, want.ExpiresOn)
		_, err = s.File(t.Context(), acct.ID, kore.NewHexID())
		wantErrIs(t, err, store.ErrNotFound, "File unknown")
	})

	t.Run("AccountIsolation", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		owner, other := newAccount(t, s), newAccount(t, s)
		f := newFile(owner.ID, base.Add(time.Hour))
		createFiles(t, s, f)
		_, err := s.File(t.Context(), other.ID, f.ID)
		wantErrIs(t, err, store.ErrNotFound, "File of another account")
	})

	t.Run("ExpiredFiles", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		acct := newAccount(t, s)
		now := base
		expired := newFile(acct.ID, now.Add(-time.Hour))
		live := newFile(acct.ID, now.Add(time.Hour))
		atNow := newFile(acct.ID, now) // not before now: not expired yet
		inUse := newFile(acct.ID, now.Add(-2*time.Hour))
		createFiles(t, s, expired, live, atNow, inUse)
		imp := newImport(acct.ID, kore.NewBotID(), true, inUse.ID)
		createImport(t, s, imp)

		if got, want := expiredIDs(t, s, now, 100), []string{expired.ID}; !sameSet(got, want) {
			t.Errorf("ExpiredFiles with a pending import = %v, want %v (file %s is in use)", got, want, inUse.ID)
		}
		must(t, s.FinishImport(t.Context(), imp.ID, store.StatusFailure, []byte(`{"status":"failure"}`), now), "FailImport")
		if got, want := expiredIDs(t, s, now, 100), []string{expired.ID, inUse.ID}; !sameSet(got, want) {
			t.Errorf("ExpiredFiles after the import failed = %v, want %v", got, want)
		}
		if got, want := expiredIDs(t, s, now.Add(2*time.Hour), 100), []string{expired.ID, inUse.ID, atNow.ID, live.ID}; !sameSet(got, want) {
			t.Errorf("ExpiredFiles two hours later = %v, want %v", got, want)
		}
	})

	t.Run("ExpiredFilesLimit", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		acct := newAccount(t, s)
		for i := range 5 {
			createFiles(t, s, newFile(acct.ID, base.Add(-time.Duration(i+1)*time.Minute)))
		}
		if got := expiredIDs(t, s, base, 2); len(got) != 2 {
			t.Errorf("ExpiredFiles limit 2 returned %d files", len(got))
		}
		if got := expiredIDs(t, s, base, 10); len(got) != 5 {
			t.Errorf("ExpiredFiles limit 10 returned %d files, want 5", len(got))
		}
	})

	t.Run("Delete", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		acct := newAccount(t, s)
		gone, kept := newFile(acct.ID, base.Add(-time.Hour)), newFile(acct.ID, base.Add(-time.Hour))
		createFiles(t, s, gone, kept)
		must(t, s.DeleteFile(t.Context(), gone.ID), "DeleteFile")
		_, err := s.File(t.Context(), acct.ID, gone.ID)
		wantErrIs(t, err, store.ErrNotFound, "File after DeleteFile")
		_, err = s.File(t.Context(), acct.ID, kept.ID)
		must(t, err, "File not deleted")
		if got, want := expiredIDs(t, s, base, 10), []string{kept.ID}; !sameSet(got, want) {
			t.Errorf("ExpiredFiles after DeleteFile = %v, want %v", got, want)
		}
	})
}
