package main

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/botport/botport/client"
	"github.com/botport/botport/internal/fixture"
)

// rawExchange sends raw bytes on a new connection to the server at base and
// reads one answer.
func rawExchange(t *testing.T, base, raw string) (*http.Response, string) {
	t.Helper()
	c := dialServer(t, base)
	defer c.Close()
	if _, err := io.WriteString(c, raw); err != nil {
		t.Fatal(err)
	}
	return readAnswer(t, c)
}

func dialServer(t *testing.T, base string) net.Conn {
	t.Helper()
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	c, err := net.Dial("tcp", u.Host)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func readAnswer(t *testing.T, c net.Conn) (*http.Response, string) {
	t.Helper()
	_ = c.SetReadDeadline(time.Now().Add(30 * time.Second))
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatalf("read answer: %v", err)
	}
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

// TestHTTPLayerErrorsInEnvelope: what Go's HTTP server refuses before any
// handler runs is answered in the Kore envelope (contract 3.3), on a raw
// connection, as a client would see it.
func TestHTTPLayerErrorsInEnvelope(t *testing.T) {
	ts := startServer(t)
	big := strings.Repeat("a", 70<<10)
	for _, c := range []struct {
		name   string
		raw    string
		status int
	}{
		{"header too large", "GET /api/public/bots HTTP/1.1\r\nHost: x\r\nX-Big: " + big + "\r\n\r\n", 431},
		{"malformed request line", "NOT A REQUEST\r\n\r\n", 400},
		{"no Host header", "GET /api/public/bots HTTP/1.1\r\n\r\n", 400},
		{"unsupported transfer coding", "POST /api/public/uploadfile HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\n", 501},
		{"HTTP version", "GET /api/public/bots HTTP/3.0\r\nHost: x\r\n\r\n", 505},
		{"unknown expectation", "GET /api/public/bots HTTP/1.1\r\nHost: x\r\nExpect: magic\r\n\r\n", 417},
	} {
		t.Run(c.name, func(t *testing.T) {
			resp, body := rawExchange(t, ts.URL, c.raw)
			want := `{"errors":[{"msg":"` + http.StatusText(c.status) + `","code":` + strconv.Itoa(c.status) + `}]}`
			if resp.StatusCode != c.status || body != want || resp.Header.Get("Content-Type") != "application/json; charset=utf-8" {
				t.Errorf("answer %d %q %q\nwant   %d %q", resp.StatusCode, resp.Header.Get("Content-Type"), body, c.status, want)
			}
		})
	}
	// A handler's own answers are left alone.
	resp, body := rawExchange(t, ts.URL, "GET /api/public/bots HTTP/1.1\r\nHost: x\r\n\r\n")
	if resp.StatusCode != 401 || body != `{"errors":[{"msg":"Invalid SDK credentials","code":4002}]}` || resp.Header.Get("X-Request-Id") == "" {
		t.Errorf("a handler's 401: %d %v %s", resp.StatusCode, resp.Header, body)
	}
}

// TestDuplicateAuthHeader: a request carrying the auth header twice is
// refused, even when both copies are valid tokens.
func TestDuplicateAuthHeader(t *testing.T) {
	ts := startServer(t)
	tok := mustToken(t, ts.client())
	one := "GET /api/public/bots HTTP/1.1\r\nHost: x\r\nauth: " + tok + "\r\n"
	if resp, body := rawExchange(t, ts.URL, one+"\r\n"); resp.StatusCode != 200 {
		t.Fatalf("one auth header: %d %s", resp.StatusCode, body)
	}
	resp, body := rawExchange(t, ts.URL, one+"auth: "+tok+"\r\n\r\n")
	if resp.StatusCode != 401 || body != `{"errors":[{"msg":"Invalid SDK credentials","code":4002}]}` {
		t.Errorf("two auth headers: %d %s", resp.StatusCode, body)
	}
}

// TestRefusedBodyNotRead: a request refused before its body is read gets
// Connection: close, and the server closes the connection without waiting
// for the rest of the body.
func TestRefusedBodyNotRead(t *testing.T) {
	ts := startServer(t)
	tok := mustToken(t, ts.client())
	const head = "POST /api/public/bot/import HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
	for _, c := range []struct {
		name   string
		raw    string // sent, and then nothing more
		status int
	}{
		// Below 256 KiB or chunked, Go's server would read what is left of
		// the body after the answer, to reuse the connection: one byte
		// every few seconds held it for ever.
		{"no token, a small body", head + "Content-Length: 1000\r\n\r\n{", 401},
		{"no token, a chunked body", head + "Transfer-Encoding: chunked\r\n\r\n1\r\n{\r\n", 401},
		{"a declared body over the limit", head + "auth: " + tok + "\r\nContent-Length: 100000000\r\n\r\n{", 413},
		{"a chunked body over the limit", head + "auth: " + tok + "\r\nTransfer-Encoding: chunked\r\n\r\n" +
			strconv.FormatInt(2<<20, 16) + "\r\n{" + strings.Repeat(" ", 2<<20-1) + "\r\n", 413},
	} {
		t.Run(c.name, func(t *testing.T) {
			conn := dialServer(t, ts.URL)
			defer conn.Close()
			go io.WriteString(conn, c.raw)
			resp, _ := readAnswer(t, conn)
			if resp.StatusCode != c.status || !resp.Close {
				t.Fatalf("answer %d, Connection: close %v; want %d and close", resp.StatusCode, resp.Close, c.status)
			}
			// The rest of the body never comes; the server hangs up anyway
			// (a reset is a hang-up too: it had unread bytes).
			_ = conn.SetReadDeadline(time.Now().Add(30 * time.Second))
			var ne net.Error
			if _, err := io.Copy(io.Discard, conn); errors.As(err, &ne) && ne.Timeout() {
				t.Errorf("the server kept the connection open waiting for the body: %v", err)
			}
		})
	}
}

// TestConnectionCap: over --max-connections, a new connection is answered
// 503 in the envelope with Retry-After; once connections close, requests
// are served again.
func TestConnectionCap(t *testing.T) {
	ts := startServer(t, "--max-connections", "3")
	var held []net.Conn
	for range 3 {
		c := dialServer(t, ts.URL)
		io.WriteString(c, "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
		if resp, _ := readAnswer(t, c); resp.StatusCode != 200 {
			t.Fatalf("healthz: %d", resp.StatusCode)
		}
		held = append(held, c) // kept alive, idle
	}
	resp, body := rawExchange(t, ts.URL, "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
	if resp.StatusCode != 503 || body != `{"errors":[{"msg":"Service Unavailable","code":503}]}` || resp.Header.Get("Retry-After") != "1" {
		t.Errorf("a connection over the cap: %d %v %s", resp.StatusCode, resp.Header, body)
	}
	for _, c := range held {
		c.Close()
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		resp, _ := rawExchange(t, ts.URL, "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
		if resp.StatusCode == 200 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("still %d after the connections closed", resp.StatusCode)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestInFlightCap: over --max-requests handled at once, a request is
// answered 503 with Retry-After.
func TestInFlightCap(t *testing.T) {
	ts := startServer(t, "--max-requests", "1")
	tok := mustToken(t, ts.client())
	slow := dialServer(t, ts.URL)
	defer slow.Close()
	// An upload whose body is still coming holds the one place; the server
	// says "100 Continue" once its handler reads the body, so the place is
	// known to be taken.
	io.WriteString(slow, "POST /api/public/uploadfile HTTP/1.1\r\nHost: x\r\nauth: "+tok+
		"\r\nContent-Type: multipart/form-data; boundary=b\r\nContent-Length: 100000\r\nExpect: 100-continue\r\n\r\n")
	_ = slow.SetReadDeadline(time.Now().Add(30 * time.Second))
	line, err := bufio.NewReader(slow).ReadString('\n')
	if err != nil || !strings.HasPrefix(line, "HTTP/1.1 100 ") {
		t.Fatalf("the upload did not reach its handler: %q %v", line, err)
	}
	resp, body := rawExchange(t, ts.URL, "GET /api/public/bots HTTP/1.1\r\nHost: x\r\nauth: "+tok+"\r\n\r\n")
	if resp.StatusCode != 503 || body != `{"errors":[{"msg":"Service Unavailable","code":503}]}` || resp.Header.Get("Retry-After") != "1" {
		t.Errorf("over the cap: %d %v %s", resp.StatusCode, resp.Header, body)
	}
	slow.Close()
	if resp, body := rawExchange(t, ts.URL, "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"); resp.StatusCode != 200 {
		t.Errorf("healthz is not capped: %d %s", resp.StatusCode, body)
	}
}

// TestDownloadLinkIgnoresHost: without --public-url, a download link names
// the address the request reached, whatever Host the client sent.
func TestDownloadLinkIgnoresHost(t *testing.T) {
	ts := startServer(t)
	c := ts.client()
	botID := importBot(t, c, fixture.Get(t, "demobot1-full"))
	fin := exportBot(t, c, botID, client.ExportRequest{ExportType: "latest"})
	if !strings.HasPrefix(fin.DownloadURL, ts.URL+"/") {
		t.Fatalf("downloadURL %s, want it on %s", fin.DownloadURL, ts.URL)
	}
	resp, body := rawExchange(t, ts.URL, "GET /api/public/bot/"+botID+"/export/status HTTP/1.1\r\nHost: evil.example\r\nauth: "+mustToken(t, c)+"\r\n\r\n")
	if resp.StatusCode != 200 || strings.Contains(body, "evil.example") || !strings.Contains(body, `"downloadURL":"`+ts.URL+"/api/public/bot/export/download/") {
		t.Errorf("status with Host: evil.example: %d %s", resp.StatusCode, body)
	}
}

// TestTokenRefusalsLogBounded: a flood of refused tokens writes a few log
// lines, not one per request, and never the token.
func TestTokenRefusalsLogBounded(t *testing.T) {
	ts := startServer(t, "--log-level", "info")
	bad := mustToken(t, client.New(ts.URL, "cs-"+strings.Repeat("A", 3000), "nope"))
	hc := &http.Client{}
	for range 300 {
		req, _ := http.NewRequestWithContext(context.Background(), "GET", ts.URL+"/api/public/bots", nil)
		req.Header.Set("auth", bad)
		resp, err := hc.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 401 {
			t.Fatalf("status %d", resp.StatusCode)
		}
	}
	logs := ts.logs.String()
	if n := strings.Count(logs, `msg="token refused"`); n == 0 || n > 10 {
		t.Errorf("%d lines for 300 refused tokens, want a few", n)
	}
	if n := strings.Count(logs, "msg=request"); n == 0 || n > 10 {
		t.Errorf("%d access log lines for 300 refused requests, want a few", n)
	}
	if strings.Contains(logs, "AAAAAAAAAA") || strings.Contains(logs, bad[:40]) {
		t.Error("the log holds the claimed appId or the token")
	}
}
