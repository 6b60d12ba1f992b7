// Package demo bundles a real Kore.ai export (Demobot1, with its 116
// utterances and one environment variable) for `botport demo`, so the demo
// needs nothing but the binary.
package demo

import (
	"embed"
	"io/fs"
	"os"
	"path/filepath"
)

//go:embed demobot1
var files embed.FS

// Name is the bundled bot's name.
const Name = "Demobot1"

// WriteTo writes the export's files into dir and returns the folder.
func WriteTo(dir string) (string, error) {
	out := filepath.Join(dir, "demobot1")
	if err := os.MkdirAll(out, 0o755); err != nil {
		return "", err
	}
	err := fs.WalkDir(files, "demobot1", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := files.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(out, d.Name()), b, 0o644)
	})
	return out, err
}
