package httpapi

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"

	"github.com/botport/botport/internal/webhook"
)

func TestReadyz(t *testing.T) {
	var ready atomic.Bool
	var fault error
	h := NewServer(Config{Ready: &ready, Readiness: func(context.Context) error { return fault }})
	get := func(path string) (int, string) {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest("GET", path, nil))
		return rec.Code, rec.Body.String()
	}
	for _, tt := range []struct {
		name          string
		started       bool
		fault         error
		ready, health int
	}{
		{"starting", false, nil, 503, 503},
		{"ready", true, nil, 200, 200},
		{"store or queue down", true, errors.New("store: connection refused"), 503, 200},
	} {
		ready.Store(tt.started)
		fault = tt.fault
		if code, body := get("/readyz"); code != tt.ready {
			t.Errorf("%s: /readyz %d %s, want %d", tt.name, code, body, tt.ready)
		}
		if code, _ := get("/healthz"); code != tt.health {
			t.Errorf("%s: /healthz %d, want %d (liveness only)", tt.name, code, tt.health)
		}
	}
}

func TestRouteLabel(t *testing.T) {
	for pattern, want := range map[string]string{
		"GET /api/public/bot/import/status/{bir}":     "/api/public/bot/import/status/{bir}",
		"GET /api/public/bot/import/status/{bir}/{$}": "/api/public/bot/import/status/{bir}",
		"/api/botport/webhooks":                       "/api/botport/webhooks",
		"/":                                           "",
		"":                                            "",
	} {
		if got := routeLabel(pattern); got != want {
			t.Errorf("routeLabel(%q) = %q, want %q", pattern, got, want)
		}
	}
}

// TestAllowListsEveryMethod: a path served with two methods answers a
// third 405 with both in Allow.
func TestAllowListsEveryMethod(t *testing.T) {
	h := NewServer(Config{Webhooks: webhook.New(webhook.Config{})})
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("PUT", "/api/botport/webhooks", nil))
	if rec.Code != http.StatusMethodNotAllowed || rec.Header().Get("Allow") != "POST, GET" {
		t.Errorf("PUT /api/botport/webhooks: %d, Allow %q", rec.Code, rec.Header().Get("Allow"))
	}
}
