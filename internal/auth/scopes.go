package auth

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Scopes that grant botport's endpoints (contract 2.4).
const (
	ScopeImport    = "bot_import"    // upload, imports, import status, bot functions, Get Bots
	ScopeExport    = "bot_export"    // export, export status
	ScopePublish   = "bot_publish"   // publish, publish status
	ScopeVariables = "bot_variables" // bot variables export and import
)

// Scopes lists the scopes that grant something, in the order help texts
// name them.
var Scopes = []string{ScopeImport, ScopeExport, ScopePublish, ScopeVariables}

// platformScopes maps the platform's scope ids to botport's scopes.
var platformScopes = map[string]string{
	"bot_definition:bot_import":   ScopeImport,
	"bot_definition:bot_export":   ScopeExport,
	"bot_publish:publish_request": ScopePublish,
	"bot_publish:publish_status":  ScopePublish,
}

// MaxScopeName bounds a scope name's length in bytes.
const MaxScopeName = 200

// NormalizeScope maps a scope as an operator gives it to the name an app
// stores: botport's scopes as they are, the platform's ids
// (bot_definition:bot_import, bot_publish:publish_request, ...) to the
// scope they grant. It reports whether the scope grants anything here: any
// other name is kept as given (trimmed), stored and shown, and grants
// nothing (the platform has many scopes botport has no endpoint for; test
// suites build their "wrong scope" apps with them).
func NormalizeScope(s string) (string, bool) {
	s = strings.TrimSpace(s)
	if n, ok := platformScopes[s]; ok {
		return n, true
	}
	for _, known := range Scopes {
		if s == known {
			return s, true
		}
	}
	return s, false
}

// CheckScopeName refuses a scope name an app cannot store: empty, longer
// than MaxScopeName bytes, not UTF-8, or holding spaces, commas or control
// characters (a list of scopes is written comma-separated).
func CheckScopeName(s string) error {
	switch {
	case s == "":
		return fmt.Errorf("an empty scope name")
	case len(s) > MaxScopeName:
		return fmt.Errorf("a scope name longer than %d bytes", MaxScopeName)
	case !utf8.ValidString(s):
		return fmt.Errorf("a scope name that is not UTF-8")
	}
	for _, r := range s {
		if r == ',' || unicode.IsSpace(r) || unicode.IsControl(r) {
			return fmt.Errorf("scope %q: no spaces, commas or control characters", s)
		}
	}
	return nil
}

// AppScopes turns the scopes an operator gives for a new app into the
// ones it stores: each normalized (NormalizeScope), duplicates dropped,
// in the order given. No scope at all is allowed. Errors: a name
// CheckScopeName refuses.
func AppScopes(given []string) ([]string, error) {
	out := []string{}
	for _, g := range given {
		n, _ := NormalizeScope(g)
		if err := CheckScopeName(n); err != nil {
			return nil, err
		}
		dup := false
		for _, o := range out {
			dup = dup || o == n
		}
		if !dup {
			out = append(out, n)
		}
	}
	return out, nil
}
