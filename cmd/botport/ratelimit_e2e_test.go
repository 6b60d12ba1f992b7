package main

import (
	"context"
	"encoding/json"
	"io"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/botport/botport/client"
	"github.com/botport/botport/internal/store/postgres/pgtest"
)

const (
	perMinute = `{"errors":[{"msg":"You've exceeded the per-minute rate limit. Please wait for sometime before retrying.","code":429}]}`
	hourly    = `{"errors":[{"msg":"You've exceeded the hourly rate limit. Please wait for sometime before retrying.","code":429}]}`
)

// TestRateLimitsWired: the rate limits on the wire (contract sections 1.6,
// 3.2, 4 and 6), on SQLite with --rate-limit on and on PostgreSQL, where
// they are on by default: 429 with the window's message and Retry-After,
// buckets per route level, the order of checks (credentials and scope
// before the limit, the limit before the body and the path ids).
func TestRateLimitsWired(t *testing.T) {
	small := []string{"--rate-bot", "2,0", "--rate-request-id", "2,0", "--rate-account", "2,3"}
	for _, backend := range []struct {
		name  string
		extra func(t *testing.T) []string
	}{
		{"SQLite", func(*testing.T) []string { return []string{"--rate-limit", "on"} }},
		{"PostgreSQL", func(t *testing.T) []string { return []string{"--database", pgtest.URL(t)} }},
	} {
		t.Run(backend.name, func(t *testing.T) {
			extra := backend.extra(t)
			ts := startServer(t, append(extra, small...)...)
			c := ts.client()
			tok := mustToken(t, c)
			dbURL := ""
			if len(extra) == 2 && extra[0] == "--database" {
				dbURL = extra[1]
			}
			exportOnly := mustToken(t, cliApp(t, ts, dbURL, "bot_export"))
			type step struct {
				name, method, path, tok, body string
				status                        int
				want                          string // the body, when it matters
			}
			api := "/api/public"
			for _, s := range []step{
				// Account level: Get Bots, 2 a minute, 3 an hour.
				{"bots 1", "GET", api + "/bots", tok, "", 200, ""},
				{"bots 2", "GET", api + "/bots", tok, "", 200, ""},
				{"bots 3: per minute", "GET", api + "/bots", tok, "", 429, perMinute},
				{"credentials come first", "GET", api + "/bots", "", "", 401, `{"errors":[{"msg":"Invalid SDK credentials","code":4002}]}`},
				{"then the scope", "GET", api + "/bots", exportOnly, "", 401, `{"errors":[{"msg":"Permission denied. Scope is incorrect!","code":4002}]}`},
				// Request-id level: each import's status has its own bucket;
				// a malformed id is limited before it is checked.
				{"status of bir-x 1", "GET", api + "/bot/import/status/bir-x", tok, "", 400, ""},
				{"status of bir-x 2", "GET", api + "/bot/import/status/bir-x", tok, "", 400, ""},
				{"status of bir-x 3: the limit before the path id", "GET", api + "/bot/import/status/bir-x", tok, "", 429, perMinute},
				{"another import's status", "GET", api + "/bot/import/status/bir-y", tok, "", 400, ""},
				// Bot level, keyed by app for new-bot imports: before the body.
				{"import 1", "POST", api + "/bot/import", tok, "{", 412, ""},
				{"import 2", "POST", api + "/bot/import", tok, "{", 412, ""},
				{"import 3: the limit before the body", "POST", api + "/bot/import", tok, strings.Repeat(" ", 2<<20), 429, perMinute},
				// Each API has its own buckets.
				{"an upload is another API", "POST", api + "/uploadfile", tok, "x", 412, ""},
			} {
				h := map[string]string{"Content-Type": "application/json"}
				if s.tok != "" {
					h["auth"] = s.tok
				}
				resp, body := rawRequest(t, s.method, ts.URL+s.path, h, strings.NewReader(s.body))
				if resp.StatusCode != s.status || (s.want != "" && string(body) != s.want) {
					t.Fatalf("%s: %d %s, want %d %s", s.name, resp.StatusCode, body, s.status, s.want)
				}
				if s.status == 429 {
					if ra, err := strconv.Atoi(resp.Header.Get("Retry-After")); err != nil || ra < 1 || ra > 60 {
						t.Errorf("%s: Retry-After %q, want 1 to 60 s", s.name, resp.Header.Get("Retry-After"))
					}
				}
			}
		})
	}
}

// TestRateLimitsOffOnSQLite: the embedded setup does not limit by default.
func TestRateLimitsOffOnSQLite(t *testing.T) {
	ts := startServer(t, "--rate-account", "1,1")
	tok := mustToken(t, ts.client())
	for i := range 5 {
		if resp, body := rawRequest(t, "GET", ts.URL+"/api/public/bots", map[string]string{"auth": tok}, nil); resp.StatusCode != 200 {
			t.Fatalf("request %d: %d %s", i+1, resp.StatusCode, body)
		}
	}
}

// TestRateLimitsAcrossReplicas: two servers on one PostgreSQL database
// count one bucket together: once three requests went to either, both
// refuse.
func TestRateLimitsAcrossReplicas(t *testing.T) {
	dbURL := pgtest.URL(t)
	shared := []string{"--database", dbURL, "--key-file", filepath.Join(t.TempDir(), "secret.key"), "--rate-account", "3,0"}
	a := startServer(t, shared...)
	b := startServer(t, shared...)
	tok := mustToken(t, a.client())
	get := func(ts *testServer) (int, string) {
		resp, body := rawRequest(t, "GET", ts.URL+"/api/public/bots", map[string]string{"auth": tok}, nil)
		return resp.StatusCode, string(body)
	}
	for i, c := range []struct {
		on     *testServer
		status int
		want   string
	}{
		{a, 200, ""}, {b, 200, ""}, {a, 200, ""},
		{b, 429, perMinute}, {a, 429, perMinute},
	} {
		if code, body := get(c.on); code != c.status || (c.want != "" && body != c.want) {
			t.Fatalf("request %d: %d %s, want %d", i+1, code, body, c.status)
		}
	}
}

// cliApp creates an app with scopes in the default account of the server
// through the CLI, on the server's database (PostgreSQL at dbURL, else the
// data directory's), and returns a client of it that does not retry.
func cliApp(t *testing.T, ts *testServer, dbURL string, scopes ...string) *client.Client {
	t.Helper()
	args := []string{"apps", "create", "--data", ts.Data, "--name", "more", "--json"}
	if dbURL != "" {
		args = append(args, "--database", dbURL)
	}
	for _, s := range scopes {
		args = append(args, "--scope", s)
	}
	var out strings.Builder
	if err := run(context.Background(), args, func(string) string { return "" }, nil, &out, io.Discard); err != nil {
		t.Fatalf("apps create: %v", err)
	}
	var app struct{ ClientID, ClientSecret string }
	if err := json.Unmarshal([]byte(out.String()), &app); err != nil {
		t.Fatal(err)
	}
	c := client.New(ts.URL, app.ClientID, app.ClientSecret)
	c.Retries = -1
	return c
}
