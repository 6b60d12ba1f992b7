package exportzip_test

import (
	"archive/zip"
	"bytes"
	"errors"
	"hash/crc32"
	"io"
	"io/fs"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/botport/botport/internal/exportzip"
)

// entry is one zip entry to write.
type entry struct {
	name    string
	data    []byte
	store   bool        // stored, not deflated
	mode    fs.FileMode // set when non-zero
	rawSize int64       // >0: written raw (stored) with this declared uncompressed size
}

func file(name, data string) entry { return entry{name: name, data: []byte(data)} }

func dir(name string) entry { return entry{name: name, mode: fs.ModeDir | 0o755} }

// buildZip writes entries into an in-memory zip.
func buildZip(t *testing.T, entries ...entry) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, e := range entries {
		fh := &zip.FileHeader{Name: e.name, Method: zip.Deflate}
		if e.store {
			fh.Method = zip.Store
		}
		if e.mode != 0 {
			fh.SetMode(e.mode)
		}
		var w io.Writer
		var err error
		if e.rawSize > 0 {
			fh.Method = zip.Store
			fh.CRC32 = crc32.ChecksumIEEE(e.data)
			fh.CompressedSize64 = uint64(len(e.data))
			fh.UncompressedSize64 = uint64(e.rawSize)
			w, err = zw.CreateRaw(fh)
		} else {
			w, err = zw.CreateHeader(fh)
		}
		if err != nil {
			t.Fatalf("create %q: %v", e.name, err)
		}
		if len(e.data) > 0 {
			if _, err := w.Write(e.data); err != nil {
				t.Fatalf("write %q: %v", e.name, err)
			}
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatalf("close zip: %v", err)
	}
	return buf.Bytes()
}

func read(b []byte, lim exportzip.Limits) (*exportzip.Bundle, error) {
	return exportzip.Read(bytes.NewReader(b), int64(len(b)), lim)
}

const (
	def = `{"name":"bot"}`
	cfg = `{"configurations":{}}`
)

func name(f *zip.File) string {
	if f == nil {
		return ""
	}
	return f.Name
}

func names(fs []*zip.File) []string {
	var out []string
	for _, f := range fs {
		out = append(out, f.Name)
	}
	return out
}

