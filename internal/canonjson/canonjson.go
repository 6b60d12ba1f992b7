// Package canonjson writes JSON in one canonical form, so that two values
// with the same meaning have the same bytes: object members sorted by name
// (RFC 8785's order), strings in their shortest escaping, no HTML escaping,
// numbers exactly as written (a literal such as -230.39996337890625 or a
// 20-digit id is never reformatted through a float). The diff engine
// compares and hashes this form; the unpacked export layout writes it.
package canonjson

import (
	"crypto/sha256"

	"github.com/go-json-experiment/json/jsontext"
)

// opts are the canonical form's options. Duplicate names (which the
// parser tolerates) keep their relative order; invalid UTF-8 is kept.
var opts = []jsontext.Options{
	jsontext.ReorderRawObjects(true),
	jsontext.AllowDuplicateNames(true),
	jsontext.AllowInvalidUTF8(true),
	jsontext.EscapeForHTML(false),
}

// Compact returns v in canonical form without whitespace. It fails only
// when v is not one valid JSON value.
func Compact(v []byte) ([]byte, error) {
	out := jsontext.Value(append([]byte(nil), v...))
	if err := out.Format(opts...); err != nil {
		return nil, err
	}
	return out, nil
}

// Indent returns v in canonical form, two spaces per level, one member or
// element per line, with a final newline: the bytes of a file meant for
// reading and for line-based diffs.
func Indent(v []byte) ([]byte, error) {
	out := jsontext.Value(append([]byte(nil), v...))
	if err := out.Format(append(opts, jsontext.Multiline(true), jsontext.WithIndent("  "))...); err != nil {
		return nil, err
	}
	return append(out, '\n'), nil
}

// Sum is the SHA-256 of v's canonical compact form: equal sums, equal
// meaning. A value that is not JSON is hashed as it is.
func Sum(v []byte) [32]byte {
	c, err := Compact(v)
	if err != nil {
		return sha256.Sum256(v)
	}
	return sha256.Sum256(c)
}
