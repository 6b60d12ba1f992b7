package auth_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/hmac"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/botport/botport/internal/auth"
	"github.com/botport/botport/internal/kore"
	"github.com/botport/botport/internal/store"
)

// mapFinder is an in-memory AppFinder.
type mapFinder struct {
	apps  map[string]*store.App
	calls int
}

func (m *mapFinder) App(_ context.Context, id string) (*store.App, error) {
	m.calls++
	a, ok := m.apps[id]
	if !ok {
		return nil, fmt.Errorf("app %s: %w", id, store.ErrNotFound)
	}
	c := *a
	return &c, nil
}

// errFinder fails every lookup: a store fault we cannot cause otherwise.
type errFinder struct{ err error }

func (f errFinder) App(context.Context, string) (*store.App, error) { return nil, f.err }

const (
	secret256  = "secret-for-hs256-app"
	secret512  = "secret-for-hs512-app"
	secretUTF8 = "sécret-ключ-🔑"
)

func testApps() *mapFinder {
	return &mapFinder{apps: map[string]*store.App{
		"cs-hs256":    {ID: "cs-hs256", Secret: secret256, Algorithm: "HS256"},
		"cs-hs512":    {ID: "cs-hs512", Secret: secret512, Algorithm: "HS512"},
		"cs-utf8":     {ID: "cs-utf8", Secret: secretUTF8, Algorithm: "HS256"},
		"cs-disabled": {ID: "cs-disabled", Secret: secret256, Algorithm: "HS256", Disabled: true},
	}}
}

// baseNow is the fake clock's default reading.
var baseNow = time.Unix(1700000000, 0)

func fixedClock(t time.Time) func() time.Time { return func() time.Time { return t } }

// sign signs claims with golang-jwt.
func sign(t *testing.T, m jwt.SigningMethod, claims jwt.MapClaims, key any) string {
	t.Helper()
	s, err := jwt.NewWithClaims(m, claims).SignedString(key)
	if err != nil {
		t.Fatalf("sign: %v", err)
	}
	return s
}

func b64(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }

// signRaw signs an arbitrary header and payload text with golang-jwt's
// HMAC method, so that malformed contents still carry a valid signature.
func signRaw(t *testing.T, m jwt.SigningMethod, header, payload string, key []byte) string {
	t.Helper()
	in := b64(header) + "." + b64(payload)
	sig, err := m.Sign(in, key)
	if err != nil {
		t.Fatalf("sign raw: %v", err)
	}
	return in + "." + base64.RawURLEncoding.EncodeToString(sig)
}

func hs256(t *testing.T, claims jwt.MapClaims) string {
	t.Helper()
	return sign(t, jwt.SigningMethodHS256, claims, []byte(secret256))
}

// wantAnswer checks that err is a *auth.Failure carrying want.
func wantAnswer(t *testing.T, err error, want *kore.Error) {
	t.Helper()
	if err == nil {
		t.Fatalf("Verify accepted the token; want refusal %q", want.Msg)
	}
	var f *auth.Failure
	if !errors.As(err, &f) {
		t.Fatalf("Verify error %v (%T) is not a *auth.Failure", err, err)
	}
	if f.Answer == nil {
		t.Fatalf("Failure has nil Answer (reason %q)", f.Reason)
	}
	if f.Answer.Msg != want.Msg || f.Answer.Code != want.Code {
		t.Fatalf("answer = {%s %q}, want {%s %q} (reason %q)", f.Answer.Code, f.Answer.Msg, want.Code, want.Msg, f.Reason)
	}
}

func TestCatalogueAnswers(t *testing.T) {
	for _, e := range []*kore.Error{kore.ErrNoCredentials, kore.ErrBadCredentials} {
		if e.Msg != "Invalid SDK credentials" || e.Code != kore.EUNAUTHORIZED {
			t.Errorf("answer = %+v, want EUNAUTHORIZED Invalid SDK credentials", e)
		}
	}
	if kore.ErrNotJWT.Msg != "Invalid JWT token" {
		t.Errorf("ErrNotJWT.Msg = %q", kore.ErrNotJWT.Msg)
	}
}

