package main

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// slowProxy stands between the CLI and a real server on 127.0.0.1 and
// slows one kind of request, so that the CLI is in the middle of it when
// the test interrupts.
type slowProxy struct {
	*httptest.Server
	reached chan struct{} // closed once the slowed request is under way
	once    sync.Once
	done    chan struct{} // closed when the test no longer needs the slowing
}

// release stops the slowing (idempotent).
func (p *slowProxy) release() {
	select {
	case <-p.done:
	default:
		close(p.done)
	}
}

// The requests a slowProxy slows.
const (
	slowUpload   = "upload"   // reads uploads at 640 KiB/s; reached after 1 MiB
	cutUpload    = "cut"      // reads 1 MiB of an upload slowly, then drops the connection
	hangStatus   = "status"   // never answers an import's status, nor its event stream
	hangExport   = "export"   // never answers an export's status
	hangBots     = "bots"     // never answers Get Bots
	slowDownload = "download" // sends export downloads at 10 KiB/s
	flakyStatus  = "flaky"    // answers the first import status request 503
)

func newSlowProxy(t *testing.T, upstream, mode string) *slowProxy {
	target, err := url.Parse(upstream)
	if err != nil {
		t.Fatal(err)
	}
	rp := httputil.NewSingleHostReverseProxy(target)
	rp.ErrorLog = nil
	p := &slowProxy{reached: make(chan struct{}), done: make(chan struct{})}
	// Download links name the address the server was reached at, never the
	// Host header: point the export status's links back at the proxy.
	rp.ModifyResponse = func(resp *http.Response) error {
		if !strings.HasSuffix(resp.Request.URL.Path, "/export/status") {
			return nil
		}
		b, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil {
			return err
		}
		b = bytes.ReplaceAll(b, []byte(upstream), []byte(p.URL))
		resp.Body = io.NopCloser(bytes.NewReader(b))
		resp.ContentLength = int64(len(b))
		resp.Header.Set("Content-Length", strconv.Itoa(len(b)))
		return nil
	}
	reach := func() { p.once.Do(func() { close(p.reached) }) }
	var failed sync.Once
	p.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		path := r.URL.Path
		switch {
		case (mode == slowUpload || mode == cutUpload) && path == "/api/public/uploadfile" && r.ContentLength != 0:
			body := &slowReader{ctx: r.Context(), done: p.done, r: r.Body, chunk: 64 << 10, pause: 100 * time.Millisecond, at: 1 << 20, reached: reach}
			if mode == cutUpload {
				for body.n < 1<<20 {
					if _, err := body.Read(make([]byte, 32<<10)); err != nil {
						return
					}
				}
				conn, _, err := http.NewResponseController(w).Hijack()
				if err == nil {
					conn.Close() // the server failed mid-upload
				}
				return
			}
			r.Body = body
		case mode == hangStatus && (strings.HasPrefix(path, "/api/public/bot/import/status/") || isEvents(path)),
			mode == hangExport && strings.HasSuffix(path, "/export/status"),
			mode == hangBots && path == "/api/public/bots":
			reach()
			<-r.Context().Done()
			return
		case mode == flakyStatus && strings.HasPrefix(path, "/api/public/bot/import/status/"):
			fail := false
			failed.Do(func() { fail = true })
			if fail {
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(http.StatusServiceUnavailable)
				io.WriteString(w, `{"errors":[{"msg":"Service Unavailable","code":503}]}`)
				return
			}
		case mode == slowDownload && strings.HasPrefix(path, "/api/public/bot/export/download/"):
			w = &slowWriter{ResponseWriter: w, reached: reach}
		}
		rp.ServeHTTP(w, r)
	}))
	t.Cleanup(func() { p.release(); p.Close() })
	return p
}

// isEvents reports whether path is an import's event stream.
func isEvents(path string) bool {
	return strings.HasPrefix(path, "/api/botport/imports/") && strings.HasSuffix(path, "/events")
}

// slowReader reads chunk bytes per pause and calls reached once it has
// read at bytes.
type slowReader struct {
	ctx     context.Context
	done    chan struct{}
	r       io.ReadCloser
	chunk   int
	pause   time.Duration
	n, at   int
	reached func()
}

func (s *slowReader) Read(b []byte) (int, error) {
	select {
	case <-s.ctx.Done(): // the client went away
		return 0, s.ctx.Err()
	case <-s.done: // the test is over: what the connection holds is read at once
	case <-time.After(s.pause):
	}
	n, err := s.r.Read(b[:min(len(b), s.chunk)])
	s.n += n
	if s.n >= s.at {
		s.reached()
	}
	return n, err
}

func (s *slowReader) Close() error { return s.r.Close() }

// slowWriter sends a response 1 KiB per 100 ms.
type slowWriter struct {
	http.ResponseWriter
	reached func()
}

func (s *slowWriter) Write(b []byte) (int, error) {
	n := 0
	for len(b) > 0 {
		k := min(len(b), 1<<10)
		m, err := s.ResponseWriter.Write(b[:k])
		n += m
		if err != nil {
			return n, err
		}
		http.NewResponseController(s.ResponseWriter).Flush()
		s.reached()
		time.Sleep(100 * time.Millisecond)
		b = b[k:]
	}
	return n, nil
}

func (s *slowWriter) Unwrap() http.ResponseWriter { return s.ResponseWriter }
