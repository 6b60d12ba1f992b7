package main

import (
	"context"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/botport/botport/internal/cli"
)

// routeProxy is a reverse proxy on 127.0.0.1 in front of a real server. It
// counts requests by kind (an import's status, its event stream, the
// rest), can play a host without botport's API (a Kore.ai host: every
// /api/botport route answered 404 as an unknown route), and can be
// pointed at another server: between hold and to, requests wait, as a
// load balancer's would while the server behind it restarts.
type routeProxy struct {
	*httptest.Server
	noBotport bool

	mu     sync.Mutex
	target *httputil.ReverseProxy // nil: requests wait for one
	ready  chan struct{}          // closed once target is set
	counts map[string]int
}

// The kinds of request a routeProxy counts.
const (
	reqStatus = "status" // GET /api/public/bot/import/status/{bir}
	reqEvents = "events" // GET /api/botport/imports/{bir}/events
	reqOther  = "other"
)

func newRouteProxy(t *testing.T, upstream string, noBotport bool) *routeProxy {
	t.Helper()
	p := &routeProxy{noBotport: noBotport, ready: make(chan struct{}), counts: map[string]int{}}
	p.to(t, upstream)
	p.Server = httptest.NewServer(http.HandlerFunc(p.serve))
	t.Cleanup(func() {
		p.CloseClientConnections()
		p.Close()
	})
	return p
}

func (p *routeProxy) serve(w http.ResponseWriter, r *http.Request) {
	kind := reqOther
	switch {
	case strings.HasPrefix(r.URL.Path, "/api/public/bot/import/status/"):
		kind = reqStatus
	case isEvents(r.URL.Path):
		kind = reqEvents
	}
	p.mu.Lock()
	p.counts[kind]++
	p.mu.Unlock()
	if p.noBotport && strings.HasPrefix(r.URL.Path, "/api/botport/") {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusNotFound)
		io.WriteString(w, `{"errors":[{"msg":"Not Found","code":404}]}`)
		return
	}
	for {
		p.mu.Lock()
		rp, ready := p.target, p.ready
		p.mu.Unlock()
		if rp != nil {
			rp.ServeHTTP(w, r) // an event stream is passed on as it comes
			return
		}
		select {
		case <-ready:
		case <-r.Context().Done():
			return
		}
	}
}

// hold makes requests wait until to names a server.
func (p *routeProxy) hold() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.target != nil {
		p.target, p.ready = nil, make(chan struct{})
	}
}

// to sends requests to upstream from now on, the waiting ones included.
func (p *routeProxy) to(t *testing.T, upstream string) {
	t.Helper()
	u, err := url.Parse(upstream)
	if err != nil {
		t.Fatal(err)
	}
	rp := httputil.NewSingleHostReverseProxy(u)
	rp.ErrorLog = log.New(io.Discard, "", 0)
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.target == nil {
		close(p.ready)
	}
	p.target = rp
}

// count is how many requests of kind came.
func (p *routeProxy) count(kind string) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.counts[kind]
}

// cliRun is a botport client command running in the test's process, in the
// background, as a user started it in another terminal.
type cliRun struct {
	args           []string
	stdout, stderr *syncBuffer
	done           chan int // its exit code
}

// startCLI runs botport with args against host with the credentials of ts;
// cancelling ctx is the user's Ctrl-C.
func startCLI(t *testing.T, ctx context.Context, host string, ts *testServer, args ...string) *cliRun {
	t.Helper()
	config := writeTemp(t, "config.json", []byte("{}"))
	env := map[string]string{"BOTPORT_HOST": host, "BOTPORT_APP": ts.AppID, "BOTPORT_SECRET": ts.Secret, "BOTPORT_CONFIG": config}
	r := &cliRun{args: args, stdout: &syncBuffer{}, stderr: &syncBuffer{}, done: make(chan int, 1)}
	go func() {
		err := run(ctx, args, func(k string) string { return env[k] }, strings.NewReader(""), r.stdout, r.stderr)
		if err != nil {
			if ee, ok := err.(*cli.ExitError); !ok || ee.Err != nil {
				r.stderr.Write([]byte("botport: " + err.Error() + "\n"))
			}
		}
		r.done <- cli.ExitCode(err)
	}()
	return r
}

// waitOutput waits until the command has printed want on stdout; it fails
// the test if the command ends first.
func (r *cliRun) waitOutput(t *testing.T, want string) {
	t.Helper()
	deadline := time.Now().Add(2 * time.Minute)
	for !strings.Contains(r.stdout.String(), want) {
		select {
		case code := <-r.done:
			r.done <- code
			t.Fatalf("botport %s ended (exit %d) without printing %q:\n%s%s", strings.Join(r.args, " "), code, want, r.stdout, r.stderr)
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("botport %s does not print %q:\n%s%s", strings.Join(r.args, " "), want, r.stdout, r.stderr)
		}
	}
}

// exit waits for the command to end and returns its exit code.
func (r *cliRun) exit(t *testing.T) int {
	t.Helper()
	select {
	case code := <-r.done:
		r.done <- code
		return code
	case <-time.After(2 * time.Minute):
		t.Fatalf("botport %s still runs after 2 minutes:\n%s%s", strings.Join(r.args, " "), r.stdout, r.stderr)
		return -1
	}
}

// withoutLines drops the lines that start with prefix.
func withoutLines(s, prefix string) string {
	var b strings.Builder
	for _, line := range strings.SplitAfter(s, "\n") {
		if !strings.HasPrefix(line, prefix) {
			b.WriteString(line)
		}
	}
	return b.String()
}
