package cli

import "testing"

func TestSafe(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{"plain name", "plain name"},
		{"ünïcode and emoji 😀", "ünïcode and emoji 😀"},
		{"", ""},
		{"line\nbreak", `line\nbreak`},
		{"tab\tand\rreturn", `tab\tand\rreturn`},
		{"\x1b[31mred\x1b[0m", `\x1b[31mred\x1b[0m`},
		{"\x1b]0;title\x07", `\x1b]0;title\x07`},
		{"nul\x00del\x7f", `nul\x00del\x7f`},
		{"c1\u0085\u009b", `c1\u0085\u009b`},
		{"sep\u2028par\u2029", `sep\u2028par\u2029`},
		{"bidi\u202egnp.exe", `bidi\u202egnp.exe`},
		{"isolate\u2066x\u2069", `isolate\u2066x\u2069`},
		{"bad\xffbyte", `bad\xffbyte`},
	} {
		if got := safe(tt.in); got != tt.want {
			t.Errorf("safe(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
