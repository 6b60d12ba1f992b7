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

// Peek bounds: an import is accepted after reading at most this much of its
// files, whatever their size. Real exports write type, defaultLanguage and
// localeData within their first 5 KB, and config.json is a name and a few
// variables.
const (
	PeekDefinition = 1 << 20
	PeekConfig     = 64 << 10
)

// Peek reads the top-level members of a definition up to what Head needs,
// skipping collections without decoding them, and stops early once it knows
// enough, or after PeekDefinition bytes. A file that is not a JSON object,
// that breaks off, or whose members come later than the bound gives what was
// read: content problems are the pipeline's to report, and the pipeline
// refuses an old Universal Bot that Peek could not tell (UniversalBot is set
// only when Peek is sure).
func Peek(r io.Reader) *Head {
	h := &Head{}
	dec := jsontext.NewDecoder(io.LimitReader(r, PeekDefinition))
	if tok, err := dec.ReadToken(); err != nil || tok.Kind() != '{' {
		return h
	}
	var locale map[string]struct {
		Name str `json:"name"`
	}
	var ubVersion string
	haveType, haveLang, haveLocale, haveVersion := false, false, false, false
members:
	for dec.PeekKind() == '"' {
		tok, err := dec.ReadToken()
		if err != nil {
			break members
		}
		name := tok.String() // tokens are only valid until the next read
		switch name {
		case "type", "defaultLanguage", "purpose", "universalBotVersion":
			v, err := dec.ReadValue()
			if err != nil {
				break members // past the bound, or broken: what was read stands
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
				ubVersion, haveVersion = string(t), true
			}
		case "localeData":
			v, err := dec.ReadValue()
			if err != nil {
				break members // past the bound, or broken: what was read stands
			}
			_ = unmarshal(v, &locale)
			haveLocale = true
		default:
			if err := dec.SkipValue(); err != nil {
				break members
			}
		}
		if haveType && haveLang && haveLocale && h.Type != "universalbot" {
			break members // a Universal Bot needs universalBotVersion, which may come later
		}
	}
	h.Name = string(locale[h.DefaultLanguage].Name)
	// Without universalBotVersion, the bot is old only if the whole object
	// was read: the member may come after the bound.
	complete := dec.PeekKind() == '}'
	if h.Type == "universalbot" && (haveVersion || complete) {
		v, err := strconv.ParseFloat(ubVersion, 64)
		h.UniversalBot = err != nil || v < 2
	}
	return h
}

// PeekConfigName returns the name member of a config.json, or "" when the
// file has none or cannot be read as far as it within PeekConfig bytes.
func PeekConfigName(r io.Reader) string {
	dec := jsontext.NewDecoder(io.LimitReader(r, PeekConfig))
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
