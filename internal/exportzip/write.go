package exportzip

import (
	"archive/zip"
	"fmt"
	"io"
	"strings"
	"time"
)

// File is one entry of a zip to write. Its content is produced by Write, so
// large files stream into the archive instead of being held in memory.
type File struct {
	Name     string                  // entry name at the root of the zip
	Modified time.Time               // entry time; zero writes the zip epoch (1980-01-01)
	Write    func(w io.Writer) error // writes the entry's content
}

// Bytes returns a File whose content is b.
func Bytes(name string, modified time.Time, b []byte) File {
	return File{Name: name, Modified: modified, Write: func(w io.Writer) error {
		_, err := w.Write(b)
		return err
	}}
}

// dosEpoch is the earliest time a zip entry can carry. archive/zip writes a
// zero Modified as an invalid date, which some unzip tools reject.
var dosEpoch = time.Date(1980, 1, 1, 0, 0, 0, 0, time.UTC)

// Write writes files as a zip in the layout of a platform export: every
// entry at the root, deflated, with no directory entries. Names must be
// plain file names, unique regardless of case, because Read refuses
// anything else and an export must always import again.
func Write(w io.Writer, files []File) error {
	seen := make(map[string]bool, len(files))
	for _, f := range files {
		if err := checkName(f.Name); err != nil {
			return err
		}
		key := strings.ToLower(f.Name)
		if seen[key] {
			return fmt.Errorf("exportzip: %q is named twice", f.Name)
		}
		seen[key] = true
	}
	zw := zip.NewWriter(w)
	for _, f := range files {
		fh := &zip.FileHeader{Name: f.Name, Method: zip.Deflate, Modified: f.Modified.UTC()}
		if f.Modified.IsZero() || f.Modified.Before(dosEpoch) {
			fh.Modified = dosEpoch
		}
		fh.SetMode(0o644)
		ew, err := zw.CreateHeader(fh)
		if err != nil {
			return fmt.Errorf("exportzip: %s: %w", f.Name, err)
		}
		if f.Write != nil {
			if err := f.Write(ew); err != nil {
				return fmt.Errorf("exportzip: %s: %w", f.Name, err)
			}
		}
	}
	return zw.Close()
}

// checkName accepts a plain file name: no folders, no dot-only or hidden
// names (Read skips dot files), nothing a file system would reinterpret.
func checkName(name string) error {
	switch {
	case name == "", name == ".", name == "..":
		return fmt.Errorf("exportzip: invalid entry name %q", name)
	case strings.ContainsAny(name, "/\\\x00"):
		return fmt.Errorf("exportzip: entry name %q is not a plain file name", name)
	case strings.HasPrefix(name, "."):
		return fmt.Errorf("exportzip: entry name %q is hidden", name)
	case len(name) > 1 && name[1] == ':':
		return fmt.Errorf("exportzip: entry name %q has a drive letter", name)
	}
	return nil
}
