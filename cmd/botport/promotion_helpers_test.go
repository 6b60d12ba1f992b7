package main

import (
	"context"
	"encoding/json"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/botport/botport/client"
	"github.com/botport/botport/internal/fixture"
	"github.com/botport/botport/internal/store/postgres/pgtest"
)

// backend is a store end-to-end and crash tests run on, with the extra
// serve flags of each (a fresh PostgreSQL schema per call). On PostgreSQL,
// statuses are polled at most once a second per request: rate limits are
// on by default there.
type backend struct {
	name  string
	extra func(t *testing.T) []string
	poll  time.Duration
	db    []string // the flags extra gave, once a test runs
}

var backends = []backend{
	{"SQLite", func(*testing.T) []string { return nil }, 25 * time.Millisecond, nil},
	{"PostgreSQL", func(t *testing.T) []string { return []string{"--database", pgtest.URL(t)} }, time.Second, nil},
}

// forBackends runs fn on a fresh server of each backend; b.db holds the
// database flags commands need to reach the server's store.
func forBackends(t *testing.T, fn func(t *testing.T, b backend, ts *testServer), extra ...string) {
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			b.db = b.extra(t)
			ts := startServer(t, append(b.db, extra...)...)
			fn(t, b, ts)
		})
	}
}

// createApp makes an app through the CLI in the backend's store.
func (b backend) createApp(t *testing.T, ts *testServer, account string, scopes ...string) *client.Client {
	t.Helper()
	args := append([]string{"apps", "create", "--data", ts.Data, "--name", "test-" + account, "--account", account, "--json"}, b.db...)
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

// importAt imports a fixture as a new bot, polling at the backend's rate.
func importAt(t *testing.T, b backend, c *client.Client, e fixture.Export) string {
	t.Helper()
	start, err := c.ImportNew(context.Background(), uploadExport(t, c, e))
	if err != nil {
		t.Fatal(err)
	}
	st := waitAt(t, b, c, start.ID)
	if st.Status != "success" {
		t.Fatalf("import of %s: %s %s", e.Name, st.Status, st.Message)
	}
	return st.StreamID
}

// waitAt follows an import to its end at the backend's polling rate.
func waitAt(t *testing.T, b backend, c *client.Client, bir string) *client.Status {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	st, err := c.Wait(ctx, bir, b.poll, nil)
	if err != nil {
		t.Fatalf("wait %s: %v", bir, err)
	}
	return st
}

// waitPublishAt follows the bot's latest publish to its end.
func waitPublishAt(t *testing.T, b backend, c *client.Client, botID string) *client.PublishStatus {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	st, err := c.WaitPublish(ctx, botID, b.poll, nil)
	if err != nil {
		t.Fatalf("wait for the publish of %s: %v", botID, err)
	}
	return st
}

// exportAt starts an export and follows it to its end.
func exportAt(t *testing.T, b backend, c *client.Client, botID string, req client.ExportRequest) *client.ExportStatus {
	t.Helper()
	start, err := c.Export(context.Background(), botID, req)
	if err != nil {
		t.Fatalf("export %s: %v", botID, err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	st, err := c.WaitExport(ctx, botID, start.ID, b.poll)
	if err != nil || st.ID != start.ID {
		t.Fatalf("wait for export %s: %v (status of %s)", start.ID, err, st.ID)
	}
	return st
}

// exchange is one raw request's expected answer: status and body.
type exchange struct {
	name         string
	method, path string
	token        string
	body         string
	status       int
	want         string
}

// check sends each exchange (with a JSON body when it has one) and compares
// the answer exactly.
func check(t *testing.T, ts *testServer, xs []exchange) {
	t.Helper()
	for _, x := range xs {
		h := map[string]string{"auth": x.token}
		if x.body != "" {
			h["Content-Type"] = "application/json"
		}
		resp, body := rawRequest(t, x.method, ts.URL+x.path, h, strings.NewReader(x.body))
		if resp.StatusCode != x.status || (x.want != "" && string(body) != x.want) {
			t.Errorf("%s: %s %s: %d %s, want %d %s", x.name, x.method, x.path, resp.StatusCode, body, x.status, x.want)
		}
	}
}

// Answers the new endpoints share with the rest of the API.
const (
	ansStreamID  = `{"errors":[{"msg":"Invalid StreamId","code":400}]}`
	ansRequestID = `{"errors":[{"msg":"Invalid request ID","code":400}]}`
	ansScope     = `{"errors":[{"msg":"Permission denied. Scope is incorrect!","code":4002}]}`
	ansInvalid   = `{"errors":[{"msg":"Validation errors/ Invalid arguments","code":412}]}`
	ansMethod    = `{"errors":[{"msg":"Method Not Allowed","code":405}]}`
	ansNotFound  = `{"errors":[{"msg":"Not Found","code":404}]}`
	ansNotPub    = `{"errors":[{"msg":"Bot is not published","code":400}]}`
	unknownBot   = "st-00000000-0000-4000-8000-000000000000"
)

// apps are the clients a test of one endpoint uses: the default app
// (every scope), an app of another account with every scope, and apps of
// the same account whose scopes do not grant the endpoint.
type apps struct {
	own, foreign        *client.Client
	wrongScope, noScope *client.Client
}

func newApps(t *testing.T, b backend, ts *testServer, wrong ...string) apps {
	return apps{
		own:        ts.client(),
		foreign:    b.createApp(t, ts, "elsewhere", "bot_import", "bot_export", "bot_publish", "bot_variables"),
		wrongScope: b.createApp(t, ts, "default", wrong...),
		noScope:    b.createApp(t, ts, "default"),
	}
}

// publishBot publishes a bot and follows the publish to its end.
func publishBot(t *testing.T, c *client.Client, botID string) {
	t.Helper()
	if _, err := c.Publish(context.Background(), botID, client.PublishRequest{VersionComment: "test"}); err != nil {
		t.Fatalf("publish %s: %v", botID, err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	if st, err := c.WaitPublish(ctx, botID, 20*time.Millisecond, nil); err != nil || st.Status != "successful" {
		t.Fatalf("publish %s: %+v %v", botID, st, err)
	}
}
