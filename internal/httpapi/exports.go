package httpapi

import (
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"

	"github.com/botport/botport/internal/exporter"
	"github.com/botport/botport/internal/kore"
	"github.com/botport/botport/internal/store"
)

// exportStart is POST /bot/{botId}/export.
func (s *server) exportStart(w http.ResponseWriter, r *http.Request, app *store.App) error {
	f, err := s.readFields(w, r)
	if err != nil {
		return err
	}
	in, err := readExportFields(f)
	if err != nil {
		return err
	}
	req, err := exportRequest(in)
	if err != nil {
		return err
	}
	botID := r.PathValue("botId")
	if !kore.IsBotID(botID) {
		return kore.ErrStreamID
	}
	st, err := s.cfg.Exporter.Start(r.Context(), app, botID, req)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, kore.Encode(exportStartDoc{
		Status: st.State, StreamID: st.BotID, CreatedBy: st.CreatedBy, ExportType: st.ExportType,
		RequestType: exportRequestType, ID: st.ID, CreatedOn: kore.FormatTime(st.CreatedOn),
	}))
	return nil
}

// exportRequestType is the export documents' requestType.
const exportRequestType = "Botexport"

// exportStartDoc is the answer of an accepted export (contract 4.6), in the
// platform's field order.
type exportStartDoc struct {
	Status      string `json:"status"`
	StreamID    string `json:"streamId"`
	CreatedBy   string `json:"createdBy"`
	ExportType  string `json:"exportType"`
	RequestType string `json:"requestType"`
	ID          string `json:"_id"`
	CreatedOn   string `json:"createdOn"`
	V           int    `json:"__v"`
}

// exportStatusDoc is the export status document (contract 4.7), in the
// platform's field order; the download fields come only on success, the
// message only on failure.
type exportStatusDoc struct {
	ID          string           `json:"_id"`
	BotID       string           `json:"botId"`
	StreamID    string           `json:"streamId"`
	CreatedBy   string           `json:"createdBy"`
	ExportType  string           `json:"exportType"`
	RequestType string           `json:"requestType"`
	Status      string           `json:"status"`
	CreatedOn   string           `json:"createdOn"`
	V           int              `json:"__v"`
	DownloadURL string           `json:"downloadURL,omitempty"`
	FileID      string           `json:"fileId,omitempty"`
	Store       *exportStoreInfo `json:"store,omitempty"`
	FileSize    string           `json:"fileSize,omitempty"` // a string, as the platform sends it
	Message     string           `json:"message,omitempty"`
}

type exportStoreInfo struct {
	URLParams string `json:"urlParams"`
}

// exportStatus is GET /bot/{botId}/export/status: the bot's latest export.
func (s *server) exportStatus(w http.ResponseWriter, r *http.Request, app *store.App) error {
	botID := r.PathValue("botId")
	if !kore.IsBotID(botID) {
		return kore.ErrStreamID
	}
	st, err := s.cfg.Exporter.Status(r.Context(), app, botID)
	if err != nil {
		return err
	}
	doc := exportStatusDocument(st)
	if st.Link != nil {
		query := linkQuery(st.Link)
		doc.DownloadURL = s.publicBase(r) + downloadPath + st.ID + "?" + query
		doc.FileID, doc.Store = st.FileID, &exportStoreInfo{URLParams: query}
		doc.FileSize = strconv.FormatInt(st.FileSize, 10)
	}
	writeJSON(w, http.StatusOK, kore.Encode(doc))
	return nil
}

// exportStatusDocument is an export's status document without its
// download fields (the status route adds them with a link).
func exportStatusDocument(st *exporter.Status) exportStatusDoc {
	return exportStatusDoc{
		ID: st.ID, BotID: st.BotID, StreamID: st.BotID, CreatedBy: st.CreatedBy, ExportType: st.ExportType,
		RequestType: exportRequestType, Status: st.State, CreatedOn: kore.FormatTime(st.CreatedOn), Message: st.Message,
	}
}

// downloadPath is the path of download links, followed by the BER; the
// route serves the same path.
const downloadPath = "/api/public/bot/export/download/"

// linkQuery is the query string of a signed download link; exportDownload
// reads the same two parameters back.
func linkQuery(l *exporter.Link) string {
	return "expires=" + strconv.FormatInt(l.Expires, 10) + "&sig=" + l.Sig
}

// publicBase is the scheme and host download links start with: the
// configured public URL, else the address and port the request reached on
// this server (the connection's local address). The Host header is never
// used, nor forwarding headers: any client can send them, and a link is
// handed to whoever asked, so a forged Host would send a signed link, and
// the client's next request for it, to a host of the forger's choosing
// (through a proxy or a shared cache that does not vary on Host, to
// somebody else). A server behind a proxy or reached by name sets the
// public URL.
func (s *server) publicBase(r *http.Request) string {
	if s.cfg.PublicURL != "" {
		return strings.TrimRight(s.cfg.PublicURL, "/")
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	if addr, ok := r.Context().Value(http.LocalAddrContextKey).(net.Addr); ok {
		if ta, ok := addr.(*net.TCPAddr); ok {
			return scheme + "://" + net.JoinHostPort(ta.IP.String(), strconv.Itoa(ta.Port))
		}
		return scheme + "://" + addr.String()
	}
	return scheme + "://localhost" // no connection (a handler called directly)
}

// exportDownload is GET /bot/export/download/{ber}: authorized by the
// link's signature alone, so an auth header is ignored.
func (s *server) exportDownload(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	if len(q["expires"]) != 1 || len(q["sig"]) != 1 {
		s.writeError(w, r, kore.ErrNotFound)
		return
	}
	rc, size, name, err := s.cfg.Exporter.Download(r.Context(), r.PathValue("ber"), q.Get("expires"), q.Get("sig"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	defer rc.Close()
	h := w.Header()
	h.Set("Content-Type", "application/zip")
	h.Set("Content-Length", strconv.FormatInt(size, 10))
	h.Set("Content-Disposition", `attachment; filename="`+quoteFileName(name)+`"`)
	h.Set("Cache-Control", "no-store") // the zip holds the bot's secrets
	w.WriteHeader(http.StatusOK)
	if _, err := io.Copy(w, rc); err != nil && r.Context().Err() == nil {
		s.log.WarnContext(r.Context(), "export download cut off", "request_id", requestID(r), "error", err)
	}
}

// quoteFileName escapes a name for a quoted-string header parameter:
// backslashes and quotes are escaped, control characters (which would end
// or split the header) become "_".
func quoteFileName(name string) string {
	var b strings.Builder
	for _, c := range name {
		switch {
		case c == '"' || c == '\\':
			b.WriteByte('\\')
			b.WriteRune(c)
		case c < 0x20 || c == 0x7f:
			b.WriteByte('_')
		default:
			b.WriteRune(c)
		}
	}
	return b.String()
}
