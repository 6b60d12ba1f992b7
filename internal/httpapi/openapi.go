package httpapi

import (
	_ "embed"
	"net/http"
	"strconv"
)

// OpenAPI is the OpenAPI 3.1 document of every route botport serves, the
// Kore.ai-compatible ones and botport's own. The end-to-end tests check
// every answer they receive against it, so it cannot drift from the code.
//
//go:embed openapi.json
var OpenAPI []byte

// openAPI is GET /api/botport/openapi.json: the document, without
// credentials.
func (s *server) openAPI(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Content-Type", "application/json; charset=utf-8")
	h.Set("Content-Length", strconv.Itoa(len(OpenAPI)))
	h.Set("Cache-Control", "public, max-age=300")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(OpenAPI)
}
