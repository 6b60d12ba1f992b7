// Package blobtest is the conformance suite of the blob seam: every backend
// botport supports (file://, mem://, s3://) runs the same tests.
package blobtest

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"io"
	"testing"

	"github.com/botport/botport/internal/blob"
)

// Run runs the suite against the stores open returns (empty, one per test).
func Run(t *testing.T, open func(t *testing.T) *blob.Store) {
	ctx := context.Background()
	t.Run("WriteOpenSizeDelete", func(t *testing.T) {
		s := open(t)
		data := random(t, 3<<20+17) // several multipart chunks on S3
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
		s := open(t)
		boom := errors.New("client went away")
		r := io.MultiReader(bytes.NewReader(random(t, 1<<20)), errReader{boom})
		if _, err := s.Write(ctx, "partial", r); !errors.Is(err, boom) {
			t.Fatalf("Write: %v, want the reader's error", err)
		}
		if _, err := s.Open(ctx, "partial"); !errors.Is(err, blob.ErrNotFound) {
			t.Errorf("a failed write left a blob: %v", err)
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

type errReader struct{ err error }

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
