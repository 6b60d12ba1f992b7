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
	"math"
	"math/big"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/botport/botport/internal/kore"
	"github.com/botport/botport/internal/store"
)

// Algorithms an app may sign with.
var Algorithms = []string{"HS256", "HS512"}

// MaxTokenBytes bounds a token's length (step 2).
const MaxTokenBytes = 8 << 10

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

// JTIStore records the jti values of accepted tokens (contract 2.3), in
// the shared store so that a replay is refused on every replica.
type JTIStore interface {
	// UseJTI records the app's jti until expires and reports whether it
	// was fresh at now.
	UseJTI(ctx context.Context, appID, jti string, expires, now time.Time) (fresh bool, err error)
	// DeleteExpiredJTIs removes records that expired before now.
	DeleteExpiredJTIs(ctx context.Context, now time.Time, limit int) (int, error)
}

// Verifier checks tokens. Its zero value is not usable: set Apps, and JTIs
// for apps that enforce JTI.
type Verifier struct {
	Apps   AppFinder
	JTIs   JTIStore         // used jti values; nil refuses JTI apps' tokens as a fault
	Leeway time.Duration    // tolerance on exp, nbf and iat
	Now    func() time.Time // defaults to time.Now

	tokens tokenCache
	sweep  atomic.Int64 // Unix ms of the last sweep of expired jti records
}

// Failure is a refused token: the answer for the client and, for the log
// only, why. Nothing in it is token or secret material, or text of the
// client's choosing (a claimed app id that names no app is not kept).
type Failure struct {
	Answer *kore.Error
	// Kind says why in a word, one of the Kind… constants: logs count
	// refusals by kind.
	Kind string
	// AppID is the app the token named, when it exists.
	AppID string
	// Reason adds a bounded detail for the log ("exp 1700000000.000").
	Reason string
}

// Kinds of refusal.
const (
	KindNoToken      = "no_token"
	KindDuplicate    = "duplicate_header"
	KindMalformed    = "malformed"
	KindUnknownApp   = "unknown_app"
	KindDisabledApp  = "disabled_app"
	KindWrongAlg     = "wrong_alg"
	KindBadSignature = "bad_signature"
	KindBadClaims    = "bad_claims"
	KindTimeClaims   = "time_claims"
	KindJTIRequired  = "jti_required"
	KindJTIExpiry    = "jti_expiry"
	KindJTIReplay    = "jti_replay"
)

func (f *Failure) Error() string {
	s := f.Answer.Msg + ": " + f.Kind
	if f.AppID != "" {
		s += " (app " + f.AppID + ")"
	}
	if f.Reason != "" {
		s += ": " + f.Reason
	}
	return s
}

func fail(answer *kore.Error, kind, appID, reason string) *Failure {
	return &Failure{Answer: answer, Kind: kind, AppID: appID, Reason: reason}
}

// TokenFrom extracts the credential from a request's headers as Token
// does, and refuses a request that sends the header it would use more than
// once (401 Invalid SDK credentials): which copy counts would be a guess,
// and a proxy adding its own must not decide who the caller is.
func TokenFrom(h http.Header) (string, error) {
	a, z := h.Values("auth"), h.Values("Authorization")
	if len(a) > 1 {
		return "", fail(kore.ErrBadCredentials, KindDuplicate, "", "auth header sent more than once")
	}
	first := func(v []string) string {
		if len(v) == 0 {
			return ""
		}
		return v[0]
	}
	if len(z) > 1 && (len(a) == 0 || trimBearer(a[0]) == "") {
		return "", fail(kore.ErrBadCredentials, KindDuplicate, "", "Authorization header sent more than once")
	}
	return Token(first(a), first(z)), nil
}

// Token extracts the credential from the auth header (a "Bearer " prefix is
// stripped) or, when auth is absent, from Authorization: Bearer. A header
// holding only the prefix holds no token.
func Token(authHeader, authorization string) string {
	if t := trimBearer(authHeader); t != "" {
		return t
	}
	if t, ok := cutBearer(authorization); ok {
		return t
	}
	return ""
}

