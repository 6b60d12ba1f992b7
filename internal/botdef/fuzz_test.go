package botdef_test

import (
	"bytes"
	"io"
	"os"
	"strings"
	"testing"

	"github.com/botport/botport/internal/botdef"
	"github.com/botport/botport/internal/fixture"
)

// fuzzSeeds are hand-written edge inputs: each is small, and most are
// exports just valid enough to reach the validator.
func fuzzSeeds() []string {
	const head = `"defaultLanguage":"en","localeData":{"en":{"name":"B"}},"dialogComponents":[{"_id":"dc-0","type":"intent"}]`
	deep := strings.Repeat("[", 5000) + strings.Repeat("]", 5000)
	deepObj := strings.Repeat(`{"a":`, 5000) + "1" + strings.Repeat("}", 5000)
	// The 5000-deep seeds pass botdef.MaxDepth and end in too_deep; the
	// shallow ones stay just under it (the file object, and a dialog or an
	// event around them), parse cleanly and are rebuilt by the target.
	shallow := strings.Repeat("[", botdef.MaxDepth-3) + strings.Repeat("]", botdef.MaxDepth-3)
	shallowObj := strings.Repeat(`{"a":`, botdef.MaxDepth-3) + "1" + strings.Repeat("}", botdef.MaxDepth-3)
	return []string{
		// Deep nesting, at the top level, inside a dialog, a node and an event.
		`{` + head + `,"dialogs":[{"_id":"dg-0"}],"deep":` + deep + `,"x":}`,
		`{` + head + `,"dialogs":[{"_id":"dg-0"}],"deep":` + shallow + `}`,
		`{` + head + `,"dialogs":[` + deep + `]}`,
		`{` + head + `,"dialogs":[{"_id":"dg-1","nodes":[{"nodeId":"a","transitions":` + deep + `}]}]}`,
		`{` + head + `,"dialogs":[{"_id":"dg-0"}],"botEvents":{"E":` + deepObj + `,"F":1,"F":2}}`,
		`{` + head + `,"dialogs":[{"_id":"dg-0"}],"botEvents":{"E":` + shallowObj + `}}`,
		deep,
		// Huge and odd numbers.
		`{` + head + `,"dialogs":[{"_id":"dg-0"}],"n":1e999999999,"m":-0.0000000000000000000000001e-400,"k":123456789012345678901234567890123456789,"z":-0}`,
		`{"dialogs":[{"_id":1e400,"refId":-1,"nodes":[{"nodeId":12345678901234567890,"type":0,"componentId":1.5}]}],` + head + `}`,
		// Duplicate names, at the top level and inside elements.
		`{"a":1,"a":2}`,
		`{` + head + `,"dialogs":[{"_id":"x","_id":"y"}]}`,
		`{` + head + `,"dialogs":[{"_id":"dg-0"}],"botEvents":{"E":{},"E":{}}}`,
		// NUL bytes: raw (invalid) and escaped (valid).
		"{\"a\":\"x\x00y\"}",
		`{` + head + `,"dialogs":[{"_id":"\u0000","refId":"a\u0000b"}]}`,
		"\x00",
		"{\x00}",
		// Lone and paired surrogates in \u escapes.
		`{"defaultLanguage":"\ud800"}`,
		`{` + head + `,"dialogs":[{"lname":"\udc00\ud800"}]}`,
		`{` + head + `,"dialogs":[{"lname":"\ud83d\ude00"}],"x":"\ud83d"}`,
		// Invalid UTF-8 bytes.
		"{\"defaultLanguage\":\"\xff\xfe\"}",
		// A small export that reaches every check.
		`{"defaultLanguage":"en","supportedLanguages":["en"],"localeData":{"en":{"name":"B","description":"{{content.C}}"}},` +
			`"dialogs":[{"_id":"dg-1","refId":"r1","lname":"d","localeData":{"en":{"name":"D"}},"vNameSpace":["ns"],` +
			`"nodes":[{"nodeId":"intent0","type":"intent","componentId":"dc-1","transitions":[{"default":"x"},{"if":{"field":"y","intent":"z"},"then":"end"}]},` +
			`{"nodeId":"b","type":"botAction","componentId":"dc-2","nodes":[{"nodeId":"s","componentId":"dc-9"}]},` +
			`{"nodeId":"j","type":"intent","componentId":"dc-1","flowTaskId":"nope","dialogRefId":"r1"},{"nodeId":"b"}]}],` +
			`"dialogComponents":[{"_id":"dc-1","refId":"c1","name":"I","type":"intent","dialogId":"dg-2"},` +
			`{"_id":"dc-2","refId":"c2","name":"A","type":"botAction","nodes":[{"nodeId":"s","componentId":"dc-1","transitions":[{"default":"q"}]}]},` +
			`{"_id":"dc-3","refId":"c3","name":"F","type":"form","resourceId":"f0"},{"_id":"dc-4","name":"S","type":"service","idp":"p"}],` +
			`"sentences":[{"_id":"s1","taskId":"dc-1","entities":[{"entityId":"dc-1"},{}]},{"_id":"s1","taskId":"dc-3"},{"taskId":""}],` +
			`"patterns":[{"refId":"c1"},{"refId":"zz"}],"forms":[{"refId":"f1","integrations":[{"resourceId":"r9","resourceMeta":{"componentId":"c9"}}]}],` +
			`"widgets":[{"refId":"w1","source":{"type":"dialog","resource":"r7"}}],"panels":[{"refId":"p1","widgets":["w1","w2"]}],` +
			`"knowledgeTasks":[{"refId":"g","language":"en","taxonomy":[{"nodeId":"t1","parent":["t0"]}],"faqs":{"faqs":[{"responseType":"dialog","dialogRefId":"r5"}]}}],` +
			`"mlParams":[{"dialogIntents":["r1","r6"]}],"botSentimentEvents":[{"task":"r8"}],"defaultDialogId":"r4",` +
			`"contentVariables":[{"key":"K"}],"namespaces":[{"_id":"ns-1","refId":"ns"}],"krVNameSpace":["x"],"vNameSpace":["ns-1"],` +
			`"botEvents":{"E":{"enabled":true,"action":"triggerDialog","task":"r3"},"F":{"enabled":false,"task":"r2"}},` +
			`"a/b~c":"%7B%7Benv.X%7D%7D {{env.X}} content.K content.Y"}`,
		// Valid exports with odd shapes.
		`{"defaultLanguage":"en","localeData":{},"dialogs":[{"_id":"dg-0"}],"dialogComponents":[],"botEvents":[],"sentences":[]}`,
		`{"defaultLanguage":null,"localeData":null,"dialogs":null,"dialogComponents":null,"botEvents":null}`,
		"{\n    \"dialogs\": [],\n    \"dialogComponents\": [],\n    \"localeData\": {},\n    \"defaultLanguage\": \"en\"\n}",
		`{}`, `[]`, `""`, `null`, `{"dialogs":[{"_id":"dg-0"}],"dialogComponents":[]} {}`, `{"dialogs":[`, "",
	}
}