// tokenOfLength returns an HS256 token for cs-hs256, correctly signed, of
// exactly n bytes.
func tokenOfLength(t *testing.T, n int) string {
	t.Helper()
	for pad := 0; pad < n; pad++ {
		for _, sub := range []string{"", "x"} {
			c := jwt.MapClaims{"appId": "cs-hs256", "pad": strings.Repeat("p", pad)}
			if sub != "" {
				c["sub"] = sub
			}
			tok := hs256(t, c)
			if len(tok) == n {
				return tok
			}
			if len(tok) > n+8 {
				break
			}
		}
	}
	t.Fatalf("cannot build a token of %d bytes", n)
	return ""
}

func TestVerifyWellFormed(t *testing.T) {
	valid := hs256(t, jwt.MapClaims{"appId": "cs-hs256"})
	parts := strings.Split(valid, ".")
	jwe := b64(`{"alg":"dir","enc":"A256GCM"}`) + ".." + b64("initvector12") + "." + b64("ciphertext") + "." + b64("authtag-16-bytes")

	tests := []struct {
		name  string
		token string
		want  *kore.Error // nil: accepted
	}{
		{"empty token", "", kore.ErrNoCredentials},
		{"valid token", valid, nil},
		{"exactly 8 KiB", tokenOfLength(t, auth.MaxTokenBytes), nil},
		{"8 KiB + 1, correctly signed", tokenOfLength(t, auth.MaxTokenBytes+1), kore.ErrNotJWT},
		{"JWE, five segments", jwe, kore.ErrNotJWT},
		{"two segments", parts[0] + "." + parts[1], kore.ErrNotJWT},
		{"four segments", valid + "." + parts[2], kore.ErrNotJWT},
		{"one segment", "notajwt", kore.ErrNotJWT},
		{"empty segments", "..", kore.ErrNotJWT},
		{"payload is a JSON array", signRaw(t, jwt.SigningMethodHS256, `{"alg":"HS256","typ":"JWT"}`, `[{"appId":"cs-hs256"}]`, []byte(secret256)), kore.ErrNotJWT},
		{"payload is a JSON string", signRaw(t, jwt.SigningMethodHS256, `{"alg":"HS256","typ":"JWT"}`, `"cs-hs256"`, []byte(secret256)), kore.ErrNotJWT},
		{"payload is not JSON", signRaw(t, jwt.SigningMethodHS256, `{"alg":"HS256","typ":"JWT"}`, `appId=cs-hs256`, []byte(secret256)), kore.ErrNotJWT},
		{"payload is a truncated object", signRaw(t, jwt.SigningMethodHS256, `{"alg":"HS256","typ":"JWT"}`, `{"appId":"cs-hs256"`, []byte(secret256)), kore.ErrNotJWT},
		{"header is a JSON array", signRaw(t, jwt.SigningMethodHS256, `["HS256"]`, `{"appId":"cs-hs256"}`, []byte(secret256)), kore.ErrNotJWT},
		{"header is not JSON", signRaw(t, jwt.SigningMethodHS256, `HS256`, `{"appId":"cs-hs256"}`, []byte(secret256)), kore.ErrNotJWT},
		{"header is not base64url", "*" + parts[0] + "." + parts[1] + "." + parts[2], kore.ErrNotJWT},
		{"standard base64 in signature", parts[0] + "." + parts[1] + "." + "ab+/cd", kore.ErrNotJWT},
		{"signature not base64url", parts[0] + "." + parts[1] + "." + "!!!!", kore.ErrNotJWT},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			finder := testApps()
			v := &auth.Verifier{Apps: finder, Leeway: time.Minute, Now: fixedClock(baseNow)}
			app, err := v.Verify(context.Background(), tc.token)
			if tc.want == nil {
				if err != nil {
					t.Fatalf("Verify: %v", err)
				}
				if app == nil || app.ID != "cs-hs256" {
					t.Fatalf("app = %+v, want cs-hs256", app)
				}
				return
			}
			wantAnswer(t, err, tc.want)
			if app != nil {
				t.Errorf("refused token returned app %+v", app)
			}
			if finder.calls != 0 {
				t.Errorf("the app store was consulted %d times for a step 1-2 refusal", finder.calls)
			}
		})
	}
}

