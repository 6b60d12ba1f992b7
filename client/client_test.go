package client

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"
)

func TestRetryAfter(t *testing.T) {
	now := time.Date(2026, 12, 2, 10, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		in   string
		want time.Duration
	}{
		{"", 0},
		{"7", 7 * time.Second},
		{" 30 ", 30 * time.Second},
		{"-1", 0},
		{"soon", 0},
		{now.Add(90 * time.Second).Format(http.TimeFormat), 90 * time.Second},
		{now.Add(-time.Minute).Format(http.TimeFormat), 0},
	} {
		if got := retryAfter(c.in, now); got != c.want {
			t.Errorf("retryAfter(%q) = %v, want %v", c.in, got, c.want)
		}
	}
}

// TestHonoursRetryAfter: a 429 with Retry-After is retried no sooner than
// it says; one that asks longer than MaxRetryAfter is returned at once.
func TestHonoursRetryAfter(t *testing.T) {
	var mu sync.Mutex
	var at []time.Time
	retry := "1"
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		at = append(at, time.Now())
		if len(at) == 1 {
			w.Header().Set("Retry-After", retry)
			w.WriteHeader(http.StatusTooManyRequests)
			w.Write([]byte(`{"errors":[{"msg":"You've exceeded the per-minute rate limit. Please wait for sometime before retrying.","code":429}]}`))
			return
		}
		w.Write([]byte(`{"total":0,"availableMore":false,"bots":[]}`))
	}))
	defer srv.Close()
	c := New(srv.URL, "cs-x", "secret")
	c.MinBackoff = time.Millisecond
	if _, err := c.Bots(context.Background(), 0, 50); err != nil {
		t.Fatal(err)
	}
	if len(at) != 2 || at[1].Sub(at[0]) < time.Second {
		t.Fatalf("%d attempts, %v apart: want the retry at least Retry-After (1 s) later", len(at), at[len(at)-1].Sub(at[0]))
	}

	at, retry = nil, "3600"
	_, err := c.Bots(context.Background(), 0, 50)
	if !IsStatus(err, http.StatusTooManyRequests) || len(at) != 1 {
		t.Fatalf("Retry-After 3600: %v after %d attempts; want the 429 at once", err, len(at))
	}
	var e *Error
	if ok := asError(err, &e); !ok || e.RetryAfter != time.Hour {
		t.Errorf("error %+v: want RetryAfter 1h for the caller", err)
	}
}

func asError(err error, target **Error) bool {
	e, ok := err.(*Error)
	if ok {
		*target = e
	}
	return ok
}
