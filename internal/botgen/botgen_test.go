package botgen_test

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/botport/botport/internal/botdef"
	"github.com/botport/botport/internal/botgen"
)

// TestGeneratedExportIsValid: a generated export is what the platform
// writes (JSON.stringify indentation, so it rebuilds byte for byte) and
// passes validation with no problem at all.
func TestGeneratedExportIsValid(t *testing.T) {
	dir := t.TempDir()
	spec := botgen.Spec{Dialogs: 7, Utterances: 2500, FAQs: 5, Seed: 42}
	if err := botgen.WriteDir(dir, spec); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(dir, "botDefinition.json"))
	if err != nil {
		t.Fatal(err)
	}
	var any map[string]any
	if err := json.Unmarshal(b, &any); err != nil {
		t.Fatalf("not JSON: %v", err)
	}
	recs := map[string][]*botdef.Record{}
	var ps botdef.Problems
	d, err := botdef.ParseDefinition(bytes.NewReader(b), func(r *botdef.Record) error { recs[r.Member] = append(recs[r.Member], r); return nil }, &ps, botdef.Options{})
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := os.ReadFile(filepath.Join(dir, "config.json"))
	if err != nil {
		t.Fatal(err)
	}
	c, err := botdef.ParseConfig(bytes.NewReader(cfg), func(*botdef.Record) error { return nil }, &ps)
	if err != nil {
		t.Fatal(err)
	}
	botdef.Validate(d, c, &ps, nil)
	if ps.ErrorCount()+ps.WarningCount() != 0 {
		all := append(ps.Errors(), ps.Warnings()...)
		t.Fatalf("%d problems, first: %v", len(all), all[0])
	}
	if len(d.Dialogs) != 7 || d.Counts[botdef.KindUtterances] != 2500 {
		t.Errorf("dialogs %d, utterances %d", len(d.Dialogs), d.Counts[botdef.KindUtterances])
	}
	var out bytes.Buffer
	if err := botdef.WriteFile(&out, d.Members, func(m string, fn func(*botdef.Record) error) error {
		for _, r := range recs[m] {
			if err := fn(r); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(out.Bytes(), b) {
		t.Errorf("a generated export does not rebuild byte for byte: it is not formatted as the platform formats exports")
	}
	var again bytes.Buffer
	botgen.Write(&again, spec)
	if !bytes.Equal(again.Bytes(), b) {
		t.Errorf("the same seed gave different bytes")
	}
}
