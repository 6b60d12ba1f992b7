package botdef

import (
	"fmt"
	"strconv"
	"strings"
)

// Severity of a problem: errors fail an import, warnings are reported.
type Severity int

// Severities.
const (
	Error Severity = iota
	Warning
)

// Problem is one finding about an uploaded file, located as precisely as
// botport can: the file, a JSON Pointer into it, and the line and column
// there (1-based).
type Problem struct {
	File      string   `json:"file"`
	Pointer   string   `json:"pointer"`
	Line      int      `json:"line,omitempty"`
	Column    int      `json:"column,omitempty"`
	Code      string   `json:"code"`
	Message   string   `json:"message"`
	Component string   `json:"component,omitempty"` // e.g. dialog "PayMyBill"
	Severity  Severity `json:"-"`

	offset int64 // byte offset in File when known, else -1
	refine bool  // Pointer names the enclosing element; Locate narrows it to the value at offset
	syntax bool  // a syntax error found inside a value read whole: Locate reads the file token by token for its exact pointer
}

// String formats the problem as a compiler would:
// botDefinition.json:12:5: dialog "PayBill": message.
func (p *Problem) String() string {
	var b strings.Builder
	b.WriteString(p.File)
	if p.Line > 0 {
		fmt.Fprintf(&b, ":%d:%d", p.Line, p.Column)
	}
	b.WriteString(": ")
	if p.Severity == Warning {
		b.WriteString("warning: ")
	}
	if p.Component != "" {
		b.WriteString(p.Component)
		b.WriteString(": ")
	}
	b.WriteString(p.Message)
	return b.String()
}

// Problems collects findings, keeping at most Max of each severity but
// counting all of them.
type Problems struct {
	Max       int // 0 means 100
	errs      []*Problem
	warns     []*Problem
	nerr      int
	nwarn     int
	warnSeen  map[string]*Problem // aggregation key -> first warning
	warnTimes map[*Problem]int
}

func (ps *Problems) max() int {
	if ps.Max <= 0 {
		return 100
	}
	return ps.Max
}

// Add records a problem.
func (ps *Problems) Add(p *Problem) {
	if p.Severity == Warning {
		ps.nwarn++
		if len(ps.warns) < ps.max() {
			ps.warns = append(ps.warns, p)
		}
		return
	}
	ps.nerr++
	if len(ps.errs) < ps.max() {
		ps.errs = append(ps.errs, p)
	}
}

// AddOnce records a warning once per key; later ones only raise the count
// shown in the first one's message ("(and 3 more places)").
func (ps *Problems) AddOnce(key string, p *Problem) {
	if ps.warnSeen == nil {
		ps.warnSeen, ps.warnTimes = map[string]*Problem{}, map[*Problem]int{}
	}
	if first, ok := ps.warnSeen[key]; ok {
		ps.warnTimes[first]++
		return
	}
	ps.warnSeen[key] = p
	ps.Add(p)
}

// Errors returns the kept errors.
func (ps *Problems) Errors() []*Problem { return ps.errs }

// Warnings returns the kept warnings, with repeat counts folded into messages.
func (ps *Problems) Warnings() []*Problem {
	for p, n := range ps.warnTimes {
		if n > 0 {
			p.Message += " (and " + strconv.Itoa(n) + " more " + plural(n, "place", "places") + ")"
			ps.warnTimes[p] = 0
		}
	}
	return ps.warns
}

// ErrorCount is the number of errors found, kept or not.
func (ps *Problems) ErrorCount() int { return ps.nerr }

// WarningCount is the number of warnings reported, kept or not.
func (ps *Problems) WarningCount() int { return ps.nwarn }

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// Summary is the one-line description the status document's message uses:
// the first error, located, and the count.
func Summary(errs []*Problem, total int) string {
	if len(errs) == 0 {
		return ""
	}
	p := errs[0]
	var b strings.Builder
	b.WriteString(p.File)
	if p.Pointer != "" {
		b.WriteString(" ")
		b.WriteString(p.Pointer)
	}
	if p.Line > 0 {
		fmt.Fprintf(&b, " (line %d)", p.Line)
	}
	b.WriteString(": ")
	if p.Component != "" {
		b.WriteString(p.Component + ": ")
	}
	b.WriteString(p.Message)
	fmt.Fprintf(&b, " (%d %s)", total, plural(total, "problem", "problems"))
	return b.String()
}

// pointer builds a JSON Pointer from tokens, escaping ~ and /.
func pointer(tokens ...any) string {
	b := make([]byte, 0, 48)
	for _, t := range tokens {
		b = append(b, '/')
		switch v := t.(type) {
		case int:
			b = strconv.AppendInt(b, int64(v), 10)
		case string:
			if strings.ContainsAny(v, "~/") {
				v = pointerEscaper.Replace(v)
			}
			b = append(b, v...)
		default:
			b = fmt.Append(b, v)
		}
	}
	return string(b)
}

var pointerEscaper = strings.NewReplacer("~", "~0", "/", "~1")

// loc names a top-level member, or one of its elements, without building
// its pointer: most are never reported, and an export has many.
type loc struct {
	member string
	index  int    // element index, or -1
	key    string // object member key (botEvents), or ""
}

func (l loc) ptr() string {
	switch {
	case l.key != "":
		return pointer(l.member, l.key)
	case l.index >= 0:
		return pointer(l.member, l.index)
	}
	return pointer(l.member)
}
