package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestMain lets this test binary be the bench's bare server: the bench
// starts its own executable with bare-server.
func TestMain(m *testing.M) {
	if len(os.Args) > 1 && os.Args[1] == "bare-server" {
		main()
		return
	}
	os.Exit(m.Run())
}

// TestBenchRuns runs every measurement once, as small as it goes: botport
// built from this module and the bare server as child processes, the app
// created with botport apps create, an import of one fixture against its
// limit, and a few imports at once. Timings are not checked, only that
// each measurement reports.
func TestBenchRuns(t *testing.T) {
	if testing.Short() {
		t.Skip("builds botport and runs servers")
	}
	fixtures := t.TempDir()
	src, err := filepath.Abs("../../testdata/exports/weatherbot-old-format")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(src, filepath.Join(fixtures, "weatherbot")); err != nil {
		t.Fatal(err)
	}
	var stdout, stderr bytes.Buffer
	err = run(context.Background(), []string{"--workers", "2", "--rounds", "1", "--round", "200ms", "--import-rounds", "1",
		"--imports", "3", "--fixtures", fixtures}, &stdout, &stderr)
	if err != nil {
		t.Fatalf("%v\nstdout:\n%s\nstderr:\n%s", err, &stdout, &stderr)
	}
	out := stdout.String()
	for _, want := range []string{
		"store SQLite",
		"\n  bare ", "\n  botport ", "ratio: throughput ",
		"\n  weatherbot ", "met by ",
		"Throughput: 3 imports of the 1 fixtures", "3 succeeded, 0 failed",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("no %q in the output:\n%s", want, out)
		}
	}
}

func TestBenchRefusesAnEmptyFixturesFolder(t *testing.T) {
	var stdout, stderr bytes.Buffer
	err := run(context.Background(), []string{"--skip", "status", "--fixtures", t.TempDir(), "--botport", "/nonexistent/botport"}, &stdout, &stderr)
	if err == nil || !strings.Contains(err.Error(), "no export folder") {
		t.Errorf("err = %v, want no export folder", err)
	}
}
