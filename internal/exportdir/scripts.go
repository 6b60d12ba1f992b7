package exportdir

import (
	"net/url"
	"strings"
	"unicode/utf8"
)

// Script components hold their code percent-encoded (encodeURIComponent);
// the layout writes it decoded to scripts/<name>.js and puts a reference
// in the component's file:
//
//	"script": {"$file": "scripts/Name.js"}                encoded on the way back
//	"script": {"$file": "scripts/Name.js", "raw": true}   put back as the file holds it
//
// The first form is used only when encoding the decoded text gives the
// original string exactly, so the way back is always lossless.

// scriptRef is the component member a script file replaces.
type scriptRef struct {
	File string `json:"$file"`
	Raw  bool   `json:"raw,omitempty"`
}

// unreserved are the characters encodeURIComponent leaves as they are.
const unreserved = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.!~*'()"

// encodeURIComponent is JavaScript's function: every byte of the UTF-8
// text outside unreserved as %XX, upper-case.
func encodeURIComponent(s string) string {
	const hexDigits = "0123456789ABCDEF"
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		if strings.IndexByte(unreserved, c) >= 0 {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hexDigits[c>>4])
		b.WriteByte(hexDigits[c&15])
	}
	return b.String()
}

// decodeScript returns the text a script file holds for a stored script,
// and whether it is the decoded form (else the stored string as is).
func decodeScript(stored string) (text string, decoded bool) {
	if d, err := url.PathUnescape(stored); err == nil && utf8.ValidString(d) && encodeURIComponent(d) == stored {
		return d, true
	}
	return stored, false
}
