package httpapi

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"hash"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/botport/botport/internal/kore"
	"github.com/botport/botport/internal/store"
)

// Idempotency keys (the IETF Idempotency-Key header draft) on POSTs that
// create something.
const (
	// idempotencyTTL: a completed key replays its answer this long after
	// its first request.
	idempotencyTTL = 24 * time.Hour
	// idempotencyLease: a key in flight whose request stopped renewing it
	// (its replica died) is free again after this; requests renew it every
	// idempotencyRenew while they run.
	idempotencyLease = 30 * time.Second
	idempotencyRenew = 10 * time.Second
	// maxReplayBody bounds the answer kept for replays; an answer over it
	// is sent but not kept (the key is released).
	maxReplayBody = 1 << 20
	// maxIdempotencyKey bounds a key, in bytes.
	maxIdempotencyKey = 255
)

// replayedHeaders are the answer's headers a replay repeats: those a
// client reads (Content-Length is computed again).
var replayedHeaders = []string{"Content-Type", "Location", "Content-Location", "ETag", "Cache-Control"}

// idempotent is the route option that makes a POST honour the
// Idempotency-Key header: wrap the handler, inside authed,
//
//	s.route(mux, "POST", path, s.authed(scope, s.idempotent(s.handler)))
//
// Without the header the handler runs as before. With it (1 to 255
// printable ASCII characters, or an RFC 8941 string of them; else 412),
// the key is claimed for the app in the store, so that every replica sees
// it, before the handler reads the body:
//
//   - a new key runs the handler; a 2xx answer is kept with a fingerprint
//     of the request (method, path, query, media type and the body, hashed
//     as the handler streams it: a multipart body's boundary does not
//     count, so a client that builds the same form again matches). Any
//     other answer releases the key, so the request may be sent again;
//   - a key whose request is still in flight: 409 ErrKeyInFlight, with
//     Retry-After;
//   - a completed key: the body is read and hashed to its end (bounded by
//     the upload limit); the same fingerprint replays the kept answer
//     (status, body, replayedHeaders) with "Idempotent-Replayed: true",
//     another one is 422 ErrKeyReused.
//
// Keys expire idempotencyTTL after their first request; the cleanup job
// deletes them. A server that dies between creating something and keeping
// the answer leaves the key in flight until its lease lapses; then the
// request runs again.
func (s *server) idempotent(h handlerFunc) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request, app *store.App) error {
		vals := r.Header.Values("Idempotency-Key")
		if len(vals) == 0 {
			return h(w, r, app)
		}
		key, ok := parseIdempotencyKey(vals)
		if !ok {
			return kore.ErrIdempotencyKey
		}
		body := &hashingBody{rc: r.Body, fp: newFingerprint(r)}
		r.Body = body
		now := s.cfg.Now()
		claim := &store.IdempotencyKey{AppID: app.ID, Key: key, Token: kore.NewHexID(), CreatedOn: now,
			ExpiresOn: now.Add(idempotencyTTL), LeaseUntil: now.Add(idempotencyLease)}
		held, err := s.cfg.Store.ClaimIdempotencyKey(r.Context(), claim, now)
		if err != nil {
			return err
		}
		if held != nil {
			return s.replay(w, r, held, body)
		}
		return s.runClaimed(w, r, app, h, claim, body)
	}
}

// bodyBound is the most a request body may hold (an upload's).
func (s *server) bodyBound() int64 { return s.cfg.UploadLimit + s.cfg.BodyLimit }

// replay answers a request whose key is held.
func (s *server) replay(w http.ResponseWriter, r *http.Request, held *store.IdempotencyKey, body *hashingBody) error {
	if !held.Done {
		return kore.ErrKeyInFlight
	}
	if err := body.drain(s.bodyBound()); err != nil {
		return err
	}
	if body.fp.sum() != held.Fingerprint {
		return kore.ErrKeyReused
	}
	var header http.Header
	if err := json.Unmarshal(held.Header, &header); err != nil {
		return err
	}
	for _, name := range replayedHeaders {
		if v := header.Values(name); len(v) > 0 {
			w.Header()[name] = v
		}
	}
	w.Header().Set("Idempotent-Replayed", "true")
	w.Header().Set("Content-Length", strconv.Itoa(len(held.Body)))
	w.WriteHeader(held.Status)
	_, _ = w.Write(held.Body)
	return nil
}

