package exportdir

import (
	"bytes"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// Write puts the unpacked layout of e into dir: files whose bytes changed
// are rewritten, files the layout no longer has are removed, and nothing
// outside the layout's own names (.git, a README) is touched, so writing
// an unchanged export again changes nothing. config.json holds the
// environment variables' values: it is written with mode 0600. Write
// refuses a dir that holds a packed export (botDefinition.json), or the
// layout's folders without its bot.json (something else lives there).
func Write(dir string, e *Export) error {
	t, err := Build(e)
	if err != nil {
		return err
	}
	return t.Sync(dir)
}

// Sync writes the tree into dir (see Write).
func (t Tree) Sync(dir string) error {
	entries, err := os.ReadDir(dir)
	if err != nil && !os.IsNotExist(err) {
		return err
	}
	owned := managed()
	if len(entries) > 0 && !Is(dir) {
		for _, e := range entries {
			if strings.EqualFold(e.Name(), "botDefinition.json") {
				return fmt.Errorf("%s holds a packed export (botDefinition.json): give an empty folder or an unpacked export", dir)
			}
			if slices.Contains(owned, e.Name()) {
				return fmt.Errorf("%s has %s but no %s of an unpacked export: not writing over it", dir, e.Name(), FileTop)
			}
		}
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	// Remove what the layout no longer has, inside its own names only.
	for _, name := range owned {
		root := filepath.Join(dir, name)
		err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				if os.IsNotExist(err) {
					return nil
				}
				return err
			}
			rel, _ := filepath.Rel(dir, p)
			rel = filepath.ToSlash(rel)
			if d.IsDir() {
				if p == root {
					return nil
				}
				// The layout has no nested folders.
				if err := os.RemoveAll(p); err != nil {
					return err
				}
				return filepath.SkipDir
			}
			if _, ok := t[rel]; !ok {
				return os.Remove(p)
			}
			return nil
		})
		if err != nil {
			return err
		}
	}
	paths := make([]string, 0, len(t))
	for p := range t {
		paths = append(paths, p)
	}
	slices.Sort(paths)
	for _, p := range paths {
		if err := writeFile(filepath.Join(dir, filepath.FromSlash(p)), t[p], mode(p)); err != nil {
			return err
		}
	}
	for _, name := range owned { // folders left empty
		p := filepath.Join(dir, name)
		if es, err := os.ReadDir(p); err == nil && len(es) == 0 {
			_ = os.Remove(p)
		}
	}
	return nil
}

// mode is a file's permission: config.json holds secrets.
func mode(path string) fs.FileMode {
	if path == FileConfig {
		return 0o600
	}
	return 0o644
}

// writeFile writes data to path unless the file holds it already, through
// a temporary file renamed into place.
func writeFile(path string, data []byte, perm fs.FileMode) error {
	if old, err := os.ReadFile(path); err == nil && bytes.Equal(old, data) {
		if fi, err := os.Stat(path); err == nil && fi.Mode().Perm() == perm {
			return nil
		}
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".botport-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Chmod(perm); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}