func TestVerifyCredentials(t *testing.T) {
	rsaKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	ecKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	valid := hs256(t, jwt.MapClaims{"appId": "cs-hs256"})
	parts := strings.Split(valid, ".")
	tampered := parts[0] + "." + b64(`{"appId":"cs-utf8"}`) + "." + parts[2]

	tests := []struct {
		name   string
		token  string
		wantID string // "" means refused with ErrBadCredentials
	}{
		{"HS256 app", valid, "cs-hs256"},
		{"HS512 app", sign(t, jwt.SigningMethodHS512, jwt.MapClaims{"appId": "cs-hs512"}, []byte(secret512)), "cs-hs512"},
		{"UTF-8 secret", sign(t, jwt.SigningMethodHS256, jwt.MapClaims{"appId": "cs-utf8"}, []byte(secretUTF8)), "cs-utf8"},
		{"with sub and iat", hs256(t, jwt.MapClaims{"appId": "cs-hs256", "sub": "someone", "iat": baseNow.Unix()}), "cs-hs256"},
		{"null exp is no exp", hs256(t, jwt.MapClaims{"appId": "cs-hs256", "exp": nil}), "cs-hs256"},

		{"unknown app", hs256(t, jwt.MapClaims{"appId": "cs-nobody"}), ""},
		{"disabled app", hs256(t, jwt.MapClaims{"appId": "cs-disabled"}), ""},
		{"no appId claim", hs256(t, jwt.MapClaims{"sub": "cs-hs256"}), ""},
		{"empty payload object", hs256(t, jwt.MapClaims{}), ""},
		{"claim spelled appid", hs256(t, jwt.MapClaims{"appid": "cs-hs256"}), ""},
		{"claim spelled APPID", hs256(t, jwt.MapClaims{"APPID": "cs-hs256"}), ""},
		{"claim spelled app_id", hs256(t, jwt.MapClaims{"app_id": "cs-hs256"}), ""},
		{"appId is a number", hs256(t, jwt.MapClaims{"appId": 42}), ""},
		{"empty appId", hs256(t, jwt.MapClaims{"appId": ""}), ""},
		{"signed with another secret", sign(t, jwt.SigningMethodHS256, jwt.MapClaims{"appId": "cs-hs256"}, []byte("another-secret")), ""},
		{"UTF-8 app signed with Latin-1 bytes of its secret", sign(t, jwt.SigningMethodHS256, jwt.MapClaims{"appId": "cs-utf8"}, latin1(secretUTF8)), ""},
		{"payload swapped after signing", tampered, ""},
		{"signature stripped", parts[0] + "." + parts[1] + ".", ""},
		{"HS512 token for HS256 app", sign(t, jwt.SigningMethodHS512, jwt.MapClaims{"appId": "cs-hs256"}, []byte(secret256)), ""},
		{"HS256 token for HS512 app", sign(t, jwt.SigningMethodHS256, jwt.MapClaims{"appId": "cs-hs512"}, []byte(secret512)), ""},
		{"HS384 token", sign(t, jwt.SigningMethodHS384, jwt.MapClaims{"appId": "cs-hs256"}, []byte(secret256)), ""},
		{"alg none", sign(t, jwt.SigningMethodNone, jwt.MapClaims{"appId": "cs-hs256"}, jwt.UnsafeAllowNoneSignatureType), ""},
		{"alg none with HMAC signature", signRaw(t, jwt.SigningMethodHS256, `{"alg":"none","typ":"JWT"}`, `{"appId":"cs-hs256"}`, []byte(secret256)), ""},
		{"alg RS256", sign(t, jwt.SigningMethodRS256, jwt.MapClaims{"appId": "cs-hs256"}, rsaKey), ""},
		{"alg RS256 with HMAC signature", signRaw(t, jwt.SigningMethodHS256, `{"alg":"RS256","typ":"JWT"}`, `{"appId":"cs-hs256"}`, []byte(secret256)), ""},
		{"alg ES256", sign(t, jwt.SigningMethodES256, jwt.MapClaims{"appId": "cs-hs256"}, ecKey), ""},
		{"alg lower-case hs256", signRaw(t, jwt.SigningMethodHS256, `{"alg":"hs256","typ":"JWT"}`, `{"appId":"cs-hs256"}`, []byte(secret256)), ""},
		{"header without alg", signRaw(t, jwt.SigningMethodHS256, `{"typ":"JWT"}`, `{"appId":"cs-hs256"}`, []byte(secret256)), ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			v := &auth.Verifier{Apps: testApps(), Leeway: time.Minute, Now: fixedClock(baseNow)}
			app, err := v.Verify(context.Background(), tc.token)
			if tc.wantID == "" {
				wantAnswer(t, err, kore.ErrBadCredentials)
				if app != nil {
					t.Errorf("refused token returned app %+v", app)
				}
				return
			}
			if err != nil {
				t.Fatalf("Verify: %v", err)
			}
			if app == nil || app.ID != tc.wantID {
				t.Fatalf("app = %+v, want %s", app, tc.wantID)
			}
		})
	}
}

