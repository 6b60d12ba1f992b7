package ui

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/botport/botport/internal/kore"
	"github.com/botport/botport/internal/store"
)

// Cookies. The session cookie holds a random id, never anything else; the
// login cookie holds the sign-in form's CSRF token (double submit: a form
// posted from another site cannot read or set it).
const (
	sessionCookie = "botport_session"
	loginCookie   = "botport_login"
	maxFormBytes  = 16 << 10
)

// session is a signed-in request's session and its app as it is now.
type session struct {
	row *store.Session
	App *store.App
}

// CSRF is the token the session's forms post back.
func (s *session) CSRF() string { return s.row.CSRF }

// sessionHandler is a handler of a signed-in page; a returned error is
// answered by handle.
type sessionHandler func(w http.ResponseWriter, r *http.Request, sess *session) error

// signedIn runs h for a valid session whose app holds scope ("" for
// none). Without one, a GET is sent to the sign-in page (and back after);
// anything else is 401. A POST must carry the session's CSRF token and
// must not come from another site.
func (s *server) signedIn(scope string, h sessionHandler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		sess, err := s.session(r)
		if err != nil {
			s.fault(w, r, err)
			return
		}
		if sess == nil {
			s.clearCookie(w, r, sessionCookie, "/ui")
			if r.Method == http.MethodGet && r.URL.Path != "/ui/imports/live" {
				http.Redirect(w, r, "/ui/login?next="+url.QueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
				return
			}
			s.errorPage(w, r, nil, http.StatusUnauthorized, "Your session has ended: sign in again.")
			return
		}
		if r.Method == http.MethodPost {
			if !sameSite(r) || !s.validForm(w, r, sess.row.CSRF) {
				s.errorPage(w, r, sess, http.StatusForbidden, "This form has expired or did not come from this dashboard: reload the page and try again.")
				return
			}
		}
		if scope != "" && !sess.App.HasScope(scope) {
			s.errorPage(w, r, sess, http.StatusForbidden, "The app you signed in with lacks the "+scope+" scope this page needs.")
			return
		}
		if err := h(w, r, sess); err != nil {
			s.handle(w, r, sess, err)
		}
	}
}

// session returns the request's valid session, or nil. A session is valid
// while its row lives (sign-out deletes it), its app exists, is enabled and
// still has the secret it signed in with, in the same account.
func (s *server) session(r *http.Request) (*session, error) {
	c, err := r.Cookie(sessionCookie)
	if err != nil || len(c.Value) != 43 { // 32 bytes, base64url
		return nil, nil
	}
	row, err := s.cfg.Store.Session(r.Context(), idHash(c.Value), s.cfg.Now())
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	app, err := s.cfg.Apps.App(r.Context(), row.AppID)
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	if app.Disabled || app.AccountID != row.AccountID || !hmac.Equal([]byte(secretTag(app.Secret, row.IDHash)), []byte(row.SecretTag)) {
		return nil, nil
	}
	return &session{row: row, App: app}, nil
}

// validForm reads the posted form (bounded) and checks its csrf field
// against want in constant time.
func (s *server) validForm(w http.ResponseWriter, r *http.Request, want string) bool {
	r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
	if err := r.ParseForm(); err != nil {
		return false
	}
	got := r.PostForm.Get("csrf")
	return got != "" && subtle.ConstantTimeCompare([]byte(got), []byte(want)) == 1
}

// sameSite refuses a request a browser says came from another site
// (Sec-Fetch-Site), or whose Origin names another host: SameSite=Strict
// cookies already keep such requests signed out, this is the second lock.
func sameSite(r *http.Request) bool {
	switch r.Header.Get("Sec-Fetch-Site") {
	case "", "same-origin", "none":
	default:
		return false
	}
	if o := r.Header.Get("Origin"); o != "" {
		u, err := url.Parse(o)
		if err != nil || u.Host != r.Host {
			return false
		}
	}
	return true
}

