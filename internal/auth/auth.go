// Package auth verifies the JWTs that clients send in the auth header, as
// the platform does (contract section 2), and mints tokens and secrets for
// botport's own CLI.
package auth

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"strconv"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/botport/botport/internal/kore"
	"github.com/botport/botport/internal/store"
)

// Scopes an app may hold.
const (
	ScopeImport = "bot_import"
	ScopeExport = "bot_export"
)

// Algorithms an app may sign with.
var Algorithms = []string{"HS256", "HS512"}

// MaxTokenBytes bounds a token's length (step 2).
const MaxTokenBytes = 8 << 10

// NormalizeScope maps a scope name, or the platform's
// bot_definition:bot_import style id, to botport's name. It reports false
// for an unknown scope.
func NormalizeScope(s string) (string, bool) {
	s = strings.TrimPrefix(strings.TrimSpace(s), "bot_definition:")
	switch s {
	case ScopeImport, ScopeExport:
		return s, true
	}
	return "", false
}

// NewSecret returns a new random client secret.
func NewSecret() string {
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(err)
	}
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// AppFinder looks apps up by id.
type AppFinder interface {
	App(ctx context.Context, id string) (*store.App, error)
}

// Verifier checks tokens. Its zero value is not usable: set Apps.
type Verifier struct {
	Apps   AppFinder
	Leeway time.Duration    // tolerance on exp, nbf and iat
	Now    func() time.Time // defaults to time.Now
}

// Failure is a refused token: the answer for the client and, for the log
// only, why.
type Failure struct {
	Answer *kore.Error
	Reason string
}

func (f *Failure) Error() string { return f.Answer.Msg + ": " + f.Reason }

func fail(answer *kore.Error, format string, args ...any) *Failure {
	return &Failure{Answer: answer, Reason: fmt.Sprintf(format, args...)}
}

// Token extracts the credential from the auth header (a "Bearer " prefix is
// stripped) or, when auth is absent, from Authorization: Bearer.
func Token(authHeader, authorization string) string {
	if t := strings.TrimSpace(authHeader); t != "" {
		return strings.TrimSpace(trimBearer(t))
	}
	if t, ok := cutBearer(strings.TrimSpace(authorization)); ok {
		return strings.TrimSpace(t)
	}
	return ""
}

func trimBearer(s string) string {
	if t, ok := cutBearer(s); ok {
		return t
	}
	return s
}

func cutBearer(s string) (string, bool) {
	if len(s) > 7 && strings.EqualFold(s[:7], "bearer ") {
		return s[7:], true
	}
	return "", false
}

// Verify runs steps 1 to 6 of the contract and returns the token's app.
// Scope (step 8) is the caller's check. A refused token gives a *Failure;
// any other error is a fault of the app store.
func (v *Verifier) Verify(ctx context.Context, token string) (*store.App, error) {
	if token == "" {
		return nil, fail(kore.ErrNoCredentials, "no token")
	}
	if err := wellFormed(token); err != nil {
		return nil, fail(kore.ErrNotJWT, "%v", err)
	}
	now := time.Now
	if v.Now != nil {
		now = v.Now
	}
	var app *store.App
	var lookupErr error // a store fault, not a credential problem
	var c claims
	// The time claims are checked below on their exact values: the library
	// rounds them to whole seconds and refuses at now == exp + leeway.
	parser := jwt.NewParser(jwt.WithValidMethods(Algorithms))
	_, err := parser.ParseWithClaims(token, &c, func(t *jwt.Token) (any, error) {
		// The claims are decoded but not yet verified: appId only selects
		// the key.
		if c.AppID == "" {
			return nil, errors.New("no appId claim")
		}
		a, err := v.Apps.App(ctx, c.AppID)
		if err != nil {
			if !errors.Is(err, store.ErrNotFound) {
				lookupErr = err
			}
			return nil, fmt.Errorf("app %q: %w", c.AppID, err)
		}
		if a.Disabled {
			return nil, fmt.Errorf("app %s is disabled", a.ID)
		}
		if t.Method.Alg() != a.Algorithm {
			return nil, fmt.Errorf("alg %s, app signs with %s", t.Method.Alg(), a.Algorithm)
		}
		app = a
		return []byte(a.Secret), nil
	})
	if err != nil {
		if lookupErr != nil {
			return nil, fmt.Errorf("look up app: %w", lookupErr)
		}
		return nil, fail(kore.ErrBadCredentials, "%v", err)
	}
	if err := checkTimes(&c, now(), v.Leeway); err != nil {
		return nil, err
	}
	return app, nil
}

