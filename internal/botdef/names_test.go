package botdef_test

import (
	"encoding/json"
	"io"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/botport/botport/internal/botdef"
)

func TestFunctionNameProblem(t *testing.T) {
	tests := []struct {
		name string
		ok   bool
	}{
		{"BotFunctions.js", true},
		{"my functions.JS", true},
		{"ünïcode.js", true},
		{strings.Repeat("n", 252) + ".js", true}, // 255 characters
		{strings.Repeat("é", 252) + ".js", true}, // characters, not bytes
		{strings.Repeat("n", 253) + ".js", false},
		{"", false},
		{".js", false},
		{"x", false},
		{"x.json", false},
		{"x.js.txt", false},
		{".hidden.js", false},
		{"a:b.js", false},
		{"C:x.js", false},
		{"dir/x.js", false},
		{`dir\x.js`, false},
		{"bell\a.js", false},
		{"tab\t.js", false},
		{"del\x7f.js", false},
		{"c1\u0085.js", false},
		{"bad\xff.js", false},
		{"botDefinition.json", false},
		{"BOTDEFINITION.JSON", false},
		{"config.json", false},
		{"icon.png", false},
		{"Icon.PNG", false},
	}
	for _, tt := range tests {
		if got := botdef.FunctionNameProblem(tt.name); (got == "") != tt.ok {
			t.Errorf("FunctionNameProblem(%.40q) = %q, want ok %v", tt.name, got, tt.ok)
		}
	}
}

func TestClip(t *testing.T) {
	tests := []struct {
		in   string
		n    int
		want string
	}{
		{"short", 10, "short"},
		{"exactly10!", 10, "exactly10!"},
		{"eleven char", 10, "eleven ch…"},
		{"ééééééééééé", 10, "ééééééééé…"}, // 11 two-byte characters
		{"éééééééééé", 10, "éééééééééé"},  // 10 characters in 20 bytes
		{"ab\xffcdefghijkl", 5, "ab\uFFFDc…"},
	}
	for _, tt := range tests {
		got := botdef.Clip(tt.in, tt.n)
		if got != tt.want {
			t.Errorf("Clip(%q, %d) = %q, want %q", tt.in, tt.n, got, tt.want)
		}
		if utf8.RuneCountInString(got) > tt.n {
			t.Errorf("Clip(%q, %d) has %d characters", tt.in, tt.n, utf8.RuneCountInString(got))
		}
	}
}

func TestJSONLen(t *testing.T) {
	for _, s := range []string{"", "plain", `quote " and \ backslash`, "\n\t\r\b\f", "\x00\x1b\x7f", "é€😀", "\u2028\u2029", "bad\xff\xfe", "<&>"} {
		b, err := json.Marshal(s)
		if err != nil {
			t.Fatal(err)
		}
		// encoding/json escapes <, > and & unless told not to; botport's
		// documents are written without HTML escaping.
		want := len(b) - 2 - 5*strings.Count(s, "<") - 5*strings.Count(s, ">") - 5*strings.Count(s, "&")
		if got := botdef.JSONLen(s); got != want {
			t.Errorf("JSONLen(%q) = %d, want %d", s, got, want)
		}
	}
}

// TestBound: problems with hostile text are clipped, and no more are kept
// than fit the budget; the caller's counts keep them all.
func TestBound(t *testing.T) {
	long := strings.Repeat("\x1b", 10_000)
	var ps []*botdef.Problem
	for range 100 {
		ps = append(ps, &botdef.Problem{File: long, Pointer: "/" + long, Code: "too_long", Message: long, Component: long})
	}
	kept, left := botdef.Bound(ps, botdef.ProblemBytes)
	size := 0
	for _, p := range kept {
		b, err := json.Marshal(p)
		if err != nil {
			t.Fatal(err)
		}
		size += len(b)
	}
	t.Logf("kept %d of 100 hostile problems in %d bytes of JSON (%d of the budget left)", len(kept), size, left)
	if len(kept) == 0 || len(kept) == 100 {
		t.Errorf("kept %d problems, want some but not all", len(kept))
	}
	if size > botdef.ProblemBytes {
		t.Errorf("kept problems take %d bytes of JSON, want at most %d", size, botdef.ProblemBytes)
	}
	for _, p := range kept {
		if utf8.RuneCountInString(p.Message) > 300 || utf8.RuneCountInString(p.File) > 255 {
			t.Fatalf("a kept problem is not clipped: %d, %d characters", utf8.RuneCountInString(p.Message), utf8.RuneCountInString(p.File))
		}
	}
}