// latin1 encodes s rune by rune into single bytes (runes over 0xFF become
// '?'), giving a key that differs from s's UTF-8 bytes.
func latin1(s string) []byte {
	var b []byte
	for _, r := range s {
		if r > 0xFF {
			r = '?'
		}
		b = append(b, byte(r))
	}
	return b
}

func TestVerifyTimeClaims(t *testing.T) {
	now := baseNow.Unix()
	sec := func(d int64) int64 { return now + d }
	at := func(s int64, nanos int64) time.Time { return time.Unix(s, nanos) }

	tests := []struct {
		name   string
		leeway time.Duration
		now    time.Time
		claims jwt.MapClaims // appId cs-hs256 is added
		ok     bool
	}{
		{"no time claims", time.Minute, baseNow, jwt.MapClaims{}, true},
		{"no exp, very old iat", time.Minute, baseNow, jwt.MapClaims{"iat": sec(-10 * 365 * 24 * 3600)}, true},
		{"exp in the future", time.Minute, baseNow, jwt.MapClaims{"exp": sec(3600)}, true},
		{"exp 59s ago, leeway 60s", time.Minute, baseNow, jwt.MapClaims{"exp": sec(-59)}, true},
		{"exp 61s ago, leeway 60s", time.Minute, baseNow, jwt.MapClaims{"exp": sec(-61)}, false},
		{"exp exactly leeway ago (now == exp+leeway)", time.Minute, baseNow, jwt.MapClaims{"exp": sec(-60)}, true},
		{"exp 1ns past exp+leeway", time.Minute, at(sec(60), 1), jwt.MapClaims{"exp": now}, false},
		{"exp 1s ago, leeway 0", 0, baseNow, jwt.MapClaims{"exp": sec(-1)}, false},
		{"exp 1s ahead, leeway 0", 0, baseNow, jwt.MapClaims{"exp": sec(1)}, true},
		{"fractional exp, now before exp+leeway", time.Minute, at(1700000060, 250_000_000), jwt.MapClaims{"exp": 1700000000.5}, true},
		{"fractional exp, now after exp+leeway", time.Minute, at(1700000060, 750_000_000), jwt.MapClaims{"exp": 1700000000.5}, false},

		{"nbf in the past", time.Minute, baseNow, jwt.MapClaims{"nbf": sec(-3600)}, true},
		{"nbf 59s ahead, leeway 60s", time.Minute, baseNow, jwt.MapClaims{"nbf": sec(59)}, true},
		{"nbf 61s ahead, leeway 60s", time.Minute, baseNow, jwt.MapClaims{"nbf": sec(61)}, false},
		{"nbf exactly leeway ahead (now == nbf-leeway)", time.Minute, baseNow, jwt.MapClaims{"nbf": sec(60)}, true},
		{"nbf 1s ahead, leeway 0", 0, baseNow, jwt.MapClaims{"nbf": sec(1)}, false},
		{"fractional nbf, now after nbf-leeway", time.Minute, at(1699999940, 750_000_000), jwt.MapClaims{"nbf": 1700000000.5}, true},
		{"fractional nbf, now before nbf-leeway", time.Minute, at(1699999940, 250_000_000), jwt.MapClaims{"nbf": 1700000000.5}, false},

		{"iat now", time.Minute, baseNow, jwt.MapClaims{"iat": now}, true},
		{"iat 59s ahead, leeway 60s", time.Minute, baseNow, jwt.MapClaims{"iat": sec(59)}, true},
		{"iat 61s ahead, leeway 60s", time.Minute, baseNow, jwt.MapClaims{"iat": sec(61)}, false},
		{"iat exactly leeway ahead (iat == now+leeway)", time.Minute, baseNow, jwt.MapClaims{"iat": sec(60)}, true},
		{"iat 1s ahead, leeway 0", 0, baseNow, jwt.MapClaims{"iat": sec(1)}, false},
		{"fractional iat, iat <= now+leeway", time.Minute, at(1699999940, 750_000_000), jwt.MapClaims{"iat": 1700000000.5}, true},
		{"fractional iat, iat > now+leeway", time.Minute, at(1699999940, 250_000_000), jwt.MapClaims{"iat": 1700000000.5}, false},

		{"all three valid", time.Minute, baseNow, jwt.MapClaims{"iat": sec(-10), "nbf": sec(-10), "exp": sec(600)}, true},
		{"valid nbf and iat, expired", time.Minute, baseNow, jwt.MapClaims{"iat": sec(-7200), "nbf": sec(-7200), "exp": sec(-3600)}, false},

		{"exp is a word", time.Minute, baseNow, jwt.MapClaims{"exp": "tomorrow"}, false},
		{"exp is a boolean", time.Minute, baseNow, jwt.MapClaims{"exp": true}, false},
		{"exp is an object", time.Minute, baseNow, jwt.MapClaims{"exp": map[string]int64{"at": sec(600)}}, false},
		{"exp is a numeric string", time.Minute, baseNow, jwt.MapClaims{"exp": fmt.Sprint(sec(3600))}, false},
		{"nbf is a word", time.Minute, baseNow, jwt.MapClaims{"nbf": "now"}, false},
		{"nbf is an array", time.Minute, baseNow, jwt.MapClaims{"nbf": []int64{sec(-10)}}, false},
		{"iat is a word", time.Minute, baseNow, jwt.MapClaims{"iat": "earlier"}, false},
		{"iat is a boolean", time.Minute, baseNow, jwt.MapClaims{"iat": false}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := jwt.MapClaims{"appId": "cs-hs256"}
			for k, val := range tc.claims {
				c[k] = val
			}
			v := &auth.Verifier{Apps: testApps(), Leeway: tc.leeway, Now: fixedClock(tc.now)}
			app, err := v.Verify(context.Background(), hs256(t, c))
			if !tc.ok {
				wantAnswer(t, err, kore.ErrBadCredentials)
				return
			}
			if err != nil {
				t.Fatalf("Verify at %s: %v", tc.now.Format(time.RFC3339Nano), err)
			}
			if app == nil || app.ID != "cs-hs256" {
				t.Fatalf("app = %+v, want cs-hs256", app)
			}
		})
	}
}

