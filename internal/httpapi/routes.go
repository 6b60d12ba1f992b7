package httpapi

import (
	"net/http"

	"github.com/botport/botport/internal/auth"
	"github.com/botport/botport/internal/kore"
)

// routes is the whole API at a glance.
func (s *server) routes(mux *http.ServeMux) {
	const p = "/api/public"
	// s.idempotent: the POST honours Idempotency-Key (idempotency.go).
	s.route(mux, "POST", p+"/uploadfile", s.authed(auth.ScopeImport, s.idempotent(s.uploadFile)))
	s.route(mux, "POST", p+"/bot/import", s.authed(auth.ScopeImport, s.idempotent(s.importNew)))
	s.route(mux, "POST", p+"/bot/{botId}/import", s.authed(auth.ScopeImport, s.idempotent(s.importExisting)))
	s.route(mux, "GET", p+"/bot/import/status/{bir}", s.authed(auth.ScopeImport, s.importStatus))
	s.route(mux, "POST", p+"/bot/{botId}/import/botfunctions", s.authed(auth.ScopeImport, s.idempotent(s.importFunctions)))
	s.route(mux, "GET", p+"/bots", s.authed(auth.ScopeImport, s.listBots))
	if s.cfg.Exporter != nil {
		s.route(mux, "POST", p+"/bot/{botId}/export", s.authed(auth.ScopeExport, s.idempotent(s.exportStart)))
		s.route(mux, "GET", p+"/bot/{botId}/export/status", s.authed(auth.ScopeExport, s.exportStatus))
		// No credentials: the link's signature is the authorization.
		s.route(mux, "GET", downloadPath+"{ber}", s.exportDownload) // the path links are built with
	}

	// botport's own features live outside /api/public.
	const b = "/api/botport"
	s.route(mux, "GET", b+"/bots/{botId}/versions", s.authed(auth.ScopeImport, s.listVersions))
	s.route(mux, "POST", b+"/bots/{botId}/versions/{version}/restore", s.authed(auth.ScopeImport, s.restoreVersion))
	s.route(mux, "GET", b+"/imports", s.authed(auth.ScopeImport, s.listImports))
	s.route(mux, "POST", b+"/imports/{bir}/cancel", s.authed(auth.ScopeImport, s.cancelImport))
	s.route(mux, "GET", b+"/imports/{bir}/events", s.authed(auth.ScopeImport, s.importEvents))
	if s.cfg.Exporter != nil {
		s.route(mux, "GET", b+"/exports", s.authed(auth.ScopeExport, s.listExports))
	}

	mux.HandleFunc("GET /healthz", s.healthz)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) { writeKoreError(w, kore.ErrNotFound) })
}

// route registers h for method and path, with one trailing slash tolerated,
// and answers other methods on the same path 405 in the envelope (the
// standard mux would answer in plain text).
func (s *server) route(mux *http.ServeMux, method, path string, h http.HandlerFunc) {
	notAllowed := func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Allow", method)
		writeKoreError(w, kore.ErrMethod)
	}
	for _, p := range []string{path, path + "/{$}"} {
		mux.HandleFunc(method+" "+p, h)
		mux.HandleFunc(p, notAllowed)
	}
}

func (s *server) healthz(w http.ResponseWriter, r *http.Request) {
	if s.cfg.Ready != nil && !s.cfg.Ready.Load() {
		writeJSON(w, http.StatusServiceUnavailable, []byte(`{"status":"starting"}`))
		return
	}
	writeJSON(w, http.StatusOK, []byte(`{"status":"ok"}`))
}
