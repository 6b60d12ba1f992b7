package exportdir

import (
	"crypto/sha256"
	"encoding/hex"
	"slices"
	"strconv"
	"strings"
)

// maxBase bounds a file name's base, in bytes.
const maxBase = 80

// base turns a display name into a portable file name base: ASCII
// letters, digits, '-', '_' and '.', other runs as one '_', no leading or
// trailing '.' or '_'.
func base(name string) string {
	var b strings.Builder
	under := false
	for _, r := range name {
		ok := r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '.' || r == '_'
		switch {
		case ok:
			b.WriteRune(r)
			under = r == '_'
		case !under:
			b.WriteByte('_')
			under = true
		}
	}
	s := strings.Trim(b.String(), "._")
	if len(s) > maxBase {
		s = strings.TrimRight(s[:maxBase], "._")
	}
	if s == "" {
		s = "unnamed"
	}
	return s
}

// named is one element to name: its wanted base and its identity.
type named struct {
	want  string
	ident string
}

// unique gives each element a base unique regardless of case (file
// systems that ignore case must hold the tree too). Bases that collide
// get "~" and 8 hex digits of their identity's hash, then a counter if
// that is not enough; the result depends only on the set of elements.
func unique(elems []named) []string {
	out := make([]string, len(elems))
	groups := map[string][]int{}
	for i, e := range elems {
		k := strings.ToLower(e.want)
		groups[k] = append(groups[k], i)
	}
	taken := map[string]bool{}
	for _, idx := range groups {
		if len(idx) == 1 {
			out[idx[0]] = elems[idx[0]].want
			taken[strings.ToLower(out[idx[0]])] = true
		}
	}
	keys := make([]string, 0, len(groups))
	for k, idx := range groups {
		if len(idx) > 1 {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	for _, k := range keys {
		idx := groups[k]
		slices.SortStableFunc(idx, func(a, b int) int { return strings.Compare(elems[a].ident, elems[b].ident) })
		for _, i := range idx {
			sum := sha256.Sum256([]byte(elems[i].ident))
			name := elems[i].want + "~" + hex.EncodeToString(sum[:4])
			for n := 2; taken[strings.ToLower(name)]; n++ {
				name = elems[i].want + "~" + hex.EncodeToString(sum[:4]) + "-" + strconv.Itoa(n)
			}
			taken[strings.ToLower(name)] = true
			out[i] = name
		}
	}
	return out
}
