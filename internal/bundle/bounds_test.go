package bundle_test

import (
	"io"
	"strings"
	"testing"

	"github.com/botport/botport/internal/botdef"
	"github.com/botport/botport/internal/bundle"
)

// src is a source of content whose declared size is size; opening it after
// a bound refused it fails the test.
func src(t *testing.T, name string, size int64, content string) bundle.Source {
	return bundle.Source{Name: name, Size: size, Open: func() (io.ReadCloser, error) {
		return io.NopCloser(strings.NewReader(content)), nil
	}}
}

// TestCheckBounds: an upload over a bound fails Check with located
// problems, decided from the declared sizes before anything is read.
func TestCheckBounds(t *testing.T) {
	def, cfg := `{"dialogs":[],"dialogComponents":[],"localeData":{"en":{"name":"B"}},"defaultLanguage":"en"}`, `{"name":"B"}`
	script := func(name string, size int64) bundle.Source { return src(t, name, size, "function f() {}\n") }
	many := func(n int) []bundle.Source {
		var out []bundle.Source
		for i := range n {
			out = append(out, script("f"+strings.Repeat("x", i%7)+string(rune('a'+i%26))+strings.Repeat("y", i/26)+".js", 16))
		}
		return out
	}
	tests := []struct {
		name      string
		icon      int64
		functions []bundle.Source
		maxTotal  int64
		file      string // the first error's file; "" when the upload is fine
		code      string
	}{
		{"within every bound", 1 << 10, []bundle.Source{script("a.js", botdef.MaxScript)}, 0, "", ""},
		{"icon over MaxIcon", botdef.MaxIcon + 1, nil, 0, "icon.png", "too_large"},
		{"script over MaxScript", 0, []bundle.Source{script("big.js", botdef.MaxScript+1)}, 0, "big.js", "too_large"},
		{"scripts over MaxScripts", 0, []bundle.Source{script("a.js", botdef.MaxScript), script("b.js", botdef.MaxScript),
			script("c.js", botdef.MaxScript), script("d.js", botdef.MaxScript), script("e.js", 1)}, 0, "a.js", "too_large"},
		{"MaxFunctions scripts", 0, many(botdef.MaxFunctions), 0, "", ""},
		{"scripts over MaxFunctions", 0, many(botdef.MaxFunctions + 1), 0, many(botdef.MaxFunctions + 1)[botdef.MaxFunctions].Name, "too_many_files"},
		{"a script named icon.png", 0, []bundle.Source{script("icon.png", 16)}, 0, "icon.png", "bad_file_name"},
		{"a script named like the definition", 0, []bundle.Source{script("BotDefinition.JSON", 16)}, 0, "BotDefinition.JSON", "bad_file_name"},
		{"names that differ only in case", 0, []bundle.Source{script("a.js", 16), script("A.js", 16)}, 0, "A.js", "duplicate_file"},
		{"files over MaxTotal", 1 << 10, nil, int64(len(def) + len(cfg)), "botDefinition.json", "too_large"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := &bundle.Bundle{Definition: src(t, "botDefinition.json", int64(len(def)), def), Config: src(t, "config.json", int64(len(cfg)), cfg),
				Functions: tt.functions}
			if tt.icon > 0 {
				icon := src(t, "icon.png", tt.icon, "\x89PNG\r\n\x1a\n")
				b.Icon = &icon
			}
			res, err := bundle.Check(b, func(*botdef.Record) error { return nil }, bundle.Options{MaxTotal: tt.maxTotal})
			if err != nil {
				t.Fatal(err)
			}
			switch {
			case tt.file == "" && !res.OK():
				t.Errorf("errors %v, want none", res.Errors[0])
			case tt.file != "" && (res.OK() || res.Errors[0].File != tt.file || res.Errors[0].Code != tt.code):
				t.Errorf("errors %v, want the first at %s (%s)", res.Errors, tt.file, tt.code)
			case tt.file != "" && res.Definition != nil:
				t.Errorf("the upload was parsed after a bound refused it")
			}
		})
	}
}

// TestScriptText: scripts are checked for UTF-8 in pieces, so a character
// split across two reads is still one character, and a broken one anywhere
// is not_text.
func TestScriptText(t *testing.T) {
	def, cfg := `{"dialogs":[],"dialogComponents":[],"localeData":{"en":{"name":"B"}},"defaultLanguage":"en"}`, `{"name":"B"}`
	for _, tt := range []struct {
		name    string
		content string
		ok      bool
	}{
		{"ascii", "function f() {}\n", true},
		{"characters across every read boundary", strings.Repeat("x", 64<<10-1) + strings.Repeat("€😀é", 100_000), true},
		{"a broken character past the first read", strings.Repeat("é", 100_000) + "\xff", false},
		{"a character cut at the end", strings.Repeat("x", 10) + "\xe2\x82", false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			b := &bundle.Bundle{Definition: src(t, "botDefinition.json", int64(len(def)), def), Config: src(t, "config.json", int64(len(cfg)), cfg),
				Functions: []bundle.Source{src(t, "s.js", int64(len(tt.content)), tt.content)}}
			res, err := bundle.Check(b, func(*botdef.Record) error { return nil }, bundle.Options{})
			if err != nil {
				t.Fatal(err)
			}
			if res.OK() != tt.ok {
				t.Errorf("OK() = %v, want %v (%v)", res.OK(), tt.ok, res.Errors)
			}
		})
	}
}
