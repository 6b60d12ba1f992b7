package botdef

import (
	"bytes"
	"fmt"

	"github.com/go-json-experiment/json/jsontext"
)

// Field is one member of a JSON object, its value kept as raw JSON.
type Field struct {
	Name  string
	Value jsontext.Value
}

// Fields splits a JSON object into its members, in order. Values are copies.
func Fields(obj []byte) ([]Field, error) {
	dec := jsontext.NewDecoder(bytes.NewReader(obj), jsontext.AllowDuplicateNames(true), jsontext.AllowInvalidUTF8(true))
	tok, err := dec.ReadToken()
	if err != nil {
		return nil, err
	}
	if tok.Kind() != '{' {
		return nil, fmt.Errorf("not a JSON object")
	}
	var out []Field
	for dec.PeekKind() != '}' {
		name, err := dec.ReadToken()
		if err != nil {
			return nil, err
		}
		n := name.String()
		v, err := dec.ReadValue()
		if err != nil {
			return nil, err
		}
		out = append(out, Field{Name: n, Value: v.Clone()})
	}
	return out, nil
}

// Object writes fields as a compact JSON object, in order.
func Object(fields []Field) []byte {
	b := []byte{'{'}
	for i, f := range fields {
		if i > 0 {
			b = append(b, ',')
		}
		b, _ = jsontext.AppendQuote(b, f.Name)
		b = append(b, ':')
		b = append(b, f.Value...)
	}
	return append(b, '}')
}

// Get returns the value of the named field, or nil.
func Get(fields []Field, name string) jsontext.Value {
	for _, f := range fields {
		if f.Name == name {
			return f.Value
		}
	}
	return nil
}

// GetString returns the named field's value when it is a JSON string,
// unquoted; "" when the field is absent, not a string, or badly escaped.
func GetString(fields []Field, name string) string {
	v := Get(fields, name)
	if v.Kind() != '"' {
		return ""
	}
	s, err := jsontext.AppendUnquote(nil, v)
	if err != nil {
		return ""
	}
	return string(s)
}

// Set replaces the named field's value, or appends the field.
func Set(fields []Field, name string, v jsontext.Value) []Field {
	for i := range fields {
		if fields[i].Name == name {
			fields[i].Value = v
			return fields
		}
	}
	return append(fields, Field{Name: name, Value: v})
}

// Pick returns the named fields that exist, in the order of names.
func Pick(fields []Field, names ...string) []Field {
	var out []Field
	for _, n := range names {
		for _, f := range fields {
			if f.Name == n {
				out = append(out, f)
				break
			}
		}
	}
	return out
}