func TestReadAccepts(t *testing.T) {
	zeros := func(n int) []byte { return make([]byte, n) }
	tests := []struct {
		name      string
		entries   []entry
		lim       exportzip.Limits
		def, cfg  string // expected entry names
		icon      string
		functions []string
		ignored   []string
	}{
		{
			name:    "files at the root",
			entries: []entry{file("botDefinition.json", def), file("config.json", cfg), file("icon.png", "PNG")},
			def:     "botDefinition.json", cfg: "config.json", icon: "icon.png",
		},
		{
			name:    "no icon",
			entries: []entry{file("botDefinition.json", def), file("config.json", cfg)},
			def:     "botDefinition.json", cfg: "config.json",
		},
		{
			name: "one top-level folder (re-zipped unpacked export)",
			entries: []entry{
				dir("MyBot/"),
				file("MyBot/botDefinition.json", def),
				file("MyBot/config.json", cfg),
				file("MyBot/icon.png", "PNG"),
			},
			def: "MyBot/botDefinition.json", cfg: "MyBot/config.json", icon: "MyBot/icon.png",
		},
		{
			name: "one folder without directory entry, root file ignored",
			entries: []entry{
				file("README.md", "hello"),
				file("export/botDefinition.json", def),
				file("export/config.json", cfg),
			},
			def: "export/botDefinition.json", cfg: "export/config.json",
			ignored: []string{"README.md"},
		},
		{
			name:    "names matched case-insensitively",
			entries: []entry{file("BotDefinition.JSON", def), file("CONFIG.Json", cfg), file("Icon.png", "PNG"), file("Script.JS", "x")},
			def:     "BotDefinition.JSON", cfg: "CONFIG.Json", icon: "Icon.png", functions: []string{"Script.JS"},
		},
		{
			name:    "folder name matched case-insensitively",
			entries: []entry{file("Bot/botdefinition.json", def), file("Bot/Config.JSON", cfg)},
			def:     "Bot/botdefinition.json", cfg: "Bot/Config.JSON",
		},
		{
			name: "directories, __MACOSX and dot files ignored",
			entries: []entry{
				dir("MyBot/"),
				dir("__MACOSX/"),
				dir("__MACOSX/MyBot/"),
				file("__MACOSX/MyBot/._botDefinition.json", "junk"),
				file("__MACOSX/._MyBot", "junk"),
				file(".DS_Store", "junk"),
				file("MyBot/.DS_Store", "junk"),
				file("MyBot/._config.json", "junk"),
				file("MyBot/botDefinition.json", def),
				file("MyBot/config.json", cfg),
			},
			def: "MyBot/botDefinition.json", cfg: "MyBot/config.json",
		},
		{
			name: "scripts become functions, other files ignored",
			entries: []entry{
				file("botDefinition.json", def), file("config.json", cfg),
				file("functions.js", "module.exports = {}"), file("helpers.js", "//"),
				file("readme.txt", "read me"), file("notes.json", "{}"),
			},
			def: "botDefinition.json", cfg: "config.json",
			functions: []string{"functions.js", "helpers.js"},
			ignored:   []string{"readme.txt", "notes.json"},
		},
		{
			name: "scripts in another folder are not functions",
			entries: []entry{
				file("botDefinition.json", def), file("config.json", cfg),
				file("other/functions.js", "//"),
			},
			def: "botDefinition.json", cfg: "config.json",
			ignored: []string{"other/functions.js"},
		},
		{
			name: "in a folder, scripts beside botDefinition.json",
			entries: []entry{
				file("b/botDefinition.json", def), file("b/config.json", cfg),
				file("b/f.js", "//"), file("b/readme.txt", "r"), file("top.js", "//"),
			},
			def: "b/botDefinition.json", cfg: "b/config.json",
			functions: []string{"b/f.js"},
			ignored:   []string{"b/readme.txt", "top.js"},
		},
		{
			name:    "exactly MaxEntries entries",
			entries: []entry{dir("b/"), file("b/botDefinition.json", def), file("b/config.json", cfg)},
			lim:     exportzip.Limits{MaxEntries: 3},
			def:     "b/botDefinition.json", cfg: "b/config.json",
		},
		{
			name:    "total exactly MaxTotal",
			entries: []entry{file("botDefinition.json", def), file("config.json", cfg)},
			lim:     exportzip.Limits{MaxTotal: int64(len(def) + len(cfg))},
			def:     "botDefinition.json", cfg: "config.json",
		},
		{
			name:    "a small entry under MaxRatio",
			entries: []entry{file("botDefinition.json", def+strings.Repeat(" ", 2000)), file("config.json", cfg)},
			lim:     exportzip.Limits{MaxRatio: 200},
			def:     "botDefinition.json", cfg: "config.json",
		},
		{
			name:    "4 MiB stored (ratio 1:1)",
			entries: []entry{{name: "botDefinition.json", data: zeros(4 << 20), store: true}, file("config.json", cfg)},
			lim:     exportzip.Limits{MaxRatio: 200},
			def:     "botDefinition.json", cfg: "config.json",
		},
		{
			name:    "./ prefix",
			entries: []entry{file("./botDefinition.json", def), file("./config.json", cfg)},
			def:     "./botDefinition.json", cfg: "./config.json",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			b, err := read(buildZip(t, tc.entries...), tc.lim)
			if err != nil {
				t.Fatalf("Read: %v", err)
			}
			if got := name(b.Definition); got != tc.def {
				t.Errorf("Definition = %q, want %q", got, tc.def)
			}
			if got := name(b.Config); got != tc.cfg {
				t.Errorf("Config = %q, want %q", got, tc.cfg)
			}
			if got := name(b.Icon); got != tc.icon {
				t.Errorf("Icon = %q, want %q", got, tc.icon)
			}
			if got := names(b.Functions); !sameSet(got, tc.functions) {
				t.Errorf("Functions = %q, want %q", got, tc.functions)
			}
			if !sameSet(b.Ignored, tc.ignored) {
				t.Errorf("Ignored = %q, want %q", b.Ignored, tc.ignored)
			}
		})
	}
}

