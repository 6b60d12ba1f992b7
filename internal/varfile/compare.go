package varfile

import (
	"encoding/json"
	"slices"
	"strings"
)

// FromItems reads variables as the variables export answers them (no
// references: the values are the bot's).
func FromItems(items []json.RawMessage) []Entry {
	var out []Entry
	for _, raw := range items {
		var it map[string]json.RawMessage
		if json.Unmarshal(raw, &it) != nil {
			continue
		}
		e := Entry{Item: it}
		_ = json.Unmarshal(it["key"], &e.Key)
		_ = json.Unmarshal(it["variableType"], &e.Type)
		_ = json.Unmarshal(it["value"], &e.Value)
		out = append(out, e)
	}
	return out
}

// Statuses of a key in a comparison of two sets of variables.
const (
	OnlyA       = "only in A"
	OnlyB       = "only in B"
	ValueDiffer = "value differs"
	FieldDiffer = "fields differ" // same value, other hint, scope, group, ...
	Same        = "same"
)

// KeyDiff is one key of a comparison: hashes, never values.
type KeyDiff struct {
	Key    string `json:"key"`
	Type   string `json:"type"`
	A      string `json:"a,omitempty"` // Hash of A's value; "" when A lacks the key
	B      string `json:"b,omitempty"`
	Status string `json:"status"`
}

// Compare compares two sets of variables by key and type, sorted by key.
// Fields other than the value are compared only when both sides carry
// them (a .env file has values only).
func Compare(a, b []Entry) []KeyDiff {
	index := func(es []Entry) map[string]Entry {
		m := map[string]Entry{}
		for _, e := range es {
			m[e.Type+"\x00"+e.Key] = e
		}
		return m
	}
	ia, ib := index(a), index(b)
	keys := map[string]bool{}
	for k := range ia {
		keys[k] = true
	}
	for k := range ib {
		keys[k] = true
	}
	var out []KeyDiff
	for k := range keys {
		typ, key, _ := strings.Cut(k, "\x00")
		d := KeyDiff{Key: key, Type: typ}
		ea, ina := ia[k]
		eb, inb := ib[k]
		if ina {
			d.A = ea.hash()
		}
		if inb {
			d.B = eb.hash()
		}
		switch {
		case !inb:
			d.Status = OnlyA
		case !ina:
			d.Status = OnlyB
		case d.A != d.B:
			d.Status = ValueDiffer
		case ea.Item != nil && eb.Item != nil && !sameJSON(fields(ea.Item), fields(eb.Item)):
			d.Status = FieldDiffer
		default:
			d.Status = Same
		}
		out = append(out, d)
	}
	slices.SortFunc(out, func(x, y KeyDiff) int {
		if c := strings.Compare(x.Key, y.Key); c != 0 {
			return c
		}
		return strings.Compare(x.Type, y.Type)
	})
	return out
}

// fields is a variable without its value(s), as JSON.
func fields(it map[string]json.RawMessage) []byte {
	m := clone(it)
	delete(m, "value")
	var ld map[string]map[string]json.RawMessage
	if json.Unmarshal(m["localeData"], &ld) == nil {
		for _, f := range ld {
			delete(f, "value")
		}
		m["localeData"], _ = json.Marshal(ld)
	}
	b, _ := json.Marshal(m)
	return b
}
