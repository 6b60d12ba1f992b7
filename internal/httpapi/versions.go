package httpapi

import (
	"net/http"
	"strconv"

	"github.com/botport/botport/internal/importer"
	"github.com/botport/botport/internal/kore"
	"github.com/botport/botport/internal/store"
)

// listVersions is GET /api/botport/bots/{botId}/versions (botport extension).
func (s *server) listVersions(w http.ResponseWriter, r *http.Request, app *store.App) error {
	botID := r.PathValue("botId")
	if !kore.IsBotID(botID) {
		return kore.ErrStreamID
	}
	vs, err := s.cfg.Importer.Versions(r.Context(), app, botID)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, kore.Encode(struct {
		BotID    string                 `json:"botId"`
		Versions []importer.VersionInfo `json:"versions"`
	}{botID, vs}))
	return nil
}

// restoreVersion is POST /api/botport/bots/{botId}/versions/{version}/restore
// (botport extension): the version's content becomes current as a new version.
func (s *server) restoreVersion(w http.ResponseWriter, r *http.Request, app *store.App) error {
	botID := r.PathValue("botId")
	if !kore.IsBotID(botID) {
		return kore.ErrStreamID
	}
	n, err := strconv.Atoi(r.PathValue("version"))
	if err != nil || n < 1 {
		return importer.ErrVersion
	}
	info, err := s.cfg.Importer.Restore(r.Context(), app, botID, n)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, kore.Encode(struct {
		BotID   string                `json:"botId"`
		Version *importer.VersionInfo `json:"version"`
	}{botID, info}))
	return nil
}
