// Package ui is botport's web dashboard, served under /ui/ by the same
// binary: imports live, located problems with the uploaded file around
// them, bots and their versions with the semantic diff, restore, export
// downloads, and River UI for operators.
//
// Pages are server-rendered html/template documents with a small plain
// script (static/app.js) for the live rows; every asset is embedded, so
// the dashboard works on a machine with no internet. Handlers call the
// domain services (importer, exporter) and the store directly, with the
// signed-in app, scoped to its account exactly as the API is: every id in
// a URL or a form is looked up within that account, and another account's
// id is answered as an unknown one.
package ui

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"strings"
	"sync/atomic"
	"time"

	"github.com/botport/botport/internal/auth"
	"github.com/botport/botport/internal/exporter"
	"github.com/botport/botport/internal/importer"
	"github.com/botport/botport/internal/ratelimit"
	"github.com/botport/botport/internal/store"
)

//go:embed templates/*.html static/*
var assets embed.FS

// Store is what the dashboard reads and writes of the store: sessions and
// stage times (store.Dashboard), the lists, imports, bots and versions.
type Store interface {
	store.Dashboard
	ratelimit.Buckets
	ListImports(ctx context.Context, f store.ListFilter) ([]*store.ImportItem, error)
	Import(ctx context.Context, accountID, id string) (*store.Import, error)
	ImportDoc(ctx context.Context, accountID, id string) (doc []byte, status string, err error)
	ImportState(ctx context.Context, accountID, id string, haveRev int64) (*store.ImportState, error)
	Account(ctx context.Context, idOrName string) (*store.Account, error)
	Bot(ctx context.Context, accountID, id string) (*store.Bot, error)
	Bots(ctx context.Context, accountID string, offset, limit int) ([]*store.Bot, int, error)
	Versions(ctx context.Context, accountID, botID string) ([]*store.Version, error)
	Records(ctx context.Context, accountID, versionID, file, member string, fn func(*store.Record) error) error
	LatestPublish(ctx context.Context, accountID, botID string) (*store.Publish, error)
}

// Apps finds apps by client id as they are now (auth.AppCache): a session
// ends when its app is disabled or its secret rotated.
type Apps interface {
	App(ctx context.Context, id string) (*store.App, error)
}

// Config is the dashboard's dependencies.
type Config struct {
	Store    Store
	Apps     Apps
	Importer *importer.Service
	Exporter *exporter.Service // nil: no export downloads
	// Differ compares two versions of a bot (the semantic diff); nil: the
	// diff page says it is not available.
	Differ Differ
	// Jobs is River UI, served at /ui/jobs to administrator apps only;
	// nil: not served.
	Jobs   http.Handler
	Logger *slog.Logger
	Now    func() time.Time
	// Ready is cleared when the server stops: live streams end so that
	// shutdown does not wait for them. nil: always ready.
	Ready *atomic.Bool

	// SecureCookies marks the cookies Secure on every request, not only on
	// those that arrive over TLS: botport serves plain HTTP, and behind a
	// proxy that terminates HTTPS the browser's requests are HTTPS all the
	// same (serve sets it when --public-url is https).
	SecureCookies bool

	// SessionTTL is how long a sign-in lasts (default 12 h).
	SessionTTL time.Duration
	// SignIns bounds sign-in attempts per client address and per client id
	// (default 10 a minute and 100 an hour per address, 30 and 300 per
	// client id), counted in the store so that replicas count together.
	SignIns ratelimit.Rule
	// Poll is how often live rows look for changes (default 300 ms).
	Poll time.Duration
}

// The rate-limit levels of sign-in attempts (their own buckets).
const (
	levelSignInAddr ratelimit.Level = "ui_signin_addr"
	levelSignInApp  ratelimit.Level = "ui_signin_app"
)

type server struct {
	cfg     Config
	log     *slog.Logger
	pages   map[string]*template.Template
	signIns *ratelimit.Limiter
	static  http.Handler
}

// New returns the dashboard's handler, to be mounted at /ui/. Errors: a
// template that does not parse (a build defect).
func New(cfg Config) (http.Handler, error) {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.SessionTTL <= 0 {
		cfg.SessionTTL = 12 * time.Hour
	}
	if cfg.Poll <= 0 {
		cfg.Poll = 300 * time.Millisecond
	}
	addr := cfg.SignIns
	if addr.Off() {
		addr = ratelimit.Rule{PerMinute: 10, PerHour: 100}
	}
	pages, err := parsePages()
	if err != nil {
		return nil, err
	}
	static, err := fs.Sub(assets, "static")
	if err != nil {
		return nil, err
	}
	s := &server{cfg: cfg, log: cfg.Logger, pages: pages,
		signIns: ratelimit.New(cfg.Store, map[ratelimit.Level]ratelimit.Rule{
			levelSignInAddr: addr,
			levelSignInApp:  {PerMinute: 3 * addr.PerMinute, PerHour: 3 * addr.PerHour},
		}, cfg.Now, cfg.Logger),
		static: http.StripPrefix("/ui/static/", http.FileServerFS(static)),
	}
	mux := http.NewServeMux()
	s.routes(mux)
	return headers(mux), nil
}