func sameSet(a, b []string) bool {
	a, b = slices.Clone(a), slices.Clone(b)
	slices.Sort(a)
	slices.Sort(b)
	return slices.Equal(a, b)
}

func refusalCases(t *testing.T) []struct {
	name string
	zip  []byte
	lim  exportzip.Limits
	want string
} {
	t.Helper()
	ok := []entry{file("botDefinition.json", def), file("config.json", cfg)}
	with := func(extra ...entry) []byte { return buildZip(t, append(slices.Clone(ok), extra...)...) }
	return []struct {
		name string
		zip  []byte
		lim  exportzip.Limits
		want string
	}{
		{"not a zip", []byte("this is not a zip file at all"), exportzip.Limits{}, "cannot be read"},
		{"empty input", nil, exportzip.Limits{}, "cannot be read"},
		{"truncated zip", with()[:40], exportzip.Limits{}, "cannot be read"},
		{"empty zip", buildZip(t), exportzip.Limits{}, "no botDefinition.json"},
		{"missing botDefinition.json", buildZip(t, file("config.json", cfg), file("icon.png", "PNG")), exportzip.Limits{}, "no botDefinition.json"},
		{"botDefinition.json only under __MACOSX", buildZip(t, file("__MACOSX/b/botDefinition.json", def), file("config.json", cfg)), exportzip.Limits{}, "no botDefinition.json"},
		{"botDefinition.json is a directory", buildZip(t, dir("botDefinition.json/"), file("config.json", cfg)), exportzip.Limits{}, "no botDefinition.json"},
		{"missing config.json", buildZip(t, file("botDefinition.json", def)), exportzip.Limits{}, "no config.json"},
		{"config.json in another folder", buildZip(t, file("a/botDefinition.json", def), file("config.json", cfg)), exportzip.Limits{}, "no config.json"},
		{"two folders with botDefinition.json", buildZip(t,
			file("a/botDefinition.json", def), file("a/config.json", cfg),
			file("b/botDefinition.json", def), file("b/config.json", cfg)), exportzip.Limits{}, "2 folders with a botDefinition.json"},
		{"parent path ../x", with(file("../x", "x")), exportzip.Limits{}, "leaves the archive"},
		{"parent path inside a folder", with(file("a/../../x", "x")), exportzip.Limits{}, "leaves the archive"},
		{"absolute path /abs", with(file("/abs", "x")), exportzip.Limits{}, "absolute path"},
		{"drive path C:/x", with(file("C:/x", "x")), exportzip.Limits{}, "absolute path"},
		{"drive path C:\\x", with(file("C:\\x", "x")), exportzip.Limits{}, "absolute path"},
		{"backslash absolute \\abs", with(file("\\abs", "x")), exportzip.Limits{}, "absolute path"},
		{"backslash ..\\x", with(file("..\\x", "x")), exportzip.Limits{}, "leaves the archive"},
		{"backslash a\\..\\..\\x", with(file("a\\..\\..\\x", "x")), exportzip.Limits{}, "leaves the archive"},
		{"duplicate names differing in case", with(file("Config.JSON", cfg)), exportzip.Limits{}, "twice"},
		{"exact duplicate names", with(file("config.json", cfg)), exportzip.Limits{}, "twice"},
		{"duplicate via backslash", with(file("a/x.txt", "1"), file("a\\X.txt", "2")), exportzip.Limits{}, "twice"},
		{"nested two folders deep", buildZip(t, file("a/b/botDefinition.json", def), file("a/b/config.json", cfg)), exportzip.Limits{}, "nested too deep"},
		{"nested file beside a root export", with(file("a/b/readme.txt", "x")), exportzip.Limits{}, "nested too deep"},
		{"symlink entry", with(entry{name: "link.js", data: []byte("/etc/passwd"), mode: fs.ModeSymlink | 0o777}), exportzip.Limits{}, "is a link"},
		{"symlink named config.json", buildZip(t, file("botDefinition.json", def), entry{name: "config.json", data: []byte("../../secret"), mode: fs.ModeSymlink | 0o777}), exportzip.Limits{}, "is a link"},
		{"more entries than MaxEntries", with(dir("extra/")), exportzip.Limits{MaxEntries: 2}, "the limit is 2"},
		{"default MaxEntries is 1000", with(manyFiles(999)...), exportzip.Limits{}, "the limit is 1000"},
		{"total over MaxTotal", with(), exportzip.Limits{MaxTotal: int64(len(def)+len(cfg)) - 1}, "more than"},
		{"declared size over default MaxTotal", buildZip(t,
			entry{name: "botDefinition.json", data: []byte(def), rawSize: 2 << 30}, file("config.json", cfg)), exportzip.Limits{}, "more than 1073741824 bytes"},
		{"ignored files count toward MaxTotal", with(file("big.txt", strings.Repeat("x", 1000))), exportzip.Limits{MaxTotal: int64(len(def)+len(cfg)) + 999}, "more than"},
		{"ignored 4 MiB of zeros over MaxRatio", with(entry{name: "pad.txt", data: make([]byte, 4<<20)}), exportzip.Limits{}, "compressed more than 200:1"},
		{"4 MiB of zeros over MaxRatio 200", with(entry{name: "big.js", data: make([]byte, 4<<20)}), exportzip.Limits{MaxRatio: 200}, "compressed more than 200:1"},
		{"4 MiB of zeros over default MaxRatio", buildZip(t, entry{name: "botDefinition.json", data: make([]byte, 4<<20)}, file("config.json", cfg)), exportzip.Limits{}, "compressed more than 200:1"},
		{"1 MiB+1 of zeros over MaxRatio", buildZip(t, file("botDefinition.json", def), entry{name: "config.json", data: make([]byte, 1<<20+1)}), exportzip.Limits{MaxRatio: 200}, "compressed more than"},
		{"exactly 1 MiB of zeros over MaxRatio (every entry is checked)", with(entry{name: "a.js", data: make([]byte, 1<<20)}), exportzip.Limits{}, "compressed more than 200:1"},
		{"64 KiB of zeros over MaxRatio", with(entry{name: "a.js", data: make([]byte, 64<<10)}), exportzip.Limits{}, "compressed more than 200:1"},
		{"entry name over MaxName", with(file(strings.Repeat("n", exportzip.MaxName+1), "x")), exportzip.Limits{}, "the limit is 1024"},
		{"directory larger than MaxEntries can fill", with(longNames(100)...), exportzip.Limits{MaxEntries: 1}, "the limit is 1 entries"},
	}
}

