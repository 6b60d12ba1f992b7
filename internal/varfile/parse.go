// Package varfile reads per-environment variables files and plans their
// application to a bot: `.env` lines (KEY=value) or the platform's
// variables JSON (contract 4.11), whose values may reference the
// environment (${PROD_API_KEY}) or a file (@/run/secrets/key). Values are
// secrets: no error, report or log line of this package quotes one; they
// are shown as a keyed hash (Hash).
package varfile

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// Variable types, as the platform names them.
const (
	TypeEnv    = "env"
	TypeLocale = "locale"
)

// Entry is one variable a file sets.
type Entry struct {
	Key  string
	Type string // TypeEnv or TypeLocale
	// Value is an environment variable's value (references resolved).
	Value string
	// Item is the whole variable of a JSON file, references resolved; nil
	// for a .env line, which sets only the value.
	Item map[string]json.RawMessage
}

// Resolver resolves references: Getenv for ${NAME}, ReadFile for @PATH.
type Resolver struct {
	Getenv   func(string) string
	ReadFile func(string) ([]byte, error)
}

// Parse reads a variables file: the platform's variables JSON when its
// first non-blank byte is '[' or '{', else .env lines. It fails on a
// malformed line or item, a duplicate key, an unset ${NAME} or an
// unreadable @PATH; errors name the line or item and the key, never a
// value.
func Parse(data []byte, r Resolver) ([]Entry, error) {
	if t := bytes.TrimSpace(data); len(t) > 0 && (t[0] == '[' || t[0] == '{') {
		return parseJSON(t, r)
	}
	return parseEnv(data, r)
}

