// Package exportzip reads and writes the platform's export zip: a
// botDefinition.json, a config.json, an icon and optional bot-functions
// scripts. Reading enforces the layout rules and bounds every size before
// a byte is decompressed.
package exportzip

import (
	"archive/zip"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path"
	"strings"
)

// Limits bound what a zip may hold.
type Limits struct {
	MaxEntries int   // entries, directories included (default 1,000)
	MaxTotal   int64 // declared uncompressed bytes of all files (default 1 GiB)
	MaxRatio   int   // uncompressed:compressed of every file entry (default 200)
}

// MaxName is the longest entry name (its whole path), in bytes.
const MaxName = 1024

// dirBytesPerEntry bounds the central directory's bytes per allowed entry
// (a record is 46 bytes, its name, extra field and comment): archive/zip
// reads the whole directory into memory before any count can be checked,
// so Read refuses a directory past MaxEntries times this.
const dirBytesPerEntry = 4 << 10

func (l Limits) withDefaults() Limits {
	if l.MaxEntries <= 0 {
		l.MaxEntries = 1000
	}
	if l.MaxTotal <= 0 {
		l.MaxTotal = 1 << 30
	}
	if l.MaxRatio <= 0 {
		l.MaxRatio = 200
	}
	return l
}

// Error is a problem with the zip's content, phrased for the user.
type Error struct{ Msg string }

func (e *Error) Error() string { return e.Msg }

func fail(format string, args ...any) error { return &Error{Msg: fmt.Sprintf(format, args...)} }

// Bundle is the parts of an export zip.
type Bundle struct {
	Definition *zip.File
	Config     *zip.File
	Icon       *zip.File   // nil when absent
	Functions  []*zip.File // *.js beside botDefinition.json
	Ignored    []string    // other files, ignored
}