// longNames is n ignored files with names of 900 bytes.
func longNames(n int) []entry {
	var es []entry
	for i := range n {
		es = append(es, file("f/"+strings.Repeat("x", 890)+"-"+strconv.Itoa(i)+".txt", "x"))
	}
	return es
}

func manyFiles(n int) []entry {
	var es []entry
	for i := range n {
		es = append(es, file("f/"+strings.Repeat("x", 1+i%7)+"-"+strconv.Itoa(i)+".txt", "x"))
	}
	return es
}

func TestReadRefuses(t *testing.T) {
	for _, tc := range refusalCases(t) {
		t.Run(tc.name, func(t *testing.T) {
			checkRefusal(t, tc.zip, tc.lim, tc.want)
		})
	}
}

// TestReadRefusesInsecurePathsStrict runs the refusals with
// zipinsecurepath=0, when archive/zip itself reports ErrInsecurePath: Read
// must still answer with its own precise *Error.
func TestReadRefusesInsecurePathsStrict(t *testing.T) {
	t.Setenv("GODEBUG", "zipinsecurepath=0")
	probe := buildZip(t, file("../x", "x"))
	if _, err := zip.NewReader(bytes.NewReader(probe), int64(len(probe))); !errors.Is(err, zip.ErrInsecurePath) {
		t.Fatalf("zipinsecurepath=0 not in effect: NewReader error %v", err)
	}
	for _, tc := range refusalCases(t) {
		t.Run(tc.name, func(t *testing.T) {
			checkRefusal(t, tc.zip, tc.lim, tc.want)
		})
	}
}

