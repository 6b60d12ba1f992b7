package ui

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/botport/botport/internal/auth"
	"github.com/botport/botport/internal/store"
	"github.com/botport/botport/internal/store/sqlite"
	"github.com/botport/botport/internal/store/sqlstore"
)

// clock is a settable time for the dashboard.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string { l.mu.Lock(); defer l.mu.Unlock(); return l.b.String() }

// dashboardOn serves the sign-in part of the dashboard (no importer, no
// exporter) over a real SQLite store, with one app of account "team".
func dashboardOn(t *testing.T, tlsOn bool) (srv *httptest.Server, st *sqlstore.DB, admin *auth.AppAdmin, app *store.App, clk *clock, logs *lockedBuffer) {
	return dashboardWith(t, tlsOn, false)
}

func dashboardWith(t *testing.T, tlsOn, secure bool) (srv *httptest.Server, st *sqlstore.DB, admin *auth.AppAdmin, app *store.App, clk *clock, logs *lockedBuffer) {
	t.Helper()
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "botport.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	clk = &clock{t: time.Now()}
	admin = &auth.AppAdmin{Store: st, Now: clk.now}
	app, _, err = admin.Create(ctx, "team", "deploy", "HS256", []string{auth.ScopeImport})
	if err != nil {
		t.Fatal(err)
	}
	logs = &lockedBuffer{}
	h, err := New(Config{Store: st, Apps: st, Now: clk.now, SessionTTL: time.Hour, SecureCookies: secure,
		Logger: slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))})
	if err != nil {
		t.Fatal(err)
	}
	if tlsOn {
		srv = httptest.NewTLSServer(h)
	} else {
		srv = httptest.NewServer(h)
	}
	t.Cleanup(srv.Close)
	return srv, st, admin, app, clk, logs
}

var reToken = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// signInAt signs in through the form and returns the client (cookies in
// its jar) and the sign-in's Set-Cookie lines.
func signInAt(t *testing.T, srv *httptest.Server, id, secret string) (*http.Client, []string) {
	t.Helper()
	hc := srv.Client()
	hc.Jar, _ = cookiejar.New(nil)
	hc.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	res, err := hc.Get(srv.URL + "/ui/login")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	m := reToken.FindSubmatch(b)
	if m == nil {
		t.Fatalf("no CSRF token on the sign-in page:\n%s", b)
	}
	res, err = hc.PostForm(srv.URL+"/ui/login", url.Values{"csrf": {string(m[1])}, "clientId": {id}, "clientSecret": {secret}})
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/ui/imports" {
		t.Fatalf("sign-in answered %d to %q", res.StatusCode, res.Header.Get("Location"))
	}
	return hc, res.Header.Values("Set-Cookie")
}

func sessionCookieLine(t *testing.T, lines []string) string {
	t.Helper()
	for _, l := range lines {
		if strings.HasPrefix(l, sessionCookie+"=") && !strings.HasPrefix(l, sessionCookie+"=;") {
			return l
		}
	}
	t.Fatalf("no session cookie in %q", lines)
	return ""
}

// TestSessionCookie: HttpOnly and SameSite=Strict always, Secure exactly
// when the dashboard is reached over TLS, or behind a proxy that does
// HTTPS (SecureCookies).
func TestSessionCookie(t *testing.T) {
	for _, tc := range []struct{ tlsOn, proxied bool }{{false, false}, {true, false}, {false, true}} {
		tlsOn := tc.tlsOn || tc.proxied
		srv, _, _, app, _, _ := dashboardWith(t, tc.tlsOn, tc.proxied)
		_, lines := signInAt(t, srv, app.ID, app.Secret)
		line := sessionCookieLine(t, lines)
		for _, attr := range []string{"HttpOnly", "SameSite=Strict", "Path=/ui"} {
			if !strings.Contains(line, attr) {
				t.Errorf("TLS %v: the session cookie %q lacks %s", tlsOn, line, attr)
			}
		}
		if strings.Contains(line, "Secure") != tlsOn {
			t.Errorf("TLS %v: the session cookie is %q", tlsOn, line)
		}
	}
}

