package botdef

import (
	"strconv"
	"strings"
	"unicode/utf8"
)

// Bounds on names and stored values. Names reach status documents (every
// poll returns them) and Get Bots pages; record bodies reach the store,
// whose engines refuse values near 1 GB (SQLite's default limit is
// 1,000,000,000 bytes, PostgreSQL's 1 GiB).
const (
	// MaxBotName is the longest bot name, in characters: the request's
	// name (contract 4.2), config.json's name and the definition's
	// default-language localeData name alike.
	MaxBotName = 100
	// MaxFunctionName is the longest bot-functions file name, in
	// characters (contract 4.5).
	MaxFunctionName = 255
	// MaxRecord is the largest record body, in bytes: one dialog, one
	// setting's value, one script, the icon. The largest seen in real
	// exports is under 1 MB (a knowledge graph); a generated bot with
	// 20,000 FAQs has one of 7.5 MB.
	MaxRecord = 64 << 20

	// MaxFunctions is the most bot-functions scripts one request or one
	// import carries (real bots have one or two).
	MaxFunctions = 100
	// MaxScript is the largest bot-functions script, in bytes.
	MaxScript = 8 << 20
	// MaxScripts is the most bytes of bot-functions scripts one request or
	// one import carries.
	MaxScripts = 32 << 20
	// MaxIcon is the largest icon, in bytes (real icons are under 1 MB).
	MaxIcon = 8 << 20
)

// FunctionNameProblem says why name cannot be a bot-functions file name,
// or returns "" when it can. One rule holds wherever a script gets its
// name (a bot-functions request, an import's botFunctions uploads, the .js
// entries of an export zip), so that every bot can be exported: the name
// becomes a zip entry at the root of the export, beside the export's own
// files, and an export zip is read back case-insensitively.
func FunctionNameProblem(name string) string {
	lower := strings.ToLower(name)
	switch {
	case name == "":
		return "a bot functions file needs a name"
	case !utf8.ValidString(name):
		return "the bot functions file name is not UTF-8 text"
	case utf8.RuneCountInString(name) > MaxFunctionName:
		return "the bot functions file name has " + strconv.Itoa(utf8.RuneCountInString(name)) + " characters; the limit is " + strconv.Itoa(MaxFunctionName)
	case strings.ContainsAny(name, `/\:`):
		return "a bot functions file name may not hold /, \\ or :"
	case strings.HasPrefix(name, "."):
		return "a bot functions file name may not start with a dot"
	case hasControl(name):
		return "a bot functions file name may not hold control characters"
	case lower == strings.ToLower(FileDefinition) || lower == strings.ToLower(FileConfig) || lower == strings.ToLower(FileIcon):
		return "a bot functions file may not be named like a file of the export"
	case !strings.HasSuffix(lower, ".js") || len(name) == len(".js"):
		return "a bot functions file name must end in .js"
	}
	return ""
}

// hasControl reports whether s holds a C0 or C1 control character or DEL.
func hasControl(s string) bool {
	for _, r := range s {
		if r < 0x20 || (r >= 0x7f && r < 0xa0) {
			return true
		}
	}
	return false
}

// Clip returns s cut to at most n characters, ending in "…" when it was
// cut. Names and messages shown in status documents go through it, so that
// a hostile name costs every poll a bounded number of bytes.
func Clip(s string, n int) string {
	if len(s) <= n || utf8.RuneCountInString(s) <= n {
		return s
	}
	i := 0
	for range n - 1 {
		_, size := utf8.DecodeRuneInString(s[i:])
		i += size
	}
	return strings.ToValidUTF8(s[:i], "\uFFFD") + "…"
}

// Problem text bounds in status documents: each string of a problem is
// clipped, and an entry lists problems only within ProblemBytes of JSON
// (the summary still counts them all).
const (
	clipFile      = 255
	clipPointer   = 300
	clipMessage   = 300
	clipComponent = 120
	// ProblemBytes bounds the JSON of the problems one status entry lists.
	ProblemBytes = 24 << 10
)

// Bound clips every string of the problems and keeps, in order, only those
// that fit within budget bytes of JSON (with escapes). It returns the kept
// problems and the budget left. Problems are changed in place.
func Bound(ps []*Problem, budget int) ([]*Problem, int) {
	for i, p := range ps {
		p.File = Clip(p.File, clipFile)
		p.Pointer = Clip(p.Pointer, clipPointer)
		p.Message = Clip(p.Message, clipMessage)
		p.Component = Clip(p.Component, clipComponent)
		n := 80 + JSONLen(p.File) + JSONLen(p.Pointer) + JSONLen(p.Code) + JSONLen(p.Message) + JSONLen(p.Component)
		if n > budget {
			return ps[:i], budget
		}
		budget -= n
	}
	return ps, budget
}

// JSONLen is the length of s as a JSON string's content, escapes included
// (as encoding/json writes it without HTML escaping).
func JSONLen(s string) int {
	n := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			switch {
			case c == '"' || c == '\\' || c == '\n' || c == '\r' || c == '\t' || c == '\b' || c == '\f':
				n += 2
			case c < 0x20:
				n += 6
			default:
				n++
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			n += 6 // \ufffd
		case r == '\u2028' || r == '\u2029':
			n += 6
		default:
			n += size
		}
		i += size
	}
	return n
}

// Bounds on the bot's own fields, which Get Bots lists for every bot.
const (
	// MaxDescription is the longest default-language description, in
	// characters (a real export has one of 1,497).
	MaxDescription = 5000
	// MaxShortField is the longest purpose, type, defaultLanguage and
	// color, in characters (real values are words: customer, default, en).
	MaxShortField = 64
)

// botFields checks the bot's name, description and listing fields against
// their bounds: the bot row and every Get Bots page carry them.
func (v *validator) botFields() {
	long := func(file, ptr, what, s string, limit int) {
		if n := utf8.RuneCountInString(s); n > limit {
			v.ps.Add(&Problem{File: file, Pointer: ptr, Code: "too_long", offset: -1,
				Message: what + " of " + strconv.Itoa(n) + " characters; the limit is " + strconv.Itoa(limit)})
		}
	}
	if v.c != nil {
		long(FileConfig, "/name", "a bot name", v.c.Name, MaxBotName)
	}
	d := v.d
	lang := d.DefaultLanguage
	long(FileDefinition, pointer("localeData", lang, "name"), "a bot name", d.LocaleNames[lang], MaxBotName)
	long(FileDefinition, pointer("localeData", lang, "description"), "a description", d.Descriptions[lang], MaxDescription)
	long(FileDefinition, "/purpose", "a purpose", d.Purpose, MaxShortField)
	long(FileDefinition, "/type", "a type", d.Type, MaxShortField)
	long(FileDefinition, "/defaultLanguage", "a default language", d.DefaultLanguage, MaxShortField)
	long(FileDefinition, "/color", "a color", d.Color, MaxShortField)
}