// loginPage is the sign-in form. A signed-in visitor goes on to next.
func (s *server) loginPage(w http.ResponseWriter, r *http.Request) {
	if sess, err := s.session(r); err == nil && sess != nil {
		http.Redirect(w, r, nextPage(r.URL.Query().Get("next")), http.StatusSeeOther)
		return
	}
	s.loginForm(w, r, http.StatusOK, "", "")
}

// loginData is the sign-in form's data.
type loginData struct {
	CSRF, Next, ClientID, Problem string
}

func (s *server) loginForm(w http.ResponseWriter, r *http.Request, status int, clientID, problem string) {
	token := randomToken()
	http.SetCookie(w, &http.Cookie{Name: loginCookie, Value: token, Path: "/ui/login", HttpOnly: true,
		SameSite: http.SameSiteStrictMode, Secure: s.secure(r), MaxAge: 3600})
	next := r.URL.Query().Get("next")
	if r.Method == http.MethodPost {
		next = r.PostForm.Get("next")
	}
	s.render(w, r, status, "login", page{Title: "Sign in", Data: loginData{CSRF: token, Next: nextPage(next), ClientID: clientID, Problem: problem}})
}

// refusedSignIn is the one answer to every refused sign-in: which part was
// wrong is not said.
const refusedSignIn = "The client id or secret is not right, or the app is disabled."

// login checks a client id and secret and starts a session. Attempts are
// bounded per client address and per client id, before the secret is
// looked at. The secret is compared in constant time and never logged.
func (s *server) login(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
	if err := r.ParseForm(); err != nil || !sameSite(r) {
		s.loginForm(w, r, http.StatusBadRequest, "", "The form could not be read: try again.")
		return
	}
	c, err := r.Cookie(loginCookie)
	if err != nil || c.Value == "" || subtle.ConstantTimeCompare([]byte(c.Value), []byte(r.PostForm.Get("csrf"))) != 1 {
		s.loginForm(w, r, http.StatusForbidden, "", "This form has expired: sign in again.")
		return
	}
	clientID := strings.TrimSpace(r.PostForm.Get("clientId"))
	secret := r.PostForm.Get("clientSecret")
	ctx := r.Context()
	addr := clientAddr(r)
	refusal, err := s.signIns.Allow(ctx, levelSignInAddr, addr)
	if err == nil && refusal == nil && kore.IsAppID(clientID) {
		refusal, err = s.signIns.Allow(ctx, levelSignInApp, clientID)
	}
	if err != nil {
		s.fault(w, r, err)
		return
	}
	if refusal != nil {
		w.Header().Set("Retry-After", strconv.Itoa(refusal.RetryAfter()))
		s.log.InfoContext(ctx, "dashboard sign-in refused", "why", "rate_limited", "addr", addr)
		s.loginForm(w, r, http.StatusTooManyRequests, clientID, "Too many sign-in attempts: wait "+strconv.Itoa(refusal.RetryAfter())+" s and try again.")
		return
	}
	app, why := s.checkCredentials(r, clientID, secret)
	if app == nil {
		attrs := []any{"why", why, "addr", addr}
		if why != "unknown_app" { // a client id naming no app is the caller's text: never logged
			attrs = append(attrs, "app", clientID)
		}
		s.log.InfoContext(ctx, "dashboard sign-in refused", attrs...)
		s.loginForm(w, r, http.StatusUnauthorized, clientID, refusedSignIn)
		return
	}
	id := randomToken()
	now := s.cfg.Now()
	row := &store.Session{IDHash: idHash(id), AppID: app.ID, AccountID: app.AccountID, CSRF: randomToken(),
		CreatedOn: now, ExpiresOn: now.Add(s.cfg.SessionTTL)}
	row.SecretTag = secretTag(app.Secret, row.IDHash)
	if err := s.cfg.Store.CreateSession(ctx, row); err != nil {
		s.fault(w, r, err)
		return
	}
	if _, err := s.cfg.Store.DeleteExpiredSessions(ctx, now, 100); err != nil {
		s.log.WarnContext(ctx, "delete expired dashboard sessions", "error", err)
	}
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: id, Path: "/ui", HttpOnly: true,
		SameSite: http.SameSiteStrictMode, Secure: s.secure(r), MaxAge: int(s.cfg.SessionTTL.Seconds())})
	s.clearCookie(w, r, loginCookie, "/ui/login")
	s.log.InfoContext(ctx, "dashboard sign-in", "app", app.ID, "account", app.AccountID)
	http.Redirect(w, r, nextPage(r.PostForm.Get("next")), http.StatusSeeOther)
}

