// Package bundle is one upload's files, wherever they come from (uploaded
// blobs, an export zip, a local folder), and the check of the whole upload
// that both the import pipeline and `botport validate` run: parse both JSON
// files as streams, look at the icon and the scripts, validate the
// cross-references and locate every problem.
package bundle

import (
	"archive/zip"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/botport/botport/internal/botdef"
	"github.com/botport/botport/internal/exportdir"
	"github.com/botport/botport/internal/exportzip"
)

// Source is one file: the name problems cite, its size (as stored or
// declared, checked against the bounds before anything is read) and a way
// to read it from its start, as often as needed.
type Source struct {
	Name string
	Size int64
	Open func() (io.ReadCloser, error)
}

// Bundle is the files of one upload.
type Bundle struct {
	Definition Source
	Config     Source
	Icon       *Source
	Functions  []Source
	Ignored    []string // files of a zip that are not part of an export
	closer     func() error
	// origin, for an unpacked folder, maps a pointer into the assembled
	// definition to the folder's own file (exportdir.Export.Origin).
	origin func(pointer string) (file, ptr string, line, col int)
}

// Close releases what reading the bundle holds open.
func (b *Bundle) Close() error {
	if b.closer != nil {
		return b.closer()
	}
	return nil
}

// Error is a problem with the upload itself (a damaged zip, a missing
// file), phrased for the user.
type Error struct{ Msg string }

func (e *Error) Error() string { return e.Msg }

// AsError returns the *Error an error describes, turning exportzip's refusals
// into one.
func AsError(err error) (*Error, bool) {
	var be *Error
	if errors.As(err, &be) {
		return be, true
	}
	var ze *exportzip.Error
	if errors.As(err, &ze) {
		return &Error{ze.Msg}, true
	}
	var de *exportdir.Error
	if errors.As(err, &de) {
		return &Error{de.Msg}, true
	}
	return nil, false
}

// FromZip reads an export zip. The entries are read through ra as they are
// opened, so the bundle owns ra: when ra is an io.Closer, the bundle's
// Close closes it.
func FromZip(ra io.ReaderAt, size int64, lim exportzip.Limits) (*Bundle, error) {
	z, err := exportzip.Read(ra, size, lim)
	if err != nil {
		return nil, err
	}
	b := &Bundle{Ignored: z.Ignored}
	if c, ok := ra.(io.Closer); ok {
		b.closer = c.Close
	}
	entry := func(name string, f *zip.File) Source {
		// Declared sizes: archive/zip refuses an entry whose data outrun it.
		return Source{Name: name, Size: int64(min(f.UncompressedSize64, 1<<62)), Open: func() (io.ReadCloser, error) { return exportzip.Open(f) }}
	}
	b.Definition = entry(z.Definition.Name, z.Definition)
	b.Config = entry(z.Config.Name, z.Config)
	if z.Icon != nil {
		icon := entry(z.Icon.Name, z.Icon)
		b.Icon = &icon
	}
	for _, f := range z.Functions {
		b.Functions = append(b.Functions, entry(path.Base(f.Name), f))
	}
	return b, nil
}

