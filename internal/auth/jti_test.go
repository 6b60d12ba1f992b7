package auth_test

import (
	"bytes"
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/botport/botport/internal/auth"
	"github.com/botport/botport/internal/keyring"
	"github.com/botport/botport/internal/kore"
	"github.com/botport/botport/internal/store"
	"github.com/botport/botport/internal/store/postgres"
	"github.com/botport/botport/internal/store/postgres/pgtest"
	"github.com/botport/botport/internal/store/sqlite"
	"github.com/botport/botport/internal/store/sqlstore"
)

var jtiKeys, _ = keyring.New(bytes.Repeat([]byte{3}, keyring.KeySize))

// jtiBackends open two stores on one fresh database: two replicas.
var jtiBackends = []struct {
	name string
	open func(t *testing.T) (a, b *sqlstore.DB)
}{
	{"SQLite", func(t *testing.T) (*sqlstore.DB, *sqlstore.DB) {
		path := filepath.Join(t.TempDir(), sqlite.FileName)
		var dbs [2]*sqlstore.DB
		for i := range dbs {
			db, err := sqlite.Open(t.Context(), path)
			if err != nil {
				t.Fatal(err)
			}
			db.Keys = jtiKeys
			t.Cleanup(func() { db.Close() })
			dbs[i] = db
		}
		return dbs[0], dbs[1]
	}},
	{"PostgreSQL", func(t *testing.T) (*sqlstore.DB, *sqlstore.DB) {
		u := pgtest.URL(t)
		var dbs [2]*sqlstore.DB
		for i := range dbs {
			db, err := postgres.Open(t.Context(), u)
			if err != nil {
				t.Fatal(err)
			}
			db.Keys = jtiKeys
			t.Cleanup(func() { db.Close() })
			dbs[i] = db.DB
		}
		return dbs[0], dbs[1]
	}},
}

