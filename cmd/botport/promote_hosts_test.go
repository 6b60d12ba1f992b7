package main

import (
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/botport/botport/internal/fixture"
)

// recordingProxy forwards to a real server and records the requests that
// change something. With platformOnly it stands for a host that is not
// botport: botport's own routes answer 404 in the envelope, and the
// Idempotency-Key header is dropped unread.
type recordingProxy struct {
	*httptest.Server
	mu       sync.Mutex
	requests []recorded
}

type recorded struct{ method, path, key string }

func newRecordingProxy(t *testing.T, target string, platformOnly bool) *recordingProxy {
	t.Helper()
	u, err := url.Parse(target)
	if err != nil {
		t.Fatal(err)
	}
	rp := &recordingProxy{}
	fwd := httputil.NewSingleHostReverseProxy(u)
	rp.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost {
			rp.mu.Lock()
			rp.requests = append(rp.requests, recorded{r.Method, r.URL.Path, r.Header.Get("Idempotency-Key")})
			rp.mu.Unlock()
		}
		if platformOnly {
			if strings.HasPrefix(r.URL.Path, "/api/botport/") {
				w.Header().Set("Content-Type", "application/json; charset=utf-8")
				w.WriteHeader(http.StatusNotFound)
				w.Write([]byte(`{"errors":[{"msg":"Not Found","code":404}]}`))
				return
			}
			r.Header.Del("Idempotency-Key")
		}
		fwd.ServeHTTP(w, r)
	}))
	t.Cleanup(rp.Close)
	return rp
}

// take returns the recorded requests and forgets them.
func (rp *recordingProxy) take() []recorded {
	rp.mu.Lock()
	defer rp.mu.Unlock()
	out := rp.requests
	rp.requests = nil
	return out
}

// TestPromoteKeys: every request of a promotion that changes the target
// carries an Idempotency-Key derived from its content (the upload's is the
// same for the same export, on any run), and a promotion with nothing to
// do sends none of them.
func TestPromoteKeys(t *testing.T) {
	dev, prod := startServer(t), startServer(t)
	proxy := newRecordingProxy(t, prod.URL, false)
	s := newSession(t)
	s.login("dev", dev)
	s.ok(prod.Secret+"\n", "login", "--profile", "prod", "--host", proxy.URL, "--app", prod.AppID)
	s.ok("", "import", fixture.Get(t, "demobot1-all").Dir, "--profile", "dev", "--wait", "--interval", "50ms")
	vars := writeTemp(t, "prod.env", []byte("abc=prod-value\n"))
	promote := func() []recorded {
		t.Helper()
		proxy.take()
		s.ok("", "promote", "Demobot1", "--from", "dev", "--to", "prod", "--latest", "--vars", vars, "--publish", "r1", "--interval", "50ms")
		var changing []recorded
		for _, r := range proxy.take() {
			if !strings.HasSuffix(r.path, "/export") && !strings.HasSuffix(r.path, "/variables/export") {
				changing = append(changing, r)
			}
		}
		return changing
	}
	first := promote()
	want := []string{"/api/public/uploadfile", "/api/public/bot/import", "/api/1.1/public/builder/bot/", "/api/public/bot/"}
	if len(first) != len(want) {
		t.Fatalf("first promotion sent %+v", first)
	}
	for i, r := range first {
		if !strings.HasPrefix(r.path, want[i]) || !strings.HasPrefix(r.key, "botport-promote:") {
			t.Errorf("request %d: %s %s key %q", i, r.method, r.path, r.key)
		}
	}
	if again := promote(); len(again) != 0 {
		t.Errorf("a promotion with nothing to do sent %+v", again)
	}
	// The same export uploaded again (a target that lost it) carries the
	// same key: derived from the content, not from the run.
	s.ok("", "promote", "Demobot1", "--from", "dev", "--to", "prod", "--latest", "--dry-run", "--interval", "50ms")
	for _, r := range proxy.take() {
		if r.path == "/api/public/uploadfile" && r.key != first[0].key {
			t.Errorf("the dry run uploaded the same export under key %q, the promotion under %q", r.key, first[0].key)
		}
	}
}

// TestPromotePlatformOnly promotes to a host that has only the platform's
// API (botport's routes answer 404, keys are ignored): the promotion
// works, skips the server-side dry run, and publishes.
func TestPromotePlatformOnly(t *testing.T) {
	dev, prod := startServer(t), startServer(t)
	kore := newRecordingProxy(t, prod.URL, true)
	s := newSession(t)
	s.login("dev", dev)
	s.ok(prod.Secret+"\n", "login", "--profile", "kore", "--host", kore.URL, "--app", prod.AppID)
	s.ok("", "import", fixture.Get(t, "demobot1-full").Dir, "--profile", "dev", "--wait", "--interval", "50ms")
	out := s.ok("", "promote", "Demobot1", "--from", "dev", "--to", "kore", "--latest", "--dry-run", "--interval", "50ms")
	if !strings.Contains(out, "dry-run: skipped") {
		t.Errorf("dry run against a platform host:\n%s", out)
	}
	for _, r := range kore.take() {
		if strings.HasSuffix(r.path, "/import") {
			t.Errorf("the dry run sent %s %s to a host that would have imported for real", r.method, r.path)
		}
	}
	var res promoteOut
	decodeJSON(t, s.ok("", "promote", "Demobot1", "--from", "dev", "--to", "kore", "--latest", "--publish", "r1", "--interval", "50ms", "--json"), &res)
	if !res.Target.Created || res.step("import") != "done" || res.step("publish") != "successful" {
		t.Errorf("promotion to a platform host: %+v", res)
	}
	// Again: the content is there, the import is skipped; without
	// versions to tell, the publish is sent again.
	res = promoteOut{}
	decodeJSON(t, s.ok("", "promote", "Demobot1", "--from", "dev", "--to", "kore", "--latest", "--publish", "r1", "--interval", "50ms", "--json"), &res)
	if res.Target.Created || res.step("import") != "skipped" || res.step("publish") != "successful" {
		t.Errorf("second promotion to a platform host: %+v", res)
	}
	for _, r := range kore.take() {
		if strings.HasPrefix(r.path, "/api/botport/") {
			t.Errorf("botport route used: %s", r.path)
		}
	}
}
