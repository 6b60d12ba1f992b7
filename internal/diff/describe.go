package diff

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// maxDetails bounds the descriptions of one change; the rest are counted.
const maxDetails = 8

// describeDepth is how deep into an item's JSON a description names what
// changed: "nodes[message4].transitions changed".
const describeDepth = 3

// Describe says what differs between two bodies of an item of kind: the
// paths of the members added, removed or changed, arrays of objects
// matched by their id (nodeId, refId, key, ...). It names paths only,
// never values, so it is safe for variables and for the secrets settings
// hold (API keys, authorization headers). Utterance sets say which texts
// came and went.
func Describe(kind string, old, new []byte) []string {
	switch kind {
	case KindIcon, KindBotFunction:
		return []string{fmt.Sprintf("content changed (%d bytes, %d before)", len(new), len(old))}
	case KindUtterances:
		return describeUtterances(old, new)
	case KindEnvVariable, KindContentVariable:
		return describeVariable(old, new)
	}
	a, aok := decode(old)
	b, bok := decode(new)
	if !aok || !bok {
		return []string{"changed"}
	}
	var out []string
	paths("", a, b, describeDepth, &out)
	return bounded(out)
}

func decode(b []byte) (any, bool) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var v any
	return v, dec.Decode(&v) == nil
}

func bounded(out []string) []string {
	if len(out) == 0 {
		return []string{"changed"}
	}
	if len(out) > maxDetails {
		n := len(out) - maxDetails + 1
		out = append(out[:maxDetails-1], fmt.Sprintf("and %d more", n))
	}
	return out
}

func join(prefix, name string) string {
	if prefix == "" {
		return name
	}
	return prefix + "." + name
}

// paths appends the differences of a and b below prefix.
func paths(prefix string, a, b any, depth int, out *[]string) {
	if equal(a, b) {
		return
	}
	label := prefix
	if label == "" {
		label = "value"
	}
	switch x := a.(type) {
	case map[string]any:
		y, ok := b.(map[string]any)
		if !ok || depth <= 0 {
			*out = append(*out, label+" changed")
			return
		}
		keys := make([]string, 0, len(x)+len(y))
		for k := range x {
			keys = append(keys, k)
		}
		for k := range y {
			if _, ok := x[k]; !ok {
				keys = append(keys, k)
			}
		}
		slices.Sort(keys)
		for _, k := range keys {
			av, ain := x[k]
			bv, bin := y[k]
			switch {
			case !ain:
				*out = append(*out, join(prefix, k)+" added")
			case !bin:
				*out = append(*out, join(prefix, k)+" removed")
			default:
				paths(join(prefix, k), av, bv, depth-1, out)
			}
		}
	case []any:
		y, ok := b.([]any)
		if !ok || depth <= 0 {
			*out = append(*out, label+" changed")
			return
		}
		if id := idMember(x, y); id != "" {
			before := len(*out)
			byID := func(l []any) (map[string]any, []string) {
				m, order := map[string]any{}, []string{}
				for _, e := range l {
					s := fmt.Sprint(e.(map[string]any)[id])
					m[s] = e
					order = append(order, s)
				}
				return m, order
			}
			xm, xo := byID(x)
			ym, yo := byID(y)
			for _, s := range yo {
				if _, ok := xm[s]; !ok {
					*out = append(*out, label+"["+s+"] added")
				} else {
					paths(label+"["+s+"]", xm[s], ym[s], depth-1, out)
				}
			}
			for _, s := range xo {
				if _, ok := ym[s]; !ok {
					*out = append(*out, label+"["+s+"] removed")
				}
			}
			if len(*out) == before && !slices.Equal(xo, yo) && sameSet(xo, yo) {
				*out = append(*out, label+" reordered")
			}
			return
		}
		if len(x) != len(y) {
			*out = append(*out, fmt.Sprintf("%s changed (%d items, %d before)", label, len(y), len(x)))
			return
		}
		var changed []int
		for i := range x {
			if !equal(x[i], y[i]) {
				changed = append(changed, i)
			}
		}
		if len(changed) > 3 {
			*out = append(*out, fmt.Sprintf("%s changed (%d of %d items)", label, len(changed), len(x)))
			return
		}
		for _, i := range changed {
			paths(label+"["+strconv.Itoa(i)+"]", x[i], y[i], depth-1, out)
		}
	default:
		*out = append(*out, label+" changed")
	}
}

