package httpapi

import (
	"io"
	"net/http"
	"os"
	"strconv"
	"time"

	"github.com/botport/botport/internal/kore"
)

// IO is how slow a client may be (issue 12, finding 4). A request body is
// read, and an answer written, at no less than MinRate bytes a second on
// average, after a Grace period: a transfer is cut once the time spent
// waiting on the client passes Grace + bytes moved / MinRate, or once one
// read or write of n bytes waits longer than Grace + n / MinRate (a client
// that stops). Only time blocked on the connection counts, never the
// server's own work between reads or writes. A trickle (one byte every two
// seconds) is cut after Grace; an upload of the largest file over a slow
// link is not (256 MiB at 32 KiB/s: 2 h 16 min).
type IO struct {
	Grace   time.Duration // default 10 s
	MinRate int64         // bytes a second; default 32 KiB (a 256 kbit/s link)
}

func (c IO) withDefaults() IO {
	if c.Grace <= 0 {
		c.Grace = 10 * time.Second
	}
	if c.MinRate <= 0 {
		c.MinRate = 32 << 10
	}
	return c
}

// budget is one direction's allowance: how long the next read or write
// may wait.
type budget struct {
	io      IO
	moved   int64
	blocked time.Duration
}

func (b *budget) allowance() time.Duration {
	return b.io.Grace + b.io.time(b.moved) - b.blocked
}

// time is how long n bytes take at the minimum rate.
func (c IO) time(n int64) time.Duration {
	return time.Duration(float64(n) / float64(c.MinRate) * float64(time.Second))
}

// next is the deadline of one read or write of up to n bytes: within the
// allowance, and never more than Grace plus n bytes' time, so that a client
// that stops altogether is cut within that, whatever it earned before (the
// kernel's buffers take megabytes without the client reading any).
func (b *budget) next(n int) time.Duration {
	return min(b.allowance(), b.io.Grace+b.io.time(int64(n)))
}

// deadlineReader reads a request body under the read budget, setting the
// connection's read deadline before each read. At the end of the body the
// deadline is cleared: the server's own background read then waits for the
// next request (a deadline passing there would cancel the request's context
// while its handler still works).
type deadlineReader struct {
	io.ReadCloser
	rc  *http.ResponseController
	b   budget
	eof bool
}

func (r *deadlineReader) Read(p []byte) (int, error) {
	if r.eof {
		return r.ReadCloser.Read(p)
	}
	d := r.b.next(len(p))
	if d <= 0 {
		return 0, os.ErrDeadlineExceeded
	}
	start := time.Now()
	_ = r.rc.SetReadDeadline(start.Add(d))
	n, err := r.ReadCloser.Read(p)
	r.b.blocked += time.Since(start)
	r.b.moved += int64(n)
	if err == io.EOF {
		r.eof = true
		_ = r.rc.SetReadDeadline(time.Time{})
	}
	return n, err
}

// writeChunk is the most written under one write deadline: a client that
// stops reading is cut within Grace plus one chunk's time, whatever the
// size of the answer.
const writeChunk = 64 << 10

// write writes b under the write budget, in chunks.
func (w *statusWriter) write(b []byte) (int, error) {
	total := 0
	for len(b) > 0 {
		chunk := b[:min(len(b), writeChunk)]
		d := w.wb.next(len(chunk))
		if d <= 0 {
			return total, os.ErrDeadlineExceeded
		}
		start := time.Now()
		_ = w.rc.SetWriteDeadline(start.Add(d))
		n, err := w.ResponseWriter.Write(chunk)
		w.wb.blocked += time.Since(start)
		w.wb.moved += int64(n)
		total += n
		if err != nil {
			return total, err
		}
		b = b[n:]
	}
	return total, nil
}

// refuseEarly is called as an error status is written: when the request's
// body has not been read to its end, the connection is closed after the
// answer (Connection: close) rather than kept, so the server does not read
// what is left of a body nobody wants, however slowly it comes.
func (w *statusWriter) refuseEarly(code int) {
	if code >= 400 && w.body != nil && !w.body.eof {
		w.Header().Set("Connection", "close")
		w.closing = true
	}
}

// finish runs when the handler has returned: the answer still buffered gets
// a fresh write deadline; an unread body is not drained when the connection
// closes, and drained for at most Grace when it is kept (the server reads up
// to 256 KiB of it to reuse the connection).
func (w *statusWriter) finish() {
	now := time.Now()
	_ = w.rc.SetWriteDeadline(now.Add(w.wb.io.Grace))
	if w.body != nil && !w.body.eof {
		if w.closing {
			_ = w.rc.SetReadDeadline(now)
		} else {
			_ = w.rc.SetReadDeadline(now.Add(w.wb.io.Grace))
		}
	}
}

// writeStatusEnvelope answers with an HTTP status of botport's own (contract
// 3.3: the status text as msg, the status as code), for answers no kore
// code names (overload).
func writeStatusEnvelope(w http.ResponseWriter, status int) {
	writeJSON(w, status, statusEnvelope(status))
}

func statusEnvelope(status int) []byte {
	return kore.Encode(envelope{Errors: [1]envelopeItem{{Msg: http.StatusText(status), Code: status}}})
}

// admit takes a place among the requests in flight; false when all are
// taken (the caller answers 503 and Retry-After).
func (s *server) admit() bool {
	if s.cfg.MaxInFlight <= 0 {
		return true
	}
	if s.inFlight.Add(1) > int64(s.cfg.MaxInFlight) {
		s.inFlight.Add(-1)
		return false
	}
	return true
}

func (s *server) release() {
	if s.cfg.MaxInFlight > 0 {
		s.inFlight.Add(-1)
	}
}

// overloaded answers a request over the in-flight cap; its access log line
// is sampled like other refusals.
func (s *server) overloaded(w http.ResponseWriter) {
	w.Header().Set("Retry-After", strconv.Itoa(1))
	writeStatusEnvelope(w, http.StatusServiceUnavailable)
}
