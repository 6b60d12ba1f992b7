package botdef_test

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"strings"
	"testing"

	"github.com/botport/botport/internal/botdef"
	"github.com/botport/botport/internal/fixture"
)

// memRecords keeps emitted records by member, as a store would.
type memRecords map[string][]*botdef.Record

func (m memRecords) emit(r *botdef.Record) error {
	m[r.Member] = append(m[r.Member], r)
	return nil
}

func (m memRecords) source(member string, fn func(*botdef.Record) error) error {
	for _, r := range m[member] {
		if err := fn(r); err != nil {
			return err
		}
	}
	return nil
}

func parseFile(t *testing.T, path string, opts botdef.Options) (*botdef.Definition, memRecords, *botdef.Problems) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	recs := memRecords{}
	var ps botdef.Problems
	d, err := botdef.ParseDefinition(f, recs.emit, &ps, opts)
	if err != nil {
		t.Fatal(err)
	}
	return d, recs, &ps
}

// TestRebuildByteForByte parses every fixture into records and writes the
// files back: the bytes must equal the originals.
func TestRebuildByteForByte(t *testing.T) {
	for _, e := range fixture.Exports(t) {
		for _, opts := range []botdef.Options{{}, {ChunkElements: 3}} {
			t.Run(fmt.Sprintf("%s/chunk%d", e.Name, opts.ChunkElements), func(t *testing.T) {
				orig, err := os.ReadFile(e.File(botdef.FileDefinition))
				if err != nil {
					t.Fatal(err)
				}
				d, recs, ps := parseFile(t, e.File(botdef.FileDefinition), opts)
				if ps.ErrorCount() > 0 {
					t.Fatalf("parse problems: %v", ps.Errors()[0])
				}
				var out bytes.Buffer
				if err := botdef.WriteFile(&out, d.Members, recs.source); err != nil {
					t.Fatal(err)
				}
				assertSameBytes(t, out.Bytes(), orig)

				cfg, err := os.ReadFile(e.File(botdef.FileConfig))
				if err != nil {
					t.Fatal(err)
				}
				crecs := memRecords{}
				c, err := botdef.ParseConfig(bytes.NewReader(cfg), crecs.emit, ps)
				if err != nil {
					t.Fatal(err)
				}
				out.Reset()
				if err := botdef.WriteFile(&out, c.Members, crecs.source); err != nil {
					t.Fatal(err)
				}
				assertSameBytes(t, out.Bytes(), cfg)
			})
		}
	}
}

func assertSameBytes(t *testing.T, got, want []byte) {
	t.Helper()
	if bytes.Equal(got, want) {
		return
	}
	i := 0
	for i < len(got) && i < len(want) && got[i] == want[i] {
		i++
	}
	lo := max(0, i-60)
	t.Fatalf("rebuilt bytes differ at offset %d (len %d vs %d):\n got %q\nwant %q", i, len(got), len(want),
		got[lo:min(len(got), i+60)], want[lo:min(len(want), i+60)])
}

func TestFixtureFacts(t *testing.T) {
	// Counts from export-format.md section 8.
	tests := []struct {
		name    string
		dialogs int
		events  int // enabled
		utt     int
		title   string
	}{
		{"demobot1-full", 8, 4, 12, "Demobot1"},
		{"vaxie", 41, 6, 0, "Vaxie"},
		{"candy-education", 28, -1, 83, "Candy Education"},
		{"weatherbot-old-format", 1, -1, 12, "WeatherBot"},
		{"demobot1-tasks-only", 8, 0, 0, "Demobot1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, _, ps := parseFile(t, fixture.Get(t, tt.name).File(botdef.FileDefinition), botdef.Options{})
			if ps.ErrorCount() > 0 {
				t.Fatal(ps.Errors()[0])
			}
			if len(d.Dialogs) != tt.dialogs {
				t.Errorf("dialogs = %d, want %d", len(d.Dialogs), tt.dialogs)
			}
			enabled := 0
			for _, e := range d.Events {
				if e.Enabled {
					enabled++
				}
			}
			if tt.events >= 0 && enabled != tt.events {
				t.Errorf("enabled events = %d, want %d", enabled, tt.events)
			}
			if got := d.Counts[botdef.KindUtterances]; got != tt.utt {
				t.Errorf("utterances = %d, want %d", got, tt.utt)
			}
			if d.Name() != tt.title {
				t.Errorf("name = %q, want %q", d.Name(), tt.title)
			}
		})
	}
	d, _, _ := parseFile(t, fixture.Get(t, "demobot1-full").File(botdef.FileDefinition), botdef.Options{})
	var names []string
	for _, dl := range d.Dialogs {
		names = append(names, dl.Name)
	}
	// export-format.md section 6 names these eight dialogs.
	want := "AgentT,Fallback Task,GitTest,InternetTroubleshooting,PayMyBill,ViewMyBill,Voice,Welcome Task"
	if got := sortedJoin(names); got != want {
		t.Errorf("demobot1-full dialogs = %s, want %s", got, want)
	}
}

func sortedJoin(s []string) string {
	c := append([]string(nil), s...)
	for i := range c {
		for j := i + 1; j < len(c); j++ {
			if c[j] < c[i] {
				c[i], c[j] = c[j], c[i]
			}
		}
	}
	return strings.Join(c, ",")
}

func TestInvalidFixtures(t *testing.T) {
	tests := []struct {
		file, code, msg string
		line, col       int
	}{
		{"empty-botDefinition.json", "syntax_error", "unexpected end of input", 2, 1},
		{"lex-bot-not-kore.json", "not_an_export", "not a Kore.ai bot export", 1, 1},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			path := fixture.Invalid(t, tt.file)
			d, _, ps := parseFile(t, path, botdef.Options{})
			if ps.ErrorCount() == 0 {
				botdef.Validate(d, nil, ps, nil)
			}
			if ps.ErrorCount() != 1 {
				t.Fatalf("errors = %d, want 1", ps.ErrorCount())
			}
			p := ps.Errors()[0]
			if err := botdef.Locate(botdef.FileDefinition, ps.Errors(), func() (io.ReadCloser, error) { return os.Open(path) }); err != nil {
				t.Fatal(err)
			}
			if p.Code != tt.code || !strings.Contains(p.Message, tt.msg) || p.Line != tt.line || p.Column != tt.col {
				t.Errorf("got %s %q at %d:%d, want %s %q at %d:%d", p.Code, p.Message, p.Line, p.Column, tt.code, tt.msg, tt.line, tt.col)
			}
		})
	}
}

func TestPeek(t *testing.T) {
	f, err := os.Open(fixture.Get(t, "vaxie").File(botdef.FileDefinition))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	h := botdef.Peek(f)
	if h.Name != "Vaxie" || h.DefaultLanguage != "en" || h.UniversalBot || h.Purpose != "customer" {
		t.Errorf("Peek(vaxie) = %+v", h)
	}
	ub := botdef.Peek(strings.NewReader(`{"type":"universalbot","defaultLanguage":"en","localeData":{"en":{"name":"U"}}}`))
	if !ub.UniversalBot || ub.Name != "U" {
		t.Errorf("old universal bot: %+v", ub)
	}
	ub2 := botdef.Peek(strings.NewReader(`{"type":"universalbot","defaultLanguage":"en","localeData":{"en":{"name":"U"}},"universalBotVersion":2}`))
	if ub2.UniversalBot {
		t.Errorf("universalBotVersion 2 is supported: %+v", ub2)
	}
}
