// Package httpapi serves botport's Kore.ai-compatible public API: routes,
// the auth header, request bodies, response documents and the error
// envelope. It knows nothing of SQL; it calls the importer, the exporter
// and the store.
package httpapi

import (
	"context"
	"log/slog"
	"net/http"
	"path"
	"strings"
	"sync/atomic"
	"time"

	"github.com/botport/botport/internal/auth"
	"github.com/botport/botport/internal/blob"
	"github.com/botport/botport/internal/exporter"
	"github.com/botport/botport/internal/importer"
	"github.com/botport/botport/internal/kore"
	"github.com/botport/botport/internal/publish"
	"github.com/botport/botport/internal/ratelimit"
	"github.com/botport/botport/internal/store"
	"github.com/botport/botport/internal/upload"
	"github.com/botport/botport/internal/variables"
	"github.com/botport/botport/internal/webhook"
)

// Config is the server's dependencies and limits.
type Config struct {
	Store    store.Store
	Blobs    *blob.Store
	Importer *importer.Service
	Exporter *exporter.Service // nil: the export routes are not served

	// Publisher and Variables serve publishes and bot variables (contract
	// 4.9 to 4.11); nil: their routes are not served.
	Publisher *publish.Service
	Variables *variables.Service
	// Webhooks registers webhooks and lists their deliveries; nil: the
	// webhook routes are not served.
	Webhooks *webhook.Service

	Verifier *auth.Verifier
	Logger   *slog.Logger
	Now      func() time.Time

	// Uploads stores uploaded files (default: a service over Store and
	// Blobs with the default file TTL).
	Uploads *upload.Service

	UploadLimit int64        // bytes of an uploaded file (default 256 MiB)
	BodyLimit   int64        // bytes of any other body (default 1 MiB)
	Ready       *atomic.Bool // /healthz answers 200 once set; nil means ready
	// PublicURL is the scheme and host (and path prefix, if any) download
	// links start with; "" uses the address the status request reached
	// (see publicBase).
	PublicURL string

	// Limiter applies the rate limits (contract section 6); nil: none.
	Limiter *ratelimit.Limiter
	// IO bounds how slowly bodies are read and answers written.
	IO IO
	// MaxInFlight caps the requests being handled at once; over it, 503
	// with Retry-After. 0: no cap.
	MaxInFlight int

	// Metrics, when set, observes every answered request: the route
	// pattern it matched, its method, status and duration.
	Metrics interface {
		HTTP(route, method string, code int, d time.Duration)
	}
	// MetricsHandler, when set, is served at GET /metrics, without
	// credentials (Prometheus scrapes it).
	MetricsHandler http.Handler
	// Readiness, when set, is asked by GET /readyz whether the store and
	// the job queue are usable: nil is ready.
	Readiness func(ctx context.Context) error
	// UI is the web dashboard, served under /ui/ (internal/ui); nil: not
	// served.
	UI http.Handler
}

type server struct {
	cfg     Config
	log     *slog.Logger
	uploads *upload.Service
	docs    *docCache
	// refusals samples the log of refused tokens, refused the access log
	// lines of refused requests (401, 429, 503): floods of them must not
	// flood the log.
	refusals, refused *sampler
	inFlight          atomic.Int64
	// allowed lists each route path's methods, for 405 answers' Allow;
	// written while routes are registered, read only after.
	allowed map[string]string
}

// NewServer returns the HTTP handler of the whole API.
func NewServer(cfg Config) http.Handler {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.UploadLimit <= 0 {
		cfg.UploadLimit = 256 << 20
	}
	if cfg.BodyLimit <= 0 {
		cfg.BodyLimit = 1 << 20
	}
	if cfg.Uploads == nil {
		cfg.Uploads = &upload.Service{Files: cfg.Store, Blobs: cfg.Blobs, Now: cfg.Now, Logger: cfg.Logger}
	}
	cfg.IO = cfg.IO.withDefaults()
	s := &server{cfg: cfg, log: cfg.Logger, uploads: cfg.Uploads, docs: newDocCache(64<<20, 5*time.Minute),
		refusals: newSampler(cfg.Logger, cfg.Now, "token refusals not logged one by one"),
		refused:  newSampler(cfg.Logger, cfg.Now, "refused requests logged at debug level only")}
	mux := http.NewServeMux()
	s.routes(mux)
	return s.outer(canonical(mux))
}

// canonical answers 404 in the envelope for a path the standard mux would
// clean and redirect (//, /./, /../): a redirect in plain HTML is no answer
// for an API client, and one that follows it would send a POST elsewhere.
// One trailing slash is tolerated (contract 1.1).
func canonical(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if p := r.URL.Path; p != "" && p != "/" && path.Clean(p) != strings.TrimSuffix(p, "/") {
			writeKoreError(w, kore.ErrNotFound)
			return
		}
		next.ServeHTTP(w, r)
	})
}