func TestVerifyStoreFault(t *testing.T) {
	dbDown := errors.New("db down")
	tests := []struct {
		name      string
		finder    auth.AppFinder
		token     string
		wantFault bool // a non-Failure error wrapping dbDown
	}{
		{"store fails", errFinder{dbDown}, hs256(t, jwt.MapClaims{"appId": "cs-hs256"}), true},
		{"store fails, wrapped", errFinder{fmt.Errorf("query: %w", dbDown)}, hs256(t, jwt.MapClaims{"appId": "cs-hs256"}), true},
		{"store answers ErrNotFound", errFinder{store.ErrNotFound}, hs256(t, jwt.MapClaims{"appId": "cs-hs256"}), false},
		{"store answers wrapped ErrNotFound", errFinder{fmt.Errorf("app: %w", store.ErrNotFound)}, hs256(t, jwt.MapClaims{"appId": "cs-hs256"}), false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			v := &auth.Verifier{Apps: tc.finder, Leeway: time.Minute, Now: fixedClock(baseNow)}
			app, err := v.Verify(context.Background(), tc.token)
			if app != nil {
				t.Errorf("app = %+v, want nil", app)
			}
			if !tc.wantFault {
				wantAnswer(t, err, kore.ErrBadCredentials)
				return
			}
			if err == nil {
				t.Fatal("Verify succeeded with a failing store")
			}
			var f *auth.Failure
			if errors.As(err, &f) {
				t.Fatalf("store fault reported as a refused token: %v", err)
			}
			if !errors.Is(err, dbDown) {
				t.Errorf("error %v does not wrap the store's error", err)
			}
		})
	}
}