func trimBearer(s string) string {
	if t, ok := cutBearer(s); ok {
		return t
	}
	return strings.TrimSpace(s)
}

// cutBearer strips a case-insensitive "Bearer" scheme and the spaces around
// the token.
func cutBearer(s string) (string, bool) {
	s = strings.TrimSpace(s)
	if len(s) >= 6 && strings.EqualFold(s[:6], "bearer") && (len(s) == 6 || s[6] == ' ' || s[6] == '\t') {
		return strings.TrimSpace(s[6:]), true
	}
	return "", false
}

// Verify runs steps 1 to 7 of the contract and returns the token's app.
// Scope (step 8) is the caller's check. A refused token gives a *Failure;
// any other error is a fault of the app or jti store.
func (v *Verifier) Verify(ctx context.Context, token string) (*store.App, error) {
	if token == "" {
		return nil, fail(kore.ErrNoCredentials, KindNoToken, "", "")
	}
	now := time.Now
	if v.Now != nil {
		now = v.Now
	}
	// A token verified before is accepted again without parsing or HMAC,
	// while its app is enabled with the same secret and algorithm, and its
	// time claims still hold. Tokens of apps that enforce JTI are never
	// taken from the cache: each use is checked against the used jti
	// values (a second use is a replay).
	if hit, key, ok := v.tokens.get(token); ok {
		app, err := v.Apps.App(ctx, hit.appID)
		switch {
		case err != nil && !errors.Is(err, store.ErrNotFound):
			return nil, fmt.Errorf("look up app: %w", err)
		case err == nil && !app.Disabled && !app.EnforceJTI && app.Secret == hit.secret && app.Algorithm == hit.alg:
			if t := now().UnixNano(); t > hit.notAfter || t < hit.notBefore {
				return nil, fail(kore.ErrBadCredentials, KindTimeClaims, app.ID, "")
			}
			return app, nil
		}
		v.tokens.drop(key) // the app changed: verify from scratch
	}
	if err := wellFormed(token); err != nil {
		return nil, fail(kore.ErrNotJWT, KindMalformed, "", err.Error())
	}
	var app *store.App
	var lookupErr error // a store fault, not a credential problem
	var refused *Failure
	var c claims
	// The time claims are checked below on their exact values: the library
	// rounds them to whole seconds and refuses at now == exp + leeway.
	parser := jwt.NewParser(jwt.WithValidMethods(Algorithms))
	_, err := parser.ParseWithClaims(token, &c, func(t *jwt.Token) (any, error) {
		// The claims are decoded but not yet verified: appId only selects
		// the key.
		if c.AppID == "" {
			refused = fail(kore.ErrBadCredentials, KindUnknownApp, "", "no appId claim")
			return nil, errors.New("no appId")
		}
		a, err := v.Apps.App(ctx, c.AppID)
		if err != nil {
			if !errors.Is(err, store.ErrNotFound) {
				lookupErr = err
			}
			refused = fail(kore.ErrBadCredentials, KindUnknownApp, "", "")
			return nil, err
		}
		if a.Disabled {
			refused = fail(kore.ErrBadCredentials, KindDisabledApp, a.ID, "")
			return nil, errors.New("disabled")
		}
		if alg := t.Method.Alg(); alg != a.Algorithm {
			refused = fail(kore.ErrBadCredentials, KindWrongAlg, a.ID, "alg "+alg+", app signs with "+a.Algorithm)
			return nil, errors.New("wrong alg")
		}
		app = a
		return []byte(a.Secret), nil
	})
	switch {
	case lookupErr != nil:
		return nil, fmt.Errorf("look up app: %w", lookupErr)
	case err != nil && refused != nil:
		return nil, refused
	case err != nil && app != nil:
		return nil, fail(kore.ErrBadCredentials, KindBadSignature, app.ID, "")
	case err != nil && (errors.Is(err, jwt.ErrTokenSignatureInvalid) || errors.Is(err, jwt.ErrTokenUnverifiable)):
		// The header names an algorithm botport does not take (none,
		// RS256, ...): the key function never ran.
		return nil, fail(kore.ErrBadCredentials, KindWrongAlg, "", "")
	case err != nil:
		return nil, fail(kore.ErrBadCredentials, KindBadClaims, "", "")
	}
	notAfter, notBefore := bounds(&c, v.Leeway)
	t := now()
	if n := t.UnixNano(); n > notAfter || n < notBefore {
		return nil, fail(kore.ErrBadCredentials, KindTimeClaims, app.ID,
			fmt.Sprintf("exp %s, nbf %s, iat %s", ratString(c.Exp), ratString(c.Nbf), ratString(c.Iat)))
	}
	if app.EnforceJTI {
		if err := v.checkJTI(ctx, app, &c, t); err != nil {
			return nil, err
		}
		return app, nil
	}
	_, key, _ := v.tokens.get(token)
	v.tokens.put(key, verified{appID: app.ID, secret: app.Secret, alg: app.Algorithm, notAfter: notAfter, notBefore: notBefore})
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

// bounds turns the time claims into the instants, in Unix nanoseconds,
// outside which the token is refused: after exp + leeway, before nbf -
// leeway, or before iat - leeway (iat in the future). The conversion is
// exact: for an integer t, t > x holds exactly when t > floor(x), and t < x
// when t < ceil(x).
func bounds(c *claims, leeway time.Duration) (notAfter, notBefore int64) {
	notAfter, notBefore = math.MaxInt64, math.MinInt64
	lw := new(big.Rat).SetFrac64(int64(leeway), 1e9)
	nanos := func(r *big.Rat, ceil bool) int64 {
		x := new(big.Rat).Mul(r, new(big.Rat).SetInt64(1e9))
		q, m := new(big.Int).DivMod(x.Num(), x.Denom(), new(big.Int)) // floor
		if ceil && m.Sign() != 0 {
			q.Add(q, big.NewInt(1))
		}
		switch {
		case !q.IsInt64() && q.Sign() > 0:
			return math.MaxInt64
		case !q.IsInt64():
			return math.MinInt64
		}
		return q.Int64()
	}
	if c.Exp != nil {
		notAfter = nanos(new(big.Rat).Add(c.Exp, lw), false)
	}
	for _, r := range []*big.Rat{c.Nbf, c.Iat} {
		if r != nil {
			notBefore = max(notBefore, nanos(new(big.Rat).Sub(r, lw), true))
		}
	}
	return notAfter, notBefore
}

func ratString(r *big.Rat) string {
	if r == nil {
		return "-"
	}
	return r.FloatString(3)
}

// claims are appId, sub and the time claims, decoded by exact name
// (encoding/json would also accept "appid"). Time claims are kept as exact
// seconds; a claim that is not a JSON number fails decoding, and so the token.
type claims struct {
	AppID         string
	Sub           string
	JTI           string   // "" when absent or not a string
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
	if raw, ok := m["jti"]; ok {
		_ = json.Unmarshal(raw, &c.JTI) // a jti that is not a string counts as none
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

// Sign returns a token for app, with sub, iat and, when ttl > 0, exp. A
// token of an app that enforces JTI also gets a random jti, and its ttl
// must be between 1 s and MaxJTILifetime (contract 2.3); an error says so.
func Sign(app *store.App, sub string, now time.Time, ttl time.Duration) (string, error) {
	m, ok := map[string]jwt.SigningMethod{"HS256": jwt.SigningMethodHS256, "HS512": jwt.SigningMethodHS512}[app.Algorithm]
	if !ok {
		return "", fmt.Errorf("app %s has unsupported algorithm %q", app.ID, app.Algorithm)
	}
	c := jwt.MapClaims{"appId": app.ID, "sub": sub, "iat": now.Unix()}
	if app.EnforceJTI {
		if ttl < time.Second || ttl > MaxJTILifetime {
			return "", fmt.Errorf("app %s enforces JTI: its tokens live 1s to 1h, not %v", app.ID, ttl)
		}
		c["jti"] = kore.NewHexID()
	}
	if ttl > 0 {
		c["exp"] = now.Add(ttl).Unix()
	}
	return jwt.NewWithClaims(m, c).SignedString([]byte(app.Secret))
}