// runClaimed runs the handler under a key this request holds, then keeps
// its answer or releases the key.
func (s *server) runClaimed(w http.ResponseWriter, r *http.Request, app *store.App, h handlerFunc,
	claim *store.IdempotencyKey, body *hashingBody) error {
	bg := context.WithoutCancel(r.Context()) // what the request created is kept even if its client left
	stop := s.keepLease(bg, claim)
	rec := &captureWriter{ResponseWriter: w}
	err := h(rec, r, app)
	stop()
	keep := err == nil && rec.status >= 200 && rec.status < 300 && !rec.overflow
	if keep {
		// The fingerprint covers the whole body, read or not.
		keep = body.drain(s.bodyBound()) == nil
	}
	if !keep {
		if rerr := s.cfg.Store.ReleaseIdempotencyKey(bg, claim.AppID, claim.Key, claim.Token); rerr != nil {
			s.log.WarnContext(r.Context(), "release idempotency key", "request_id", requestID(r), "error", rerr)
		}
		return err
	}
	header := http.Header{}
	for _, name := range replayedHeaders {
		if v := rec.Header().Values(name); len(v) > 0 {
			header[name] = v
		}
	}
	claim.Header, _ = json.Marshal(header)
	claim.Done, claim.Fingerprint, claim.Status, claim.Body = true, body.fp.sum(), rec.status, rec.body.Bytes()
	if err := s.cfg.Store.CompleteIdempotencyKey(bg, claim); err != nil {
		// The answer was sent; only its replay is lost (the lease lapsed
		// and another request took the key over, or the store failed).
		s.log.WarnContext(r.Context(), "keep the answer of an idempotency key", "request_id", requestID(r), "error", err)
	}
	return nil
}

// keepLease renews a claim's lease while its request runs, until stop.
func (s *server) keepLease(ctx context.Context, k *store.IdempotencyKey) (stop func()) {
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		t := time.NewTicker(idempotencyRenew)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
			}
			if err := s.cfg.Store.RenewIdempotencyKey(ctx, k.AppID, k.Key, k.Token, s.cfg.Now().Add(idempotencyLease)); err != nil {
				s.log.WarnContext(ctx, "renew idempotency key", "error", err)
			}
		}
	})
	return func() { close(done); wg.Wait() }
}

// parseIdempotencyKey reads the header's one value: 1 to 255 printable
// ASCII characters (space included), as a token or as an RFC 8941 string
// (the draft's form, "…" with \" and \\ escapes).
func parseIdempotencyKey(vals []string) (string, bool) {
	if len(vals) != 1 {
		return "", false
	}
	v := strings.TrimSpace(vals[0])
	if len(v) >= 2 && v[0] == '"' && v[len(v)-1] == '"' {
		var b strings.Builder
		for i := 1; i < len(v)-1; i++ {
			c := v[i]
			switch {
			case c == '\\':
				i++
				if i == len(v)-1 || v[i] != '"' && v[i] != '\\' {
					return "", false
				}
				b.WriteByte(v[i])
			case c == '"':
				return "", false
			default:
				b.WriteByte(c)
			}
		}
		v = b.String()
	}
	if len(v) == 0 || len(v) > maxIdempotencyKey {
		return "", false
	}
	for i := 0; i < len(v); i++ {
		if v[i] < 0x20 || v[i] > 0x7e {
			return "", false
		}
	}
	return v, true
}

// captureWriter passes an answer through and keeps its status and body
// (up to maxReplayBody) for replays.
type captureWriter struct {
	http.ResponseWriter
	status   int
	body     bytes.Buffer
	overflow bool
}

func (c *captureWriter) WriteHeader(code int) {
	if c.status == 0 {
		c.status = code
	}
	c.ResponseWriter.WriteHeader(code)
}