// FromPath reads a local export: a folder with botDefinition.json,
// config.json, an optional icon.png and *.js scripts, a folder holding an
// unpacked export (exportdir), or an export zip.
func FromPath(p string, lim exportzip.Limits) (*Bundle, error) {
	fi, err := os.Stat(p)
	if err != nil {
		return nil, err
	}
	if !fi.IsDir() {
		f, err := os.Open(p)
		if err != nil {
			return nil, err
		}
		var magic [4]byte
		if n, _ := f.ReadAt(magic[:], 0); n < 4 || string(magic[:]) != "PK\x03\x04" && string(magic[:]) != "PK\x05\x06" {
			// Not a zip: a definition file on its own (config.json unchecked).
			f.Close()
			return &Bundle{Definition: Source{Name: filepath.Base(p), Size: fi.Size(), Open: func() (io.ReadCloser, error) { return os.Open(p) }}}, nil
		}
		b, err := FromZip(f, fi.Size(), lim)
		if err != nil {
			f.Close()
			return nil, err
		}
		b.closer = f.Close
		return b, nil
	}
	if exportdir.Is(p) {
		e, err := exportdir.Read(p)
		if err != nil {
			return nil, err
		}
		return FromExport(e), nil
	}
	entries, err := os.ReadDir(p)
	if err != nil {
		return nil, err
	}
	b := &Bundle{}
	file := func(name string, size int64) Source {
		full := filepath.Join(p, name)
		return Source{Name: name, Size: size, Open: func() (io.ReadCloser, error) { return os.Open(full) }}
	}
	for _, e := range entries {
		if e.IsDir() {
			continue
		}
		info, err := e.Info()
		if err != nil {
			return nil, err
		}
		size := info.Size()
		switch lower := strings.ToLower(e.Name()); {
		case lower == "botdefinition.json":
			b.Definition = file(e.Name(), size)
		case lower == "config.json":
			b.Config = file(e.Name(), size)
		case lower == "icon.png":
			s := file(e.Name(), size)
			b.Icon = &s
		case strings.HasSuffix(lower, ".js"):
			b.Functions = append(b.Functions, file(e.Name(), size))
		}
	}
	if b.Definition.Open == nil {
		return nil, &Error{"the folder " + p + " has no botDefinition.json"}
	}
	if b.Config.Open == nil {
		return nil, &Error{"the folder " + p + " has no config.json"}
	}
	return b, nil
}

// FromExport is the bundle of an export held in memory, such as the one
// an unpacked folder assembles into.
func FromExport(e *exportdir.Export) *Bundle {
	mem := func(name string, data []byte) Source {
		return Source{Name: name, Size: int64(len(data)), Open: func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(data)), nil }}
	}
	b := &Bundle{Definition: mem(botdef.FileDefinition, e.Definition), Config: mem(botdef.FileConfig, e.Config), origin: e.Origin}
	if e.Icon != nil {
		icon := mem(botdef.FileIcon, e.Icon)
		b.Icon = &icon
	}
	for _, f := range e.Functions {
		b.Functions = append(b.Functions, mem(f.Name, f.Data))
	}
	return b
}

// Options tune Check.
type Options struct {
	MaxProblems int // per severity (default 100)
	// MaxTotal bounds the bytes of all the upload's files together
	// (default DefaultMaxTotal; negative: no bound).
	MaxTotal int64
	// Target, when set, gives what an incremental import's target bot
	// contributes to reference checks.
	Target func() (*botdef.Target, error)
	// Parsed, when set, is called once every file is parsed, before
	// validation; its error ends Check (the importer's crash-test seam).
	Parsed func() error
}

// Result is what Check learned.
type Result struct {
	Definition   *botdef.Definition
	Config       *botdef.Config
	Errors       []*botdef.Problem
	Warnings     []*botdef.Problem
	ErrorCount   int
	WarningCount int
	IconID       string // 24 hex of the icon's SHA-256, when there is an icon
	Records      int    // records emitted
}

// OK reports whether the upload can be imported.
func (r *Result) OK() bool { return r.ErrorCount == 0 }

// Summary is the one-line description of the first error and the count.
func (r *Result) Summary() string { return botdef.Summary(r.Errors, r.ErrorCount) }

// pngMagic starts every PNG file.
var pngMagic = []byte("\x89PNG\r\n\x1a\n")

