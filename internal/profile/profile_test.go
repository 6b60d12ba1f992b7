package profile_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/botport/botport/internal/profile"
)

func TestCheckName(t *testing.T) {
	for name, ok := range map[string]bool{"prod": true, "dev-eu.1": true, "A_b": true, "": false, "a:b": false, "a b": false,
		"a@b": false, "a/b": false, strings.Repeat("x", 65): false} {
		if err := profile.CheckName(name); (err == nil) != ok || err != nil && !errors.Is(err, profile.ErrName) {
			t.Errorf("CheckName(%q) = %v", name, err)
		}
	}
}

// TestFlatFormat: the file's first format (flat host, app, secret,
// algorithm) reads as the connection without a profile, and survives a
// save beside the profiles, as do members botport does not know.
func TestFlatFormat(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sub", "config.json")
	if _, err := profile.Load(path); !profile.Missing(err) {
		t.Fatalf("Load of a missing file: %v", err)
	}
	os.MkdirAll(filepath.Dir(path), 0o755)
	if err := os.WriteFile(path, []byte(`{"host":"h","app":"cs-1","secret":"s","algorithm":"HS512","theme":{"x":1}}`), 0o644); err != nil {
		t.Fatal(err)
	}
	f, err := profile.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if f.Host != "h" || f.App != "cs-1" || f.Secret != "s" || f.Algorithm != "HS512" || len(f.Profiles) != 0 {
		t.Fatalf("loaded %+v", f)
	}
	f.Profiles["prod"] = profile.Profile{Host: "p", App: "cs-2", Secret: "t"}
	if err := f.Save(path); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("mode after save: %v %v", fi.Mode(), err)
	}
	g, err := profile.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if g.Host != "h" || g.Secret != "s" || g.Profiles["prod"].App != "cs-2" || strings.Join(g.Names(), ",") != "prod" {
		t.Errorf("reloaded %+v", g)
	}
	b, _ := os.ReadFile(path)
	if !strings.Contains(string(b), `"theme"`) {
		t.Errorf("an unknown member was lost:\n%s", b)
	}
	if err := os.WriteFile(path, []byte(`{"profiles": 3}`), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := profile.Load(path); err == nil || !strings.Contains(err.Error(), path) {
		t.Errorf("a malformed file: %v", err)
	}
}
