package blobtest

import (
	"net/http"
	"net/url"
	"os"
	"testing"

	"github.com/botport/botport/internal/kore"
)

// S3Bucket creates a fresh bucket on the S3-compatible server at
// BOTPORT_TEST_S3 (moto_server in CI) and returns its blob URL. Without the
// variable the test skips, except under CI=true, where it is a failure.
func S3Bucket(t testing.TB) string {
	t.Helper()
	endpoint := os.Getenv("BOTPORT_TEST_S3")
	if endpoint == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("BOTPORT_TEST_S3 is not set: CI must start an S3-compatible server")
		}
		t.Skip("BOTPORT_TEST_S3 is not set (e.g. moto_server -p 5000, then BOTPORT_TEST_S3=http://127.0.0.1:5000)")
	}
	if os.Getenv("AWS_ACCESS_KEY_ID") == "" {
		t.Setenv("AWS_ACCESS_KEY_ID", "test")
		t.Setenv("AWS_SECRET_ACCESS_KEY", "test")
	}
	bucket := "botport-" + kore.NewHexID()
	req, err := http.NewRequest(http.MethodPut, endpoint+"/"+bucket, nil)
	if err != nil {
		t.Fatalf("BOTPORT_TEST_S3=%q is not an http:// URL: %v", endpoint, err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("create bucket: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("create bucket: %s", resp.Status)
	}
	q := url.Values{"endpoint": {endpoint}, "region": {"us-east-1"}, "use_path_style": {"true"}, "disable_https": {"true"},
		"request_checksum_calculation": {"when_required"}, "response_checksum_validation": {"when_required"}}
	return "s3://" + bucket + "?" + q.Encode()
}