// Check reads and validates the whole bundle, calling emit with every record
// (config, definition, icon) in order. Content problems are in the result;
// the error is for failures of a reader (a *Error when the upload itself is
// at fault) or of emit.
func Check(b *Bundle, emit func(*botdef.Record) error, opts Options) (*Result, error) {
	if opts.MaxProblems <= 0 {
		opts.MaxProblems = 100
	}
	if opts.MaxTotal == 0 {
		opts.MaxTotal = DefaultMaxTotal
	}
	ps := &botdef.Problems{Max: opts.MaxProblems}
	res := &Result{}
	if checkBounds(b, opts.MaxTotal, ps) {
		res.finish(ps)
		return res, nil
	}
	count := func(r *botdef.Record) error {
		res.Records++
		return emit(r)
	}
	parse := func(s Source, fn func(io.Reader) error) error {
		rc, err := s.Open()
		if err != nil {
			return err
		}
		defer rc.Close()
		return fn(rc)
	}
	if b.Config.Open != nil { // a definition checked on its own has none
		err := parse(b.Config, func(r io.Reader) (err error) {
			res.Config, err = botdef.ParseConfig(r, count, ps)
			return err
		})
		if err != nil {
			return nil, err
		}
	}
	err := parse(b.Definition, func(r io.Reader) (err error) {
		res.Definition, err = botdef.ParseDefinition(r, count, ps, botdef.Options{MaxProblems: opts.MaxProblems})
		return err
	})
	if err != nil {
		return nil, err
	}
	if b.Icon != nil {
		data, err := readBounded(*b.Icon, botdef.MaxIcon)
		if err != nil {
			return nil, err
		}
		if !bytes.HasPrefix(data, pngMagic) {
			// Real exports carry damaged icons (code-review-bot): keep the bytes.
			ps.Add(&botdef.Problem{File: b.Icon.Name, Code: "icon_not_png", Severity: botdef.Warning,
				Message: "the icon is not a PNG image; it is kept as uploaded"})
		}
		sum := sha256.Sum256(data)
		res.IconID = hex.EncodeToString(sum[:12])
		if err := count(&botdef.Record{File: botdef.FileIcon, Kind: botdef.KindIcon, Ident: "icon", Name: botdef.FileIcon, Body: data}); err != nil {
			return nil, err
		}
	}
	for _, f := range b.Functions { // one at a time, in small pieces
		ok, err := validText(f, botdef.MaxScript)
		if err != nil {
			return nil, err
		}
		if !ok {
			ps.Add(&botdef.Problem{File: f.Name, Code: "not_text", Message: "the bot functions file is not UTF-8 text"})
		}
	}
	if opts.Parsed != nil {
		if err := opts.Parsed(); err != nil {
			return nil, err
		}
	}
	if ps.ErrorCount() == 0 {
		var target *botdef.Target
		if opts.Target != nil {
			if target, err = opts.Target(); err != nil {
				return nil, err
			}
		}
		botdef.Validate(res.Definition, res.Config, ps, target)
	}
	for _, name := range b.Ignored {
		ps.Add(&botdef.Problem{File: name, Code: "ignored_file", Severity: botdef.Warning,
			Message: "the zip entry " + name + " is not part of an export and was ignored"})
	}
	all := append(append([]*botdef.Problem{}, ps.Errors()...), ps.Warnings()...)
	if err := botdef.Locate(botdef.FileDefinition, all, b.Definition.Open); err != nil {
		return nil, err
	}
	if b.Config.Open != nil {
		if err := botdef.Locate(botdef.FileConfig, all, b.Config.Open); err != nil {
			return nil, err
		}
	}
	for _, p := range all { // problems cite the upload's own names (zip entry paths, an unpacked folder's files)
		if p.File == botdef.FileDefinition && b.origin != nil {
			if file, ptr, line, col := b.origin(p.Pointer); file != "" {
				p.File, p.Pointer, p.Line, p.Column = file, ptr, line, col
				continue
			}
		}
		switch p.File {
		case botdef.FileDefinition:
			p.File = b.Definition.Name
		case botdef.FileConfig:
			p.File = b.Config.Name
		}
	}
	res.finish(ps)
	return res, nil
}

// finish takes the problems found, bounded for a status document
// (botdef.Bound): every string clipped, and no more than
// botdef.ProblemBytes of them listed; the counts keep them all.
func (r *Result) finish(ps *botdef.Problems) {
	var left int
	r.Errors, left = botdef.Bound(ps.Errors(), botdef.ProblemBytes)
	r.Warnings, _ = botdef.Bound(ps.Warnings(), left)
	r.ErrorCount, r.WarningCount = ps.ErrorCount(), ps.WarningCount()
}