func TestVerifyDefaultClock(t *testing.T) {
	// Without Now, Verify uses the real clock.
	v := &auth.Verifier{Apps: testApps()}
	ok := hs256(t, jwt.MapClaims{"appId": "cs-hs256", "exp": time.Now().Add(time.Hour).Unix()})
	if _, err := v.Verify(context.Background(), ok); err != nil {
		t.Errorf("fresh token: %v", err)
	}
	old := hs256(t, jwt.MapClaims{"appId": "cs-hs256", "exp": time.Now().Add(-time.Hour).Unix()})
	_, err := v.Verify(context.Background(), old)
	wantAnswer(t, err, kore.ErrBadCredentials)
}

func TestFailureError(t *testing.T) {
	v := &auth.Verifier{Apps: testApps()}
	_, err := v.Verify(context.Background(), "")
	if err == nil || !strings.HasPrefix(err.Error(), kore.ErrNoCredentials.Msg) {
		t.Errorf("Error() = %v, want it to start with %q", err, kore.ErrNoCredentials.Msg)
	}
}

func TestSignRoundTrip(t *testing.T) {
	apps := testApps()
	now := baseNow
	tests := []struct {
		app string
		ttl time.Duration
	}{
		{"cs-hs256", 0},
		{"cs-hs256", time.Hour},
		{"cs-hs512", 0},
		{"cs-hs512", 15 * time.Minute},
		{"cs-utf8", time.Minute},
	}
	for _, tc := range tests {
		t.Run(fmt.Sprintf("%s ttl %s", tc.app, tc.ttl), func(t *testing.T) {
			app := apps.apps[tc.app]
			tok, err := auth.Sign(app, "u-someone", now, tc.ttl)
			if err != nil {
				t.Fatalf("Sign: %v", err)
			}
			header, payload := decodeParts(t, tok)
			if header["alg"] != app.Algorithm {
				t.Errorf("alg = %v, want %s", header["alg"], app.Algorithm)
			}
			if payload["appId"] != app.ID || payload["sub"] != "u-someone" {
				t.Errorf("payload = %v", payload)
			}
			if iat, _ := payload["iat"].(float64); int64(iat) != now.Unix() {
				t.Errorf("iat = %v, want %d", payload["iat"], now.Unix())
			}
			exp, hasExp := payload["exp"]
			if tc.ttl == 0 && hasExp {
				t.Errorf("ttl 0 gave exp %v", exp)
			}
			if tc.ttl > 0 {
				if f, _ := exp.(float64); int64(f) != now.Add(tc.ttl).Unix() {
					t.Errorf("exp = %v, want %d", exp, now.Add(tc.ttl).Unix())
				}
			}

			v := &auth.Verifier{Apps: apps, Leeway: time.Minute, Now: fixedClock(now)}
			got, err := v.Verify(context.Background(), tok)
			if err != nil {
				t.Fatalf("Verify: %v", err)
			}
			if got.ID != app.ID {
				t.Errorf("app = %s, want %s", got.ID, app.ID)
			}

			// Much later: refused only when the token expires.
			later := now.Add(tc.ttl + time.Minute + time.Second)
			if tc.ttl == 0 {
				later = now.Add(365 * 24 * time.Hour)
			}
			v.Now = fixedClock(later)
			_, err = v.Verify(context.Background(), tok)
			if tc.ttl == 0 {
				if err != nil {
					t.Errorf("token without exp refused a year later: %v", err)
				}
			} else {
				wantAnswer(t, err, kore.ErrBadCredentials)
			}
		})
	}
}

func TestSignUnsupportedAlgorithm(t *testing.T) {
	for _, alg := range []string{"", "none", "RS256", "HS384", "hs256"} {
		_, err := auth.Sign(&store.App{ID: "cs-x", Secret: "s", Algorithm: alg}, "u", baseNow, 0)
		if err == nil {
			t.Errorf("Sign with algorithm %q succeeded", alg)
		}
	}
}

