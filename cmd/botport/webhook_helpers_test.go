package main

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/botport/botport/client"
)

// hookReceiver is a webhook endpoint on 127.0.0.1 that verifies every
// delivery's signature the way the Standard Webhooks specification tells
// receivers to (written here from the specification, not with botport's
// signing code) and records it.
type hookReceiver struct {
	srv    *httptest.Server
	secret atomic.Pointer[string]
	// refuse makes it answer 503 (and record it): a receiver that is down.
	refuse atomic.Bool
	mu     sync.Mutex
	calls  []hookCall
}

// hookCall is one request the receiver got.
type hookCall struct {
	ID, Timestamp string
	Body          []byte
	Verified      bool
	Answered      int
	Type          string
	EventTime     string
	Data          json.RawMessage
}

func newHookReceiver(t testing.TB) *hookReceiver {
	h := &hookReceiver{}
	h.srv = httptest.NewServer(http.HandlerFunc(h.serve))
	t.Cleanup(func() {
		h.srv.Close()
		// Every delivery's body is a WebhookEvent of the OpenAPI document.
		for _, c := range h.snapshot() {
			if why := answerCheck().matches("WebhookEvent", c.Body); why != "" {
				t.Errorf("openapi: delivery %s does not match WebhookEvent: %s", c.ID, why)
			}
		}
	})
	return h
}

func (h *hookReceiver) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	c := hookCall{ID: r.Header.Get("webhook-id"), Timestamp: r.Header.Get("webhook-timestamp"), Body: body}
	if s := h.secret.Load(); s != nil && r.Method == http.MethodPost && r.Header.Get("Content-Type") == "application/json" {
		c.Verified = verifyHook(*s, r.Header, body, time.Now())
	}
	var ev struct {
		Type      string          `json:"type"`
		Timestamp string          `json:"timestamp"`
		Data      json.RawMessage `json:"data"`
	}
	if json.Unmarshal(body, &ev) == nil {
		c.Type, c.EventTime, c.Data = ev.Type, ev.Timestamp, ev.Data
	}
	c.Answered = http.StatusNoContent
	if h.refuse.Load() {
		c.Answered = http.StatusServiceUnavailable
	}
	h.mu.Lock()
	h.calls = append(h.calls, c)
	h.mu.Unlock()
	w.WriteHeader(c.Answered)
}

// verifyHook checks a delivery as the specification has receivers do:
// the three headers present, the timestamp within 5 minutes of now, and a
// v1 signature equal (in constant time) to the HMAC-SHA256 of
// "id.timestamp.body" under the base64-decoded bytes after whsec_.
func verifyHook(secret string, h http.Header, body []byte, now time.Time) bool {
	id, ts, sigs := h.Get("webhook-id"), h.Get("webhook-timestamp"), h.Get("webhook-signature")
	if id == "" || ts == "" || sigs == "" || !strings.HasPrefix(secret, "whsec_") {
		return false
	}
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil || now.Sub(time.Unix(sec, 0)).Abs() > 5*time.Minute {
		return false
	}
	key, err := base64.StdEncoding.DecodeString(secret[len("whsec_"):])
	if err != nil {
		return false
	}
	mac := hmac.New(sha256.New, key)
	fmt.Fprintf(mac, "%s.%s.", id, ts)
	mac.Write(body)
	want := mac.Sum(nil)
	for _, s := range strings.Fields(sigs) {
		v, b64, ok := strings.Cut(s, ",")
		got, err := base64.StdEncoding.DecodeString(b64)
		if ok && v == "v1" && err == nil && hmac.Equal(got, want) {
			return true
		}
	}
	return false
}

// register creates a webhook of c's account for the receiver and keeps
// its secret.
func (h *hookReceiver) register(t testing.TB, c *client.Client, events ...string) *client.Webhook {
	t.Helper()
	wh, err := c.CreateWebhook(context.Background(), h.srv.URL+"/hooks", events)
	if err != nil {
		t.Fatalf("create webhook: %v", err)
	}
	if !strings.HasPrefix(wh.ID, "wh-") || !strings.HasPrefix(wh.Secret, "whsec_") {
		t.Fatalf("created webhook %+v", wh)
	}
	h.secret.Store(&wh.Secret)
	return wh
}

// snapshot returns the calls so far.
func (h *hookReceiver) snapshot() []hookCall {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]hookCall(nil), h.calls...)
}

// accepted returns the calls the receiver answered 2xx.
func (h *hookReceiver) accepted() []hookCall {
	var out []hookCall
	for _, c := range h.snapshot() {
		if c.Answered < 300 {
			out = append(out, c)
		}
	}
	return out
}

// waitAccepted waits until the receiver has accepted n calls, for at most
// limit, and returns them.
func (h *hookReceiver) waitAccepted(t testing.TB, n int, limit time.Duration) []hookCall {
	t.Helper()
	deadline := time.Now().Add(limit)
	for {
		got := h.accepted()
		if len(got) >= n {
			return got
		}
		if time.Now().After(deadline) {
			t.Fatalf("the receiver accepted %d deliveries after %v, want %d (all calls: %d)", len(got), limit, n, len(h.snapshot()))
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// waitDeliveries waits until every delivery of webhook id has ended, and
// there are n, for at most limit.
func waitDeliveries(t testing.TB, c *client.Client, id string, n int, limit time.Duration) []client.Delivery {
	t.Helper()
	deadline := time.Now().Add(limit)
	for {
		ds, err := c.WebhookDeliveries(context.Background(), id)
		if err != nil {
			t.Fatalf("deliveries of %s: %v", id, err)
		}
		ended := len(ds) == n
		for _, d := range ds {
			ended = ended && d.Status != "pending"
		}
		if ended {
			return ds
		}
		if time.Now().After(deadline) {
			t.Fatalf("deliveries of %s after %v: %+v; want %d ended", id, limit, ds, n)
		}
		time.Sleep(pollPause(c, 50*time.Millisecond))
	}
}

// jsonEqual reports whether two JSON texts hold the same value.
func jsonEqual(a, b []byte) bool {
	var x, y any
	if json.Unmarshal(a, &x) != nil || json.Unmarshal(b, &y) != nil {
		return false
	}
	ja, _ := json.Marshal(x)
	jb, _ := json.Marshal(y)
	return string(ja) == string(jb)
}
