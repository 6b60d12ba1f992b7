package kore

import (
	"bytes"
	"encoding/json"
)

// Encode writes a wire document as the platform sends it: struct fields in
// their declared order, no HTML escaping (download links carry &, and
// messages may quote < or >), and no trailing newline.
//
// Documents are built of strings, numbers, booleans, slices, maps and
// json.RawMessage values botport produced itself, so encoding cannot fail
// for a valid document; a value that does not encode (a channel, invalid raw
// JSON) is a programming error and panics, which the HTTP layer answers 500.
func Encode(v any) []byte {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		panic("kore: encode wire document: " + err.Error())
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n"))
}
