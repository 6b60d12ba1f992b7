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