// countingReader counts what the parser read.
type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// TestRecordLimit: a value over the record limit is a located too_large
// problem, read no further than the limit allows (never buffered whole);
// values at the limit are records like any other.
func TestRecordLimit(t *testing.T) {
	const limit = 64 << 10
	tests := []struct {
		name string
		file string
		ptr  string // "" when the file is fine
	}{
		{"a dialog at the limit", `{"dialogs":[{"refId":"a","pad":"` + strings.Repeat("x", limit-40) + `"}],"x":1}`, ""},
		{"a dialog past the limit", `{"dialogs":[{"refId":"a"},{"refId":"b","pad":"` + strings.Repeat("x", limit) + `"}],"x":1}`, "/dialogs/1"},
		{"a setting past the limit", `{"localeData":{"en":{"name":"` + strings.Repeat("x", limit) + `"}}}`, "/localeData"},
		{"an event past the limit", `{"botEvents":{"ON_CONNECT":{"pad":"` + strings.Repeat("x", limit) + `"}}}`, "/botEvents/ON_CONNECT"},
		{"an utterance past the limit", `{"sentences":[{"sentence":"` + strings.Repeat("x", limit) + `"}]}`, "/sentences/0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ps := &botdef.Problems{}
			var biggest int
			if _, err := botdef.ParseDefinition(strings.NewReader(tt.file), func(r *botdef.Record) error {
				biggest = max(biggest, len(r.Body))
				return nil
			}, ps, botdef.Options{MaxRecord: limit}); err != nil {
				t.Fatal(err)
			}
			var got string
			for _, p := range ps.Errors() {
				if p.Code == "too_large" {
					got = p.Pointer
				}
			}
			if got != tt.ptr {
				t.Errorf("too_large at %q, want %q (errors %v)", got, tt.ptr, ps.Errors())
			}
			if biggest > limit {
				t.Errorf("a record of %d bytes was emitted; the limit is %d", biggest, limit)
			}
		})
	}

	// A value far past the limit is not read to its end.
	huge := `{"dialogs":[{"refId":"a","pad":"` + strings.Repeat("x", 64<<20) + `"}]}`
	cr := &countingReader{r: strings.NewReader(huge)}
	ps := &botdef.Problems{}
	if _, err := botdef.ParseDefinition(cr, func(*botdef.Record) error { return nil }, ps, botdef.Options{MaxRecord: limit}); err != nil {
		t.Fatal(err)
	}
	t.Logf("a 64 MiB dialog with a %d-byte record limit: parsing read %d bytes", limit, cr.n)
	if ps.ErrorCount() != 1 || ps.Errors()[0].Code != "too_large" || ps.Errors()[0].Pointer != "/dialogs/0" {
		t.Errorf("problems %v, want one too_large at /dialogs/0", ps.Errors())
	}
	if cr.n > limit+2<<20 {
		t.Errorf("parsing read %d bytes of a 64 MiB value; the record limit is %d", cr.n, limit)
	}
}

// TestPeekBound: Peek reads no more than PeekDefinition bytes, and says
// Universal Bot only when it read far enough to be sure.
func TestPeekBound(t *testing.T) {
	pad := `"dialogs":[` + strings.Repeat(`{"refId":"x"},`, botdef.PeekDefinition/14) + `{}],`
	tests := []struct {
		name      string
		file      string
		universal bool
		bot       string
	}{
		{"members first", `{"type":"default","defaultLanguage":"en","localeData":{"en":{"name":"B"}},` + pad + `"x":1}`, false, "B"},
		{"members past the bound", `{` + pad + `"type":"default","defaultLanguage":"en","localeData":{"en":{"name":"B"}}}`, false, ""},
		{"old universal bot, whole file read", `{"type":"universalbot","defaultLanguage":"en","localeData":{"en":{"name":"U"}}}`, true, "U"},
		{"old universal bot, version beyond the bound", `{"type":"universalbot","defaultLanguage":"en","localeData":{"en":{"name":"U"}},` + pad + `"universalBotVersion":2}`, false, "U"},
		{"universal bot with version 1", `{"type":"universalbot","universalBotVersion":1,` + pad + `"x":1}`, true, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cr := &countingReader{r: strings.NewReader(tt.file)}
			h := botdef.Peek(cr)
			if h.UniversalBot != tt.universal || h.Name != tt.bot {
				t.Errorf("Peek = universal %v, name %q; want %v, %q", h.UniversalBot, h.Name, tt.universal, tt.bot)
			}
			if cr.n > botdef.PeekDefinition {
				t.Errorf("Peek read %d bytes; the bound is %d", cr.n, botdef.PeekDefinition)
			}
		})
	}
}
