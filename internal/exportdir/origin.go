package exportdir

import (
	"bytes"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/go-json-experiment/json/jsontext"
)

// origins records where each part of the assembled botDefinition.json came
// from, so that a problem found in it can cite the folder's own file.
type origins struct {
	dir     string
	members map[string]*origin
}

// origin is one member's source: a file holding its value, or one file per
// element (elems), with the element's index within that file for the
// utterance files (which hold arrays).
type origin struct {
	file   string // holds the member's value; prefix is the pointer of the value in it
	prefix string
	elems  []elemOrigin
}

type elemOrigin struct {
	file  string
	index int // -1: the file holds the element itself
}

// Origin maps a JSON pointer into the assembled botDefinition.json to the
// folder's file that holds the value there, the pointer within that file,
// and its line and column (0 when the value cannot be found). It returns
// file "" for a pointer it cannot map.
func (o *origins) Origin(pointer string) (file, ptr string, line, col int) {
	parts := strings.SplitN(strings.TrimPrefix(pointer, "/"), "/", 3)
	if pointer == "" || len(parts) == 0 {
		return "", "", 0, 0
	}
	m := o.members[unescape(parts[0])]
	if m == nil {
		return "", "", 0, 0
	}
	rest := ""
	switch {
	case m.file != "":
		file, ptr = m.file, m.prefix+strings.TrimPrefix(pointer, "/"+parts[0])
	case len(parts) >= 2:
		i, err := strconv.Atoi(parts[1])
		if err != nil || i < 0 || i >= len(m.elems) {
			return "", "", 0, 0
		}
		if len(parts) == 3 {
			rest = "/" + parts[2]
		}
		e := m.elems[i]
		file, ptr = e.file, rest
		if e.index >= 0 {
			ptr = "/" + strconv.Itoa(e.index) + rest
		}
	default:
		return "", "", 0, 0
	}
	line, col = locate(filepath.Join(o.dir, filepath.FromSlash(file)), ptr)
	return file, ptr, line, col
}

func unescape(tok string) string { return strings.NewReplacer("~1", "/", "~0", "~").Replace(tok) }

// locate finds the line and column where the value at ptr starts in a
// JSON file; 0, 0 when the file or the value is not there.
func locate(path, ptr string) (int, int) {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0, 0
	}
	off := int64(-1)
	if ptr == "" {
		off = 0
	} else {
		dec := jsontext.NewDecoder(bytes.NewReader(b), jsontext.AllowDuplicateNames(true), jsontext.AllowInvalidUTF8(true))
		for {
			kind := dec.PeekKind()
			if kind == 0 || kind == ']' || kind == '}' {
				if _, err := dec.ReadToken(); err != nil {
					break
				}
				continue
			}
			if next, ok := nextPointer(dec); ok && next == ptr {
				// The decoder stands before the value's first token, past
				// the separators when it has peeked.
				start := dec.InputOffset()
				for start < int64(len(b)) && strings.IndexByte(" \t\r\n,:", b[start]) >= 0 {
					start++
				}
				off = start
				break
			}
			if _, err := dec.ReadToken(); err != nil {
				break
			}
		}
	}
	if off < 0 {
		return 0, 0
	}
	line := 1 + bytes.Count(b[:off], []byte{'\n'})
	col := int(off) - bytes.LastIndexByte(b[:off], '\n')
	return line, col
}

// nextPointer is the pointer of the value the decoder reads next; false
// when it reads an object member's name next.
func nextPointer(dec *jsontext.Decoder) (string, bool) {
	depth := dec.StackDepth()
	if depth == 0 {
		return "", true
	}
	kind, n := dec.StackIndex(depth)
	cur := string(dec.StackPointer())
	switch kind {
	case '{':
		return cur, n%2 == 1
	case '[':
		parent := cur
		if n > 0 {
			parent = cur[:strings.LastIndexByte(cur, '/')]
		}
		return parent + "/" + strconv.FormatInt(n, 10), true
	}
	return "", false
}
