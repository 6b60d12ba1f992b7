package httpapi

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"runtime/debug"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/botport/botport/internal/auth"
	"github.com/botport/botport/internal/kore"
	"github.com/botport/botport/internal/store"
)

type ctxKey int

const (
	keyRequestID ctxKey = iota
	keyApp
)

// Request ids are 24 hex: a random per-process prefix and a counter, cheap
// enough for every request and unique across replicas in practice.
var (
	requestPrefix = kore.NewHexID()[:12]
	requestSeq    atomic.Uint64
)

func nextRequestID() string {
	var b [24]byte
	copy(b[:12], requestPrefix)
	n := requestSeq.Add(1)
	const digits = "0123456789abcdef"
	for i := 23; i >= 12; i-- {
		b[i] = digits[n&15]
		n >>= 4
	}
	return string(b[:])
}

func requestID(r *http.Request) string {
	id, _ := r.Context().Value(keyRequestID).(string)
	return id
}

// validRequestID accepts a client's X-Request-Id: 1 to 128 printable ASCII
// (space included).
func validRequestID(s string) bool {
	if len(s) == 0 || len(s) > 128 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] > 0x7e {
			return false
		}
	}
	return true
}

// statusWriter records the status and size of a response for the log,
// and writes it under the write budget (transport.go).
type statusWriter struct {
	http.ResponseWriter
	rc      *http.ResponseController
	wb      budget
	body    *deadlineReader // nil when the request has no body
	closing bool            // Connection: close was set
	status  int
	bytes   int64
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
		w.refuseEarly(code)
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	n, err := w.write(b)
	w.bytes += int64(n)
	return n, err
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// outer gives every request an id, bounds how slowly its body may be read
// and its answer written (transport.go), caps the requests in flight,
// recovers panics as 500 and logs one line per request. Query strings and
// headers are never logged: tokens travel in headers, and nothing botport
// accepts belongs in a log.
func (s *server) outer(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		id := r.Header.Get("X-Request-Id")
		if !validRequestID(id) {
			id = nextRequestID()
		}
		w.Header().Set("X-Request-Id", id)
		ctx := context.WithValue(r.Context(), keyRequestID, id)
		r = r.WithContext(ctx)
		sw := &statusWriter{ResponseWriter: w, rc: http.NewResponseController(w), wb: budget{io: s.cfg.IO}}
		if r.ContentLength != 0 && r.Body != nil && r.Body != http.NoBody {
			sw.body = &deadlineReader{ReadCloser: r.Body, rc: sw.rc, b: budget{io: s.cfg.IO}}
			r.Body = sw.body
		}
		defer sw.finish()
		inner := r // the request the router sees, which records the pattern it matched
		defer func() {
			if p := recover(); p != nil {
				if p == http.ErrAbortHandler {
					panic(p)
				}
				s.log.ErrorContext(ctx, "panic", "request_id", id, "panic", fmt.Sprint(p), "stack", string(debug.Stack()))
				if sw.status == 0 {
					writeKoreError(sw, kore.ErrInternal)
				}
			}
			attrs := []any{"request_id", id, "method", r.Method, "path", r.URL.Path, "status", sw.status,
				"bytes", sw.bytes, "duration_ms", float64(time.Since(start).Microseconds()) / 1000}
			if app, ok := ctx.Value(keyApp).(*appBox); ok && app.app != nil {
				attrs = append(attrs, "app", app.app.ID, "account", app.app.AccountID)
			}
			// Status polls that succeed are the bulk of the traffic and say
			// nothing at 3 a.m.: they go to debug; everything else to info,
			// except refusals past a few every ten seconds (a flood of bad
			// tokens, a client over its rate limit, an overload), which the
			// sampler counts in one line.
			level := slog.LevelInfo
			switch {
			case r.Method == http.MethodGet && sw.status < 400 && strings.HasPrefix(r.URL.Path, "/api/public/bot/import/status/"):
				level = slog.LevelDebug
			case sw.status == http.StatusUnauthorized || sw.status == http.StatusTooManyRequests || sw.status == http.StatusServiceUnavailable:
				if !s.refused.admit(strconv.Itoa(sw.status)) {
					level = slog.LevelDebug
				}
			}
			s.log.Log(ctx, level, "request", attrs...)
			if s.cfg.Metrics != nil {
				s.cfg.Metrics.HTTP(routeLabel(inner.Pattern), r.Method, sw.status, time.Since(start))
			}
		}()
		if !probe[r.URL.Path] {
			if !s.admit() {
				s.overloaded(sw)
				return
			}
			defer s.release()
		}
		ctx = context.WithValue(ctx, keyApp, &appBox{})
		inner = r.WithContext(ctx)
		next.ServeHTTP(sw, inner)
	})
}

// probe lists the paths that monitoring calls: they are served whatever
// the load (no in-flight cap), so that an overloaded server still says so.
var probe = map[string]bool{"/healthz": true, "/readyz": true, "/metrics": true}

// routeLabel is a matched pattern as a metric label: the path pattern
// without its method and without the tolerated trailing slash ("" when no
// route matched).
func routeLabel(pattern string) string {
	if _, path, ok := strings.Cut(pattern, " "); ok {
		pattern = path
	}
	pattern = strings.TrimSuffix(pattern, "/{$}")
	if pattern == "/" {
		return ""
	}
	return pattern
}

// appBox lets the access log see the app that authenticated.
type appBox struct{ app *store.App }

// handlerFunc is an authenticated handler; a returned error is answered by
// writeError.
type handlerFunc func(w http.ResponseWriter, r *http.Request, app *store.App) error

// authed checks credentials before any body byte is read, then the scope,
// then the rate limit (contract 1.6), and runs h.
func (s *server) authed(scope string, l limit, h handlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		token, err := auth.TokenFrom(r.Header)
		var app *store.App
		if err == nil {
			app, err = s.cfg.Verifier.Verify(r.Context(), token)
		}
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		if box, ok := r.Context().Value(keyApp).(*appBox); ok {
			box.app = app
		}
		if !app.HasScope(scope) {
			s.writeError(w, r, kore.ErrScope)
			return
		}
		if err := s.rateLimit(w, r, app, l); err != nil {
			s.writeError(w, r, err)
			return
		}
		if err := h(w, r, app); err != nil {
			s.writeError(w, r, err)
		}
	}
}
