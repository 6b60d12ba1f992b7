package httpapi

import (
	"net/http"

	"github.com/botport/botport/internal/auth"
	"github.com/botport/botport/internal/kore"
)

// routes is the whole API at a glance.
func (s *server) routes(mux *http.ServeMux) {
	const p = "/api/public"
	s.route(mux, "POST", p+"/uploadfile", s.authed(auth.ScopeImport, s.uploadFile))
	s.route(mux, "POST", p+"/bot/import", s.authed(auth.ScopeImport, s.importNew))
	s.route(mux, "POST", p+"/bot/{botId}/import", s.authed(auth.ScopeImport, s.importExisting))
	s.route(mux, "GET", p+"/bot/import/status/{bir}", s.authed(auth.ScopeImport, s.importStatus))
	s.route(mux, "POST", p+"/bot/{botId}/import/botfunctions", s.authed(auth.ScopeImport, s.importFunctions))
	s.route(mux, "GET", p+"/bots", s.authed(auth.ScopeImport, s.listBots))
	if s.cfg.Exporter != nil {
		s.route(mux, "POST", p+"/bot/{botId}/export", s.authed(auth.ScopeExport, s.exportStart))
		s.route(mux, "GET", p+"/bot/{botId}/export/status", s.authed(auth.ScopeExport, s.exportStatus))
		// No credentials: the link's signature is the authorization.
		s.route(mux, "GET", downloadPath+"{ber}", s.exportDownload) // the path links are built with
	}
	if s.cfg.Publisher != nil {
		s.route(mux, "POST", p+"/bot/{botId}/publish", s.authed(auth.ScopePublish, s.publishStart))
		s.route(mux, "GET", p+"/bot/{botId}/publish/status", s.authed(auth.ScopePublish, s.publishStatus))
	}
	if s.cfg.Variables != nil {
		// The platform serves these under /api/{version}/public/builder
		// (version 1.x), by bot and by its older name, stream.
		for _, b := range []string{"/api/{version}/public/builder/bot/{botId}", "/api/{version}/public/builder/stream/{botId}"} {
			s.builderRoute(mux, "POST", b+"/variables/export", s.authed(auth.ScopeVariables, s.variablesExport))
			s.builderRoute(mux, "POST", b+"/variables/import", s.authed(auth.ScopeVariables, s.variablesImport))
		}
	}

	// botport's own features live outside /api/public.
	const b = "/api/botport"
	s.route(mux, "GET", b+"/bots/{botId}/versions", s.authed(auth.ScopeImport, s.listVersions))
	s.route(mux, "POST", b+"/bots/{botId}/versions/{version}/restore", s.authed(auth.ScopeImport, s.restoreVersion))
	if s.cfg.Exporter != nil {
		s.route(mux, "GET", b+"/bots/{botId}/versions/{version}/export", s.authed(auth.ScopeExport, s.exportVersion))
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