// TestJTIRules: every rule of contract 2.3, on each store, with two
// verifiers on two connections (replicas) sharing the used jti values.
func TestJTIRules(t *testing.T) {
	now := time.Unix(1_800_000_000, 0)
	iat := now.Unix()
	for _, b := range jtiBackends {
		t.Run(b.name, func(t *testing.T) {
			ctx := context.Background()
			st, other := b.open(t)
			admin := &auth.AppAdmin{Store: st}
			jtiApp, _, err := admin.Create(ctx, "a", "jti", "HS256", nil)
			if err != nil {
				t.Fatal(err)
			}
			if _, _, err := admin.SetEnforceJTI(ctx, jtiApp.ID, true); err != nil {
				t.Fatal(err)
			}
			second, _, _ := admin.Create(ctx, "a", "jti2", "HS256", nil)
			if _, _, err := admin.SetEnforceJTI(ctx, second.ID, true); err != nil {
				t.Fatal(err)
			}
			plain, _, _ := admin.Create(ctx, "a", "plain", "HS256", nil)
			clock := now
			replica := func(s *sqlstore.DB) *auth.Verifier {
				return &auth.Verifier{Apps: s, JTIs: s, Leeway: time.Minute, Now: func() time.Time { return clock }}
			}
			v, v2 := replica(st), replica(other)
			tok := func(app *store.App, claims jwt.MapClaims) string {
				claims["appId"] = app.ID
				return sign(t, jwt.SigningMethodHS256, claims, []byte(app.Secret))
			}
			replayed := tok(jtiApp, jwt.MapClaims{"jti": "r1", "iat": iat, "exp": iat + 600})
			for _, c := range []struct {
				name     string
				verifier *auth.Verifier
				token    string
				want     *kore.Error // nil: accepted
			}{
				{"jti missing", v, tok(jtiApp, jwt.MapClaims{"iat": iat, "exp": iat + 60}), kore.ErrJTIRequired},
				{"jti empty", v, tok(jtiApp, jwt.MapClaims{"jti": "", "iat": iat, "exp": iat + 60}), kore.ErrJTIRequired},
				{"jti not a string", v, tok(jtiApp, jwt.MapClaims{"jti": 7, "iat": iat, "exp": iat + 60}), kore.ErrJTIRequired},
				{"jti missing and exp missing: the jti rule first", v, tok(jtiApp, jwt.MapClaims{"iat": iat}), kore.ErrJTIRequired},
				{"exp missing", v, tok(jtiApp, jwt.MapClaims{"jti": "e1", "iat": iat}), kore.ErrJTIExpiry},
				{"exp 3601 s after iat", v, tok(jtiApp, jwt.MapClaims{"jti": "e2", "iat": iat - 1, "exp": iat + 3600}), kore.ErrJTIExpiry},
				{"exp 3600.001 s after iat", v, tok(jtiApp, jwt.MapClaims{"jti": "e3", "iat": iat, "exp": float64(iat) + 3600.001}), kore.ErrJTIExpiry},
				{"exp exactly 3600 s after iat", v, tok(jtiApp, jwt.MapClaims{"jti": "e4", "iat": iat, "exp": iat + 3600}), nil},
				{"no iat: exp 3601 s after now", v, tok(jtiApp, jwt.MapClaims{"jti": "e5", "exp": iat + 3601}), kore.ErrJTIExpiry},
				{"no iat: exp 3600 s after now", v, tok(jtiApp, jwt.MapClaims{"jti": "e6", "exp": iat + 3600}), nil},
				{"first use", v, replayed, nil},
				{"the same token again (it was verified: no cache may pass it)", v, replayed, kore.ErrJTIReplay},
				{"the same token on another replica", v2, replayed, kore.ErrJTIReplay},
				{"another token with a used jti", v2, tok(jtiApp, jwt.MapClaims{"jti": "r1", "iat": iat + 1, "exp": iat + 60}), kore.ErrJTIReplay},
				{"the same jti for another app", v, tok(second, jwt.MapClaims{"jti": "r1", "iat": iat, "exp": iat + 60}), nil},
				{"an expired token is refused by its time claims first", v, tok(jtiApp, jwt.MapClaims{"jti": "x1", "iat": iat - 700, "exp": iat - 61}), kore.ErrBadCredentials},
				{"a bad signature does not use its jti", v, sign(t, jwt.SigningMethodHS256, jwt.MapClaims{"appId": jtiApp.ID, "jti": "s1", "iat": iat, "exp": iat + 60}, []byte("wrong")), kore.ErrBadCredentials},
				{"so the jti is still fresh", v, tok(jtiApp, jwt.MapClaims{"jti": "s1", "iat": iat, "exp": iat + 60}), nil},
				{"an app without JTI takes tokens without jti", v, tok(plain, jwt.MapClaims{"iat": iat}), nil},
				{"and the same token twice", v, tok(plain, jwt.MapClaims{"iat": iat}), nil},
			} {
				_, err := c.verifier.Verify(ctx, c.token)
				if c.want == nil {
					if err != nil {
						t.Errorf("%s: refused: %v", c.name, err)
					}
					continue
				}
				wantAnswerErr(t, c.name, err, c.want)
			}

			// exp + leeway later, the token can no longer be accepted and its
			// jti is forgotten: a new token may carry it again.
			clock = now.Add(600*time.Second + time.Minute + time.Second)
			again := tok(jtiApp, jwt.MapClaims{"jti": "r1", "iat": clock.Unix(), "exp": clock.Unix() + 60})
			if _, err := v2.Verify(ctx, again); err != nil {
				t.Errorf("a used jti after its token's exp + leeway: %v", err)
			}
			if _, err := v.Verify(ctx, again); err == nil {
				t.Error("that token's replay was accepted")
			}

			// Enforcement turned on after a token was cached: the cached
			// token goes through the rules.
			cached := tok(plain, jwt.MapClaims{"iat": clock.Unix(), "exp": clock.Unix() + 60})
			if _, err := v.Verify(ctx, cached); err != nil {
				t.Fatal(err)
			}
			if _, _, err := admin.SetEnforceJTI(ctx, plain.ID, true); err != nil {
				t.Fatal(err)
			}
			_, err = v.Verify(ctx, cached)
			wantAnswerErr(t, "a cached token after JTI enforcement was turned on", err, kore.ErrJTIRequired)
		})
	}
}

