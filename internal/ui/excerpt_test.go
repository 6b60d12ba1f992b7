package ui

import (
	"fmt"
	"strings"
	"testing"
)

// flat renders an excerpt as text: "N>" on the problem's line, "N:" on the
// others, masks as the mask text, the marked character in brackets.
func flat(lines []excerptLine) string {
	var b strings.Builder
	for _, l := range lines {
		sep := ":"
		if l.Problem {
			sep = ">"
		}
		fmt.Fprintf(&b, "%d%s", l.N, sep)
		for _, s := range l.Segments {
			switch s.Class {
			case "":
				b.WriteString(s.Text)
			case "mark":
				b.WriteString("[" + s.Text + "]")
			case "mask mark":
				b.WriteString("[" + maskText + "]")
			default:
				b.WriteString(s.Text)
			}
		}
		if l.Clipped {
			b.WriteString("…")
		}
		b.WriteString("\n")
	}
	return b.String()
}

// TestExcerpt: the lines around a problem, the column marked, secret
// values masked, whatever is shown; values whose member is out of sight
// masked too.
func TestExcerpt(t *testing.T) {
	long := `{"a":"` + strings.Repeat("x", 300) + `","token":"t0p","name":"Shown","b":5,"value":"hidden"}`
	escapes := `{"a":"` + strings.Repeat(`\"`, 150) + `x","token":"t0p","name":"Shown","b":5,"value":"hidden"}`
	for _, tc := range []struct {
		name      string
		file      string
		line, col int
		want      string
		never     []string
	}{
		{"an env variable's value", "{\n  \"envVariables\": [\n    {\"key\": \"API_KEY\", \"value\": \"sk-live-123\"},\n    {\"key\": \"HOST\", \"value\": 7}\n  ]\n}\n", 4, 30,
			"2:  \"envVariables\": [\n3:    {\"key\": \"API_KEY\", \"value\": \"••••••\"},\n4>    {\"key\": \"HOST\", \"value\": [7]}\n5:  ]\n6:}\n", []string{"sk-live"}},
		{"a header and a dialog name", "{\n\"name\": \"PayMyBill\",\n\"headers\": {\"Authorization\": \"Bearer abc\", \"X\": \"y\"},\n\"nodes\": 5\n}", 4, 10,
			"2:\"name\": \"PayMyBill\",\n3:\"headers\": {\"Authorization\": \"••••••\", \"X\": \"y\"},\n4>\"nodes\": [5]\n5:}\n", []string{"Bearer"}},
		{"an array of secrets", "{\"apiKeys\": [\n\"k1\",\n\"k2\"\n], \"n\": 1}", 3, 1,
			"1:{\"apiKeys\": [\n2:\"••••••\",\n3>[\"]••••••\"\n4:], \"n\": 1}\n", []string{"k1", "k2"}},
		{"values whose member is out of sight", "{\n\"a\": 1,\n\"b\": 2,\n\"list\": [\n\"s1\",\n\"s2\",\n\"s3\",\n\"s4\"\n]}", 7, 1,
			"5:\"••••••\",\n6:\"••••••\",\n7>[\"]••••••\",\n8:\"••••••\"\n9:]}\n", []string{"s1", "s2", "s3", "s4"}},
		{"a mark inside a masked value", "{\"password\": \"hunter2\"}", 1, 15,
			"1>{\"password\": \"[••••••]\"}\n", []string{"hunter2"}},
		{"the end of a line", "{\n\"a\":\n}", 2, 5,
			"1:{\n2>\"a\":[ ]\n3:}\n", nil},
		{"a minified line, clipped inside a string", long, 1, 320,
			"1>••••••\",\"token\":\"[••••••]\",\"name\":\"Shown\",\"b\":5,\"value\":\"••••••\"}…\n", []string{"t0p", "hidden"}},
		{"a minified line, escaped quotes before the window", escapes, 1, 320,
			"1>••••••\",\"token\":\"[••••••]\",\"name\":\"Shown\",\"b\":5,\"value\":\"••••••\"}…\n", []string{"t0p", "hidden"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var wants []lineWant // as problems.go asks: the line and its neighbours
			for n := max(1, tc.line-contextLines); n <= tc.line+contextLines; n++ {
				wants = append(wants, lineWant{n, tc.col})
			}
			lines, err := readLines(strings.NewReader(tc.file), wants)
			if err != nil {
				t.Fatal(err)
			}
			got := flat(buildExcerpt(lines, tc.line, tc.col))
			if tc.want != "" && got != tc.want {
				t.Errorf("excerpt:\n%s\nwant:\n%s", got, tc.want)
			}
			if got == "" || !strings.Contains(got, fmt.Sprintf("%d>", tc.line)) {
				t.Errorf("no problem line in:\n%s", got)
			}
			for _, s := range tc.never {
				if strings.Contains(got, s) {
					t.Errorf("the excerpt shows %q:\n%s", s, got)
				}
			}
		})
	}
}
