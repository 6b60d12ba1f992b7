package upload_test

import (
	"context"
	"crypto/sha1"
	"encoding/hex"
	"errors"
	"io"
	"io/fs"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/riverqueue/river"

	"github.com/botport/botport/internal/blob"
	"github.com/botport/botport/internal/kore"
	"github.com/botport/botport/internal/store"
	"github.com/botport/botport/internal/store/sqlite"
	"github.com/botport/botport/internal/upload"
)

type fixture struct {
	svc        *upload.Service
	st         store.Store
	blobs      *blob.Store
	dir        string // the blob store's directory
	acct, peer string
	now        time.Time
}

// newFixture is a service over a real SQLite store and an in-memory blob
// store, with a clock the test moves, and two accounts.
func newFixture(t *testing.T) *fixture {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	st, err := sqlite.Open(ctx, filepath.Join(dir, "botport.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	blobs, err := blob.Open(ctx, filepath.Join(dir, "blobs"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { blobs.Close() })
	f := &fixture{st: st, blobs: blobs, dir: filepath.Join(dir, "blobs"), now: time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)}
	for _, p := range []*string{&f.acct, &f.peer} {
		a, err := st.EnsureAccount(ctx, kore.NewUUID())
		if err != nil {
			t.Fatal(err)
		}
		*p = a.ID
	}
	f.svc = &upload.Service{Files: st, Blobs: blobs, TTL: time.Hour, Now: func() time.Time { return f.now }}
	return f
}

// put writes and saves content as a file of account.
func (f *fixture) put(t *testing.T, account, content string) *store.File {
	t.Helper()
	ctx := context.Background()
	file, err := f.svc.Write(ctx, account, strings.NewReader(content))
	if err != nil {
		t.Fatal(err)
	}
	file.Name, file.Context, file.Extension = "botDefinition.json", "bulkImport", "json"
	if err := f.svc.Save(ctx, file); err != nil {
		t.Fatal(err)
	}
	return file
}

func TestWriteSaveUsable(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	file := f.put(t, f.acct, `{"dialogs":[]}`)
	sum := sha1.Sum([]byte(`{"dialogs":[]}`))
	if file.BlobKey != "uploads/"+f.acct+"/"+file.ID || !kore.IsHexID(file.ID) || file.Size != 14 || file.SHA1 != hex.EncodeToString(sum[:]) {
		t.Errorf("file %+v", file)
	}
	if !file.CreatedOn.Equal(f.now) || !file.ExpiresOn.Equal(f.now.Add(time.Hour)) {
		t.Errorf("created %v expires %v", file.CreatedOn, file.ExpiresOn)
	}
	got, err := f.svc.Usable(ctx, f.acct, file.ID, f.now.Add(time.Hour-time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	if got.ID != file.ID || got.BlobKey != file.BlobKey || got.Name != "botDefinition.json" || got.Size != 14 {
		t.Errorf("usable %+v", got)
	}
	rc, err := f.blobs.Open(ctx, got.BlobKey)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(rc)
	rc.Close()
	if string(b) != `{"dialogs":[]}` {
		t.Errorf("stored %q", b)
	}

	for name, c := range map[string]struct {
		account, id string
		at          time.Time
	}{
		"malformed":        {f.acct, "bogus", f.now},
		"upper-case hex":   {f.acct, strings.ToUpper(file.ID), f.now},
		"unknown":          {f.acct, kore.NewHexID(), f.now},
		"another account":  {f.peer, file.ID, f.now},
		"at its expiry":    {f.acct, file.ID, f.now.Add(time.Hour)},
		"after its expiry": {f.acct, file.ID, f.now.Add(2 * time.Hour)},
	} {
		t.Run(name, func(t *testing.T) {
			if _, err := f.svc.Usable(ctx, c.account, c.id, c.at); !errors.Is(err, kore.ErrFileID) {
				t.Errorf("err %v, want ErrFileID", err)
			}
		})
	}
}

// A failing body leaves nothing stored and its error reaches the caller.
func TestWriteFailure(t *testing.T) {
	f := newFixture(t)
	broken := errors.New("client went away")
	_, err := f.svc.Write(context.Background(), f.acct, io.MultiReader(strings.NewReader("partial"), errReader{broken}))
	if !errors.Is(err, broken) {
		t.Fatalf("err %v, want the reader's", err)
	}
	var left []string
	err = filepath.WalkDir(f.dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			left = append(left, p)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(left) != 0 {
		t.Errorf("files left after a failed write: %v", left)
	}
}

type errReader struct{ err error }

func (r errReader) Read([]byte) (int, error) { return 0, r.err }

func TestDiscard(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	file, err := f.svc.Write(ctx, f.acct, strings.NewReader("x"))
	if err != nil {
		t.Fatal(err)
	}
	if err := f.svc.Discard(ctx, file); err != nil {
		t.Fatal(err)
	}
	if _, err := f.blobs.Size(ctx, file.BlobKey); !errors.Is(err, blob.ErrNotFound) {
		t.Errorf("blob after Discard: %v", err)
	}
}

// TestCleanup: the worker deletes expired files, bytes and row, and keeps
// the others.
func TestCleanup(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	old := f.put(t, f.acct, "old")
	f.now = f.now.Add(30 * time.Minute)
	fresh := f.put(t, f.peer, "fresh")
	f.now = f.now.Add(31 * time.Minute) // old expired, fresh has 29 minutes left
	if err := f.svc.CleanupWorker().Work(ctx, &river.Job[upload.CleanupArgs]{}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.st.File(ctx, f.acct, old.ID); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("expired file row: %v", err)
	}
	if _, err := f.blobs.Size(ctx, old.BlobKey); !errors.Is(err, blob.ErrNotFound) {
		t.Errorf("expired file bytes: %v", err)
	}
	if _, err := f.svc.Usable(ctx, f.peer, fresh.ID, f.now); err != nil {
		t.Errorf("fresh file: %v", err)
	}
	if n, err := f.svc.DeleteExpired(ctx, 10); err != nil || n != 0 {
		t.Errorf("second run deleted %d (%v)", n, err)
	}
}
