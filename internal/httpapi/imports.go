package httpapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"unicode/utf8"

	"github.com/botport/botport/internal/botdef"
	"github.com/botport/botport/internal/importer"
	"github.com/botport/botport/internal/kore"
	"github.com/botport/botport/internal/store"
)

// importNew is POST /bot/import.
func (s *server) importNew(w http.ResponseWriter, r *http.Request, app *store.App) error {
	f, err := s.readFields(w, r)
	if err != nil {
		return err
	}
	req, err := importRequest(r, f, false)
	if err != nil {
		return err
	}
	doc, err := s.cfg.Importer.Start(r.Context(), app, "", req)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, doc)
	return nil
}

// importExisting is POST /bot/{botId}/import.
func (s *server) importExisting(w http.ResponseWriter, r *http.Request, app *store.App) error {
	f, err := s.readFields(w, r)
	if err != nil {
		return err
	}
	req, err := importRequest(r, f, true)
	if err != nil {
		return err
	}
	botID := r.PathValue("botId")
	if !kore.IsBotID(botID) {
		return kore.ErrStreamID
	}
	doc, err := s.cfg.Importer.Start(r.Context(), app, botID, req)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, doc)
	return nil
}

// importRequest applies the field rules of contract 4.2 and 4.3; a broken
// rule is 412.
func importRequest(r *http.Request, f *fields, existing bool) (*importer.Request, error) {
	mode, err := f.str("uploadMode")
	if err != nil {
		return nil, err
	}
	req := &importer.Request{Mode: strings.ToUpper(mode)}
	switch req.Mode {
	case "":
		req.Mode = importer.ModeJSON
	case importer.ModeJSON, importer.ModeZIP:
	default:
		return nil, kore.ErrValidation
	}
	required := func(name string) (string, error) {
		v, err := f.str(name)
		if err == nil && v == "" {
			err = kore.ErrValidation
		}
		return v, err
	}
	if req.Mode == importer.ModeZIP {
		if req.ZipInfo, err = required("zipInfo"); err != nil {
			return nil, err
		}
	} else {
		if req.BotDefinition, err = required("botDefinition"); err != nil {
			return nil, err
		}
		if req.ConfigInfo, err = required("configInfo"); err != nil {
			return nil, err
		}
		if existing {
			req.Icon, err = f.str("icon")
		} else {
			req.Icon, err = required("icon")
		}
		if err != nil {
			return nil, err
		}
		if req.BotFunctions, err = f.strList("botFunctions"); err != nil {
			return nil, err
		}
		// One file named twice is one script: the pipeline reads it once.
		// More distinct files than an import may carry is out of range.
		req.BotFunctions = distinct(req.BotFunctions)
		if len(req.BotFunctions) > importer.MaxFunctions {
			return nil, kore.ErrValidation
		}
	}
	if existing {
		// name, purpose and color are ignored: an import never renames a bot.
		raw, err := f.object("importOptions")
		if err != nil {
			return nil, err
		}
		top, err := f.object("options")
		if err != nil {
			return nil, err
		}
		opts, ok := importer.ParseOptions(raw, top)
		if !ok {
			return nil, kore.ErrValidation
		}
		req.Options = opts
	} else {
		name, err := f.str("name")
		if err != nil {
			return nil, err
		}
		// 1 to 100 characters after trimming; "" is absent, "   " is out of range.
		req.Name = strings.TrimSpace(name)
		if (name != "" && req.Name == "") || utf8.RuneCountInString(req.Name) > 100 {
			return nil, kore.ErrValidation
		}
		purpose, err := f.str("purpose")
		if err != nil {
			return nil, err
		}
		switch req.Purpose = strings.ToLower(strings.TrimSpace(purpose)); req.Purpose {
		case "", "customer", "employee":
		default:
			return nil, kore.ErrValidation
		}
		if req.Color, err = f.str("color"); err != nil {
			return nil, err
		}
	}
	dry, err := f.boolean("dryRun")
	if err != nil {
		return nil, err
	}
	switch strings.ToLower(r.URL.Query().Get("dryRun")) {
	case "true", "1":
		dry = true
	}
	req.DryRun = dry
	return req, nil
}

// importStatus is GET /bot/import/status/{bir}.
func (s *server) importStatus(w http.ResponseWriter, r *http.Request, app *store.App) error {
	bir := r.PathValue("bir")
	if !kore.IsImportID(bir) {
		return kore.ErrRequestID
	}
	key, now := app.AccountID+"/"+bir, s.cfg.Now()
	e, ok := s.docs.get(key, now)
	if !ok {
		doc, status, err := s.cfg.Store.ImportDoc(r.Context(), app.AccountID, bir)
		if errors.Is(err, store.ErrNotFound) {
			return kore.ErrRequestID
		}
		if err != nil {
			return err
		}
		e = docEntry{doc: doc, etag: etagOf(doc), at: now}
		if finalStatus(status) { // finished imports never change
			s.docs.put(key, e)
		}
	}
	w.Header().Set("ETag", e.etag)
	if inm := r.Header.Get("If-None-Match"); inm != "" && etagMatches(inm, e.etag) {
		w.WriteHeader(http.StatusNotModified)
		return nil
	}
	writeJSON(w, http.StatusOK, e.doc)
	return nil
}

// importFunctions is POST /bot/{botId}/import/botfunctions: synchronous.
func (s *server) importFunctions(w http.ResponseWriter, r *http.Request, app *store.App) error {
	body, err := s.readBody(w, r)
	if err != nil {
		return err
	}
	body = bytes.TrimSpace(body)
	type entry struct {
		FileName *string `json:"fileName"`
		FileID   *string `json:"fileId"`
	}
	var entries []entry
	switch {
	case len(body) > 0 && body[0] == '[':
		err = json.Unmarshal(body, &entries)
	case len(body) > 0 && body[0] == '{':
		var e entry
		err = json.Unmarshal(body, &e)
		entries = []entry{e}
	default:
		err = kore.ErrValidation
	}
	if err != nil || len(entries) == 0 || len(entries) > importer.MaxFunctions {
		return kore.ErrValidation
	}
	fns := make([]importer.Function, len(entries))
	for i, e := range entries {
		if e.FileName == nil || e.FileID == nil {
			return kore.ErrValidation
		}
		// One rule for every script name (botdef.FunctionNameProblem), so
		// that no bot gets a script its export could not hold: 1-255
		// characters, no / \ or :, no leading dot, ends in .js, not named
		// like the export's own files.
		name := *e.FileName
		if botdef.FunctionNameProblem(name) != "" || *e.FileID == "" {
			return kore.ErrValidation
		}
		fns[i] = importer.Function{FileName: name, FileID: *e.FileID}
	}
	botID := r.PathValue("botId")
	if !kore.IsBotID(botID) {
		return kore.ErrStreamID
	}
	res, err := s.cfg.Importer.ImportFunctions(r.Context(), app, botID, fns)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, kore.Encode(struct {
		RequestType string `json:"requestType"`
		Status      string `json:"status"`
		CreatedOn   string `json:"createdOn"`
		ID          string `json:"_id"`
		CreatedBy   string `json:"createdBy"`
		V           int    `json:"__v"`
		FileID      string `json:"fileId"`
		FileName    string `json:"fileName"`
	}{"BotImport", "Success", kore.FormatTime(res.CreatedOn), res.ID, app.UserID, 0, fns[0].FileID, fns[0].FileName}))
	return nil
}

// distinct returns ids without repeats, in first-seen order.
func distinct(ids []string) []string {
	seen := make(map[string]bool, len(ids))
	out := ids[:0]
	for _, id := range ids {
		if !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	return out
}
