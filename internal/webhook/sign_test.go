package webhook

import (
	"encoding/base64"
	"strings"
	"testing"
	"time"
)

// TestSign checks the signature against the Standard Webhooks reference
// libraries' test vector.
func TestSign(t *testing.T) {
	got, err := Sign("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "msg_p5jXN8AQM9LWM0D4loKWxJek", time.Unix(1614265330, 0),
		[]byte(`{"test": 2432232314}`))
	if err != nil {
		t.Fatal(err)
	}
	if want := "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="; got != want {
		t.Errorf("Sign = %s, want %s", got, want)
	}
	for _, bad := range []string{"whsec_", "whsec_not base64!", ""} {
		if _, err := Sign(bad, "msg_1", time.Unix(1, 0), nil); err == nil {
			t.Errorf("Sign with secret %q: no error", bad)
		}
	}
}

func TestNewSecret(t *testing.T) {
	a, b := NewSecret(), NewSecret()
	if a == b || !strings.HasPrefix(a, SecretPrefix) {
		t.Fatalf("secrets %q, %q", a, b)
	}
	k, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(a, SecretPrefix))
	if err != nil || len(k) < 24 {
		t.Errorf("secret %q: %d key bytes (%v), want at least 24", a, len(k), err)
	}
}