func checkRefusal(t *testing.T, zipBytes []byte, lim exportzip.Limits, want string) {
	t.Helper()
	b, err := read(zipBytes, lim)
	if err == nil {
		t.Fatalf("Read accepted the zip (bundle %+v); want refusal containing %q", b, want)
	}
	var ze *exportzip.Error
	if !errors.As(err, &ze) {
		t.Fatalf("error %v (%T) is not an *exportzip.Error", err, err)
	}
	if !strings.Contains(ze.Msg, want) {
		t.Fatalf("Msg = %q, want it to contain %q", ze.Msg, want)
	}
	if b != nil {
		t.Errorf("refused zip gave bundle %+v", b)
	}
}

func TestOpen(t *testing.T) {
	var sb strings.Builder // numbered lines: compresses like an export, far below 200:1
	for i := range 10000 {
		sb.WriteString(strconv.Itoa(i*7919) + "abcdef\n")
	}
	big := sb.String()
	tests := []struct {
		name   string
		entry  entry
		want   string // content, when readable
		broken string // Msg substring, when reading fails
	}{
		{"deflated", file("botDefinition.json", def), def, ""},
		{"stored", entry{name: "botDefinition.json", data: []byte(def), store: true}, def, ""},
		{"large deflated", file("botDefinition.json", big), big, ""},
		{"empty", file("botDefinition.json", ""), "", ""},
		{"declared size smaller than data", entry{name: "botDefinition.json", data: []byte(def), rawSize: int64(len(def)) - 4}, "", "damaged"},
		{"declared size of 1 byte", entry{name: "botDefinition.json", data: []byte(big), rawSize: 1}, "", "damaged"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			b, err := read(buildZip(t, tc.entry, file("config.json", cfg)), exportzip.Limits{})
			if err != nil {
				t.Fatalf("Read: %v", err)
			}
			rc, err := exportzip.Open(b.Definition)
			if err != nil {
				t.Fatalf("Open: %v", err)
			}
			defer rc.Close()
			got, err := io.ReadAll(rc)
			if tc.broken == "" {
				if err != nil {
					t.Fatalf("read: %v", err)
				}
				if string(got) != tc.want {
					t.Fatalf("content = %.40q (%d bytes), want %.40q (%d bytes)", got, len(got), tc.want, len(tc.want))
				}
				return
			}
			if err == nil {
				t.Fatalf("reading an entry longer than declared succeeded (%d bytes)", len(got))
			}
			var ze *exportzip.Error
			if !errors.As(err, &ze) {
				t.Fatalf("error %v (%T) is not an *exportzip.Error", err, err)
			}
			if !strings.Contains(ze.Msg, tc.broken) || !strings.Contains(ze.Msg, "botDefinition.json") {
				t.Fatalf("Msg = %q, want it to name the entry and contain %q", ze.Msg, tc.broken)
			}
			if uint64(len(got)) > b.Definition.UncompressedSize64 {
				t.Errorf("read %d bytes past the declared %d", len(got), b.Definition.UncompressedSize64)
			}
		})
	}
}

func TestOpenCorruptData(t *testing.T) {
	z := buildZip(t, entry{name: "botDefinition.json", data: []byte(def), store: true}, file("config.json", cfg))
	// Flip a byte of the stored content: the CRC check fails on read.
	i := bytes.Index(z, []byte(def))
	if i < 0 {
		t.Fatal("stored content not found")
	}
	z = bytes.Clone(z)
	z[i] ^= 0xFF
	b, err := read(z, exportzip.Limits{})
	if err != nil {
		t.Fatalf("Read: %v", err)
	}
	rc, err := exportzip.Open(b.Definition)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	defer rc.Close()
	_, err = io.ReadAll(rc)
	var ze *exportzip.Error
	if !errors.As(err, &ze) || !strings.Contains(ze.Msg, "damaged") {
		t.Fatalf("error = %v (%T), want *exportzip.Error naming the damage", err, err)
	}
}
