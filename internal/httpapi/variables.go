package httpapi

import (
	"errors"
	"net/http"
	"regexp"
	"strconv"

	"github.com/botport/botport/internal/kore"
	"github.com/botport/botport/internal/store"
	"github.com/botport/botport/internal/variables"
)

// builderVersion matches the {version} of the builder APIs: 1.x, as every
// sample writes it (1.1).
var builderVersion = regexp.MustCompile(`^1\.[0-9]{1,3}$`)

// builderRoute registers a route under /api/{version}/public/builder like
// route, answering 404 before anything else (route, then method, contract
// 1.6) when {version} is not 1.x.
func (s *server) builderRoute(mux registrar, method, path string, h http.HandlerFunc) {
	versioned := func(next http.HandlerFunc) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			if !builderVersion.MatchString(r.PathValue("version")) {
				writeKoreError(w, kore.ErrNotFound)
				return
			}
			next(w, r)
		}
	}
	notAllowed := func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Allow", method)
		writeKoreError(w, kore.ErrMethod)
	}
	for _, p := range []string{path, path + "/{$}"} {
		mux.HandleFunc(method+" "+p, versioned(h))
		mux.HandleFunc(p, versioned(notAllowed))
	}
}

// variablesExport is POST .../variables/export: the bot's variables, env
// then content, as stored. A body is not read.
func (s *server) variablesExport(w http.ResponseWriter, r *http.Request, app *store.App) error {
	botID := r.PathValue("botId")
	if !kore.IsBotID(botID) {
		return kore.ErrStreamID
	}
	vs, err := s.cfg.Variables.Export(r.Context(), app, botID)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, kore.Encode(vs))
	return nil
}

// variablesImport is POST .../variables/import: a bare array of variables
// or {"botVariables": [...]}; a bad item is 412 and nothing is written.
// The refusal is logged with the item and field, never a value.
func (s *server) variablesImport(w http.ResponseWriter, r *http.Request, app *store.App) error {
	body, err := s.readBody(w, r)
	if err != nil {
		return err
	}
	items, err := variables.ParseItems(body)
	var ie *variables.ItemError
	if errors.As(err, &ie) {
		s.log.InfoContext(r.Context(), "variables import refused", "request_id", requestID(r), "reason", ie.Error())
		return kore.ErrValidation
	}
	if err != nil {
		return err
	}
	botID := r.PathValue("botId")
	if !kore.IsBotID(botID) {
		return kore.ErrStreamID
	}
	n, err := s.cfg.Variables.Import(r.Context(), app, botID, items)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, kore.Encode(struct {
		Message string `json:"message"`
	}{strconv.Itoa(n) + " Variables imported/updated successfully."}))
	return nil
}