// TestSessionEnds: a session is stored by its id's hash only, and ends
// (the next page is the sign-in page) when it expires, when the app's
// secret is rotated and when the app is disabled; the log never holds the
// cookie or the secret.
func TestSessionEnds(t *testing.T) {
	for _, tc := range []struct {
		name string
		end  func(t *testing.T, admin *auth.AppAdmin, app *store.App, clk *clock)
	}{
		{"expired", func(t *testing.T, _ *auth.AppAdmin, _ *store.App, clk *clock) { clk.add(time.Hour + time.Second) }},
		{"secret rotated", func(t *testing.T, admin *auth.AppAdmin, app *store.App, _ *clock) {
			if _, _, err := admin.RotateSecret(context.Background(), app.ID); err != nil {
				t.Fatal(err)
			}
		}},
		{"app disabled", func(t *testing.T, admin *auth.AppAdmin, app *store.App, _ *clock) {
			if _, _, err := admin.SetDisabled(context.Background(), app.ID, true); err != nil {
				t.Fatal(err)
			}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv, st, admin, app, clk, logs := dashboardOn(t, false)
			hc, lines := signInAt(t, srv, app.ID, app.Secret)
			id := strings.TrimPrefix(strings.SplitN(sessionCookieLine(t, lines), ";", 2)[0], sessionCookie+"=")
			ctx := context.Background()
			if _, err := st.Session(ctx, id, clk.now()); !errors.Is(err, store.ErrNotFound) {
				t.Errorf("the store finds the session by the cookie's id itself: %v", err)
			}
			if _, err := st.Session(ctx, idHash(id), clk.now()); err != nil {
				t.Errorf("the store does not find the session by its id's hash: %v", err)
			}
			get := func() (int, string) {
				res, err := hc.Get(srv.URL + "/ui/")
				if err != nil {
					t.Fatal(err)
				}
				res.Body.Close()
				return res.StatusCode, res.Header.Get("Location")
			}
			// /ui/ sends a signed-in visitor to the imports (whose handler
			// needs the importer this test does not have).
			if st, loc := get(); st != http.StatusSeeOther || loc != "/ui/imports" {
				t.Fatalf("signed in, /ui/ answered %d to %q", st, loc)
			}
			tc.end(t, admin, app, clk)
			if st, loc := get(); st != http.StatusSeeOther || !strings.HasPrefix(loc, "/ui/login") {
				t.Errorf("after the session ended, /ui/ answered %d to %q, want the sign-in page", st, loc)
			}
			l := logs.String()
			if !strings.Contains(l, "dashboard sign-in") || strings.Contains(l, id) || strings.Contains(l, app.Secret) {
				t.Errorf("the log has no sign-in line, or holds the cookie or the secret:\n%s", l)
			}
		})
	}
}

// TestSignInRefused: a wrong secret, an unknown or malformed client id and
// a disabled app get the same answer, and no session.
func TestSignInRefused(t *testing.T) {
	srv, _, admin, app, _, _ := dashboardOn(t, false)
	disabled, _, err := admin.Create(context.Background(), "team", "off", "HS256", []string{auth.ScopeImport})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := admin.SetDisabled(context.Background(), disabled.ID, true); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ name, id, secret string }{
		{"wrong secret", app.ID, app.Secret + "x"},
		{"empty secret", app.ID, ""},
		{"unknown app", "cs-00000000-0000-4000-8000-000000000000", app.Secret},
		{"malformed id", "<script>", "x"},
		{"disabled app", disabled.ID, disabled.Secret},
	} {
		hc := srv.Client()
		hc.Jar, _ = cookiejar.New(nil)
		res, err := hc.Get(srv.URL + "/ui/login")
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		token := string(reToken.FindSubmatch(b)[1])
		hc.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
		res, err = hc.PostForm(srv.URL+"/ui/login", url.Values{"csrf": {token}, "clientId": {tc.id}, "clientSecret": {tc.secret}})
		if err != nil {
			t.Fatal(err)
		}
		b, _ = io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != http.StatusUnauthorized || !strings.Contains(string(b), "not right") {
			t.Errorf("%s: %d\n%s", tc.name, res.StatusCode, b)
		}
		for _, l := range res.Header.Values("Set-Cookie") {
			if strings.HasPrefix(l, sessionCookie+"=") {
				t.Errorf("%s: a session cookie was set: %q", tc.name, l)
			}
		}
	}
}