// checkCredentials returns the app the client id and secret name, or nil
// and why not. The secret is compared in constant time (as SHA-256
// digests, so that its length is not timed either).
func (s *server) checkCredentials(r *http.Request, clientID, secret string) (*store.App, string) {
	if !kore.IsAppID(clientID) {
		return nil, "unknown_app"
	}
	app, err := s.cfg.Apps.App(r.Context(), clientID)
	if err != nil {
		if !errors.Is(err, store.ErrNotFound) {
			s.log.WarnContext(r.Context(), "dashboard sign-in: app lookup", "error", err)
			return nil, "lookup_failed"
		}
		return nil, "unknown_app"
	}
	given, stored := sha256.Sum256([]byte(secret)), sha256.Sum256([]byte(app.Secret))
	if subtle.ConstantTimeCompare(given[:], stored[:]) != 1 {
		return nil, "bad_secret"
	}
	if app.Disabled {
		return nil, "disabled_app"
	}
	return app, ""
}

// logout ends the session: its row is deleted, so the cookie opens nothing
// on any replica, even if a copy of it is kept.
func (s *server) logout(w http.ResponseWriter, r *http.Request, sess *session) error {
	if err := s.cfg.Store.DeleteSession(r.Context(), sess.row.IDHash); err != nil {
		return err
	}
	s.clearCookie(w, r, sessionCookie, "/ui")
	http.Redirect(w, r, "/ui/login", http.StatusSeeOther)
	return nil
}

func (s *server) clearCookie(w http.ResponseWriter, r *http.Request, name, path string) {
	if _, err := r.Cookie(name); err != nil {
		return
	}
	http.SetCookie(w, &http.Cookie{Name: name, Value: "", Path: path, HttpOnly: true, SameSite: http.SameSiteStrictMode,
		Secure: s.secure(r), MaxAge: -1})
}

// secure reports whether cookies are marked Secure: over TLS, or always
// when the dashboard is reached over HTTPS through a proxy
// (Config.SecureCookies).
func (s *server) secure(r *http.Request) bool { return r.TLS != nil || s.cfg.SecureCookies }

// nextPage is where a sign-in goes on to: a dashboard path only, never
// another host.
func nextPage(next string) string {
	if strings.HasPrefix(next, "/ui/") && !strings.HasPrefix(next, "/ui/login") && !strings.ContainsAny(next, "\\\r\n") &&
		!strings.HasPrefix(next, "//") {
		return next
	}
	return "/ui/imports"
}

// clientAddr is the address the request came from (forwarding headers are
// any client's text and are not trusted).
func clientAddr(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// randomToken is 32 random bytes, base64url without padding (43
// characters).
func randomToken() string {
	var b [32]byte
	_, _ = rand.Read(b[:]) // never fails on supported platforms
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// idHash is how a session id is stored.
func idHash(id string) string {
	sum := sha256.Sum256([]byte(id))
	return hex.EncodeToString(sum[:])
}

// secretTag binds a session to the app's secret: an HMAC keyed by the
// secret, over the session, so the stored tag reveals nothing of it.
func secretTag(secret, idHash string) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte("botport dashboard session " + idHash))
	return hex.EncodeToString(m.Sum(nil))
}
