package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/botport/botport/client"
)

// watch follows an import to its end through its event stream: no status
// polling, whatever the backend.
func watch(t *testing.T, c *client.Client, bir string) *client.Status {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	st, err := c.WatchImport(ctx, bir, nil)
	if err != nil {
		t.Fatalf("watch %s: %v", bir, err)
	}
	return st
}

// exportFiles exports a bot, waits for the zip (polling the export status
// every every) and returns its entries.
func exportFiles(t *testing.T, c *client.Client, botID string, every time.Duration) map[string][]byte {
	t.Helper()
	ctx := context.Background()
	st, err := c.Export(ctx, botID, client.ExportRequest{ExportType: "latest"})
	if err != nil {
		t.Fatalf("export %s: %v", botID, err)
	}
	wctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	done, err := c.WaitExport(wctx, botID, st.ID, every)
	if err != nil || done.Status != "success" {
		t.Fatalf("export %s: %+v, %v", st.ID, done, err)
	}
	var buf bytes.Buffer
	if _, err := c.Download(ctx, done.DownloadURL, &buf); err != nil {
		t.Fatalf("download: %v", err)
	}
	return unzip(t, buf.Bytes())
}

// sameFiles reports how two exports' entries differ, or "".
func sameFiles(before, after map[string][]byte) string {
	names := slices.Sorted(maps.Keys(before))
	if got := slices.Sorted(maps.Keys(after)); !slices.Equal(names, got) {
		return "entries " + strings.Join(names, ",") + " became " + strings.Join(got, ",")
	}
	for _, n := range names {
		if !bytes.Equal(before[n], after[n]) {
			return n + " changed"
		}
	}
	return ""
}

// call sends a request with the client's token and returns the answer.
func call(t *testing.T, c *client.Client, method, url string, header map[string]string, body io.Reader) (*http.Response, []byte) {
	t.Helper()
	h := map[string]string{"auth": mustToken(t, c)}
	for k, v := range header {
		h[k] = v
	}
	return rawRequest(t, method, url, h, body)
}

// jsonField reads a top-level string member of a JSON answer.
func jsonField(t *testing.T, body []byte, name string) string {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(body, &m); err != nil {
		t.Fatalf("answer %s: %v", body, err)
	}
	s, _ := m[name].(string)
	return s
}

// envelope is the Kore error envelope of a message with the status as its code.
func envelope(msg string, code int) string {
	return fmt.Sprintf(`{"errors":[{"msg":%q,"code":%d}]}`, msg, code)
}

// appOf creates an app of account with scopes beside a running server (on
// its database, when dbURL is set) and returns a client of it.
func appOf(t *testing.T, ts *testServer, dbURL, account string, scopes ...string) *client.Client {
	t.Helper()
	args := []string{"apps", "create", "--data", ts.Data, "--name", "test-" + account, "--account", account, "--json"}
	for _, s := range scopes {
		args = append(args, "--scope", s)
	}
	if dbURL != "" {
		args = append(args, "--database", dbURL)
	}
	var out strings.Builder
	if err := run(context.Background(), args, func(string) string { return "" }, nil, &out, io.Discard); err != nil {
		t.Fatalf("apps create: %v", err)
	}
	var app struct{ ClientID, ClientSecret string }
	if err := json.Unmarshal([]byte(out.String()), &app); err != nil || app.ClientID == "" {
		t.Fatalf("apps create printed %q: %v", out.String(), err)
	}
	c := client.New(ts.URL, app.ClientID, app.ClientSecret)
	c.MinBackoff = 20 * time.Millisecond
	return c
}
