package main

import (
	"fmt"
	"os"
	"sync"
	"testing"
)

// figuresMu serializes appends to the figures file: tests run in parallel.
var figuresMu sync.Mutex

// figure logs a measured figure like t.Logf and, when BOTPORT_FIGURES names
// a file, appends it there with the test's name, so that CI (which runs the
// suite without -v) can print every figure the issues ask for. A failure to
// write the file fails the test: a figure CI was asked to show must not be
// lost silently.
func figure(t *testing.T, format string, args ...any) {
	t.Helper()
	line := fmt.Sprintf(format, args...)
	t.Log(line)
	path := os.Getenv("BOTPORT_FIGURES")
	if path == "" {
		return
	}
	figuresMu.Lock()
	defer figuresMu.Unlock()
	f, err := os.OpenFile(path, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o600)
	if err != nil {
		t.Fatalf("figures file: %v", err)
	}
	defer f.Close()
	if _, err := fmt.Fprintf(f, "%s: %s\n", t.Name(), line); err != nil {
		t.Fatalf("figures file: %v", err)
	}
}