func decodeParts(t *testing.T, tok string) (header, payload map[string]any) {
	t.Helper()
	parts := strings.Split(tok, ".")
	if len(parts) != 3 {
		t.Fatalf("token has %d segments", len(parts))
	}
	dec := func(s string) map[string]any {
		b, err := base64.RawURLEncoding.DecodeString(s)
		if err != nil {
			t.Fatalf("decode: %v", err)
		}
		var m map[string]any
		if err := json.Unmarshal(b, &m); err != nil {
			t.Fatalf("unmarshal %s: %v", b, err)
		}
		return m
	}
	return dec(parts[0]), dec(parts[1])
}

func TestToken(t *testing.T) {
	tests := []struct {
		name        string
		auth, authz string
		want        string
	}{
		{"auth header", "abc.def.ghi", "", "abc.def.ghi"},
		{"auth header with Bearer", "Bearer abc", "", "abc"},
		{"auth header with bearer", "bearer abc", "", "abc"},
		{"auth header with BEARER", "BEARER abc", "", "abc"},
		{"auth header with bEaReR and spaces", "  bEaReR   abc  ", "", "abc"},
		{"auth wins over Authorization", "aaa", "Bearer bbb", "aaa"},
		{"auth with Bearer wins over Authorization", "Bearer aaa", "Bearer bbb", "aaa"},
		{"Authorization Bearer", "", "Bearer bbb", "bbb"},
		{"Authorization bearer", "", "bearer bbb", "bbb"},
		{"Authorization BEARER", "", "BEARER bbb", "bbb"},
		{"Authorization without Bearer ignored", "", "bbb", ""},
		{"Authorization Basic ignored", "", "Basic dXNlcjpwYXNz", ""},
		{"Authorization Bearer without token", "", "Bearer ", ""},
		{"Authorization BearerX ignored", "", "Bearerbbb", ""},
		{"auth header with only Bearer", "Bearer ", "", ""},
		{"auth header with only bearer falls back to Authorization", "bearer", "Bearer bbb", "bbb"},
		{"auth header with Bearer and a tab", "Bearer\tabc", "", "abc"},
		{"neither", "", "", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := auth.Token(tc.auth, tc.authz); got != tc.want {
				t.Errorf("Token(%q, %q) = %q, want %q", tc.auth, tc.authz, got, tc.want)
			}
		})
	}
}

func TestNewSecret(t *testing.T) {
	seen := map[string]bool{}
	for range 100 {
		s := auth.NewSecret()
		if len(s) < 32 {
			t.Fatalf("secret %q is short", s)
		}
		if seen[s] {
			t.Fatalf("NewSecret repeated %q", s)
		}
		seen[s] = true
	}
}

// TestHugeExponent: a time claim like 1e999999999 is refused rather than
// computed exactly (which would take memory and minutes).
func TestHugeExponent(t *testing.T) {
	apps := map[string]*store.App{}
	app := &store.App{ID: "cs-00000000-0000-4000-8000-000000000001", Secret: "s", Algorithm: "HS256", Scopes: []string{auth.ScopeImport}}
	apps[app.ID] = app
	v := &auth.Verifier{Apps: finderFunc(func(id string) (*store.App, error) {
		if a, ok := apps[id]; ok {
			return a, nil
		}
		return nil, store.ErrNotFound
	}), Leeway: time.Minute}
	for _, exp := range []string{"1e999999999", "1E+99999", "-1e-99999"} {
		header := base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"HS256","typ":"JWT"}`))
		payload := base64.RawURLEncoding.EncodeToString([]byte(`{"appId":"` + app.ID + `","exp":` + exp + `}`))
		mac := hmac.New(sha256.New, []byte("s"))
		mac.Write([]byte(header + "." + payload))
		tok := header + "." + payload + "." + base64.RawURLEncoding.EncodeToString(mac.Sum(nil))
		_, err := v.Verify(context.Background(), tok) // a regression hangs until the test timeout
		var f *auth.Failure
		if !errors.As(err, &f) || f.Answer.Msg != "Invalid SDK credentials" {
			t.Errorf("exp %s: %v", exp, err)
		}
	}
}

type finderFunc func(id string) (*store.App, error)

func (f finderFunc) App(_ context.Context, id string) (*store.App, error) { return f(id) }
