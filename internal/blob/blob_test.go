package blob_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/botport/botport/internal/blob"
	"github.com/botport/botport/internal/blob/blobtest"
)

func TestFile(t *testing.T) {
	blobtest.Run(t, func(t *testing.T) *blob.Store { return mustOpen(t, "file://"+filepath.Join(t.TempDir(), "blobs")) })
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

func mustOpen(t *testing.T, u string) *blob.Store {
	t.Helper()
	s, err := blob.Open(context.Background(), u)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}
