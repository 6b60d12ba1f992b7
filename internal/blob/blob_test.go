package blob_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/botport/botport/internal/blob"
	"github.com/botport/botport/internal/blob/blobtest"
)

func TestFile(t *testing.T) {
	blobtest.Run(t, func(t *testing.T) *blob.Store { return mustOpen(t, "file://"+filepath.Join(t.TempDir(), "blobs")) })
}

func TestPlainPath(t *testing.T) {
	blobtest.Run(t, func(t *testing.T) *blob.Store { return mustOpen(t, filepath.Join(t.TempDir(), "blobs")) })
}

func TestMem(t *testing.T) {
	blobtest.Run(t, func(t *testing.T) *blob.Store { return mustOpen(t, "mem://") })
}

// TestS3 runs the suite against a real S3-compatible server on loopback
// (moto_server in CI), at BOTPORT_TEST_S3. Without it the test skips,
// except under CI=true.
func TestS3(t *testing.T) {
	blobtest.Run(t, func(t *testing.T) *blob.Store { return mustOpen(t, blobtest.S3Bucket(t)) })
}

// TestS3DefaultChecksums runs the suite with the SDK's default checksums
// (CRC32 on every upload and part, as on AWS), which the multipart
// completion must repeat part by part.
func TestS3DefaultChecksums(t *testing.T) {
	blobtest.Run(t, func(t *testing.T) *blob.Store {
		u, err := url.Parse(blobtest.S3Bucket(t))
		if err != nil {
			t.Fatal(err)
		}
		q := u.Query()
		q.Del("request_checksum_calculation")
		q.Del("response_checksum_validation")
		u.RawQuery = q.Encode()
		return mustOpen(t, u.String())
	})
}

// TestS3AbortsFailedUploads: a write failing after some parts were sent
// aborts its multipart upload, so S3 does not keep (and bill) the parts.
func TestS3AbortsFailedUploads(t *testing.T) {
	ctx := context.Background()
	s := mustOpen(t, blobtest.S3Bucket(t))
	boom := errors.New("client went away")
	src := io.MultiReader(bytes.NewReader(make([]byte, 2*blob.PartSize+1)), errorAfter{boom})
	if _, err := s.Write(ctx, "partial", src); !errors.Is(err, boom) {
		t.Fatalf("Write: %v", err)
	}
	cctx, cancel := context.WithCancel(ctx)
	src = io.MultiReader(bytes.NewReader(make([]byte, 2*blob.PartSize+1)), cancelAfter{cancel})
	if _, err := s.Write(cctx, "cancelled", src); !errors.Is(err, context.Canceled) {
		t.Fatalf("Write: %v", err)
	}
	if n, err := blob.PendingUploads(ctx, s); n != 0 || err != nil {
		t.Errorf("%d multipart uploads left (%v), want 0", n, err)
	}
}

type errorAfter struct{ err error }

func (e errorAfter) Read([]byte) (int, error) { return 0, e.err }

type cancelAfter struct{ cancel context.CancelFunc }

func (c cancelAfter) Read([]byte) (int, error) {
	c.cancel()
	return 0, io.EOF
}

func TestOpenURLs(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		url, err string // err: a part of the error, "" for none
	}{
		{"mem://", ""},
		{"s3://bucket?region=eu-west-1", ""},
		{"s3://bucket?region=us-east-1&endpoint=http://127.0.0.1:9000&use_path_style=true&disable_https=true" +
			"&request_checksum_calculation=when_required&response_checksum_validation=WHEN_SUPPORTED", ""},
		{"s3://bucket?endpoint=127.0.0.1:9000&disable_https=true&region=x", ""},
		{"s3://?region=eu-west-1", "no bucket name"},
		{"s3://bucket?regoin=eu-west-1", `unknown query parameter "regoin"`},
		{"s3://bucket?use_path_style=yes", "use_path_style"},
		{"s3://bucket?disable_https=2", "disable_https"},
		{"s3://bucket?request_checksum_calculation=never", "request_checksum_calculation"},
		{"s3://bucket?response_checksum_validation=always", "response_checksum_validation"},
		{"s3://bucket?region=x&secret_key=hunter2&unknown=1", "REDACTED"},
		{"gs://bucket", `unknown scheme "gs"`},
	} {
		s, err := blob.Open(ctx, tc.url)
		switch {
		case tc.err == "" && err != nil:
			t.Errorf("Open(%s): %v", tc.url, err)
		case tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err)):
			t.Errorf("Open(%s): %v, want an error with %q", tc.url, err, tc.err)
		case strings.Contains(tc.url, "hunter2") && err != nil && strings.Contains(err.Error(), "hunter2"):
			t.Errorf("Open(%s): the error shows the secret: %v", tc.url, err)
		}
		if err == nil {
			s.Close()
		}
	}
}

// TestFileModes: blobs are readable by the server's user only.
func TestFileModes(t *testing.T) {
	root := filepath.Join(t.TempDir(), "blobs")
	s := mustOpen(t, root)
	if _, err := s.Write(context.Background(), "uploads/acct/f", strings.NewReader("x")); err != nil {
		t.Fatal(err)
	}
	for p, want := range map[string]fs.FileMode{
		"":               fs.ModeDir | 0o700,
		"uploads":        fs.ModeDir | 0o700,
		"uploads/acct":   fs.ModeDir | 0o700,
		"uploads/acct/f": 0o600,
	} {
		fi, err := os.Stat(filepath.Join(root, p))
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode() != want {
			t.Errorf("%s: mode %v, want %v", p, fi.Mode(), want)
		}
	}
}

// TestFileLeavesNoTemporaryFiles: failed and cancelled writes remove
// their temporary files.
func TestFileLeavesNoTemporaryFiles(t *testing.T) {
	ctx := context.Background()
	root := t.TempDir()
	s := mustOpen(t, root)
	if _, err := s.Write(ctx, "a/failed", io.MultiReader(strings.NewReader("some"), errorAfter{errors.New("boom")})); err == nil {
		t.Fatal("Write succeeded")
	}
	cctx, cancel := context.WithCancel(ctx)
	if _, err := s.Write(cctx, "a/cancelled", io.MultiReader(strings.NewReader("some"), cancelAfter{cancel})); err == nil {
		t.Fatal("Write succeeded")
	}
	if _, err := s.Write(ctx, "a/kept", strings.NewReader("kept")); err != nil {
		t.Fatal(err)
	}
	var files []string
	filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			files = append(files, strings.TrimPrefix(p, root))
		}
		return err
	})
	if len(files) != 1 || files[0] != "/a/kept" {
		t.Errorf("files in the directory: %q, want only /a/kept", files)
	}
}

// TestFileLayout: a key is the file at its path, as gocloud.dev's fileblob
// laid them out, so data directories of earlier versions read as they are.
func TestFileLayout(t *testing.T) {
	root := t.TempDir()
	if err := os.MkdirAll(filepath.Join(root, "exports", "acct"), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(root, "exports", "acct", "e1.zip"), []byte("zip"), 0o600); err != nil {
		t.Fatal(err)
	}
	s := mustOpen(t, root)
	rc, err := s.Open(context.Background(), "exports/acct/e1.zip")
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	if b, _ := io.ReadAll(rc); string(b) != "zip" {
		t.Errorf("read %q", b)
	}
}

func mustOpen(t *testing.T, u string) *blob.Store {
	t.Helper()
	s, err := blob.Open(context.Background(), u)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}
