package bundle_test

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/botport/botport/internal/botdef"
	"github.com/botport/botport/internal/bundle"
	"github.com/botport/botport/internal/exportdir"
	"github.com/botport/botport/internal/exportzip"
	"github.com/botport/botport/internal/fixture"
)

// TestUnpackedFolder: an unpacked export validates like the export it
// came from, and a problem in it cites the folder's own file, pointer,
// line and column.
func TestUnpackedFolder(t *testing.T) {
	fx := fixture.Get(t, "demobot1-full")
	read := func(name string) []byte {
		b, err := os.ReadFile(fx.File(name))
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	dir := t.TempDir()
	if err := exportdir.Write(dir, &exportdir.Export{Definition: read("botDefinition.json"), Config: read("config.json"), Icon: read("icon.png")}); err != nil {
		t.Fatal(err)
	}
	check := func() *bundle.Result {
		t.Helper()
		b, err := bundle.FromPath(dir, exportzip.Limits{})
		if err != nil {
			t.Fatal(err)
		}
		defer b.Close()
		res, err := bundle.Check(b, func(*botdef.Record) error { return nil }, bundle.Options{})
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	if res := check(); !res.OK() {
		t.Fatalf("the unpacked fixture does not validate: %v", res.Errors)
	}
	path := filepath.Join(dir, "dialogs", "ViewMyBill.json")
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	re := regexp.MustCompile(`"default": "nd-[^"]+"`)
	loc := re.FindIndex(b)
	if loc == nil {
		t.Fatalf("no transition in %s", path)
	}
	wantLine := 1 + strings.Count(string(b[:loc[0]]), "\n")
	b = append(append(append([]byte{}, b[:loc[0]]...), `"default": "n42"`...), b[loc[1]:]...)
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	res := check()
	if res.OK() || len(res.Errors) != 1 {
		t.Fatalf("errors: %v", res.Errors)
	}
	p := res.Errors[0]
	if p.File != "dialogs/ViewMyBill.json" || !strings.HasPrefix(p.Pointer, "/nodes/") || p.Line != wantLine || p.Column == 0 {
		t.Errorf("problem at %s %s line %d col %d, want dialogs/ViewMyBill.json line %d", p.File, p.Pointer, p.Line, p.Column, wantLine)
	}
}
