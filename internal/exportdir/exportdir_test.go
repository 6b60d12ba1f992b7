package exportdir_test

import (
	"bytes"
	"errors"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/botport/botport/internal/diff"
	"github.com/botport/botport/internal/exportdir"
	"github.com/botport/botport/internal/fixture"
)

func load(t *testing.T, e fixture.Export) *exportdir.Export {
	t.Helper()
	read := func(name string) []byte {
		b, err := os.ReadFile(e.File(name))
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	return &exportdir.Export{Definition: read("botDefinition.json"), Config: read("config.json"), Icon: read("icon.png")}
}

func bot(t *testing.T, e *exportdir.Export) *diff.Bot {
	t.Helper()
	fns := map[string][]byte{}
	for _, f := range e.Functions {
		fns[f.Name] = f.Data
	}
	b, err := diff.Parse(bytes.NewReader(e.Definition), bytes.NewReader(e.Config), e.Icon, fns)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// tree reads every file under dir, by slash path.
func tree(t *testing.T, dir string) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		out[filepath.ToSlash(rel)], err = os.ReadFile(p)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestRoundTrip writes every fixture unpacked and reads it back: the
// assembled export means the same (equal fingerprints, an empty diff), and
// unpacking it again gives the same tree byte for byte.
func TestRoundTrip(t *testing.T) {
	for _, fx := range fixture.Exports(t) {
		t.Run(fx.Name, func(t *testing.T) {
			orig := load(t, fx)
			orig.Functions = []exportdir.File{{Name: "Helpers.js", Data: []byte("function a() { return 1; }\n")}}
			dir := filepath.Join(t.TempDir(), "bot")
			if err := exportdir.Write(dir, orig); err != nil {
				t.Fatal(err)
			}
			first := tree(t, dir)
			back, err := exportdir.Read(dir)
			if err != nil {
				t.Fatal(err)
			}
			a, b := bot(t, orig), bot(t, back)
			if fa, fb := a.Fingerprint(diff.Options{}), b.Fingerprint(diff.Options{}); fa != fb {
				t.Errorf("fingerprint %s after the round trip, %s before", fb, fa)
			}
			if r := diff.Compare(a, b, diff.Options{}); !r.Equal() {
				t.Errorf("the round trip changed: %+v", r.Changes)
			}
			again := filepath.Join(t.TempDir(), "again")
			if err := exportdir.Write(again, back); err != nil {
				t.Fatal(err)
			}
			if second := tree(t, again); !maps.EqualFunc(first, second, bytes.Equal) {
				t.Errorf("unpacking the assembled export gives another tree (%d files, %d before)", len(second), len(first))
			}
			if !bytes.Equal(first["icon.png"], orig.Icon) || !bytes.Equal(first["functions/Helpers.js"], orig.Functions[0].Data) {
				t.Errorf("icon or functions file changed")
			}
			if fi, err := os.Stat(filepath.Join(dir, "config.json")); err != nil || fi.Mode().Perm() != 0o600 {
				t.Errorf("config.json mode: %v %v", fi.Mode(), err)
			}
		})
	}
}

// TestLayout pins what goes where for one fixture.
func TestLayout(t *testing.T) {
	dir := t.TempDir()
	if err := exportdir.Write(dir, load(t, fixture.Get(t, "demobot1-all"))); err != nil {
		t.Fatal(err)
	}
	files := slices.Sorted(maps.Keys(tree(t, dir)))
	for _, want := range []string{"bot.json", "config.json", "icon.png", "dialogs/PayBill.json", "components/Service0001.json",
		"definition/localeData.json", "definition/botEvents.json", "definition/patterns.json", "utterances/PayBill.json"} {
		if !slices.Contains(files, want) {
			t.Errorf("no %s in %v", want, files)
		}
	}
	top, _ := os.ReadFile(filepath.Join(dir, "bot.json"))
	if !strings.Contains(string(top), `"format": "botport-unpacked-export/1"`) || strings.Contains(string(top), `"dialogs"`) == false {
		t.Errorf("bot.json: %s", top)
	}
	if !exportdir.Is(dir) || exportdir.Is(fixture.Get(t, "demobot1-all").Dir) {
		t.Errorf("Is")
	}
}

// TestScripts: a script component's code becomes a .js file, decoded, and
// comes back exactly, encoded or not.
func TestScripts(t *testing.T) {
	fx := load(t, fixture.Get(t, "candy-education"))
	dir := t.TempDir()
	if err := exportdir.Write(dir, fx); err != nil {
		t.Fatal(err)
	}
	js, _ := filepath.Glob(filepath.Join(dir, "scripts", "*.js"))
	if len(js) == 0 {
		t.Fatal("no scripts written")
	}
	code, _ := os.ReadFile(js[0])
	if bytes.Contains(code, []byte("%20")) && !bytes.Contains(code, []byte(" ")) {
		t.Errorf("%s looks still encoded: %.80s", js[0], code)
	}
	back, err := exportdir.Read(dir)
	if err != nil {
		t.Fatal(err)
	}
	if r := diff.Compare(bot(t, fx), bot(t, back), diff.Options{}); !r.Equal() {
		t.Errorf("scripts changed: %+v", r.Changes)
	}
}

// TestRefusals: the reader refuses what it would otherwise ignore or lose,
// and Write does not write over what is not an unpacked export.
func TestRefusals(t *testing.T) {
	orig := load(t, fixture.Get(t, "candy-education"))
	fresh := func(t *testing.T) string {
		dir := t.TempDir()
		if err := exportdir.Write(dir, orig); err != nil {
			t.Fatal(err)
		}
		return dir
	}
	var le *exportdir.Error
	for _, tc := range []struct {
		name   string
		change func(dir string) error
		want   string
	}{
		{"stray dialog file", func(dir string) error {
			return os.WriteFile(filepath.Join(dir, "dialogs", "notes.txt"), []byte("x"), 0o644)
		}, "only .json files"},
		{"stray script", func(dir string) error {
			return os.WriteFile(filepath.Join(dir, "scripts", "Orphan.js"), []byte("x"), 0o644)
		}, "scripts/Orphan.js is not part of the export"},
		{"missing script", func(dir string) error {
			js, _ := filepath.Glob(filepath.Join(dir, "scripts", "*.js"))
			return os.Remove(js[0])
		}, "does not exist"},
		{"missing member file", func(dir string) error {
			return os.Remove(filepath.Join(dir, "definition", "localeData.json"))
		}, `member "localeData"`},
		{"broken JSON", func(dir string) error {
			return os.WriteFile(filepath.Join(dir, "definition", "botEvents.json"), []byte("{"), 0o644)
		}, "botEvents.json: not JSON"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := fresh(t)
			if err := tc.change(dir); err != nil {
				t.Fatal(err)
			}
			_, err := exportdir.Read(dir)
			if !errors.As(err, &le) || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("Read: %v, want an *Error with %q", err, tc.want)
			}
		})
	}
	packed := t.TempDir()
	os.WriteFile(filepath.Join(packed, "botDefinition.json"), []byte("{}"), 0o644)
	if err := exportdir.Write(packed, orig); err == nil || !strings.Contains(err.Error(), "packed export") {
		t.Errorf("Write over a packed export: %v", err)
	}
	other := t.TempDir()
	os.Mkdir(filepath.Join(other, "dialogs"), 0o755)
	if err := exportdir.Write(other, orig); err == nil {
		t.Errorf("Write over a folder with dialogs/ but no bot.json succeeded")
	}
}

// TestRewrite: writing over an earlier export removes what is gone and
// keeps what is not the layout's.
func TestRewrite(t *testing.T) {
	dir := t.TempDir()
	if err := exportdir.Write(dir, load(t, fixture.Get(t, "vaxie"))); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(dir, "README.md"), []byte("mine"), 0o644)
	os.Mkdir(filepath.Join(dir, ".git"), 0o755)
	if err := exportdir.Write(dir, load(t, fixture.Get(t, "demobot1-full"))); err != nil {
		t.Fatal(err)
	}
	want := t.TempDir()
	if err := exportdir.Write(want, load(t, fixture.Get(t, "demobot1-full"))); err != nil {
		t.Fatal(err)
	}
	got := tree(t, dir)
	if string(got["README.md"]) != "mine" {
		t.Errorf("README.md was touched")
	}
	delete(got, "README.md")
	if w := tree(t, want); !maps.EqualFunc(got, w, bytes.Equal) {
		t.Errorf("rewriting left %d files, a fresh write has %d", len(got), len(w))
	}
}
