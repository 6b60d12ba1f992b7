package botdef

import "bytes"

var refPrefixes = []struct {
	env    bool
	prefix []byte
}{
	{true, []byte("env.")},
	{false, []byte("content.")},
}

// scanRefs finds env.X and content.X references in raw JSON text, plain or
// percent-encoded ({{env.X}} and %7B%7Benv.X%7D%7D both contain env.X),
// and records each name's first occurrence and how many more there are. start is raw's offset in the
// file, so the occurrence is located exactly.
func (d *Definition) scanRefs(raw []byte, start int64, at loc) {
	for _, rp := range refPrefixes {
		from := 0
		for {
			i := bytes.Index(raw[from:], rp.prefix)
			if i < 0 {
				break
			}
			i += from
			from = i + len(rp.prefix)
			if !refBoundary(raw, i) {
				continue
			}
			j := from
			for j < len(raw) && isIdent(raw[j]) {
				j++
			}
			if j == from {
				continue
			}
			name := string(raw[from:j])
			key := string(rp.prefix) + name
			if k, seen := d.refSeen[key]; seen {
				d.strRefs[k].more++
			} else {
				if d.refSeen == nil {
					d.refSeen = map[string]int{}
				}
				d.refSeen[key] = len(d.strRefs)
				d.strRefs = append(d.strRefs, strRef{env: rp.env, name: name, ptr: at.ptr(), offset: start + int64(i)})
			}
			from = j
		}
	}
}

// refBoundary reports whether a reference may start at raw[i]: after a
// character that cannot continue a name or a member access, or right after a
// percent escape such as %7B.
func refBoundary(raw []byte, i int) bool {
	if i == 0 {
		return true
	}
	if i >= 3 && raw[i-3] == '%' {
		return true
	}
	c := raw[i-1]
	return !isIdent(c) && c != '.' && c != '$'
}

func isIdent(c byte) bool {
	return c == '_' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}
