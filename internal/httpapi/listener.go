package httpapi

import (
	"bytes"
	"net"
	"net/http"
	"strconv"
	"sync"
	"time"
)

// Listen wraps ln for the API's server: at most maxConns connections are
// open at once (0: no cap), and the answers Go's HTTP server writes by
// itself go out in the Kore envelope.
//
// A connection over the cap is answered 503 Service Unavailable with
// Retry-After in the envelope and closed, rather than left waiting in the
// kernel's backlog: a client learns at once to come back.
//
// Go's server answers some malformed requests before any handler runs
// (431 header too large, 400 malformed request, 501 unsupported transfer
// coding, 505 HTTP version, 417 unknown expectation), in plain text. It
// writes those answers straight to the connection, so the connection
// rewrites them: any answer of status 400 or more whose header block lacks
// the X-Request-Id every handler's answer carries is one of Go's, and is
// replaced by the same status in the envelope (contract 3.3).
func Listen(ln net.Listener, maxConns int) net.Listener {
	l := &listener{Listener: ln, rejecting: make(chan struct{}, 64)}
	if maxConns > 0 {
		l.slots = make(chan struct{}, maxConns)
	}
	return l
}

type listener struct {
	net.Listener
	slots     chan struct{} // one per open connection; nil: no cap
	rejecting chan struct{} // connections being refused at once
}

func (l *listener) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		if l.slots == nil {
			return &conn{Conn: c}, nil
		}
		select {
		case l.slots <- struct{}{}:
			return &conn{Conn: c, release: func() { <-l.slots }}, nil
		default:
			l.reject(c)
		}
	}
}

// reject answers a connection over the cap. The request's first bytes are
// read (briefly) before the answer so that closing does not reset the
// connection under the client's feet; when many are refused at once, the
// rest are closed without an answer.
func (l *listener) reject(c net.Conn) {
	select {
	case l.rejecting <- struct{}{}:
	default:
		c.Close()
		return
	}
	go func() {
		defer func() { <-l.rejecting }()
		defer c.Close()
		_ = c.SetDeadline(time.Now().Add(200 * time.Millisecond))
		_, _ = c.Read(make([]byte, 4096))
		_, _ = c.Write(envelopeResponse(http.StatusServiceUnavailable))
	}()
}

// conn releases its slot once closed, and rewrites Go's own answers.
type conn struct {
	net.Conn
	release func()
	once    sync.Once
}

func (c *conn) Close() error {
	err := c.Conn.Close()
	if c.release != nil {
		c.once.Do(c.release)
	}
	return err
}

// CloseWrite lets the server half-close the connection after an answer, as
// it does on a bare TCP connection.
func (c *conn) CloseWrite() error {
	if cw, ok := c.Conn.(interface{ CloseWrite() error }); ok {
		return cw.CloseWrite()
	}
	return nil
}

func (c *conn) Write(b []byte) (int, error) {
	if out, ok := rewriteServerError(b); ok {
		if _, err := c.Conn.Write(out); err != nil {
			return 0, err
		}
		return len(b), nil
	}
	return c.Conn.Write(b)
}

// rewriteServerError returns the envelope answer replacing b when b is an
// error answer Go's server wrote by itself (see Listen).
func rewriteServerError(b []byte) ([]byte, bool) {
	if len(b) < 12 || !bytes.HasPrefix(b, []byte("HTTP/1.")) || b[8] != ' ' {
		return nil, false
	}
	end := bytes.Index(b, []byte("\r\n\r\n"))
	if end < 0 || bytes.Contains(b[:end], []byte("\r\nX-Request-Id:")) {
		return nil, false
	}
	code, err := strconv.Atoi(string(b[9:12]))
	if err != nil || code < 400 || code > 599 {
		return nil, false
	}
	return envelopeResponse(code), true
}

// envelopeResponse is a whole HTTP answer of status in the envelope, after
// which the connection closes.
func envelopeResponse(status int) []byte {
	body := statusEnvelope(status)
	var b bytes.Buffer
	b.WriteString("HTTP/1.1 " + strconv.Itoa(status) + " " + http.StatusText(status) + "\r\n")
	b.WriteString("Content-Type: application/json; charset=utf-8\r\n")
	if status == http.StatusServiceUnavailable || status == http.StatusTooManyRequests {
		b.WriteString("Retry-After: 1\r\n")
	}
	b.WriteString("Connection: close\r\nContent-Length: " + strconv.Itoa(len(body)) + "\r\n\r\n")
	b.Write(body)
	return b.Bytes()
}