func (c *captureWriter) Write(b []byte) (int, error) {
	if c.status == 0 {
		c.status = http.StatusOK
	}
	if !c.overflow {
		if c.body.Len()+len(b) > maxReplayBody {
			c.overflow = true
			c.body = bytes.Buffer{}
		} else {
			c.body.Write(b)
		}
	}
	return c.ResponseWriter.Write(b)
}

func (c *captureWriter) Unwrap() http.ResponseWriter { return c.ResponseWriter }

// hashingBody feeds the fingerprint with what is read of the request body.
// Close does nothing: the server closes the body after the handler, and
// the rest may still be read for the fingerprint.
type hashingBody struct {
	rc  io.ReadCloser
	fp  *fingerprint
	n   int64
	err error // a failed read of the client's body
}

func (b *hashingBody) Read(p []byte) (int, error) {
	n, err := b.rc.Read(p)
	b.fp.Write(p[:n])
	b.n += int64(n)
	if err != nil && err != io.EOF {
		b.err = err
	}
	return n, err
}

func (b *hashingBody) Close() error { return nil }

// drain reads the rest of the body into the fingerprint, up to limit
// bytes in all. Errors: kore.ErrBodyTooLarge past limit, kore.ErrValidation
// for a body cut short.
func (b *hashingBody) drain(limit int64) error {
	if b.err != nil {
		return kore.ErrValidation
	}
	_, err := io.Copy(io.Discard, io.LimitReader(b, limit-b.n+1))
	var mbe *http.MaxBytesError
	switch {
	case b.n > limit || errors.As(err, &mbe):
		return kore.ErrBodyTooLarge(limit)
	case err != nil:
		return kore.ErrValidation
	}
	return nil
}

// fingerprint hashes a request: method, path, query, media type and body.
// A multipart body's boundary (a random string each time a client builds
// the form) is replaced by a constant as the body streams through, holding
// at most one boundary's length plus one read back.
type fingerprint struct {
	h        hash.Hash
	boundary []byte
	pend     []byte // unhashed bytes: less than a boundary at the end of a write
}

// boundaryMark replaces a multipart boundary in the hashed body.
var boundaryMark = []byte("\x00boundary\x00")

func newFingerprint(r *http.Request) *fingerprint {
	f := &fingerprint{h: sha256.New()}
	mt, params, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	for _, part := range []string{r.Method, r.URL.EscapedPath(), r.URL.RawQuery, mt} {
		f.h.Write([]byte(part))
		f.h.Write([]byte{0})
	}
	if b := params["boundary"]; strings.HasPrefix(mt, "multipart/") && b != "" {
		f.boundary = []byte(b)
	}
	return f
}

// Write hashes p. It never fails.
func (f *fingerprint) Write(p []byte) (int, error) {
	if len(f.boundary) == 0 {
		return f.h.Write(p)
	}
	n := len(p)
	for len(p) > 0 {
		// Hash in chunks of at most 32 KiB after what is pending, so the
		// buffer stays small whatever the reads.
		c := p[:min(len(p), 32<<10)]
		p = p[len(c):]
		f.pend = append(f.pend, c...)
		f.flush(false)
	}
	return n, nil
}

// flush hashes what is pending, each boundary as boundaryMark, keeping
// back (unless final) the bytes that may begin a boundary the next write
// completes.
func (f *fingerprint) flush(final bool) {
	buf := f.pend
	for {
		i := bytes.Index(buf, f.boundary)
		if i < 0 {
			break
		}
		f.h.Write(buf[:i])
		f.h.Write(boundaryMark)
		buf = buf[i+len(f.boundary):]
	}
	keep := 0
	if !final {
		keep = min(len(buf), len(f.boundary)-1)
	}
	f.h.Write(buf[:len(buf)-keep])
	f.pend = f.pend[:copy(f.pend, buf[len(buf)-keep:])]
}

// sum is the fingerprint of what was written, hex.
func (f *fingerprint) sum() string {
	if len(f.boundary) > 0 {
		f.flush(true)
	}
	return hex.EncodeToString(f.h.Sum(nil))
}
