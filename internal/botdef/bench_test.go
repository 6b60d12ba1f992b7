package botdef_test

import (
	"bytes"
	"encoding/json"
	"os"
	"testing"

	"github.com/botport/botport/internal/botdef"
	"github.com/botport/botport/internal/fixture"
)

// benchFixtures run from a small export to the largest real one.
var benchFixtures = []string{"demobot1-full", "vaidyah", "vaxie"}

// BenchmarkParseDefinition measures the streaming parse of
// botDefinition.json into records (the records are dropped, as a writer
// that costs nothing would take them); MB/s is of the file.
//
//	go test ./internal/botdef -run '^$' -bench . -count 6 | benchstat -
func BenchmarkParseDefinition(b *testing.B) {
	for _, name := range benchFixtures {
		b.Run(name, func(b *testing.B) {
			data := readDefinition(b, name)
			b.SetBytes(int64(len(data)))
			for b.Loop() {
				var ps botdef.Problems
				if _, err := botdef.ParseDefinition(bytes.NewReader(data), func(*botdef.Record) error { return nil }, &ps, botdef.Options{}); err != nil || ps.ErrorCount() > 0 {
					b.Fatalf("parse: %v %v", err, ps.Errors())
				}
			}
		})
	}
}

// BenchmarkDecodeStd is the baseline for BenchmarkParseDefinition: the
// standard library decoding the same file into an interface value (no
// records, no facts, no positions).
func BenchmarkDecodeStd(b *testing.B) {
	for _, name := range benchFixtures {
		b.Run(name, func(b *testing.B) {
			data := readDefinition(b, name)
			b.SetBytes(int64(len(data)))
			for b.Loop() {
				var v any
				if err := json.Unmarshal(data, &v); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkValidate measures the cross-reference checks of a parsed
// definition and its config; ns/record is per record the parse emitted
// (a dialog, a component, a chunk of utterances...).
func BenchmarkValidate(b *testing.B) {
	for _, name := range benchFixtures {
		b.Run(name, func(b *testing.B) {
			data := readDefinition(b, name)
			cfg, err := os.ReadFile(fixture.Get(b, name).File(botdef.FileConfig))
			if err != nil {
				b.Fatal(err)
			}
			records := 0
			var ps botdef.Problems
			d, err := botdef.ParseDefinition(bytes.NewReader(data), func(*botdef.Record) error { records++; return nil }, &ps, botdef.Options{})
			if err != nil {
				b.Fatal(err)
			}
			c, err := botdef.ParseConfig(bytes.NewReader(cfg), func(*botdef.Record) error { return nil }, &ps)
			if err != nil || ps.ErrorCount() > 0 {
				b.Fatalf("parse: %v %v", err, ps.Errors())
			}
			for b.Loop() {
				var vs botdef.Problems
				botdef.Validate(d, c, &vs, nil)
				if vs.ErrorCount() > 0 {
					b.Fatalf("validate: %v", vs.Errors()[0])
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(records), "ns/record")
		})
	}
}

func readDefinition(b *testing.B, name string) []byte {
	data, err := os.ReadFile(fixture.Get(b, name).File(botdef.FileDefinition))
	if err != nil {
		b.Fatal(err)
	}
	return data
}
