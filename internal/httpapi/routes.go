package httpapi

import (
	"context"
	"net/http"
	"time"

	"github.com/botport/botport/internal/auth"
	"github.com/botport/botport/internal/kore"
)

// registrar is where routes are registered: the server's *http.ServeMux,
// or a recorder in the test that holds the route table against the OpenAPI
// document.
type registrar interface {
	HandleFunc(pattern string, handler func(http.ResponseWriter, *http.Request))
	Handle(pattern string, handler http.Handler)
}

// routes is the whole API at a glance.
func (s *server) routes(mux registrar) {
	const p = "/api/public"
	// Each authenticated route: its scope, its rate limit (level and bucket,
	// contract section 4), its handler; s.idempotent: the POST honours
	// Idempotency-Key (idempotency.go).
	s.route(mux, "POST", p+"/uploadfile", s.authed(auth.ScopeImport, byApp("upload"), s.idempotent(s.uploadFile)))
	s.route(mux, "POST", p+"/bot/import", s.authed(auth.ScopeImport, byApp("import"), s.idempotent(s.importNew)))
	s.route(mux, "POST", p+"/bot/{botId}/import", s.authed(auth.ScopeImport, byBot("import"), s.idempotent(s.importExisting)))
	s.route(mux, "GET", p+"/bot/import/status/{bir}", s.authed(auth.ScopeImport, byImport("import-status"), s.importStatus))
	s.route(mux, "POST", p+"/bot/{botId}/import/botfunctions", s.authed(auth.ScopeImport, byBot("botfunctions"), s.idempotent(s.importFunctions)))
	s.route(mux, "GET", p+"/bots", s.authed(auth.ScopeImport, byAccount("bots"), s.listBots))
	if s.cfg.Exporter != nil {
		s.route(mux, "POST", p+"/bot/{botId}/export", s.authed(auth.ScopeExport, byBot("export"), s.idempotent(s.exportStart)))
		s.route(mux, "GET", p+"/bot/{botId}/export/status", s.authed(auth.ScopeExport, byLatestExport("export-status"), s.exportStatus))
		// No credentials and no rate limit: the link's signature is the
		// authorization.
		s.route(mux, "GET", downloadPath+"{ber}", s.exportDownload) // the path links are built with
	}
	if s.cfg.Publisher != nil {
		s.route(mux, "POST", p+"/bot/{botId}/publish", s.authed(auth.ScopePublish, byBot("publish"), s.idempotent(s.publishStart)))
		s.route(mux, "GET", p+"/bot/{botId}/publish/status", s.authed(auth.ScopePublish, byLatestPublish("publish-status"), s.publishStatus))
	}
	if s.cfg.Variables != nil {
		// The platform serves these under /api/{version}/public/builder
		// (version 1.x), by bot and by its older name, stream.
		for _, b := range []string{"/api/{version}/public/builder/bot/{botId}", "/api/{version}/public/builder/stream/{botId}"} {
			s.builderRoute(mux, "POST", b+"/variables/export", s.authed(auth.ScopeVariables, byBot("variables-export"), s.variablesExport))
			s.builderRoute(mux, "POST", b+"/variables/import", s.authed(auth.ScopeVariables, byBot("variables-import"), s.idempotent(s.variablesImport)))
		}
	}

	// botport's own features live outside /api/public; they count as
	// definition APIs of the bot.
	const b = "/api/botport"
	s.route(mux, "GET", b+"/bots/{botId}/versions", s.authed(auth.ScopeImport, byBot("versions"), s.listVersions))
	s.route(mux, "POST", b+"/bots/{botId}/versions/{version}/restore", s.authed(auth.ScopeImport, byBot("restore"), s.restoreVersion))
	s.route(mux, "GET", b+"/imports", s.authed(auth.ScopeImport, byAccount("imports"), s.listImports))
	s.route(mux, "POST", b+"/imports/{bir}/cancel", s.authed(auth.ScopeImport, byImport("cancel"), s.cancelImport))
	s.route(mux, "GET", b+"/imports/{bir}/events", s.authed(auth.ScopeImport, byImport("import-events"), s.importEvents))
	if s.cfg.Exporter != nil {
		s.route(mux, "GET", b+"/bots/{botId}/versions/{version}/export", s.authed(auth.ScopeExport, byBot("version-export"), s.exportVersion))
		s.route(mux, "GET", b+"/exports", s.authed(auth.ScopeExport, byAccount("exports"), s.listExports))
	}
	if s.cfg.Webhooks != nil {
		s.route(mux, "POST", b+"/webhooks", s.authed(auth.ScopeImport, byAccount("webhooks"), s.createWebhook))
		s.route(mux, "GET", b+"/webhooks", s.authed(auth.ScopeImport, byAccount("webhooks"), s.listWebhooks))
		s.route(mux, "DELETE", b+"/webhooks/{id}", s.authed(auth.ScopeImport, byAccount("webhooks"), s.deleteWebhook))
		s.route(mux, "GET", b+"/webhooks/{id}/deliveries", s.authed(auth.ScopeImport, byAccount("webhook-deliveries"), s.webhookDeliveries))
	}

	s.route(mux, "GET", b+"/openapi.json", s.openAPI)

	// The web dashboard: its own sign-in, pages and errors (internal/ui).
	if s.cfg.UI != nil {
		mux.Handle("/ui/", s.cfg.UI)
		mux.Handle("GET /ui", http.RedirectHandler("/ui/", http.StatusSeeOther))
	}

	mux.HandleFunc("GET /healthz", s.healthz)
	mux.HandleFunc("GET /readyz", s.readyz)
	if s.cfg.MetricsHandler != nil {
		mux.Handle("GET /metrics", s.cfg.MetricsHandler)
	}
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) { writeKoreError(w, kore.ErrNotFound) })
}

