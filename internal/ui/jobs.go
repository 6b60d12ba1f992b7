package ui

import (
	"mime"
	"net/http"
)

// jobs serves River UI (Config.Jobs) at /ui/jobs/ to administrator apps:
// the operators' view of the job queue, behind the same sign-in. Its API
// changes the queue (cancel, retry, pause), and River UI's page sends no
// CSRF token, so besides the session (whose cookie is SameSite=Strict) a
// request that is not a GET must say it comes from this site (Origin or
// Sec-Fetch-Site, which browsers send and scripts of other sites cannot
// forge), and a POST must carry JSON (which a form cannot; PUT, PATCH and
// DELETE cannot leave another site without a CORS preflight, which
// botport never grants).
func (s *server) jobs(w http.ResponseWriter, r *http.Request) {
	sess, err := s.session(r)
	if err != nil {
		s.fault(w, r, err)
		return
	}
	if sess == nil {
		if r.Method == http.MethodGet {
			http.Redirect(w, r, "/ui/login?next=/ui/jobs/", http.StatusSeeOther)
			return
		}
		s.errorPage(w, r, nil, http.StatusUnauthorized, "Your session has ended: sign in again.")
		return
	}
	if !sess.App.Admin || s.cfg.Jobs == nil {
		s.errorPage(w, r, sess, http.StatusForbidden, "The job queue is for administrator apps (botport apps admin --app …).")
		return
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
		if !sameSite(r) || r.Header.Get("Origin") == "" && r.Header.Get("Sec-Fetch-Site") == "" ||
			r.Method == http.MethodPost && mt != "application/json" {
			s.errorPage(w, r, sess, http.StatusForbidden, "Changes to the job queue come from River UI's own page.")
			return
		}
	}
	// River UI's page runs its own script and styles (a built single-page
	// application): its policy allows them from this server only.
	w.Header().Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "+
		"script-src 'self'; frame-ancestors 'none'; base-uri 'none'")
	s.cfg.Jobs.ServeHTTP(w, r)
}
