// Package blobtest is the conformance suite of the blob seam: every backend
// botport supports (file://, mem://, s3://) runs the same tests.
//
// Sizes are chosen for the S3 backend's multipart uploads: "large" is more
// than two parts (three parts, the last short), so that the first part,
// the parts between and the last are all exercised.
package blobtest

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/botport/botport/internal/blob"
)

// Run runs the suite against the stores open returns (empty, one per test).
func Run(t *testing.T, open func(t *testing.T) *blob.Store) {
	ctx := context.Background()
	t.Run("WriteOpenSizeDelete", func(t *testing.T) {
		s := open(t)
		data := random(t, large)
		n, err := s.Write(ctx, "uploads/acct/file1", bytes.NewReader(data))
		if err != nil || n != int64(len(data)) {
			t.Fatalf("Write: %d %v", n, err)
		}
		if got := read(t, s, "uploads/acct/file1"); !bytes.Equal(got, data) {
			t.Fatalf("read back %d bytes, not the %d written", len(got), len(data))
		}
		if size, err := s.Size(ctx, "uploads/acct/file1"); err != nil || size != int64(len(data)) {
			t.Errorf("Size: %d %v", size, err)
		}
		if err := s.Delete(ctx, "uploads/acct/file1"); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Open(ctx, "uploads/acct/file1"); !errors.Is(err, blob.ErrNotFound) {
			t.Errorf("Open after Delete: %v, want ErrNotFound", err)
		}
		if err := s.Delete(ctx, "uploads/acct/file1"); err != nil {
			t.Errorf("Delete of a missing blob: %v", err)
		}
	})
	t.Run("NotFound", func(t *testing.T) {
		s := open(t)
		if _, err := s.Open(ctx, "nope"); !errors.Is(err, blob.ErrNotFound) {
			t.Errorf("Open: %v", err)
		}
		if _, err := s.Size(ctx, "nope"); !errors.Is(err, blob.ErrNotFound) {
			t.Errorf("Size: %v", err)
		}
		if _, err := s.NewReaderAt(ctx, "nope"); !errors.Is(err, blob.ErrNotFound) {
			t.Errorf("NewReaderAt: %v", err)
		}
	})
	t.Run("FailedWriteLeavesNothing", func(t *testing.T) {
		for _, size := range []int{0, 1 << 20, large} {
			s := open(t)
			boom := errors.New("client went away")
			r := io.MultiReader(bytes.NewReader(random(t, size)), errReader{boom})
			if _, err := s.Write(ctx, "partial", r); !errors.Is(err, boom) {
				t.Fatalf("Write of %d bytes: %v, want the reader's error", size, err)
			}
			if _, err := s.Open(ctx, "partial"); !errors.Is(err, blob.ErrNotFound) {
				t.Errorf("a write failing after %d bytes left a blob: %v", size, err)
			}
		}
	})
	t.Run("FailedOverwriteKeepsTheBlob", func(t *testing.T) {
		s := open(t)
		if _, err := s.Write(ctx, "k", strings.NewReader("kept")); err != nil {
			t.Fatal(err)
		}
		boom := errors.New("client went away")
		if _, err := s.Write(ctx, "k", io.MultiReader(bytes.NewReader(random(t, large)), errReader{boom})); !errors.Is(err, boom) {
			t.Fatalf("Write: %v, want the reader's error", err)
		}
		if got := read(t, s, "k"); string(got) != "kept" {
			t.Errorf("after a failed overwrite the blob reads %d bytes, want the old 4", len(got))
		}
	})
	t.Run("CancelledWriteLeavesNothing", func(t *testing.T) {
		// The source ends cleanly just after the caller gave up: the
		// write must still not appear.
		for _, size := range []int{1 << 10, large} {
			s := open(t)
			cctx, cancel := context.WithCancel(ctx)
			r := io.MultiReader(bytes.NewReader(random(t, size)), cancelReader{cancel})
			if _, err := s.Write(cctx, "cancelled", r); !errors.Is(err, context.Canceled) {
				t.Errorf("Write of %d bytes, cancelled at the end: %v, want context.Canceled", size, err)
			}
			cancel()
			if _, err := s.Size(ctx, "cancelled"); !errors.Is(err, blob.ErrNotFound) {
				t.Errorf("a write cancelled after %d bytes left a blob: %v", size, err)
			}
		}
	})
	t.Run("Empty", func(t *testing.T) {
		s := open(t)
		if n, err := s.Write(ctx, "empty", strings.NewReader("")); n != 0 || err != nil {
			t.Fatalf("Write: %d %v", n, err)
		}
		if size, err := s.Size(ctx, "empty"); size != 0 || err != nil {
			t.Errorf("Size: %d %v", size, err)
		}
		if got := read(t, s, "empty"); len(got) != 0 {
			t.Errorf("read %d bytes", len(got))
		}
		ra, err := s.NewReaderAt(ctx, "empty")
		if err != nil {
			t.Fatal(err)
		}
		defer ra.Close()
		if n, err := ra.ReadAt(make([]byte, 1), 0); n != 0 || err != io.EOF {
			t.Errorf("ReadAt: %d %v", n, err)
		}
	})
	t.Run("Keys", func(t *testing.T) {
		s := open(t)
		for _, key := range []string{"exports/acct/0123.zip", "a/b/c/d/e", "k-_~ x@y", "ünïcode/ключ"} {
			if _, err := s.Write(ctx, key, strings.NewReader(key)); err != nil {
				t.Errorf("Write(%q): %v", key, err)
				continue
			}
			if got := read(t, s, key); string(got) != key {
				t.Errorf("%q reads %q", key, got)
			}
		}
		// A prefix of keys is not a blob.
		if _, err := s.Open(ctx, "a/b"); !errors.Is(err, blob.ErrNotFound) {
			t.Errorf("Open of a key prefix: %v, want ErrNotFound", err)
		}
		if _, err := s.Size(ctx, "a/b"); !errors.Is(err, blob.ErrNotFound) {
			t.Errorf("Size of a key prefix: %v, want ErrNotFound", err)
		}
		if err := s.Delete(ctx, "a/b"); err != nil {
			t.Errorf("Delete of a key prefix: %v", err)
		}
		if got := read(t, s, "a/b/c/d/e"); string(got) != "a/b/c/d/e" {
			t.Errorf("after Delete of its prefix the blob reads %q", got)
		}
	})
	t.Run("InvalidKeys", func(t *testing.T) {
		s := open(t)
		for _, key := range []string{"", "/abs", "a//b", "a/", "..", "../escape", "a/../../b", ".", "./a", "a/.hidden",
			`a\b`, "a\x00b", "a\nb"} {
			if _, err := s.Write(ctx, key, strings.NewReader("x")); !errors.Is(err, blob.ErrInvalidKey) {
				t.Errorf("Write(%q): %v, want ErrInvalidKey", key, err)
			}
			if _, err := s.Open(ctx, key); !errors.Is(err, blob.ErrInvalidKey) {
				t.Errorf("Open(%q): %v, want ErrInvalidKey", key, err)
			}
			if _, err := s.OpenRange(ctx, key, 0, 1); !errors.Is(err, blob.ErrInvalidKey) {
				t.Errorf("OpenRange(%q): %v, want ErrInvalidKey", key, err)
			}
			if _, err := s.Size(ctx, key); !errors.Is(err, blob.ErrInvalidKey) {
				t.Errorf("Size(%q): %v, want ErrInvalidKey", key, err)
			}
			if err := s.Delete(ctx, key); !errors.Is(err, blob.ErrInvalidKey) {
				t.Errorf("Delete(%q): %v, want ErrInvalidKey", key, err)
			}
		}
	})
	t.Run("RangesAndReaderAt", func(t *testing.T) {
		s := open(t)
		data := random(t, 200_000)
		if _, err := s.Write(ctx, "z", bytes.NewReader(data)); err != nil {
			t.Fatal(err)
		}
		rc, err := s.OpenRange(ctx, "z", 1000, 500)
		if err != nil {
			t.Fatal(err)
		}
		got, _ := io.ReadAll(rc)
		rc.Close()
		if !bytes.Equal(got, data[1000:1500]) {
			t.Errorf("OpenRange: wrong bytes")
		}
		for _, r := range []struct {
			off, length int64
			want        []byte
		}{
			{0, -1, data},
			{199_000, -1, data[199_000:]},
			{199_000, 5000, data[199_000:]}, // cut at the end
			{300, 0, nil},
			{200_000, -1, nil}, // at the end
			{250_000, 10, nil}, // past the end
		} {
			rc, err := s.OpenRange(ctx, "z", r.off, r.length)
			if err != nil {
				t.Errorf("OpenRange(%d, %d): %v", r.off, r.length, err)
				continue
			}
			got, err := io.ReadAll(rc)
			rc.Close()
			if err != nil || !bytes.Equal(got, r.want) {
				t.Errorf("OpenRange(%d, %d): %d bytes (%v), want %d", r.off, r.length, len(got), err, len(r.want))
			}
		}
		if _, err := s.OpenRange(ctx, "nope", 0, 0); !errors.Is(err, blob.ErrNotFound) {
			t.Errorf("OpenRange(nope, 0, 0): %v, want ErrNotFound", err)
		}
		ra, err := s.NewReaderAt(ctx, "z")
		if err != nil {
			t.Fatal(err)
		}
		defer ra.Close()
		if ra.Size() != int64(len(data)) {
			t.Errorf("ReaderAt size %d", ra.Size())
		}
		// Sequential, backwards and past-the-end reads.
		for _, off := range []int64{0, 4096, 8192, 150_000, 10, 199_990} {
			buf := make([]byte, 4096)
			n, err := ra.ReadAt(buf, off)
			want := data[off:min(off+4096, int64(len(data)))]
			if !bytes.Equal(buf[:n], want) || (n < len(buf) && err != io.EOF) {
				t.Errorf("ReadAt(%d): %d bytes, err %v", off, n, err)
			}
		}
		if n, err := ra.ReadAt(make([]byte, 10), int64(len(data))); n != 0 || err != io.EOF {
			t.Errorf("ReadAt at the end: %d %v", n, err)
		}
	})
	t.Run("Overwrite", func(t *testing.T) {
		s := open(t)
		for _, v := range []string{"first", "second"} {
			if _, err := s.Write(ctx, "k", bytes.NewReader([]byte(v))); err != nil {
				t.Fatal(err)
			}
		}
		if got := read(t, s, "k"); string(got) != "second" {
			t.Errorf("read %q", got)
		}
	})
}

// large is three S3 parts, the last short.
const large = 2*blob.PartSize + 17

type errReader struct{ err error }

// cancelReader cancels the write's context, then ends the source cleanly.
type cancelReader struct{ cancel context.CancelFunc }

func (c cancelReader) Read([]byte) (int, error) {
	c.cancel()
	return 0, io.EOF
}

func (e errReader) Read([]byte) (int, error) { return 0, e.err }

func random(t *testing.T, n int) []byte {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return b
}

func read(t *testing.T, s *blob.Store, key string) []byte {
	t.Helper()
	rc, err := s.Open(context.Background(), key)
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	b, err := io.ReadAll(rc)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
