package httpapi

import (
	"context"
	"fmt"
	"net/http"
	"runtime/debug"
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

func requestID(r *http.Request) string {
	id, _ := r.Context().Value(keyRequestID).(string)
	return id
}

// validRequestID accepts a client's X-Request-Id: 1 to 128 printable ASCII.
func validRequestID(s string) bool {
	if len(s) == 0 || len(s) > 128 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < 0x21 || s[i] > 0x7e {
			return false
		}
	}
	return true
}

// statusWriter records the status and size of a response for the log.
type statusWriter struct {
	http.ResponseWriter
	status int
	bytes  int64
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	n, err := w.ResponseWriter.Write(b)
	w.bytes += int64(n)
	return n, err
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// outer gives every request an id, recovers panics as 500 and logs one line
// per request. Query strings and headers are never logged: tokens travel in
// headers, and nothing botport accepts belongs in a log.
func (s *server) outer(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		id := r.Header.Get("X-Request-Id")
		if !validRequestID(id) {
			id = kore.NewHexID()
		}
		w.Header().Set("X-Request-Id", id)
		ctx := context.WithValue(r.Context(), keyRequestID, id)
		r = r.WithContext(ctx)
		sw := &statusWriter{ResponseWriter: w}
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
			s.log.InfoContext(ctx, "request", attrs...)
		}()
		ctx = context.WithValue(ctx, keyApp, &appBox{})
		next.ServeHTTP(sw, r.WithContext(ctx))
	})
}

// appBox lets the access log see the app that authenticated.
type appBox struct{ app *store.App }

// handlerFunc is an authenticated handler; a returned error is answered by
// writeError.
type handlerFunc func(w http.ResponseWriter, r *http.Request, app *store.App) error

// authed checks credentials before any body byte is read, then the scope.
func (s *server) authed(scope string, h handlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		token := auth.Token(r.Header.Get("auth"), r.Header.Get("Authorization"))
		app, err := s.cfg.Verifier.Verify(r.Context(), token)
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
		if err := h(w, r, app); err != nil {
			s.writeError(w, r, err)
		}
	}
}
