package importer_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/botport/botport/internal/blob"
	"github.com/botport/botport/internal/kore"
	"github.com/botport/botport/internal/store"
	"github.com/botport/botport/internal/store/sqlite"
	"github.com/botport/botport/internal/store/sqlstore"
)

// testBase is what the importer's tests run on: a real SQLite store and
// blob directory in the test's temporary directory, and one account.
type testBase struct {
	db    *sqlstore.DB
	blobs *blob.Store
	acct  *store.Account
}

// newTestBase opens the store and blobs (closed when the test ends) and
// creates the account named account.
func newTestBase(t *testing.T, account string) *testBase {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	db, err := sqlite.Open(ctx, filepath.Join(dir, sqlite.FileName))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	blobs, err := blob.Open(ctx, filepath.Join(dir, "blobs"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { blobs.Close() })
	acct, err := db.EnsureAccount(ctx, account)
	if err != nil {
		t.Fatal(err)
	}
	return &testBase{db: db, blobs: blobs, acct: acct}
}

// app returns a new app of the account.
func (b *testBase) app() *store.App {
	return &store.App{ID: kore.NewAppID(), AccountID: b.acct.ID, UserID: kore.NewUserID()}
}

// upload stores the file at path as the account's upload named name, usable
// for an hour, and returns its id.
func (b *testBase) upload(t *testing.T, name, path string) string {
	t.Helper()
	ctx := context.Background()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	file := &store.File{ID: kore.NewHexID(), AccountID: b.acct.ID, BlobKey: "uploads/" + kore.NewHexID(), Name: name,
		Context: "bulkImport", Extension: strings.TrimPrefix(filepath.Ext(name), "."), CreatedOn: time.Now(), ExpiresOn: time.Now().Add(time.Hour)}
	if file.Size, err = b.blobs.Write(ctx, file.BlobKey, f); err != nil {
		t.Fatal(err)
	}
	if err := b.db.CreateFile(ctx, file); err != nil {
		t.Fatal(err)
	}
	return file.ID
}
