package exportzip_test

import (
	"archive/zip"
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/botport/botport/internal/exportzip"
)

func readEntry(t *testing.T, f *zip.File) string {
	t.Helper()
	rc, err := exportzip.Open(f)
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	b, err := io.ReadAll(rc)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestWriteReadsBack writes an export and reads it back with Read: the
// files are found under their names, deflated, with their bytes, and the
// archive holds nothing else.
func TestWriteReadsBack(t *testing.T) {
	at := time.Date(2026, 11, 25, 9, 31, 12, 0, time.UTC)
	var sb strings.Builder // numbered members: compresses like an export, far below 200:1
	for i := range 10000 {
		fmt.Fprintf(&sb, `{"dialog%d": []}`, i)
	}
	big := sb.String()
	var buf bytes.Buffer
	err := exportzip.Write(&buf, []exportzip.File{
		{Name: "botDefinition.json", Modified: at, Write: func(w io.Writer) error {
			_, err := io.WriteString(w, big) // streamed, not given as bytes
			return err
		}},
		exportzip.Bytes("config.json", at, []byte(cfg)),
		exportzip.Bytes("icon.png", at, []byte("\x89PNG\r\n\x1a\nicon")),
		exportzip.Bytes("My Functions.js", at, []byte("function f() {}")),
	})
	if err != nil {
		t.Fatal(err)
	}
	b, err := read(buf.Bytes(), exportzip.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if len(b.Functions) != 1 || b.Icon == nil || len(b.Ignored) != 0 {
		t.Fatalf("bundle: %d functions, icon %v, ignored %v", len(b.Functions), b.Icon != nil, b.Ignored)
	}
	for f, want := range map[*zip.File]string{b.Definition: big, b.Config: cfg, b.Icon: "\x89PNG\r\n\x1a\nicon", b.Functions[0]: "function f() {}"} {
		if got := readEntry(t, f); got != want {
			t.Errorf("%s: content differs (%d bytes, want %d)", f.Name, len(got), len(want))
		}
		if f.Method != zip.Deflate {
			t.Errorf("%s: method %d, want deflate", f.Name, f.Method)
		}
		if !f.Modified.Equal(at) {
			t.Errorf("%s: modified %v, want %v", f.Name, f.Modified, at)
		}
	}
	zr, err := zip.NewReader(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, f := range zr.File {
		names = append(names, f.Name)
		if f.FileInfo().IsDir() {
			t.Errorf("directory entry %q", f.Name)
		}
	}
	if got := strings.Join(names, ","); got != "botDefinition.json,config.json,icon.png,My Functions.js" {
		t.Errorf("entries in order: %s", got)
	}
}

// TestWriteZeroTime: an entry without a time gets the zip epoch, a valid
// date, rather than archive/zip's invalid zero.
func TestWriteZeroTime(t *testing.T) {
	var buf bytes.Buffer
	if err := exportzip.Write(&buf, []exportzip.File{exportzip.Bytes("botDefinition.json", time.Time{}, []byte(def)), exportzip.Bytes("config.json", time.Time{}, []byte(cfg))}); err != nil {
		t.Fatal(err)
	}
	b, err := read(buf.Bytes(), exportzip.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if y := b.Definition.Modified.Year(); y != 1980 {
		t.Errorf("modified year %d, want 1980", y)
	}
}

// TestWriteRefuses: names Read would refuse or misread, and content
// faults, fail the write.
func TestWriteRefuses(t *testing.T) {
	boom := errors.New("store went away")
	for name, files := range map[string][]exportzip.File{
		"duplicate":        {exportzip.Bytes("config.json", time.Time{}, nil), exportzip.Bytes("Config.json", time.Time{}, nil)},
		"folder":           {exportzip.Bytes("a/config.json", time.Time{}, nil)},
		"backslash":        {exportzip.Bytes(`a\config.json`, time.Time{}, nil)},
		"parent":           {exportzip.Bytes("..", time.Time{}, nil)},
		"empty":            {exportzip.Bytes("", time.Time{}, nil)},
		"hidden":           {exportzip.Bytes(".config.json", time.Time{}, nil)},
		"drive letter":     {exportzip.Bytes("c:config.json", time.Time{}, nil)},
		"content fault":    {{Name: "botDefinition.json", Write: func(io.Writer) error { return boom }}},
		"later name fault": {exportzip.Bytes("config.json", time.Time{}, nil), exportzip.Bytes("x/y.js", time.Time{}, nil)},
	} {
		t.Run(name, func(t *testing.T) {
			var buf bytes.Buffer
			err := exportzip.Write(&buf, files)
			if err == nil {
				t.Fatal("Write succeeded")
			}
			if name == "content fault" && !errors.Is(err, boom) {
				t.Errorf("content fault not wrapped: %v", err)
			}
			if name == "later name fault" && buf.Len() != 0 {
				t.Errorf("names are checked before anything is written; wrote %d bytes", buf.Len())
			}
		})
	}
}
