package botdef

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"strings"

	"github.com/go-json-experiment/json/jsontext"
)

// RecordSource calls fn with the records of one member, in Seq order.
type RecordSource func(member string, fn func(*Record) error) error

// WriteFile writes a JSON file from its members and records in the bytes a
// platform export has (JSON.stringify(x, null, 4)): four-space indentation,
// ": " after names, no HTML escaping, no final newline. Strings and numbers
// are written exactly as stored, so a parsed export is rebuilt byte for byte.
func WriteFile(w io.Writer, members []Member, records RecordSource) error {
	bw := bufio.NewWriterSize(w, 64<<10)
	var buf []byte
	indented := func(v []byte, depth int) ([]byte, error) {
		prefix := strings.Repeat("    ", depth)
		return jsontext.AppendFormat(buf[:0], v, jsontext.Multiline(true), jsontext.WithIndentPrefix(prefix), jsontext.WithIndent("    "),
			jsontext.AllowDuplicateNames(true), jsontext.AllowInvalidUTF8(true), jsontext.PreserveRawStrings(true))
	}
	bw.WriteString("{")
	if len(members) == 0 {
		bw.WriteString("}")
		return bw.Flush()
	}
	bw.WriteString("\n")
	for mi, m := range members {
		name, err := jsontext.AppendQuote(nil, m.Name)
		if err != nil {
			return err
		}
		bw.WriteString("    ")
		bw.Write(name)
		bw.WriteString(": ")
		switch m.Shape {
		case ShapeValue:
			found := false
			err = records(m.Name, func(r *Record) error {
				if found {
					return fmt.Errorf("member %q has more than one value record", m.Name)
				}
				found = true
				if buf, err = indented(r.Body, 1); err != nil {
					return fmt.Errorf("member %q: %w", m.Name, err)
				}
				_, err := bw.Write(buf)
				return err
			})
			if err == nil && !found {
				err = fmt.Errorf("member %q has no record", m.Name)
			}
		case ShapeArray:
			n := 0
			bw.WriteString("[")
			err = records(m.Name, func(r *Record) error {
				return eachElement(r, func(el []byte) error {
					if n > 0 {
						bw.WriteString(",")
					}
					bw.WriteString("\n        ")
					n++
					var err error
					if buf, err = indented(el, 2); err != nil {
						return fmt.Errorf("member %q: %w", m.Name, err)
					}
					_, err = bw.Write(buf)
					return err
				})
			})
			if n > 0 {
				bw.WriteString("\n    ")
			}
			bw.WriteString("]")
		case ShapeObject:
			n := 0
			bw.WriteString("{")
			err = records(m.Name, func(r *Record) error {
				if n > 0 {
					bw.WriteString(",")
				}
				n++
				key, err := jsontext.AppendQuote(nil, r.Ident)
				if err != nil {
					return err
				}
				bw.WriteString("\n        ")
				bw.Write(key)
				bw.WriteString(": ")
				if buf, err = indented(r.Body, 2); err != nil {
					return fmt.Errorf("member %q: %w", m.Name, err)
				}
				_, err = bw.Write(buf)
				return err
			})
			if n > 0 {
				bw.WriteString("\n    ")
			}
			bw.WriteString("}")
		default:
			err = fmt.Errorf("member %q: unknown shape %q", m.Name, m.Shape)
		}
		if err != nil {
			return err
		}
		if mi < len(members)-1 {
			bw.WriteString(",")
		}
		bw.WriteString("\n")
	}
	bw.WriteString("}")
	return bw.Flush()
}

// eachElement calls fn with the array elements a record holds: its body, or
// each element of a chunk.
func eachElement(r *Record, fn func([]byte) error) error {
	if r.Count <= 1 && !chunked[r.Member] {
		return fn(r.Body)
	}
	dec := jsontext.NewDecoder(bytes.NewReader(r.Body), jsontext.AllowDuplicateNames(true), jsontext.AllowInvalidUTF8(true))
	if _, err := dec.ReadToken(); err != nil {
		return fmt.Errorf("record %s[%d]: %w", r.Member, r.Seq, err)
	}
	for dec.PeekKind() != ']' {
		v, err := dec.ReadValue()
		if err != nil {
			return fmt.Errorf("record %s[%d]: %w", r.Member, r.Seq, err)
		}
		if err := fn(v); err != nil {
			return err
		}
	}
	return nil
}

// Elements calls fn with each array element a record holds.
func Elements(r *Record, fn func([]byte) error) error { return eachElement(r, fn) }

// Chunked reports whether a member's records hold runs of elements (a JSON
// array) rather than one element each.
func Chunked(member string) bool { return chunked[member] }