// routes is the whole dashboard at a glance. signedIn pages need a
// session; their POSTs also need its CSRF token (session.go).
func (s *server) routes(mux *http.ServeMux) {
	mux.HandleFunc("GET /ui/{$}", s.signedIn("", func(w http.ResponseWriter, r *http.Request, _ *session) error {
		http.Redirect(w, r, "/ui/imports", http.StatusSeeOther)
		return nil
	}))
	mux.HandleFunc("GET /ui/login", s.loginPage)
	mux.HandleFunc("POST /ui/login", s.login)
	mux.HandleFunc("POST /ui/logout", s.signedIn("", s.logout))
	mux.Handle("GET /ui/static/", s.static)

	mux.HandleFunc("GET /ui/imports", s.signedIn(auth.ScopeImport, s.importsPage))
	mux.HandleFunc("GET /ui/imports/live", s.signedIn(auth.ScopeImport, s.live))
	mux.HandleFunc("GET /ui/imports/{bir}", s.signedIn(auth.ScopeImport, s.importPage))
	mux.HandleFunc("GET /ui/imports/{bir}/document", s.signedIn(auth.ScopeImport, s.importDocument))
	mux.HandleFunc("POST /ui/imports/{bir}/cancel", s.signedIn(auth.ScopeImport, s.cancelImport))

	mux.HandleFunc("GET /ui/bots", s.signedIn(auth.ScopeImport, s.botsPage))
	mux.HandleFunc("GET /ui/bots/{botId}", s.signedIn(auth.ScopeImport, s.botPage))
	mux.HandleFunc("GET /ui/bots/{botId}/diff", s.signedIn(auth.ScopeImport, s.diffPage))
	mux.HandleFunc("GET /ui/bots/{botId}/restore", s.signedIn(auth.ScopeImport, s.restorePage))
	mux.HandleFunc("POST /ui/bots/{botId}/restore", s.signedIn(auth.ScopeImport, s.restore))
	mux.HandleFunc("POST /ui/bots/{botId}/export", s.signedIn(auth.ScopeExport, s.export))

	mux.Handle("/ui/jobs", http.RedirectHandler("/ui/jobs/", http.StatusSeeOther))
	mux.HandleFunc("/ui/jobs/", s.jobs)
	mux.HandleFunc("/ui/", func(w http.ResponseWriter, r *http.Request) {
		s.errorPage(w, r, nil, http.StatusNotFound, "There is no such page.")
	})
}

// headers sets what every dashboard answer carries: pages are never
// cached (they show live state and hold CSRF tokens), never framed, and
// run only the dashboard's own script. River UI's pages get their own
// policy (jobs.go).
func headers(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "same-origin")
		h.Set("X-Frame-Options", "DENY")
		if !strings.HasPrefix(r.URL.Path, "/ui/jobs") {
			h.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "+
				"connect-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'")
		}
		if !strings.HasPrefix(r.URL.Path, "/ui/static/") {
			h.Set("Cache-Control", "no-store")
		}
		next.ServeHTTP(w, r)
	})
}

// page is what every page template gets.
type page struct {
	Title   string
	Nav     string // the nav entry of the page: imports, bots, jobs
	Session *session
	Data    any
}

// render writes a page with the layout, or a fault page when the template
// fails (a defect, logged).
func (s *server) render(w http.ResponseWriter, r *http.Request, status int, name string, p page) {
	t, ok := s.pages[name]
	if !ok {
		s.fault(w, r, fmt.Errorf("no page template %q", name))
		return
	}
	var b strings.Builder
	if err := t.ExecuteTemplate(&b, "layout", p); err != nil {
		s.fault(w, r, fmt.Errorf("render %s: %w", name, err))
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write([]byte(b.String()))
}

// errorPage answers status with a short message on the layout.
func (s *server) errorPage(w http.ResponseWriter, r *http.Request, sess *session, status int, msg string) {
	s.render(w, r, status, "error", page{Title: http.StatusText(status), Session: sess, Data: msg})
}

// fault logs err and answers 500 without its detail.
func (s *server) fault(w http.ResponseWriter, r *http.Request, err error) {
	if r.Context().Err() == nil {
		s.log.ErrorContext(r.Context(), "dashboard fault", "path", r.URL.Path, "error", err)
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(http.StatusInternalServerError)
	_, _ = w.Write([]byte("The dashboard failed to answer; the server log has the details.\n"))
}

// notFound is the answer for an id the account does not have.
var errNotFound = errors.New("ui: not found")

// handle answers a handler's error: errNotFound as 404, anything else as
// a fault.
func (s *server) handle(w http.ResponseWriter, r *http.Request, sess *session, err error) {
	if errors.Is(err, errNotFound) {
		s.errorPage(w, r, sess, http.StatusNotFound, "There is no such page in this account.")
		return
	}
	s.fault(w, r, err)
}
