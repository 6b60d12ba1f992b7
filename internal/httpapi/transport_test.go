package httpapi

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/botport/botport/internal/auth"
)

func TestBudget(t *testing.T) {
	io := IO{Grace: 10 * time.Second, MinRate: 1000}
	for _, c := range []struct {
		name    string
		moved   int64
		blocked time.Duration
		want    time.Duration
	}{
		{"nothing moved yet: the grace", 0, 0, 10 * time.Second},
		{"bytes earn time at the minimum rate", 5000, 0, 15 * time.Second},
		{"time waited is spent", 5000, 12 * time.Second, 3 * time.Second},
		{"a trickle runs out", 5, 10 * time.Second, 5 * time.Millisecond},
		{"and then it is over", 5, 11 * time.Second, -995 * time.Millisecond},
	} {
		b := budget{io: io, moved: c.moved, blocked: c.blocked}
		if got := b.allowance(); got != c.want {
			t.Errorf("%s: allowance %v, want %v", c.name, got, c.want)
		}
	}
	// One read or write waits at most the grace and its own bytes' time,
	// however much was earned before.
	b := budget{io: io, moved: 1_000_000}
	if got := b.next(2000); got != 12*time.Second {
		t.Errorf("next(2000) after a fast start = %v, want 12s", got)
	}
	b = budget{io: io, moved: 5, blocked: 10 * time.Second}
	if got := b.next(2000); got != 5*time.Millisecond {
		t.Errorf("next(2000) of a trickle = %v, want what is left, 5ms", got)
	}
}

func TestRewriteServerError(t *testing.T) {
	const canned = "\r\nContent-Type: text/plain; charset=utf-8\r\nConnection: close\r\n\r\n"
	for _, c := range []struct {
		name string
		in   string
		want int // 0: left alone
	}{
		{"431", "HTTP/1.1 431 Request Header Fields Too Large" + canned + "431 Request Header Fields Too Large", 431},
		{"400 with a reason", "HTTP/1.1 400 Bad Request: missing required Host header" + canned + "400 Bad Request: missing required Host header", 400},
		{"501", "HTTP/1.1 501 Not Implemented" + canned + "Unsupported transfer encoding", 501},
		{"505", "HTTP/1.1 505 HTTP Version Not Supported: unsupported protocol version" + canned + "505 ...", 505},
		{"417", "HTTP/1.1 417 Expectation Failed\r\nConnection: close\r\nContent-Length: 0\r\nDate: x\r\n\r\n", 417},
		{"a handler's error", "HTTP/1.1 400 Bad Request\r\nContent-Type: application/json; charset=utf-8\r\nX-Request-Id: abc\r\n\r\n{}", 0},
		{"a success", "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}", 0},
		{"a body chunk", `{"errors":[]}`, 0},
		{"headers cut in two writes", "HTTP/1.1 413 Request Entity Too Large\r\nContent-Type: appl", 0},
	} {
		out, ok := rewriteServerError([]byte(c.in))
		if ok != (c.want != 0) {
			t.Errorf("%s: rewritten %v, want %v", c.name, ok, c.want != 0)
			continue
		}
		if !ok {
			continue
		}
		resp, err := http.ReadResponse(bufio.NewReader(bytes.NewReader(out)), nil)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		body, _ := io.ReadAll(resp.Body)
		want := `{"errors":[{"msg":"` + http.StatusText(c.want) + `","code":` + strings.TrimSpace(c.in[9:12]) + `}]}`
		if resp.StatusCode != c.want || string(body) != want || resp.Header.Get("Content-Type") != "application/json; charset=utf-8" || !resp.Close {
			t.Errorf("%s: %d %v %s", c.name, resp.StatusCode, resp.Header, body)
		}
	}
}

// TestStalledReaderCut: an answer to a client that never reads is cut
// after the grace (plus a chunk's time), and the handler learns it from
// its write; it does not hold the answer for ever.
func TestStalledReaderCut(t *testing.T) {
	s := &server{cfg: Config{IO: IO{Grace: 300 * time.Millisecond, MinRate: 1 << 20}}, log: slog.New(slog.DiscardHandler)}
	s.cfg.IO = s.cfg.IO.withDefaults()
	result := make(chan error, 1)
	big := bytes.Repeat([]byte("x"), 64<<20) // far more than the sockets buffer
	srv := &http.Server{Handler: s.outer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, err := w.Write(big)
		result <- err
	}))}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(ln)
	defer srv.Close()
	c, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := io.WriteString(c, "GET /big HTTP/1.1\r\nHost: x\r\n\r\n"); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-result:
		if !errors.Is(err, context.DeadlineExceeded) && !strings.Contains(err.Error(), "timeout") {
			t.Errorf("the write to a stalled reader ended with %v, want a timeout", err)
		}
	case <-time.After(60 * time.Second):
		t.Fatal("the write to a client that reads nothing was never cut")
	}
}

// TestSlowBodyCut: a body trickling in is cut once the time waited passes
// the grace plus what the bytes earned; the handler sees a read error.
func TestSlowBodyCut(t *testing.T) {
	s := &server{cfg: Config{IO: IO{Grace: 300 * time.Millisecond, MinRate: 1 << 20}}, log: slog.New(slog.DiscardHandler)}
	result := make(chan error, 1)
	srv := &http.Server{Handler: s.outer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, err := io.ReadAll(r.Body)
		result <- err
	}))}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(ln)
	defer srv.Close()
	c, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	io.WriteString(c, "POST /up HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n")
	stop := make(chan struct{})
	defer close(stop)
	go func() { // one byte every 100 ms
		for {
			select {
			case <-stop:
				return
			case <-time.After(100 * time.Millisecond):
				if _, err := c.Write([]byte("x")); err != nil {
					return
				}
			}
		}
	}()
	select {
	case err := <-result:
		if err == nil {
			t.Error("a trickling body was read to its end")
		}
	case <-time.After(60 * time.Second):
		t.Fatal("a trickling body was never cut")
	}
}

func TestSamplerBounded(t *testing.T) {
	var logs bytes.Buffer
	now := time.Unix(1_800_000_000, 0)
	s := &server{log: slog.New(slog.NewTextHandler(&logs, nil))}
	s.refusals = newSampler(s.log, func() time.Time { return now }, "token refusals not logged one by one")
	ctx := context.Background()
	for i := range 1000 {
		kind := auth.KindBadSignature
		if i%4 == 0 {
			kind = auth.KindUnknownApp
		}
		s.noteRefusal(ctx, "req", &auth.Failure{Kind: kind, AppID: "cs-known"})
	}
	if n := strings.Count(logs.String(), "\n"); n != sampleIndividual {
		t.Errorf("1000 refusals in one window wrote %d lines, want %d:\n%s", n, sampleIndividual, logs.String())
	}
	now = now.Add(sampleWindow)
	s.noteRefusal(ctx, "req", &auth.Failure{Kind: auth.KindNoToken})
	out := logs.String()
	if !strings.Contains(out, "msg=\"token refusals not logged one by one\" more=995") ||
		!strings.Contains(out, "bad_signature=747") || !strings.Contains(out, "unknown_app=248") {
		t.Errorf("summary of the window:\n%s", out)
	}
	if n := strings.Count(out, "\n"); n != sampleIndividual+2 {
		t.Errorf("%d lines after the window, want %d (5, the summary, the next one)", n, sampleIndividual+2)
	}
}
