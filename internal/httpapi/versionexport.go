package httpapi

import (
	"net/http"
	"strconv"

	"github.com/botport/botport/internal/importer"
	"github.com/botport/botport/internal/kore"
	"github.com/botport/botport/internal/store"
)

// exportVersion is GET /api/botport/bots/{botId}/versions/{version}/export
// (botport extension, scope bot_export): the export zip of one committed
// version, built by the exporter and streamed as it is built. What can be
// refused is refused before the first byte (400 Invalid StreamId for an
// unknown or foreign bot, 404 Invalid version); a fault while streaming
// aborts the connection, so a client never takes a cut-off zip for whole.
func (s *server) exportVersion(w http.ResponseWriter, r *http.Request, app *store.App) error {
	botID := r.PathValue("botId")
	if !kore.IsBotID(botID) {
		return kore.ErrStreamID
	}
	n, err := strconv.Atoi(r.PathValue("version"))
	if err != nil || n < 1 {
		return importer.ErrVersion
	}
	v, err := s.cfg.Exporter.OpenVersion(r.Context(), app, botID, n)
	if err != nil {
		return err
	}
	h := w.Header()
	h.Set("Content-Type", "application/zip")
	h.Set("Content-Disposition", `attachment; filename="`+quoteFileName(v.FileName())+`"`)
	h.Set("Cache-Control", "no-store") // the zip holds the bot's secrets
	w.WriteHeader(http.StatusOK)
	if err := v.Write(w); err != nil {
		if r.Context().Err() == nil {
			s.log.ErrorContext(r.Context(), "version export cut off", "request_id", requestID(r), "bot", botID, "version", n, "error", err)
		}
		panic(http.ErrAbortHandler)
	}
	return nil
}
