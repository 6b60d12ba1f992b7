package main

import (
	"context"
	"io"
	"net"
	"strings"
	"testing"
)

// TestServePortTaken: a first start that cannot listen creates nothing, so
// the next start still creates the default app and shows its secret once.
func TestServePortTaken(t *testing.T) {
	taken, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer taken.Close()
	dir := t.TempDir()
	var out strings.Builder
	err = run(context.Background(), []string{"serve", "--addr", taken.Addr().String(), "--data", dir},
		func(string) string { return "" }, strings.NewReader(""), &out, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "address already in use") {
		t.Fatalf("serve on a taken port: %v", err)
	}
	if strings.Contains(out.String(), "clientSecret") {
		t.Errorf("a start that failed printed credentials:\n%s", out.String())
	}
	ts := startServerIn(t, dir)
	if ts.AppID == "" || ts.Secret == "" {
		t.Fatal("the next start did not create and show the default app")
	}
	if _, _, code := runCLI(t, ts, "bots", "list"); code != 0 {
		t.Errorf("the shown credentials do not work: exit %d", code)
	}
}
