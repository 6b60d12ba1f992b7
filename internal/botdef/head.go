package botdef

import (
	"io"
	"strconv"

	"github.com/go-json-experiment/json/jsontext"
)

// Head is what an import needs from a definition before it is accepted.
type Head struct {
	Type            string
	DefaultLanguage string
	Name            string // localeData.<defaultLanguage>.name
	Purpose         string
	UniversalBot    bool // an old-format Universal Bot, which imports refuse
}

// Peek reads the top-level members of a definition up to what Head needs,
// skipping collections without decoding them, and stops early once it knows
// enough. A file that is not a JSON object, or that breaks off, gives what
// was read before the fault: content problems are the pipeline's to report.
func Peek(r io.Reader) *Head {
	h := &Head{}
	dec := jsontext.NewDecoder(r)
	if tok, err := dec.ReadToken(); err != nil || tok.Kind() != '{' {
		return h
	}
	var locale map[string]struct {
		Name str `json:"name"`
	}
	var ubVersion string
	haveType, haveLang, haveLocale := false, false, false
	for dec.PeekKind() == '"' {
		tok, err := dec.ReadToken()
		if err != nil {
			break
		}
		name := tok.String() // tokens are only valid until the next read
		switch name {
		case "type", "defaultLanguage", "purpose", "universalBotVersion":
			v, err := dec.ReadValue()
			if err != nil {
				return h
			}
			var t text
			_ = t.UnmarshalJSON(v)
			switch name {
			case "type":
				h.Type, haveType = string(t), true
			case "defaultLanguage":
				h.DefaultLanguage, haveLang = string(t), true
			case "purpose":
				h.Purpose = string(t)
			case "universalBotVersion":
				ubVersion = string(t)
			}
		case "localeData":
			v, err := dec.ReadValue()
			if err != nil {
				return h
			}
			_ = unmarshal(v, &locale)
			haveLocale = true
		default:
			if err := dec.SkipValue(); err != nil {
				return h
			}
		}
		if haveType && haveLang && haveLocale && h.Type != "universalbot" {
			break // a Universal Bot needs universalBotVersion, which may come later
		}
	}
	h.Name = string(locale[h.DefaultLanguage].Name)
	if h.Type == "universalbot" {
		v, err := strconv.ParseFloat(ubVersion, 64)
		h.UniversalBot = err != nil || v < 2
	}
	return h
}

// PeekConfigName returns the name member of a config.json, or "" when the
// file has none or cannot be read as far as it.
func PeekConfigName(r io.Reader) string {
	dec := jsontext.NewDecoder(r)
	if tok, err := dec.ReadToken(); err != nil || tok.Kind() != '{' {
		return ""
	}
	for dec.PeekKind() == '"' {
		tok, err := dec.ReadToken()
		if err != nil {
			return ""
		}
		if tok.String() != "name" {
			if dec.SkipValue() != nil {
				return ""
			}
			continue
		}
		v, err := dec.ReadValue()
		if err != nil {
			return ""
		}
		var s str
		_ = s.UnmarshalJSON(v)
		return string(s)
	}
	return ""
}
