package main

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/botport/botport/client"
	"github.com/botport/botport/internal/fixture"
)

// testServer is `botport serve` running in-process through run().
type testServer struct {
	URL       string
	Metrics   string // the --metrics-addr listener's /metrics URL, when one was asked for
	Data      string
	AppID     string
	Secret    string
	AccountID string
	logs      *syncBuffer
	stop      func()
}

type syncBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

var (
	reListening = regexp.MustCompile(`listening on (http://\S+)`)
	reMetrics   = regexp.MustCompile(`^botport metrics on (http://\S+)`)
	reField     = regexp.MustCompile(`^\s*(clientId|clientSecret|accountId):\s+(\S+)`)
)

// startServer runs serve on a fresh data directory with extra flags. The
// environment is empty: BOTPORT_* variables of the machine do not leak in.
func startServer(t testing.TB, extra ...string) *testServer {
	t.Helper()
	dir := t.TempDir()
	return startServerIn(t, dir, extra...)
}

func startServerIn(t testing.TB, dir string, extra ...string) *testServer {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	logs := &syncBuffer{}
	args := append([]string{"serve", "--addr", "127.0.0.1:0", "--data", dir, "--log-level", "warn"}, extra...)
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, args, func(string) string { return "" }, strings.NewReader(""), pw, logs)
		pw.Close()
	}()
	ts := &testServer{Data: dir, logs: logs}
	sc := bufio.NewScanner(pr)
	ready := make(chan struct{})
	go func() {
		for sc.Scan() {
			line := sc.Text()
			if m := reMetrics.FindStringSubmatch(line); m != nil {
				ts.Metrics = m[1] // printed before the listening line
			}
			if m := reListening.FindStringSubmatch(line); m != nil {
				ts.URL = m[1] // printed after the credentials
				close(ready)
			}
			if m := reField.FindStringSubmatch(line); m != nil {
				switch m[1] {
				case "clientId":
					ts.AppID = m[2]
				case "clientSecret":
					ts.Secret = m[2]
				case "accountId":
					ts.AccountID = m[2]
				}
			}
		}
	}()
	select {
	case <-ready:
		if slices.Contains(extra, "--database") {
			rateLimited.Store(ts.URL, true)
		}
	case err := <-done:
		t.Fatalf("serve stopped at start: %v\n%s", err, logs)
	case <-time.After(30 * time.Second):
		cancel()
		t.Fatalf("serve did not start\n%s", logs)
	}
	stopped := false
	ts.stop = func() {
		if stopped {
			return
		}
		stopped = true
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("serve: %v", err)
			}
		case <-time.After(60 * time.Second):
			t.Errorf("serve did not stop")
		}
	}
	t.Cleanup(func() {
		ts.stop()
		claimOpenAPIFailures(t, ts.URL)
		if ts.Metrics != "" {
			claimOpenAPIFailures(t, strings.TrimSuffix(ts.Metrics, "/metrics"))
		}
		if t.Failed() {
			t.Logf("server log:\n%s", logs)
		}
	})
	return ts
}

// client returns a client with the server's default app.
func (ts *testServer) client() *client.Client {
	c := client.New(ts.URL, ts.AppID, ts.Secret)
	c.MinBackoff = 20 * time.Millisecond
	return c
}

// createApp makes another app through the CLI, as an operator would.
func (ts *testServer) createApp(t testing.TB, account string, scopes ...string) *client.Client {
	t.Helper()
	args := []string{"apps", "create", "--data", ts.Data, "--name", "test-" + account, "--account", account, "--json"}
	for _, s := range scopes {
		args = append(args, "--scope", s)
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

// uploadExport uploads the three files of a fixture and returns a JSON-mode request.
func uploadExport(t testing.TB, c *client.Client, e fixture.Export) client.ImportRequest {
	t.Helper()
	ctx := context.Background()
	ids := map[string]string{}
	for _, name := range []string{"botDefinition.json", "config.json", "icon.png"} {
		up, err := c.UploadFile(ctx, e.File(name), nil)
		if err != nil {
			t.Fatalf("upload %s/%s: %v", e.Name, name, err)
		}
		ids[name] = up.FileID
	}
	return client.ImportRequest{BotDefinition: ids["botDefinition.json"], ConfigInfo: ids["config.json"], Icon: ids["icon.png"]}
}

// uploadPath uploads one local file.
func uploadPath(t testing.TB, c *client.Client, path string) string {
	t.Helper()
	up, err := c.UploadFile(context.Background(), path, nil)
	if err != nil {
		t.Fatalf("upload %s: %v", path, err)
	}
	return up.FileID
}

// wait follows an import to its end.
func wait(t testing.TB, c *client.Client, bir string) *client.Status {
	t.Helper()
	return waitLong(t, c, bir, 2*time.Minute)
}

// rateLimited holds the URLs of servers on PostgreSQL, which rate-limit by
// default (contract section 6: 60 status reads a minute per import).
var rateLimited sync.Map

// pollInterval is how often tests poll an import's status on the server c
// calls: once a second on a rate-limited server, as real clients do, else
// often.
func pollInterval(c *client.Client) time.Duration { return pollPause(c, 25*time.Millisecond) }

// pollPause is fast, or a second on a rate-limited server.
func pollPause(c *client.Client, fast time.Duration) time.Duration {
	if _, ok := rateLimited.Load(c.BaseURL); ok {
		return time.Second
	}
	return fast
}

// waitLong follows an import to its end, for at most limit.
func waitLong(t testing.TB, c *client.Client, bir string, limit time.Duration) *client.Status {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), limit)
	defer cancel()
	st, err := c.Wait(ctx, bir, pollInterval(c), nil)
	if err != nil {
		t.Fatalf("wait %s: %v", bir, err)
	}
	return st
}

// writeTemp writes data to a file in a temp dir and returns its path.
func writeTemp(t testing.TB, name string, data []byte) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// rawRequest sends a request with full control of headers and body.
func rawRequest(t testing.TB, method, url string, header map[string]string, body io.Reader) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, url, body)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, b
}