func FuzzParseDefinition(f *testing.F) {
	for _, name := range []string{"demobot1-full", "weatherbot-old-format"} {
		b, err := os.ReadFile(fixture.Get(f, name).File(botdef.FileDefinition))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	for _, name := range []string{"empty-botDefinition.json", "lex-bot-not-kore.json"} {
		b, err := os.ReadFile(fixture.Invalid(f, name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	for _, s := range fuzzSeeds() {
		f.Add([]byte(s))
	}
	f.Fuzz(checkParse)
}

// checkParse is the fuzz target: it parses, validates and locates data, checks
// the invariants, and rebuilds a file that parsed from its records.
func checkParse(t *testing.T, data []byte) {
	var order []*botdef.Record
	recs := memRecords{}
	var ps botdef.Problems
	d, err := botdef.ParseDefinition(bytes.NewReader(data), func(r *botdef.Record) error {
		order = append(order, r)
		return recs.emit(r)
	}, &ps, botdef.Options{})
	if err != nil {
		t.Fatalf("ParseDefinition returned an error for content (reader and emit never fail): %v", err)
	}
	if d == nil {
		t.Fatal("ParseDefinition returned a nil definition and no error")
	}
	parsedClean := ps.ErrorCount() == 0
	if parsedClean {
		botdef.Validate(d, nil, &ps, nil)
	}
	all := append(append([]*botdef.Problem(nil), ps.Errors()...), ps.Warnings()...)
	if err := botdef.Locate(botdef.FileDefinition, all, func() (io.ReadCloser, error) {
		return io.NopCloser(bytes.NewReader(data)), nil
	}); err != nil {
		t.Fatalf("Locate: %v", err)
	}
	lines := 1 + bytes.Count(data, []byte("\n"))
	for _, p := range all {
		if p.Code == "" || p.Message == "" || p.File == "" {
			t.Errorf("incomplete problem: %+v", p)
		}
		if p.Line < 1 || p.Column < 1 || p.Line > lines {
			t.Errorf("problem located at %d:%d in a %d-line input: %s %s %s", p.Line, p.Column, lines, p.Code, p.Pointer, p.Message)
		}
	}
	if len(ps.Errors()) > ps.ErrorCount() || len(ps.Warnings()) > ps.WarningCount() {
		t.Errorf("kept more problems than counted: %d/%d errors, %d/%d warnings",
			len(ps.Errors()), ps.ErrorCount(), len(ps.Warnings()), ps.WarningCount())
	}
	if !parsedClean {
		return
	}

	// Rebuild the file from the records and parse it again: same records.
	var out bytes.Buffer
	if err := botdef.WriteFile(&out, d.Members, recs.source); err != nil {
		t.Fatalf("WriteFile: %v", err)
	}
	var again []*botdef.Record
	var ps2 botdef.Problems
	if _, err := botdef.ParseDefinition(bytes.NewReader(out.Bytes()), func(r *botdef.Record) error {
		again = append(again, r)
		return nil
	}, &ps2, botdef.Options{}); err != nil {
		t.Fatalf("re-parse: %v", err)
	}
	if ps2.ErrorCount() != 0 {
		t.Fatalf("the rebuilt file has errors: %v\nrebuilt: %q", ps2.Errors()[0], truncate(out.Bytes()))
	}
	if len(again) != len(order) {
		t.Fatalf("rebuilt file has %d records, the input %d", len(again), len(order))
	}
	for i, a := range order {
		b := again[i]
		if a.Member != b.Member || a.Seq != b.Seq || a.Kind != b.Kind || a.Ident != b.Ident || !bytes.Equal(a.Body, b.Body) {
			t.Fatalf("record %d differs after rebuilding:\n in: %s %d %s %q %q\nout: %s %d %s %q %q", i,
				a.Member, a.Seq, a.Kind, a.Ident, truncate(a.Body), b.Member, b.Seq, b.Kind, b.Ident, truncate(b.Body))
		}
	}
}

func truncate(b []byte) []byte {
	if len(b) > 300 {
		return b[:300]
	}
	return b
}