// Read inspects the zip in ra and finds the export's files. Any *Error it
// returns describes a refused zip; other errors come from ra.
func Read(ra io.ReaderAt, size int64, lim Limits) (*Bundle, error) {
	lim = lim.withDefaults()
	// The end record search reads up to 64 KiB; the directory, at most
	// dirBytesPerEntry per allowed entry.
	br := &budgetReaderAt{ra: ra, left: 66<<10 + int64(lim.MaxEntries+1)*dirBytesPerEntry}
	zr, err := zip.NewReader(br, size)
	switch {
	case errors.Is(err, errDirBudget):
		return nil, fail("the zip's directory is larger than %d entries can fill; the limit is %d entries", lim.MaxEntries, lim.MaxEntries)
	case err != nil && !errors.Is(err, zip.ErrInsecurePath): // unsafe names are refused below, precisely
		return nil, fail("the zip file cannot be read: %v", err)
	}
	br.left = -1 // entries' data are bounded by their declared sizes
	if len(zr.File) > lim.MaxEntries {
		return nil, fail("the zip has %d entries; the limit is %d", len(zr.File), lim.MaxEntries)
	}
	type entry struct {
		f     *zip.File
		dir   string // "" at the root, else the top-level folder
		base  string
		lower string
	}
	var files []entry
	var total int64
	seen := map[string]bool{}
	for _, f := range zr.File {
		if len(f.Name) > MaxName {
			return nil, fail("a zip entry name has %d bytes; the limit is %d", len(f.Name), MaxName)
		}
		name := f.Name
		if strings.Contains(name, "\\") {
			name = strings.ReplaceAll(name, "\\", "/")
		}
		if strings.HasPrefix(name, "/") || (len(name) > 1 && name[1] == ':') {
			return nil, fail("the zip entry %q has an absolute path", f.Name)
		}
		for _, seg := range strings.Split(name, "/") {
			if seg == ".." {
				return nil, fail("the zip entry %q leaves the archive (..)", f.Name)
			}
		}
		if f.Mode()&fs.ModeSymlink != 0 {
			return nil, fail("the zip entry %q is a link", f.Name)
		}
		if f.FileInfo().IsDir() || strings.HasSuffix(name, "/") {
			continue
		}
		clean := strings.TrimPrefix(path.Clean(name), "./")
		if strings.HasPrefix(clean, "__MACOSX/") || strings.HasPrefix(path.Base(clean), ".") {
			continue
		}
		key := strings.ToLower(clean)
		if seen[key] {
			return nil, fail("the zip holds %q twice", clean)
		}
		seen[key] = true
		dir, base := path.Split(clean)
		dir = strings.TrimSuffix(dir, "/")
		if strings.Contains(dir, "/") {
			return nil, fail("the zip entry %q is nested too deep: files must be at the root or in one folder", f.Name)
		}
		// Every file counts, used or ignored: a bomb is refused wherever it sits.
		u, c := f.UncompressedSize64, f.CompressedSize64
		total += int64(min(u, 1<<62))
		if total > lim.MaxTotal {
			return nil, fail("the zip's files hold more than %d bytes uncompressed", lim.MaxTotal)
		}
		// Every entry, whatever its size: 200 entries of 1 MiB at 1000:1
		// would otherwise store 200 MiB from a 200 KB upload.
		if u > 0 && (c == 0 || c < 1<<40 && u > uint64(lim.MaxRatio)*c) {
			return nil, fail("the zip entry %q is compressed more than %d:1", f.Name, lim.MaxRatio)
		}
		files = append(files, entry{f: f, dir: dir, base: base, lower: strings.ToLower(base)})
	}
	// The export sits at the root, or inside exactly one top-level folder
	// when the root has no botDefinition.json.
	root := ""
	if !hasAt(files, func(e entry) bool { return e.dir == "" && e.lower == "botdefinition.json" }) {
		var dirs []string
		for _, e := range files {
			if e.lower == "botdefinition.json" && e.dir != "" {
				dirs = append(dirs, e.dir)
			}
		}
		if len(dirs) == 0 {
			return nil, fail("the zip has no botDefinition.json")
		}
		if len(dirs) > 1 {
			return nil, fail("the zip holds %d folders with a botDefinition.json; it must hold one export", len(dirs))
		}
		root = dirs[0]
	}
	b := &Bundle{}
	for _, e := range files {
		if e.dir != root {
			b.Ignored = append(b.Ignored, e.f.Name)
			continue
		}
		switch {
		case e.lower == "botdefinition.json":
			b.Definition = e.f
		case e.lower == "config.json":
			b.Config = e.f
		case e.lower == "icon.png":
			b.Icon = e.f
		case strings.HasSuffix(e.lower, ".js"):
			b.Functions = append(b.Functions, e.f)
		default:
			b.Ignored = append(b.Ignored, e.f.Name)
			continue
		}
	}
	if b.Config == nil {
		return nil, fail("the zip has no config.json")
	}
	return b, nil
}

// errDirBudget ends the reading of a zip directory past its budget.
var errDirBudget = errors.New("exportzip: the zip directory is over its budget")

// budgetReaderAt serves at most left bytes (left < 0: any number).
type budgetReaderAt struct {
	ra   io.ReaderAt
	left int64
}

func (b *budgetReaderAt) ReadAt(p []byte, off int64) (int, error) {
	if b.left >= 0 {
		if int64(len(p)) > b.left {
			return 0, errDirBudget
		}
		b.left -= int64(len(p))
	}
	return b.ra.ReadAt(p, off)
}

func hasAt[E any](es []E, f func(E) bool) bool {
	for _, e := range es {
		if f(e) {
			return true
		}
	}
	return false
}

// Open opens an entry. archive/zip refuses an entry whose data outruns its
// declared size, so the limits checked in Read hold while reading.
func Open(f *zip.File) (io.ReadCloser, error) {
	rc, err := f.Open()
	if err != nil {
		return nil, fail("the zip entry %q cannot be read: %v", f.Name, err)
	}
	return &entryReader{rc: rc, name: f.Name}, nil
}

// entryReader turns decompression faults into *Error.
type entryReader struct {
	rc   io.ReadCloser
	name string
}

func (r *entryReader) Read(p []byte) (int, error) {
	n, err := r.rc.Read(p)
	if err != nil && err != io.EOF {
		err = fail("the zip entry %q is damaged: %v", r.name, err)
	}
	return n, err
}

func (r *entryReader) Close() error { return r.rc.Close() }
