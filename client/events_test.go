package client

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestEventStreamParsing: the reader follows the SSE format as servers may
// write it (CRLF, comments, several data lines, fields without a space,
// events of other names ignored).
func TestEventStreamParsing(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Last-Event-ID") != "7" || r.Header.Get("auth") == "" {
			http.Error(w, "bad request", 400)
			return
		}
		w.Header().Set("Content-Type", "text/event-stream; charset=utf-8")
		io.WriteString(w, "retry: 1000\r\n\r\n: hello\r\n\r\n"+
			"event: status\r\nid: 8\r\ndata: {\"_id\":\"a\",\r\ndata:\"status\":\"pending\"}\r\n\r\n"+
			"event: other\nid: 9\ndata: {}\n\n"+
			"data: {\"_id\":\"a\",\"status\":\"success\"}\n\n")
	}))
	defer srv.Close()
	c := New(srv.URL, "cs-app", "secret")
	es, err := c.ImportEvents(context.Background(), "bir-a", "7")
	if err != nil {
		t.Fatal(err)
	}
	defer es.Close()
	ev, err := es.Next()
	if err != nil || ev.ID != "8" || ev.Status.Status != "pending" || string(ev.Raw) != "{\"_id\":\"a\",\n\"status\":\"pending\"}" {
		t.Fatalf("first event %+v, %v", ev, err)
	}
	ev, err = es.Next()
	if err != nil || ev.ID != "9" || ev.Status.Status != "success" || es.LastID != "9" {
		t.Fatalf("second event %+v (last id %s), %v", ev, es.LastID, err)
	}
	if _, err := es.Next(); err != io.EOF {
		t.Fatalf("after the end: %v", err)
	}
}

// TestWatchImportResumes: a stream cut off mid-way is opened again with
// the last id; the watch ends with the final document; each document is
// reported once.
func TestWatchImportResumes(t *testing.T) {
	var mu sync.Mutex
	var lastIDs []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		lastIDs = append(lastIDs, r.Header.Get("Last-Event-ID"))
		n := len(lastIDs)
		mu.Unlock()
		w.Header().Set("Content-Type", "text/event-stream")
		switch n {
		case 1:
			io.WriteString(w, "event: status\nid: 1000\ndata: {\"status\":\"pending\"}\n\nevent: status\nid: 2000\ndata: {\"stat")
			// cut off mid-event: the handler returns, the connection ends
		case 2:
			io.WriteString(w, "event: status\nid: 3000\ndata: {\"status\":\"pending\",\"statusLogs\":[{}]}\n\n")
			// ends without the final document: a server stopping
		default:
			io.WriteString(w, "event: status\nid: 4000\ndata: {\"status\":\"failure\",\"cancelled\":true}\n\n")
		}
	}))
	defer srv.Close()
	c := New(srv.URL, "cs-app", "secret")
	c.MinBackoff = time.Millisecond
	var seen []string
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	st, err := c.WatchImport(ctx, "bir-a", func(s *Status) { seen = append(seen, fmt.Sprintf("%s %d", s.Status, len(s.StatusLogs))) })
	if err != nil || st.Status != "failure" || !st.Cancelled {
		t.Fatalf("WatchImport = %+v, %v", st, err)
	}
	if got := strings.Join(seen, " "); got != "pending 0 pending 1 failure 0" {
		t.Errorf("progress %q", got)
	}
	if got := strings.Join(lastIDs, ","); got != ",1000,3000" {
		t.Errorf("Last-Event-ID per connection %q, want \",1000,3000\"", got)
	}
}

// TestWatchImportFallsBackToPolling: a host without event streams (404)
// is polled instead.
func TestWatchImportFallsBackToPolling(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/events") {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(404)
			io.WriteString(w, `{"errors":[{"msg":"Not Found","code":404}]}`)
			return
		}
		io.WriteString(w, `{"_id":"bir-a","status":"success"}`)
	}))
	defer srv.Close()
	st, err := New(srv.URL, "cs-app", "secret").WatchImport(context.Background(), "bir-a", nil)
	if err != nil || st.Status != "success" {
		t.Fatalf("WatchImport = %+v, %v", st, err)
	}
}

// TestWatchImportAnnouncesReconnects: a stream that fails before any
// event is opened again after a backoff that OnRetry is told of, with
// what failed; a stream the server ends after events is resumed at once,
// without an announcement.
func TestWatchImportAnnouncesReconnects(t *testing.T) {
	var mu sync.Mutex
	n := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		n++
		k := n
		mu.Unlock()
		switch k {
		case 1:
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusBadGateway)
			io.WriteString(w, `{"errors":[{"msg":"Bad Gateway","code":502}]}`)
		case 2:
			w.Header().Set("Content-Type", "text/event-stream")
			// ends without an event
		case 3:
			w.Header().Set("Content-Type", "text/event-stream")
			io.WriteString(w, "event: status\nid: 1000\ndata: {\"status\":\"pending\"}\n\n")
			// ends after an event: resumed at once
		default:
			w.Header().Set("Content-Type", "text/event-stream")
			io.WriteString(w, "event: status\nid: 2000\ndata: {\"status\":\"success\"}\n\n")
		}
	}))
	defer srv.Close()
	c := New(srv.URL, "cs-app", "secret")
	c.MinBackoff = time.Millisecond
	var retries []string
	c.OnRetry = func(r Retry) {
		retries = append(retries, fmt.Sprintf("%s %s %d/%d %v", r.Method, r.Path, r.Attempt, r.Attempts, r.Err))
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	st, err := c.WatchImport(ctx, "bir-a", nil)
	if err != nil || st.Status != "success" {
		t.Fatalf("WatchImport = %+v, %v", st, err)
	}
	want := []string{
		"GET /api/botport/imports/bir-a/events 1/5 502 Bad Gateway (code 502)",
		"GET /api/botport/imports/bir-a/events 2/5 the event stream ended before the import did: EOF",
	}
	if strings.Join(retries, "\n") != strings.Join(want, "\n") {
		t.Errorf("retries announced:\n%s\nwant:\n%s", strings.Join(retries, "\n"), strings.Join(want, "\n"))
	}
	if n != 4 {
		t.Errorf("%d connections, want 4", n)
	}
}