// wellFormed is step 2: three base64url segments, the first two JSON objects.
func wellFormed(token string) error {
	if len(token) > MaxTokenBytes {
		return fmt.Errorf("token is %d bytes", len(token))
	}
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return fmt.Errorf("%d segments", len(parts))
	}
	for i, p := range parts {
		b, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(p, "="))
		if err != nil {
			return fmt.Errorf("segment %d is not base64url", i+1)
		}
		if i < 2 {
			b = bytes.TrimSpace(b)
			if len(b) == 0 || b[0] != '{' || !json.Valid(b) {
				return fmt.Errorf("segment %d is not a JSON object", i+1)
			}
		}
	}
	return nil
}

// checkTimes applies exp, nbf and iat exactly, to the nanosecond.
func checkTimes(c *claims, now time.Time, leeway time.Duration) error {
	nanos := func(d int64) *big.Rat { return new(big.Rat).SetFrac(big.NewInt(d), big.NewInt(1e9)) }
	sec := nanos(now.UnixNano())
	lw := nanos(int64(leeway))
	plus := func(a, b *big.Rat) *big.Rat { return new(big.Rat).Add(a, b) }
	minus := func(a, b *big.Rat) *big.Rat { return new(big.Rat).Sub(a, b) }
	switch {
	case c.Exp != nil && sec.Cmp(plus(c.Exp, lw)) > 0:
		return fail(kore.ErrBadCredentials, "token expired at %s", c.Exp.FloatString(3))
	case c.Nbf != nil && sec.Cmp(minus(c.Nbf, lw)) < 0:
		return fail(kore.ErrBadCredentials, "token not valid before %s", c.Nbf.FloatString(3))
	case c.Iat != nil && c.Iat.Cmp(plus(sec, lw)) > 0:
		return fail(kore.ErrBadCredentials, "token issued in the future (%s)", c.Iat.FloatString(3))
	}
	return nil
}

// claims are appId, sub and the time claims, decoded by exact name
// (encoding/json would also accept "appid"). Time claims are kept as exact
// seconds; a claim that is not a JSON number fails decoding, and so the token.
type claims struct {
	AppID         string
	Sub           string
	Exp, Nbf, Iat *big.Rat // seconds since the epoch, exactly as written
}

func (c *claims) UnmarshalJSON(b []byte) error {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(b, &m); err != nil {
		return err
	}
	if raw, ok := m["appId"]; ok {
		if err := json.Unmarshal(raw, &c.AppID); err != nil {
			return errors.New("appId is not a string")
		}
	}
	if raw, ok := m["sub"]; ok {
		_ = json.Unmarshal(raw, &c.Sub) // free text, logged only
	}
	for name, dst := range map[string]**big.Rat{"exp": &c.Exp, "nbf": &c.Nbf, "iat": &c.Iat} {
		raw, ok := m[name]
		if !ok || string(raw) == "null" {
			continue
		}
		if len(raw) == 0 || (raw[0] != '-' && (raw[0] < '0' || raw[0] > '9')) {
			return fmt.Errorf("%s is not a number", name)
		}
		// Bounded before exact parsing: big.Rat would compute 1e999999999.
		if len(raw) > 64 {
			return fmt.Errorf("%s is too long", name)
		}
		if i := bytes.IndexAny(raw, "eE"); i >= 0 {
			if e, err := strconv.Atoi(strings.TrimPrefix(string(raw[i+1:]), "+")); err != nil || e > 30 || e < -30 {
				return fmt.Errorf("%s has an out-of-range exponent", name)
			}
		}
		r, ok := new(big.Rat).SetString(string(raw))
		if !ok {
			return fmt.Errorf("%s is not a number", name)
		}
		*dst = r
	}
	return nil
}

// The library's own time validation sees no time claims; Verify checks them.
func (c *claims) GetExpirationTime() (*jwt.NumericDate, error) { return nil, nil }
func (c *claims) GetIssuedAt() (*jwt.NumericDate, error)       { return nil, nil }
func (c *claims) GetNotBefore() (*jwt.NumericDate, error)      { return nil, nil }
func (c *claims) GetIssuer() (string, error)                   { return "", nil }
func (c *claims) GetSubject() (string, error)                  { return c.Sub, nil }
func (c *claims) GetAudience() (jwt.ClaimStrings, error)       { return nil, nil }

// Sign returns a token for app, with sub, iat and, when ttl > 0, exp.
func Sign(app *store.App, sub string, now time.Time, ttl time.Duration) (string, error) {
	m, ok := map[string]jwt.SigningMethod{"HS256": jwt.SigningMethodHS256, "HS512": jwt.SigningMethodHS512}[app.Algorithm]
	if !ok {
		return "", fmt.Errorf("app %s has unsupported algorithm %q", app.ID, app.Algorithm)
	}
	c := jwt.MapClaims{"appId": app.ID, "sub": sub, "iat": now.Unix()}
	if ttl > 0 {
		c["exp"] = now.Add(ttl).Unix()
	}
	return jwt.NewWithClaims(m, c).SignedString([]byte(app.Secret))
}
