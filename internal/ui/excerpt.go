package ui

import (
	"bufio"
	"errors"
	"io"
	"slices"
	"strings"
)

// Excerpts: a few lines of an uploaded file around each located problem.
// Uploads hold secrets in clear (env variables' values, Authorization
// headers, API keys), so string values under secret-looking members are
// masked, and so is every value whose member is not in sight.
const (
	contextLines = 2   // lines shown before and after the problem's
	windowRunes  = 120 // characters shown each side of the problem's column
	maskText     = "••••••"
)

// segment is a run of an excerpt line: plain text, a masked value, or the
// character the problem points at.
type segment struct {
	Text  string
	Class string // "", "mask" or "mark"
}

// excerptLine is one line of an excerpt.
type excerptLine struct {
	N        int
	Problem  bool // the problem's line
	Segments []segment
	Clipped  bool // the line is longer than what is shown
}

// lineWant is a line an excerpt needs, and the column its window centres
// on (1-based, in characters).
type lineWant struct{ line, col int }

// readLines reads r once and returns the wanted lines, each clipped to a
// window of characters around its column: a minified file is one line of
// megabytes, and only the part around the problem is shown. Lines are
// split on \n; a \r before it is dropped.
func readLines(r io.Reader, wants []lineWant) (map[int]clippedLine, error) {
	slices.SortFunc(wants, func(a, b lineWant) int { return a.line - b.line })
	out := make(map[int]clippedLine, len(wants))
	br := bufio.NewReaderSize(r, 64<<10)
	line := 1
	for _, w := range wants {
		if _, done := out[w.line]; done || w.line < line {
			continue
		}
		for line < w.line { // skip lines nobody wants
			if err := skipLine(br); err != nil {
				if errors.Is(err, io.EOF) {
					return out, nil
				}
				return nil, err
			}
			line++
		}
		cl, err := readWindow(br, w.col)
		if err != nil && !errors.Is(err, io.EOF) {
			return nil, err
		}
		out[line] = cl
		line++
		if errors.Is(err, io.EOF) {
			return out, nil
		}
	}
	return out, nil
}

// clippedLine is a line's window: its text, the column its first
// character has, and whether characters before or after were left out.
// InString says the window starts inside a JSON string (counted over the
// characters left out before it).
type clippedLine struct {
	Text        string
	From        int
	Head, Trail bool
	InString    bool
	Escaped     bool // and its first character is escaped (a backslash before it)
}

func skipLine(br *bufio.Reader) error {
	for {
		_, err := br.ReadSlice('\n')
		if err == nil {
			return nil
		}
		if !errors.Is(err, bufio.ErrBufferFull) {
			return err
		}
	}
}

// readWindow reads one line and keeps the characters within windowRunes of
// col. It returns io.EOF when the file ended on this line.
func readWindow(br *bufio.Reader, col int) (clippedLine, error) {
	from := max(1, col-windowRunes)
	to := from + 2*windowRunes
	var b strings.Builder
	cl := clippedLine{From: from, Head: from > 1}
	n := 0
	escaped := false
	for {
		c, _, err := br.ReadRune()
		if err != nil {
			cl.Text = strings.TrimSuffix(b.String(), "\r")
			return cl, err
		}
		if c == '\n' {
			break
		}
		n++
		switch {
		case n < from:
			switch {
			case escaped:
				escaped = false
			case c == '\\' && cl.InString:
				escaped = true
			case c == '"':
				cl.InString = !cl.InString
			}
		case n < to:
			if n == from {
				cl.Escaped = escaped
			}
			b.WriteRune(c)
		default:
			cl.Trail = true
			cl.Text = strings.TrimSuffix(b.String(), "\r")
			return cl, skipLine(br)
		}
	}
	cl.Text = strings.TrimSuffix(b.String(), "\r")
	cl.Head = from > 1 && n > 0
	return cl, nil
}

// buildExcerpt shapes the lines around a problem at line:col, with values
// masked and the problem's character marked.
func buildExcerpt(lines map[int]clippedLine, line, col int) []excerptLine {
	var out []excerptLine
	m := &masker{}
	for n := max(1, line-contextLines); n <= line+contextLines; n++ {
		cl, ok := lines[n]
		if !ok {
			continue
		}
		if _, prev := lines[n-1]; cl.Head || n > 1 && (!prev || n == max(1, line-contextLines)) {
			m.reset() // what came before is out of sight
			m.inString, m.escaped = cl.Head && cl.InString, cl.Head && cl.Escaped
		}
		masked := m.scan(cl.Text)
		el := excerptLine{N: n, Problem: n == line, Clipped: cl.Head || cl.Trail}
		mark := -1
		if n == line {
			mark = col - cl.From // index in runes within the window
		}
		el.Segments = segments(cl.Text, masked, mark)
		if cl.Trail {
			m.reset()
		}
		out = append(out, el)
	}
	return out
}

