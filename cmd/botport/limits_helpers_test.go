package main

import (
	"archive/zip"
	"context"
	"database/sql"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/botport/botport/client"
	"github.com/botport/botport/internal/fixture"
	_ "github.com/botport/botport/internal/store/sqlite" // the "sqlite" driver, for reading a running server's database
)

// procField reads a "Name:  value kB" line of /proc/<pid>/status, in bytes.
func procField(t *testing.T, pid int, name string) int64 {
	t.Helper()
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		t.Skipf("no /proc: %v", err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, name+":"); ok {
			kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 10, 64)
			if err != nil {
				t.Fatal(err)
			}
			return kb << 10
		}
	}
	t.Fatalf("no %s in /proc/%d/status", name, pid)
	return 0
}

// rss is the server process's resident memory now (VmRSS) and its peak
// so far (VmHWM).
func (p *proc) rss(t *testing.T) (now, peak int64) {
	t.Helper()
	pid := p.cmd.Process.Pid
	return procField(t, pid, "VmRSS"), procField(t, pid, "VmHWM")
}

// readBytes is how many bytes the server process has read through read
// system calls (rchar of /proc/<pid>/io): files, and sockets.
func (p *proc) readBytes(t *testing.T) int64 {
	t.Helper()
	return procReadBytes(t, p.cmd.Process.Pid)
}

func procReadBytes(t *testing.T, pid int) int64 {
	t.Helper()
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/io", pid))
	if err != nil {
		t.Skipf("no /proc/<pid>/io: %v", err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, "rchar:"); ok {
			n, err := strconv.ParseInt(strings.TrimSpace(rest), 10, 64)
			if err != nil {
				t.Fatal(err)
			}
			return n
		}
	}
	t.Fatalf("no rchar in /proc/%d/io", pid)
	return 0
}

// client returns a client with the process's default app.
func (p *proc) client() *client.Client { return client.New(p.URL, p.AppID, p.Secret) }

// mib formats a byte count in MiB.
func mib(n int64) string { return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20)) }

// zipEntry is one entry of a zip a test builds: its content is written by
// write, deflated.
type zipEntry struct {
	name  string
	write func(w io.Writer) error
}

// bytesEntry is an entry holding b.
func bytesEntry(name string, b []byte) zipEntry {
	return zipEntry{name, func(w io.Writer) error { _, err := w.Write(b); return err }}
}

// writeZip writes entries to a new zip file and returns its path.
func writeZip(t *testing.T, name string, entries ...zipEntry) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	zw := zip.NewWriter(f)
	for _, e := range entries {
		w, err := zw.Create(e.name)
		if err != nil {
			t.Fatal(err)
		}
		if err := e.write(w); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	return path
}

// exportEntries is a real export's two JSON files as zip entries.
func exportEntries(t *testing.T, name string) []zipEntry {
	t.Helper()
	e := fixture.Get(t, name)
	var out []zipEntry
	for _, f := range []string{"botDefinition.json", "config.json"} {
		b, err := os.ReadFile(e.File(f))
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, bytesEntry(f, b))
	}
	return out
}

// storedBodyBytes is the bytes of every record body in a server's SQLite
// database, read while it runs.
func storedBodyBytes(t *testing.T, data string) int64 {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+filepath.Join(data, "botport.db")+"?mode=ro&_pragma=busy_timeout(10000)")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var n int64
	if err := db.QueryRowContext(context.Background(), `SELECT coalesce(sum(length(body)), 0) FROM bodies`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// dirBytes is the bytes of the regular files under dir.
func dirBytes(t *testing.T, dir string) int64 {
	t.Helper()
	var n int64
	err := filepath.Walk(dir, func(_ string, fi os.FileInfo, err error) error {
		if err == nil && fi.Mode().IsRegular() {
			n += fi.Size()
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// zipNames lists the entries of the zip at path.
func zipNames(t *testing.T, path string) []string {
	t.Helper()
	zr, err := zip.OpenReader(path)
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	var out []string
	for _, f := range zr.File {
		out = append(out, f.Name)
	}
	return out
}
