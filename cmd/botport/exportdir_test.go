package main

import (
	"bytes"
	"encoding/json"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/botport/botport/internal/diff"
	"github.com/botport/botport/internal/fixture"
)

// dirTree reads every file under dir, by slash path.
func dirTree(t *testing.T, dir string) map[string][]byte {
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

// fingerprintOf is the semantic fingerprint of an export folder's or zip's
// botDefinition.json, config.json and icon.
func fingerprintOf(t *testing.T, files map[string][]byte) string {
	t.Helper()
	b, err := diff.Parse(bytes.NewReader(files["botDefinition.json"]), bytes.NewReader(files["config.json"]), files["icon.png"], nil)
	if err != nil {
		t.Fatal(err)
	}
	return b.Fingerprint(diff.Options{})
}

// TestExportDirRoundTrip: for every shared fixture, a bot exported with
// --dir twice gives byte-identical trees; the folder validates; imported
// as a new bot and exported again, it has the fixture's semantic
// fingerprint, and diff finds nothing between the two.
func TestExportDirRoundTrip(t *testing.T) {
	ts := startServer(t)
	c := ts.client()
	for _, fx := range fixture.Exports(t) {
		t.Run(fx.Name, func(t *testing.T) {
			start, err := c.ImportNew(t.Context(), uploadExport(t, c, fx))
			if err != nil {
				t.Fatal(err)
			}
			st := wait(t, c, start.ID)
			if st.Status != "success" {
				t.Fatalf("import: %s %s", st.Status, st.Message)
			}
			cli := func(args ...string) string {
				t.Helper()
				out, errOut, code := runCLI(t, ts, args...)
				if code != 0 {
					t.Fatalf("botport %s: exit %d\n%s\n%s", strings.Join(args, " "), code, out, errOut)
				}
				return out
			}
			tmp := t.TempDir()
			d1, d2 := filepath.Join(tmp, "one"), filepath.Join(tmp, "two")
			cli("export", st.StreamID, "--dir", d1, "--interval", "25ms")
			cli("export", st.StreamID, "--dir", d2, "--interval", "25ms")
			one, two := dirTree(t, d1), dirTree(t, d2)
			if !maps.EqualFunc(one, two, bytes.Equal) {
				t.Errorf("two exports of an unchanged bot differ (%d and %d files)", len(one), len(two))
			}
			cli("export", st.StreamID, "--dir", d1, "--interval", "25ms") // over itself: nothing changes
			if again := dirTree(t, d1); !maps.EqualFunc(one, again, bytes.Equal) {
				t.Errorf("exporting over the folder changed it")
			}
			cli("validate", d1)
			var back struct {
				StreamID string `json:"streamId"`
				Status   string `json:"status"`
			}
			if err := json.Unmarshal([]byte(cli("import", d1, "--wait", "--interval", "25ms", "--json")), &back); err != nil || back.Status != "success" {
				t.Fatalf("import of the folder: %v %+v", err, back)
			}
			zipPath := filepath.Join(tmp, "back.zip")
			cli("export", back.StreamID, "-o", zipPath, "--interval", "25ms")
			orig := map[string][]byte{}
			for _, f := range []string{"botDefinition.json", "config.json", "icon.png"} {
				orig[f] = readFile(t, fx.File(f))
			}
			if got, want := fingerprintOf(t, zipFiles(t, zipPath)), fingerprintOf(t, orig); got != want {
				t.Errorf("fingerprint after the round trip %s, the fixture's %s", got, want)
			}
			if out, errOut, code := runCLI(t, ts, "diff", fx.Dir, zipPath); code != 0 {
				t.Errorf("diff of the fixture and the round trip: exit %d\n%s%s", code, out, errOut)
			}
		})
	}
}
