package httpapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strings"

	"github.com/botport/botport/internal/kore"
)

// fields is a request body as named fields: the members of a JSON object,
// or the values of a form.
type fields struct {
	json map[string]json.RawMessage
	form url.Values
}

// readFields reads a JSON or form body within the body limit. A form-typed
// or untyped body that starts with { is read as JSON (curl -d without a
// header sends that). Anything unparseable is 412.
func (s *server) readFields(w http.ResponseWriter, r *http.Request) (*fields, error) {
	body, err := s.readBody(w, r)
	if err != nil {
		return nil, err
	}
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	trimmed := bytes.TrimLeft(body, " \t\r\n")
	if ct == "application/json" || strings.HasSuffix(ct, "+json") || (len(trimmed) > 0 && trimmed[0] == '{') {
		var m map[string]json.RawMessage
		if err := json.Unmarshal(body, &m); err != nil || m == nil {
			return nil, kore.ErrValidation
		}
		return &fields{json: m}, nil
	}
	if ct == "application/x-www-form-urlencoded" || ct == "" {
		vals, err := url.ParseQuery(string(body))
		if err != nil {
			return nil, kore.ErrValidation
		}
		return &fields{form: vals}, nil
	}
	return nil, kore.ErrValidation
}

// readBody reads a whole request body within the body limit. Over the
// limit is 413 (a declared Content-Length is refused before reading); a body
// that cannot be read to its end (cut short, broken chunked framing) is the
// client's fault, 412, never a 500.
func (s *server) readBody(w http.ResponseWriter, r *http.Request) ([]byte, error) {
	if r.ContentLength > s.cfg.BodyLimit {
		return nil, kore.ErrBodyTooLarge(s.cfg.BodyLimit)
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, s.cfg.BodyLimit))
	var mbe *http.MaxBytesError
	switch {
	case errors.As(err, &mbe):
		return nil, kore.ErrBodyTooLarge(mbe.Limit)
	case err != nil:
		return nil, kore.ErrValidation
	}
	return body, nil
}

// str returns a string field; an empty string counts as absent. A field of
// another type, or repeated in a form, is 412.
func (f *fields) str(name string) (string, error) {
	if f.json != nil {
		raw, ok := f.json[name]
		if !ok || string(raw) == "null" {
			return "", nil
		}
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return "", kore.ErrValidation
		}
		return s, nil
	}
	vals := f.form[name]
	if len(vals) > 1 {
		return "", kore.ErrValidation
	}
	if len(vals) == 0 {
		return "", nil
	}
	return vals[0], nil
}

// strList returns a field that may be an array of strings or one string; in
// a form the key may repeat, as name or name[]. Empty strings count as
// absent; a null element is 412.
func (f *fields) strList(name string) ([]string, error) {
	if f.json != nil {
		raw, ok := f.json[name]
		if !ok || string(raw) == "null" {
			return nil, nil
		}
		var one string
		if json.Unmarshal(raw, &one) == nil {
			if one == "" {
				return nil, nil
			}
			return []string{one}, nil
		}
		var many []*string
		if err := json.Unmarshal(raw, &many); err != nil {
			return nil, kore.ErrValidation
		}
		var out []string
		for _, s := range many {
			switch {
			case s == nil:
				return nil, kore.ErrValidation
			case *s != "":
				out = append(out, *s)
			}
		}
		return out, nil
	}
	var out []string
	for _, v := range append(f.form[name], f.form[name+"[]"]...) {
		if v != "" {
			out = append(out, v)
		}
	}
	return out, nil
}

// object returns a field holding a JSON object: a member of a JSON body, or
// JSON text in a form. Absent or null gives nil.
func (f *fields) object(name string) (json.RawMessage, error) {
	var raw json.RawMessage
	if f.json != nil {
		raw = f.json[name]
	} else {
		s, err := f.str(name)
		if err != nil {
			return nil, err
		}
		raw = json.RawMessage(s)
	}
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" || string(raw) == `""` { // an empty string counts as absent
		return nil, nil
	}
	if raw[0] != '{' || !json.Valid(raw) {
		return nil, kore.ErrValidation
	}
	return raw, nil
}

// boolean returns a field holding true or false (or "true"/"false" text).
func (f *fields) boolean(name string) (bool, error) {
	if f.json != nil {
		raw, ok := f.json[name]
		if !ok || string(raw) == "null" {
			return false, nil
		}
		var b bool
		if err := json.Unmarshal(raw, &b); err == nil {
			return b, nil
		}
	}
	s, err := f.str(name)
	if err != nil {
		return false, err
	}
	switch strings.ToLower(s) {
	case "", "false":
		return false, nil
	case "true":
		return true, nil
	}
	return false, kore.ErrValidation
}

// has reports whether a field is present; null and the empty string count
// as absent.
func (f *fields) has(name string) bool {
	if f.json != nil {
		raw, ok := f.json[name]
		return ok && string(raw) != "null" && string(raw) != `""`
	}
	vals := f.form[name]
	return len(vals) > 0 && vals[0] != ""
}

// optBool is boolean that also tells an absent field (nil) from false.
func (f *fields) optBool(name string) (*bool, error) {
	if !f.has(name) {
		return nil, nil
	}
	b, err := f.boolean(name)
	if err != nil {
		return nil, err
	}
	return &b, nil
}
