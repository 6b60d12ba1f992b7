package botdef_test

import (
	"bytes"
	"strings"
	"testing"

	"github.com/botport/botport/internal/botdef"
)

// TestBoundsAndTypes breaks demobot1-full past botport's bounds (nesting,
// string and name lengths) and with values of the wrong JSON type where
// botport reads identities, and checks each located problem.
func TestBoundsAndTypes(t *testing.T) {
	nested := func(n int) string { return strings.Repeat("[", n) + strings.Repeat("]", n) }
	tests := []struct {
		name  string
		apply func(e *editor) []want
	}{
		{"nesting past MaxDepth in a dialog", func(e *editor) []want {
			// The dialog object is at depth 3 (file object, dialogs array,
			// dialog): the k-th nested array is at depth 3+k.
			ptr := "/dialogs/0/isHidden"
			e.raw(ptr, nested(150))
			k := botdef.MaxDepth - 3 + 1
			deep := ptr + strings.Repeat("/0", k-1)
			return []want{{sev: botdef.Error, code: "too_deep", ptr: deep, off: e.span(ptr).start + k - 1}}
		}},
		{"brackets and escaped quotes inside strings do not nest", func(e *editor) []want {
			// Written as "\\\"[[[…\\": a backslash, a quote, brackets, a backslash.
			e.set("/dialogs/0/lname", `\"`+strings.Repeat("[", 150)+`\`)
			e.set("/dialogs/1/lname", strings.Repeat(`\`, 7)+`"`+strings.Repeat("{", 150))
			return nil
		}},
		{"nesting at MaxDepth is fine", func(e *editor) []want {
			e.raw("/dialogs/0/isHidden", nested(botdef.MaxDepth-3))
			return nil
		}},
		{"nesting past MaxDepth in a top-level setting", func(e *editor) []want {
			ptr := "/isNLEnabled"
			e.raw(ptr, nested(150))
			k := botdef.MaxDepth - 1 + 1
			return []want{{sev: botdef.Error, code: "too_deep", ptr: ptr + strings.Repeat("/0", k-1), off: e.span(ptr).start + k - 1}}
		}},
		{"nesting past MaxDepth in a bot event", func(e *editor) []want {
			ptr := "/botEvents/WELCOME_MESSAGE_EVENT"
			e.raw(ptr, nested(150))
			k := botdef.MaxDepth - 2 + 1
			return []want{{sev: botdef.Error, code: "too_deep", ptr: ptr + strings.Repeat("/0", k-1), off: e.span(ptr).start + k - 1}}
		}},
		{"string past MaxString", func(e *editor) []want {
			ptr := e.first(`^/dialogComponents/\d+/message/0/localeData/en/text$`, nil)
			e.set(ptr, strings.Repeat("x", botdef.MaxString+1))
			return []want{{sev: botdef.Error, code: "too_long", ptr: ptr, off: -1, msg: "the limit is 8388608"}}
		}},
		{"dialog name past MaxName", func(e *editor) []want {
			e.set("/dialogs/0/localeData/en/name", strings.Repeat("n", botdef.MaxName+1))
			return []want{{sev: botdef.Error, code: "too_long", ptr: "/dialogs/0", off: -1, msg: "1001 characters"}}
		}},
		{"dialog name of MaxName characters (multi-byte) is fine", func(e *editor) []want {
			e.set("/dialogs/0/localeData/en/name", strings.Repeat("é", botdef.MaxName))
			return nil
		}},
		{"numeric dialog refId", func(e *editor) []want {
			e.raw("/dialogs/0/refId", "5")
			return []want{wantErr("wrong_type", "/dialogs/0/refId")}
		}},
		{"object component _id", func(e *editor) []want {
			e.raw("/dialogComponents/1/_id", `{"id":"x"}`)
			return []want{wantErr("wrong_type", "/dialogComponents/1/_id")}
		}},
		{"numeric utterance taskId", func(e *editor) []want {
			e.raw("/sentences/0/taskId", "5")
			return []want{wantErr("wrong_type", "/sentences/0/taskId")}
		}},
		{"idpConfigurations as an object", func(e *editor) []want {
			e.raw("/idpConfigurations", "{}")
			return []want{wantErr("wrong_type", "/idpConfigurations")}
		}},
		{"actions as a string", func(e *editor) []want {
			e.raw("/actions", `"none"`)
			return []want{wantErr("wrong_type", "/actions")}
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := &editor{t: t, data: readFixture(t, "demobot1-full", botdef.FileDefinition)}
			cfg := readFixture(t, "demobot1-full", botdef.FileConfig)
			ws := tc.apply(e)
			checkProblems(t, e, ws, runFile(t, e.data, cfg, nil, botdef.Options{}))
		})
	}
}

// TestConfigSecretsStayOut: problems about environment variables never
// quote their values, whatever the decoder's error text holds, and a syntax
// error inside a value read whole is located at that value.
func TestConfigSecretsStayOut(t *testing.T) {
	def := readFixture(t, "demobot1-full", botdef.FileDefinition)
	const secret = "S3CRET-TOKEN-ABCDEF"
	// at is where the problem is located: the first byte of that text.
	tests := []struct {
		name, cfg, code, ptr, at string
	}{
		{"broken surrogate in a value", `{"name":"D","envVariables":[{"key":"API_TOKEN","value":"\ud800` + secret + `"}]}`,
			"syntax_error", "/envVariables/0/value", `\ud800`},
		{"same with a short key", `{"name":"D","envVariables":[{"key":"K","value":"\ud800` + secret + `"}]}`,
			"syntax_error", "/envVariables/0/value", `\ud800`},
		{"bad escape in a value", `{"name":"D","envVariables":[{"key":"K","value":"ab\q` + secret + `"}]}`,
			"syntax_error", "/envVariables/0/value", `\q`},
		{"control character in a value", "{\"name\":\"D\",\"envVariables\":[{\"key\":\"K\",\"value\":\"" + secret + "\x01" + secret + "\"}]}",
			"syntax_error", "/envVariables/0/value", "\x01"},
		{"value of the wrong type", `{"name":"D","envVariables":[{"key":"K","value":{"token":"` + secret + `"}}]}`,
			"wrong_type", "/envVariables/0/value", `{"token"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			line, col := 1, strings.Index(tc.cfg, tc.at)+1
			ps := runFile(t, def, []byte(tc.cfg), nil, botdef.Options{})
			if ps.ErrorCount() != 1 {
				t.Fatalf("%d errors, want 1: %v", ps.ErrorCount(), ps.Errors())
			}
			p := ps.Errors()[0]
			if p.Code != tc.code || p.Pointer != tc.ptr || p.Line != line || p.Column != col {
				t.Errorf("got %s %q %d:%d, want %s %q %d:%d (%s)", p.Code, p.Pointer, p.Line, p.Column, tc.code, tc.ptr, line, col, p.Message)
			}
			if strings.Contains(p.Message, "S3C") || strings.Contains(p.String(), "S3C") {
				t.Errorf("the message quotes the secret: %s", p.Message)
			}
		})
	}
	// The file is read twice at most for a syntax error's location, and the
	// bytes reach no message even in the definition.
	broken := bytes.Replace(def, []byte(`"sentence": "`), []byte(`"sentence": "\ud800`+secret), 1)
	ps := runFile(t, broken, nil, nil, botdef.Options{})
	if ps.ErrorCount() != 1 || strings.Contains(ps.Errors()[0].Message, "S3C") || !strings.HasSuffix(ps.Errors()[0].Pointer, "/sentence") {
		t.Errorf("definition syntax error: %v", ps.Errors())
	}
}