func wantAnswerErr(t *testing.T, what string, err error, want *kore.Error) {
	t.Helper()
	f, ok := err.(*auth.Failure)
	if !ok {
		t.Errorf("%s: error %v (%T), want refusal %q", what, err, err, want.Msg)
		return
	}
	if f.Answer != want {
		t.Errorf("%s: refused %q (%s), want %q", what, f.Answer.Msg, f.Kind, want.Msg)
	}
}

// TestTokenFrom: a header the credential would come from, sent twice, is
// refused; the other header's copies do not matter.
func TestTokenFrom(t *testing.T) {
	for _, c := range []struct {
		name    string
		auth    []string
		authz   []string
		want    string
		refused bool
	}{
		{name: "one auth", auth: []string{"aaa"}, want: "aaa"},
		{name: "two auth headers", auth: []string{"aaa", "bbb"}, refused: true},
		{name: "two equal auth headers", auth: []string{"aaa", "aaa"}, refused: true},
		{name: "auth wins; Authorization copies do not matter", auth: []string{"aaa"}, authz: []string{"Bearer b", "Bearer c"}, want: "aaa"},
		{name: "two Authorization headers", authz: []string{"Bearer b", "Bearer c"}, refused: true},
		{name: "one Authorization", authz: []string{"Bearer b"}, want: "b"},
		{name: "none", want: ""},
	} {
		h := map[string][]string{}
		if c.auth != nil {
			h["Auth"] = c.auth
		}
		if c.authz != nil {
			h["Authorization"] = c.authz
		}
		got, err := auth.TokenFrom(h)
		if c.refused {
			f, ok := err.(*auth.Failure)
			if !ok || f.Answer != kore.ErrBadCredentials || f.Kind != auth.KindDuplicate {
				t.Errorf("%s: %q, %v; want a duplicate_header refusal, Invalid SDK credentials", c.name, got, err)
			}
			continue
		}
		if err != nil || got != c.want {
			t.Errorf("%s: %q, %v; want %q", c.name, got, err, c.want)
		}
	}
}

// TestFailureNeverQuotesTheClaim: an unknown appId (the client's text) is
// not in the failure; a known app's id is.
func TestFailureNeverQuotesTheClaim(t *testing.T) {
	v := &auth.Verifier{Apps: testApps(), Now: fixedClock(baseNow)}
	huge := "cs-" + string(bytes.Repeat([]byte("A"), 3000))
	_, err := v.Verify(context.Background(), hs256(t, jwt.MapClaims{"appId": huge}))
	f, ok := err.(*auth.Failure)
	if !ok || f.Kind != auth.KindUnknownApp || f.AppID != "" || bytes.Contains([]byte(f.Error()), []byte("AAAA")) {
		t.Errorf("unknown app: %#v", err)
	}
	_, err = v.Verify(context.Background(), sign(t, jwt.SigningMethodHS256, jwt.MapClaims{"appId": "cs-hs256"}, []byte("wrong")))
	if f, ok := err.(*auth.Failure); !ok || f.Kind != auth.KindBadSignature || f.AppID != "cs-hs256" {
		t.Errorf("bad signature: %#v", err)
	}
}

// TestSignForJTIApps: botport's own tokens for a JTI app carry a fresh jti
// and a lifetime the rules accept; a lifetime they refuse is an error.
func TestSignForJTIApps(t *testing.T) {
	app := &store.App{ID: "cs-j", Secret: "s", Algorithm: "HS256", EnforceJTI: true}
	a, err := auth.Sign(app, "cli", baseNow, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := auth.Sign(app, "cli", baseNow, time.Hour)
	_, pa := decodeParts(t, a)
	_, pb := decodeParts(t, b)
	if pa["jti"] == nil || pa["jti"] == pb["jti"] {
		t.Errorf("jti claims %v and %v: want two different ones", pa["jti"], pb["jti"])
	}
	for _, ttl := range []time.Duration{0, time.Hour + time.Second} {
		if _, err := auth.Sign(app, "cli", baseNow, ttl); err == nil {
			t.Errorf("Sign with ttl %v for a JTI app succeeded", ttl)
		}
	}
}