var keyRule = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_.\-]*$`)

// parseEnv reads KEY=value lines: blank lines and lines starting with #
// are skipped, "export " before a key is allowed; a value is unquoted
// (trimmed, " #" starts a comment), "double-quoted" (\n, \t, \", \\
// escapes) or 'single-quoted' (literal: no references either).
func parseEnv(data []byte, r Resolver) ([]Entry, error) {
	var out []Entry
	seen := map[string]bool{}
	for i, line := range strings.Split(string(data), "\n") {
		n := i + 1
		line = strings.TrimSpace(strings.TrimSuffix(line, "\r"))
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		line = strings.TrimPrefix(line, "export ")
		k, v, ok := strings.Cut(line, "=")
		k = strings.TrimSpace(k)
		if !ok || !keyRule.MatchString(k) {
			return nil, fmt.Errorf("line %d: not KEY=value (a key is letters, digits, '_', '.', '-')", n)
		}
		if seen[k] {
			return nil, fmt.Errorf("line %d: %s is set twice", n, k)
		}
		seen[k] = true
		v = strings.TrimSpace(v)
		var val string
		var err error
		switch {
		case len(v) >= 2 && v[0] == '\'' && v[len(v)-1] == '\'':
			val = v[1 : len(v)-1]
		case len(v) >= 1 && v[0] == '"':
			if len(v) < 2 || v[len(v)-1] != '"' {
				return nil, fmt.Errorf("line %d: %s: the double quote is not closed", n, k)
			}
			if val, err = unescape(v[1 : len(v)-1]); err == nil {
				val, err = r.resolve(val)
			}
		default:
			if c := strings.Index(v, " #"); c >= 0 {
				v = strings.TrimSpace(v[:c])
			}
			val, err = r.resolve(v)
		}
		if err != nil {
			return nil, fmt.Errorf("line %d: %s: %w", n, k, err)
		}
		out = append(out, Entry{Key: k, Type: TypeEnv, Value: val})
	}
	return out, nil
}

func unescape(s string) (string, error) {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] != '\\' || i == len(s)-1 {
			b.WriteByte(s[i])
			continue
		}
		i++
		switch s[i] {
		case 'n':
			b.WriteByte('\n')
		case 't':
			b.WriteByte('\t')
		case 'r':
			b.WriteByte('\r')
		case '"', '\\', '$':
			b.WriteByte(s[i])
		default:
			return "", fmt.Errorf("unknown escape \\%c", s[i])
		}
	}
	return b.String(), nil
}

var ref = regexp.MustCompile(`\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)\}`)

// resolve applies the references of a value: @PATH (the whole value) is
// the file's content without its final newline, @@ a literal @; ${NAME} is
// the environment variable (unset or empty: an error), $$ a literal $.
func (r Resolver) resolve(v string) (string, error) {
	switch {
	case strings.HasPrefix(v, "@@"):
		v = v[1:]
	case strings.HasPrefix(v, "@"):
		path := v[1:]
		if r.ReadFile == nil || path == "" {
			return "", fmt.Errorf("@ must name a file")
		}
		b, err := r.ReadFile(path)
		if err != nil {
			return "", fmt.Errorf("read the file it names: %w", err)
		}
		s := strings.TrimSuffix(string(b), "\n")
		return strings.TrimSuffix(s, "\r"), nil
	}
	var missing []string
	out := ref.ReplaceAllStringFunc(v, func(m string) string {
		if m == "$$" {
			return "$"
		}
		name := m[2 : len(m)-1]
		val := ""
		if r.Getenv != nil {
			val = r.Getenv(name)
		}
		if val == "" {
			missing = append(missing, name)
		}
		return val
	})
	if len(missing) > 0 {
		return "", fmt.Errorf("${%s} is not set", missing[0])
	}
	return out, nil
}

// parseJSON reads the platform's variables JSON: an array of variables or
// {"botVariables": [...]}, each with key and variableType; the value of an
// env variable and the localeData values of a content variable may hold
// references.
func parseJSON(data []byte, r Resolver) ([]Entry, error) {
	var items []map[string]json.RawMessage
	if data[0] == '{' {
		var wrap struct {
			BotVariables []map[string]json.RawMessage `json:"botVariables"`
		}
		if err := json.Unmarshal(data, &wrap); err != nil {
			return nil, fmt.Errorf("not the variables JSON: %w", errorWithoutInput(err))
		}
		items = wrap.BotVariables
	} else if err := json.Unmarshal(data, &items); err != nil {
		return nil, fmt.Errorf("not the variables JSON: %w", errorWithoutInput(err))
	}
	var out []Entry
	seen := map[string]bool{}
	for i, it := range items {
		var key, typ string
		if json.Unmarshal(it["key"], &key) != nil || key == "" {
			return nil, fmt.Errorf("item %d: no key", i+1)
		}
		if json.Unmarshal(it["variableType"], &typ) != nil || (typ != TypeEnv && typ != TypeLocale) {
			return nil, fmt.Errorf("item %d (%s): variableType must be env or locale", i+1, key)
		}
		if seen[typ+":"+key] {
			return nil, fmt.Errorf("item %d: %s is set twice", i+1, key)
		}
		seen[typ+":"+key] = true
		e := Entry{Key: key, Type: typ, Item: it}
		if typ == TypeEnv {
			var v string
			if json.Unmarshal(it["value"], &v) != nil {
				return nil, fmt.Errorf("item %d (%s): an env variable needs a string value", i+1, key)
			}
			val, err := r.resolve(v)
			if err != nil {
				return nil, fmt.Errorf("item %d (%s): %w", i+1, key, err)
			}
			e.Value = val
			it["value"], _ = json.Marshal(val)
		} else {
			var ld map[string]map[string]json.RawMessage
			if json.Unmarshal(it["localeData"], &ld) != nil || len(ld) == 0 {
				return nil, fmt.Errorf("item %d (%s): a content variable needs localeData", i+1, key)
			}
			for lang, fields := range ld {
				var v string
				if json.Unmarshal(fields["value"], &v) != nil {
					continue
				}
				val, err := r.resolve(v)
				if err != nil {
					return nil, fmt.Errorf("item %d (%s, %s): %w", i+1, key, lang, err)
				}
				fields["value"], _ = json.Marshal(val)
			}
			it["localeData"], _ = json.Marshal(ld)
		}
		out = append(out, e)
	}
	return out, nil
}

// errorWithoutInput keeps a JSON error's kind and offset, never the input
// it may quote.
func errorWithoutInput(err error) error {
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return fmt.Errorf("syntax error at byte %d", se.Offset)
	}
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		return fmt.Errorf("wrong JSON type at %s (byte %d)", strconv.Quote(te.Field), te.Offset)
	}
	return fmt.Errorf("malformed JSON")
}

// Hash is how a value is shown: "sha256:" and 12 hex digits of the SHA-256
// of the key and the value, so equal values of one key show equal hashes
// (has prod got the new value?) and a value is never printed.
func Hash(key, value string) string {
	sum := sha256.Sum256([]byte("botport-variable\x00" + key + "\x00" + value))
	return "sha256:" + hex.EncodeToString(sum[:6])
}
