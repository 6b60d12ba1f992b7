package canonjson_test

import (
	"testing"

	"github.com/botport/botport/internal/canonjson"
)

func TestCompact(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{`{"b":1,"a":{"d":[3,2],"c":null}}`, `{"a":{"c":null,"d":[3,2]},"b":1}`},
		{`{ "s" : "\u00e9\u003c/x\/" }`, `{"s":"é</x/"}`},
		{`[-230.39996337890625, 1.0, 12345678901234567890, 1e2]`, `[-230.39996337890625,1.0,12345678901234567890,1e2]`},
		{`{"a":1,"a":2}`, `{"a":1,"a":2}`},
		{`"x"`, `"x"`},
	} {
		got, err := canonjson.Compact([]byte(tc.in))
		if err != nil || string(got) != tc.want {
			t.Errorf("Compact(%s) = %s, %v; want %s", tc.in, got, err, tc.want)
		}
	}
	if _, err := canonjson.Compact([]byte(`{"a":`)); err == nil {
		t.Errorf("Compact accepted broken JSON")
	}
	if canonjson.Sum([]byte(`{"a":1,"b":2}`)) != canonjson.Sum([]byte("{\"b\": 2,\n \"a\": 1}")) {
		t.Errorf("Sum depends on member order or whitespace")
	}
}

func TestIndent(t *testing.T) {
	got, err := canonjson.Indent([]byte(`{"b":[1],"a":"<&>"}`))
	want := "{\n  \"a\": \"<&>\",\n  \"b\": [\n    1\n  ]\n}\n"
	if err != nil || string(got) != want {
		t.Errorf("Indent = %q, %v; want %q", got, err, want)
	}
}
