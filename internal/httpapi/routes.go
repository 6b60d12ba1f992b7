package httpapi

import (
	"net/http"

	"github.com/botport/botport/internal/auth"
	"github.com/botport/botport/internal/kore"
)

// routes is the whole API at a glance.
func (s *server) routes(mux *http.ServeMux) {
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

	// The web dashboard: its own sign-in, pages and errors (internal/ui).
	if s.cfg.UI != nil {
		mux.Handle("/ui/", s.cfg.UI)
		mux.Handle("GET /ui", http.RedirectHandler("/ui/", http.StatusSeeOther))
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