// idMembers are the members that identify array elements, in preference
// order: a dialog's nodes by nodeId, most other things by refId or key.
var idMembers = []string{"nodeId", "refId", "key", "Key", "_id", "name", "language"}

// idMember returns the member that identifies the objects of both arrays
// (present, a string, unique on each side), or "".
func idMember(x, y []any) string {
	if len(x) == 0 && len(y) == 0 {
		return ""
	}
next:
	for _, id := range idMembers {
		for _, l := range [][]any{x, y} {
			seen := map[string]bool{}
			for _, e := range l {
				m, ok := e.(map[string]any)
				if !ok {
					return ""
				}
				s, ok := m[id].(string)
				if !ok || s == "" || seen[s] {
					continue next
				}
				seen[s] = true
			}
		}
		return id
	}
	return ""
}

func sameSet(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	x, y := slices.Clone(a), slices.Clone(b)
	slices.Sort(x)
	slices.Sort(y)
	return slices.Equal(x, y)
}

func equal(a, b any) bool {
	x, _ := json.Marshal(a)
	y, _ := json.Marshal(b)
	return bytes.Equal(x, y)
}

// describeVariable names the fields of a variable that changed; a value is
// a secret, so only that it changed is said (per language for content
// variables).
func describeVariable(old, new []byte) []string {
	var a, b map[string]any
	if json.Unmarshal(old, &a) != nil || json.Unmarshal(new, &b) != nil {
		return []string{"changed"}
	}
	var out []string
	keys := map[string]bool{}
	for k := range a {
		keys[k] = true
	}
	for k := range b {
		keys[k] = true
	}
	names := make([]string, 0, len(keys))
	for k := range keys {
		names = append(names, k)
	}
	slices.Sort(names)
	for _, k := range names {
		if equal(a[k], b[k]) {
			continue
		}
		if k == "localeData" {
			la, _ := a[k].(map[string]any)
			lb, _ := b[k].(map[string]any)
			langs := map[string]bool{}
			for l := range la {
				langs[l] = true
			}
			for l := range lb {
				langs[l] = true
			}
			ls := make([]string, 0, len(langs))
			for l := range langs {
				ls = append(ls, l)
			}
			slices.Sort(ls)
			for _, l := range ls {
				x, _ := la[l].(map[string]any)
				y, _ := lb[l].(map[string]any)
				for _, f := range []string{"value", "hint", "audioTag"} {
					if !equal(x[f], y[f]) {
						out = append(out, fmt.Sprintf("%s (%s) changed", f, l))
					}
				}
			}
			continue
		}
		out = append(out, k+" changed")
	}
	return bounded(out)
}

// utteranceText is what a description says of one utterance.
func utteranceText(b []byte) string {
	var u struct {
		Sentence string `json:"sentence"`
		Language string `json:"language"`
	}
	_ = json.Unmarshal(b, &u)
	return strconv.Quote(u.Sentence) + " (" + u.Language + ")"
}

// describeUtterances lists the utterances added and removed.
func describeUtterances(old, new []byte) []string {
	var a, b []json.RawMessage
	_ = json.Unmarshal(old, &a)
	_ = json.Unmarshal(new, &b)
	count := func(l []json.RawMessage) map[string]int {
		m := map[string]int{}
		for _, u := range l {
			m[string(u)]++
		}
		return m
	}
	ca, cb := count(a), count(b)
	var added, removed []string
	for _, u := range b {
		if ca[string(u)] > 0 {
			ca[string(u)]--
			continue
		}
		added = append(added, utteranceText(u))
	}
	for _, u := range a {
		if cb[string(u)] > 0 {
			cb[string(u)]--
			continue
		}
		removed = append(removed, utteranceText(u))
	}
	var out []string
	list := func(verb string, l []string) {
		if len(l) == 0 {
			return
		}
		shown := l[:min(len(l), 3)]
		s := fmt.Sprintf("%d %s: %s", len(l), verb, strings.Join(shown, ", "))
		if len(l) > len(shown) {
			s += ", …"
		}
		out = append(out, s)
	}
	list("added", added)
	list("removed", removed)
	if len(out) == 0 {
		return []string{"changed"}
	}
	return out
}