// route registers h for method and path, with one trailing slash tolerated,
// and answers other methods on the same path 405 in the envelope (the
// standard mux would answer in plain text), with Allow listing every
// method the path has.
func (s *server) route(mux registrar, method, path string, h http.HandlerFunc) {
	if s.allowed == nil {
		s.allowed = map[string]string{}
	}
	allow, known := s.allowed[path]
	if known {
		s.allowed[path] = allow + ", " + method
	} else {
		s.allowed[path] = method
	}
	notAllowed := func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Allow", s.allowed[path])
		writeKoreError(w, kore.ErrMethod)
	}
	for _, p := range []string{path, path + "/{$}"} {
		mux.HandleFunc(method+" "+p, h)
		if !known {
			mux.HandleFunc(p, notAllowed)
		}
	}
}

// healthz is the liveness probe: 200 once the server has started, until
// it begins to stop.
func (s *server) healthz(w http.ResponseWriter, r *http.Request) {
	if s.cfg.Ready != nil && !s.cfg.Ready.Load() {
		writeJSON(w, http.StatusServiceUnavailable, []byte(`{"status":"starting"}`))
		return
	}
	writeJSON(w, http.StatusOK, []byte(`{"status":"ok"}`))
}

// readyz is the readiness probe: 200 only while the server is started and
// its store and job queue answer (Config.Readiness, within 2 s); else 503
// with what is not ready. Why is logged, not sent.
func (s *server) readyz(w http.ResponseWriter, r *http.Request) {
	if s.cfg.Ready != nil && !s.cfg.Ready.Load() {
		writeJSON(w, http.StatusServiceUnavailable, []byte(`{"status":"starting"}`))
		return
	}
	if s.cfg.Readiness != nil {
		ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
		defer cancel()
		if err := s.cfg.Readiness(ctx); err != nil {
			s.log.WarnContext(r.Context(), "not ready", "request_id", requestID(r), "error", err)
			writeJSON(w, http.StatusServiceUnavailable, []byte(`{"status":"unavailable"}`))
			return
		}
	}
	writeJSON(w, http.StatusOK, []byte(`{"status":"ok"}`))
}
