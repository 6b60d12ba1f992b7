package httpapi

import (
	"net/http"

	"github.com/botport/botport/internal/store"
)

// cancelImport is POST /api/botport/imports/{bir}/cancel (botport
// extension): 200 with the status document, final unless the running
// import did not stop within the importer's wait.
func (s *server) cancelImport(w http.ResponseWriter, r *http.Request, app *store.App) error {
	doc, err := s.cfg.Importer.Cancel(r.Context(), app, r.PathValue("bir"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, doc)
	return nil
}
