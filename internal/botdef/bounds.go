package botdef

import (
	"bytes"
	"strconv"
	"unicode/utf8"
)

// Bounds on what one export may hold beyond the upload limit. Real exports
// nest at most a dozen levels and carry strings of a few kilobytes (a
// whole JSON document of 8 KB in an environment variable is the largest
// seen); these limits are far above that and far below what would make an
// import or an export costly.
const (
	// MaxDepth is the deepest nesting of objects and arrays, the file's
	// top-level object counting as 1. Exporting re-indents every value, at a
	// cost that grows with depth times size.
	MaxDepth = 100
	// MaxString is the longest string value or member name, in bytes as
	// written in the file (escapes included).
	MaxString = 8 << 20
	// MaxName is the longest identity or display name (refId, _id, name,
	// an event key), in characters: names become status entries, which
	// every poll returns.
	MaxName = 1000
)

// bounded checks that v, the value at loc whose first byte is at start in
// the file, nests no deeper than MaxDepth and holds no string longer than
// MaxString. depth is the nesting depth of the container holding v. A
// nesting problem stops parsing; a long string is reported and parsing
// goes on.
func (p *parser) bounded(v []byte, start int64, at loc, depth int) error {
	for i := 0; i < len(v); i++ {
		for i < len(v) && !structural[v[i]] { // whitespace, numbers, literals, commas, colons
			i++
		}
		if i == len(v) {
			break
		}
		switch v[i] {
		case '"':
			// The closing quote is the first one not escaped: skip the
			// string's content at IndexByte's speed (v is valid JSON).
			j := i + 1
			for {
				k := bytes.IndexByte(v[j:], '"')
				if k < 0 {
					return nil
				}
				j += k
				b := j - 1
				for b > i && v[b] == '\\' {
					b--
				}
				if (j-1-b)%2 == 0 { // an even run of backslashes escapes nothing
					break
				}
				j++
			}
			if n := j - i - 1; n > MaxString {
				p.ps.Add(&Problem{File: p.file, Pointer: at.ptr(), Code: "too_long", refine: true, offset: start + int64(i),
					Message: "a string of " + strconv.Itoa(n) + " bytes; the limit is " + strconv.Itoa(MaxString)})
			}
			i = j
		case '{', '[':
			if depth++; depth > MaxDepth {
				p.ps.Add(&Problem{File: p.file, Pointer: at.ptr(), Code: "too_deep", refine: true, offset: start + int64(i),
					Message: "objects and arrays nest deeper than " + strconv.Itoa(MaxDepth) + " levels"})
				return errStop
			}
		case '}', ']':
			depth--
		}
	}
	return nil
}

// structural marks the bytes bounded looks at outside strings.
var structural = [256]bool{'"': true, '{': true, '[': true, '}': true, ']': true}

// checkName reports an identity or display name over MaxName characters.
func checkName(ps *Problems, file string, at loc, what, name string, offset int64) {
	if len(name) > MaxName && utf8.RuneCountInString(name) > MaxName {
		ps.Add(&Problem{File: file, Pointer: at.ptr(), Code: "too_long", refine: offset >= 0, offset: offset,
			Message: what + " of " + strconv.Itoa(utf8.RuneCountInString(name)) + " characters; the limit is " + strconv.Itoa(MaxName)})
	}
}