// segments splits text into plain, masked and marked runs; masked holds
// rune index ranges [from, to) to replace, mark the rune to highlight (-1:
// none). A mark inside a masked range marks the mask.
func segments(text string, masked [][2]int, mark int) []segment {
	runes := []rune(text)
	var out []segment
	add := func(s string, class string) {
		if s == "" {
			return
		}
		if n := len(out); n > 0 && out[n-1].Class == class && class == "" {
			out[n-1].Text += s
			return
		}
		out = append(out, segment{Text: s, Class: class})
	}
	i, k := 0, 0
	for i < len(runes) {
		if k < len(masked) && i == masked[k][0] {
			class := "mask"
			if mark >= masked[k][0] && mark < masked[k][1] {
				class = "mask mark"
			}
			add(maskText, class)
			i = masked[k][1]
			k++
			continue
		}
		end := len(runes)
		if k < len(masked) {
			end = masked[k][0]
		}
		if mark >= i && mark < end {
			add(string(runes[i:mark]), "")
			add(string(runes[mark]), "mark")
			add(string(runes[mark+1:end]), "")
		} else {
			add(string(runes[i:end]), "")
		}
		i = end
	}
	if mark >= len(runes) && mark >= 0 { // the end of the line (a missing value, the end of the file)
		add(" ", "mark")
	}
	return out
}

// masker finds the string values to mask in JSON text, line after line:
// those under a member whose name looks secret (also the elements of an
// array there), and every value whose member is out of sight (before the
// excerpt's first line, or in a clipped part of a line).
type masker struct {
	key     string  // the last member name seen; "" when out of sight
	colon   bool    // the last token was a colon: a string now is a member's value
	stack   []frame // open objects and arrays in sight
	known   bool    // the text in sight starts at the file's start
	started bool
	// inString: the text in sight starts inside a string, a member name
	// or a value, which one is out of sight: masked up to its end.
	inString, escaped bool
}

// frame is an open object or array, and the member it is the value of
// (unknown: "").
type frame struct {
	array bool
	key   string
}

func (m *masker) reset() { *m = masker{started: true} }

// scan returns the rune ranges of the string values to mask in text.
func (m *masker) scan(text string) [][2]int {
	if !m.started {
		m.reset()
		m.known = true // the file's start: nothing is out of sight
	}
	var out [][2]int
	runes := []rune(text)
	start := 0
	if m.inString {
		j := 0
		if m.escaped {
			j = 1
		}
		for j < len(runes) && runes[j] != '"' {
			if runes[j] == '\\' {
				j++
			}
			j++
		}
		out = append(out, [2]int{0, min(j, len(runes))})
		m.inString, m.escaped, m.key, m.colon = j >= len(runes), false, "", false
		start = j + 1
	}
	for i := start; i < len(runes); i++ {
		switch c := runes[i]; c {
		case '"':
			j := i + 1
			for j < len(runes) && runes[j] != '"' {
				if runes[j] == '\\' {
					j++
				}
				j++
			}
			end := min(j+1, len(runes))
			k := end
			for k < len(runes) && (runes[k] == ' ' || runes[k] == '\t') {
				k++
			}
			if k < len(runes) && runes[k] == ':' { // a member name
				m.key, m.colon = string(runes[i+1:min(j, len(runes))]), false
			} else {
				if m.secretValue() {
					out = append(out, [2]int{i + 1, min(j, len(runes))})
				}
				m.colon = false
			}
			i = end - 1
		case ':':
			m.colon = true
		case '{', '[':
			f := frame{array: c == '['}
			switch {
			case m.colon:
				f.key = m.key
			case len(m.stack) > 0 && m.stack[len(m.stack)-1].array:
				f.key = m.stack[len(m.stack)-1].key
			}
			m.stack = append(m.stack, f)
			m.colon = false
		case '}', ']':
			if len(m.stack) > 0 {
				m.stack = m.stack[:len(m.stack)-1]
			}
			m.colon = false
		case ' ', '\t', '\r', ',':
			if c == ',' {
				m.colon = false
			}
		default:
			m.colon = false
		}
	}
	return out
}

// secretValue reports whether the string value being read is masked.
func (m *masker) secretValue() bool {
	if m.colon {
		return m.key == "" || secretName(m.key)
	}
	if n := len(m.stack); n > 0 {
		return m.stack[n-1].array && (m.stack[n-1].key == "" || secretName(m.stack[n-1].key))
	}
	return !m.known
}

// secretName reports a member whose string value may be a secret: an env
// variable's or a header's value, keys, tokens, passwords.
func secretName(name string) bool {
	n := strings.ToLower(name)
	if n == "value" || n == "values" {
		return true
	}
	for _, s := range []string{"secret", "token", "password", "passwd", "apikey", "api_key", "authorization", "credential", "private", "cookie", "signature"} {
		if strings.Contains(n, s) {
			return true
		}
	}
	return false
}
