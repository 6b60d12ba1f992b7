// Package client is a Go client of the Kore.ai bot import API as botport
// serves it; it works against a Kore.ai host too. Calls are typed, take a
// context, and retry with backoff on 429, 5xx and connection errors.
package client

import (
	"bytes"
	"context"
	crand "crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// Client calls one host with one app's credentials.
type Client struct {
	// BaseURL is the host, e.g. https://bots.kore.ai or http://127.0.0.1:8080.
	BaseURL string
	// AppID and Secret sign a fresh token per request (HS256 unless
	// Algorithm says HS512).
	AppID, Secret, Algorithm string
	// Token, when set, is sent as is instead of signing one.
	Token string
	// HTTP is the underlying client (default: one with a 5-minute timeout).
	HTTP *http.Client
	// Retries is how many times a retryable failure is retried (default 4;
	// negative disables). Backoff starts at MinBackoff (default 200 ms).
	// A 429 or 503 answer with Retry-After is retried after that wait, not
	// the backoff, unless it is longer than MaxRetryAfter (default 2
	// minutes) or than what is left of the context: then the answer is
	// returned at once (a client does not sleep through an hourly limit).
	Retries       int
	MinBackoff    time.Duration
	MaxRetryAfter time.Duration
	// UserAgent is sent with every request.
	UserAgent string
	// OnRetry, when set, is told of each retry before its backoff, so that
	// a program can say why it pauses.
	OnRetry func(Retry)
}

// Retry describes a failed attempt that is about to be repeated.
type Retry struct {
	Method, Path string        // the request; Path without the query
	Attempt      int           // the attempt that failed, from 1
	Attempts     int           // attempts in all, at most
	Wait         time.Duration // the backoff before the next attempt
	Err          error         // why the attempt failed
}

// retrying tells OnRetry of a retry.
func (c *Client) retrying(method, path string, attempt, retries int, wait time.Duration, err error) {
	if c.OnRetry == nil {
		return
	}
	if i := strings.IndexByte(path, '?'); i >= 0 {
		path = path[:i]
	}
	c.OnRetry(Retry{Method: method, Path: path, Attempt: attempt + 1, Attempts: retries + 1, Wait: wait, Err: err})
}

// New returns a client of host signing with the app's credentials.
func New(baseURL, appID, secret string) *Client {
	return &Client{BaseURL: strings.TrimRight(baseURL, "/"), AppID: appID, Secret: secret}
}

// Error is an answer in the API's error envelope.
type Error struct {
	StatusCode int    // HTTP status
	Msg        string // envelope msg
	Code       int    // envelope code
	RetryAfter time.Duration
}

func (e *Error) Error() string {
	return fmt.Sprintf("%d %s (code %d)", e.StatusCode, e.Msg, e.Code)
}

// IsStatus reports whether err is an API error with that HTTP status.
func IsStatus(err error, status int) bool {
	var e *Error
	return errors.As(err, &e) && e.StatusCode == status
}

func (c *Client) httpClient() *http.Client {
	if c.HTTP != nil {
		return c.HTTP
	}
	return defaultHTTP
}

var defaultHTTP = &http.Client{Timeout: 5 * time.Minute}

// token returns the credential for one request.
func (c *Client) token() (string, error) {
	if c.Token != "" {
		return c.Token, nil
	}
	if c.AppID == "" || c.Secret == "" {
		return "", errors.New("client: no token and no app credentials")
	}
	m := jwt.SigningMethod(jwt.SigningMethodHS256)
	if strings.EqualFold(c.Algorithm, "HS512") {
		m = jwt.SigningMethodHS512
	}
	// A fresh jti every time: apps that enforce JTI (contract 2.3) refuse a
	// token used twice, and others ignore it.
	var jti [12]byte
	if _, err := crand.Read(jti[:]); err != nil {
		return "", err
	}
	now := time.Now()
	return jwt.NewWithClaims(m, jwt.MapClaims{
		"appId": c.AppID, "sub": "botport-client", "iat": now.Unix(), "exp": now.Add(5 * time.Minute).Unix(),
		"jti": hex.EncodeToString(jti[:]),
	}).SignedString([]byte(c.Secret))
}

// request describes one call; body is rebuilt for each attempt.
type request struct {
	method, path string
	contentType  string
	header       http.Header // extra request headers
	// notModified, when set, is told of a 304 answer (conditional GETs).
	notModified *bool
	etag        *string // receives the answer's ETag
	body        func() (io.Reader, error)
	idempotent  bool   // safe to retry after the request may have reached the server
	idemKey     string // Idempotency-Key header, when set (WithIdempotencyKey)
}

// CallOption changes one call (WithIdempotencyKey).
type CallOption func(*request)

// WithIdempotencyKey sends the call with an Idempotency-Key header (the
// IETF draft; botport honours it on every POST that creates something):
// the server runs the request once per app and key and answers a repeat of
// it within 24 hours with the first answer (the same _id), so the call is
// retried after connection errors and 5xx answers like a GET, and after a
// 409 that says the first request is still in flight. The same key with
// another request is refused (422). key is 1 to 255 printable ASCII
// characters; NewIdempotencyKey makes one.
func WithIdempotencyKey(key string) CallOption {
	return func(r *request) { r.idemKey, r.idempotent = key, true }
}

// NewIdempotencyKey returns a random key for WithIdempotencyKey.
func NewIdempotencyKey() string { return crand.Text() }

// with applies opts to req.
func (req request) with(opts []CallOption) request {
	for _, o := range opts {
		o(&req)
	}
	return req
}

// do sends req with retries and decodes a 200 answer into out.
func (c *Client) do(ctx context.Context, req request, out any) error {
	retries := c.Retries
	if retries == 0 {
		retries = 4
	}
	backoff := c.MinBackoff
	if backoff <= 0 {
		backoff = 200 * time.Millisecond
	}
	maxWait := c.MaxRetryAfter
	if maxWait <= 0 {
		maxWait = 2 * time.Minute
	}
	if k := keyedFrom(ctx); k != nil && req.idemKey == "" {
		req.idemKey, req.idempotent = k.Key, true // KeyedContext: as WithIdempotencyKey
	}
	for attempt := 0; ; attempt++ {
		err := c.once(ctx, req, out)
		if err == nil {
			return nil
		}
		wait, retry := c.retryable(err, req.idempotent, req.idemKey != "")
		if !retry || attempt >= retries {
			return err
		}
		if wait > 0 {
			// The server said when: no sooner, and not at all when that
			// is beyond what the caller gives this call.
			if dl, ok := ctx.Deadline(); wait > maxWait || (ok && time.Until(dl) < wait) {
				return err
			}
		} else {
			wait = backoff<<attempt + rand.N(backoff)
		}
		c.retrying(req.method, req.path, attempt, retries, wait, err)
		select {
		case <-ctx.Done():
			return errors.Join(err, ctx.Err())
		case <-time.After(wait):
		}
	}
}

// retryable decides whether err deserves another attempt: 429 and 5xx
// answers, and connection errors. A POST that may have been received is only
// retried when the server answered 429 or 503 (it did not act on it), or
// when it carries an idempotency key (keyed): then also after a 409 with
// Retry-After (the first request with the key is still in flight).
func (c *Client) retryable(err error, idempotent, keyed bool) (time.Duration, bool) {
	var e *Error
	if errors.As(err, &e) {
		switch {
		case e.StatusCode == http.StatusTooManyRequests || e.StatusCode == http.StatusServiceUnavailable:
			return e.RetryAfter, true
		case e.StatusCode >= 500:
			return 0, idempotent
		case e.StatusCode == http.StatusConflict && keyed && e.RetryAfter > 0:
			return e.RetryAfter, true
		}
		return 0, false
	}
	// A transport failure, a timeout waiting for the answer included (the
	// caller's own context ending is not one: once returns ctx.Err()).
	var ne *netError
	if errors.As(err, &ne) {
		return 0, idempotent || ne.beforeSend
	}
	return 0, false
}

// netError is a transport failure; beforeSend when the connection was never made.
type netError struct {
	err        error
	beforeSend bool
}

func (e *netError) Error() string { return e.err.Error() }
func (e *netError) Unwrap() error { return e.err }

func (c *Client) once(ctx context.Context, req request, out any) error {
	var body io.Reader
	if req.body != nil {
		b, err := req.body()
		if err != nil {
			return err
		}
		body = b
	}
	hr, err := http.NewRequestWithContext(ctx, req.method, c.BaseURL+req.path, body)
	if err != nil {
		return err
	}
	tok, err := c.token()
	if err != nil {
		return err
	}
	hr.Header.Set("auth", tok)
	if req.contentType != "" {
		hr.Header.Set("Content-Type", req.contentType)
	}
	if req.idemKey != "" {
		hr.Header.Set("Idempotency-Key", req.idemKey)
	}
	for k, vs := range req.header {
		hr.Header[k] = vs
	}
	keyed := keyedFrom(ctx)
	if c.UserAgent != "" {
		hr.Header.Set("User-Agent", c.UserAgent)
	}
	resp, err := c.httpClient().Do(hr)
	if err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return &netError{err: err, beforeSend: isDialError(err)}
	}
	defer resp.Body.Close()
	keyed.observe(resp)
	data, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		return &netError{err: err}
	}
	if req.etag != nil {
		*req.etag = resp.Header.Get("ETag")
	}
	if resp.StatusCode == http.StatusNotModified && req.notModified != nil {
		*req.notModified = true
		return nil
	}
	if resp.StatusCode != http.StatusOK {
		return apiError(resp, data)
	}
	if out == nil {
		return nil
	}
	if raw, ok := out.(*json.RawMessage); ok {
		*raw = data
		return nil
	}
	if err := json.Unmarshal(data, out); err != nil {
		return fmt.Errorf("decode %s %s answer: %w", req.method, req.path, err)
	}
	return nil
}

// retryAfter reads a Retry-After value: whole seconds, or an HTTP date
// (RFC 9110 10.2.3); 0 when absent or unreadable.
func retryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	if s, err := strconv.Atoi(v); err == nil {
		if s < 0 {
			return 0
		}
		return time.Duration(s) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil && t.After(now) {
		return t.Sub(now)
	}
	return 0
}

// apiError is a non-200 answer as an *Error: the envelope's message and
// code when the body holds one, and Retry-After.
func apiError(resp *http.Response, data []byte) *Error {
	e := &Error{StatusCode: resp.StatusCode, Msg: http.StatusText(resp.StatusCode)}
	var env struct {
		Errors []struct {
			Msg  string `json:"msg"`
			Code int    `json:"code"`
		} `json:"errors"`
	}
	if json.Unmarshal(data, &env) == nil && len(env.Errors) > 0 {
		e.Msg, e.Code = env.Errors[0].Msg, env.Errors[0].Code
	}
	e.RetryAfter = retryAfter(resp.Header.Get("Retry-After"), time.Now())
	return e
}

func isDialError(err error) bool {
	s := err.Error()
	return strings.Contains(s, "connection refused") || strings.Contains(s, "dial tcp") || strings.Contains(s, "no such host")
}

func jsonBody(v any) func() (io.Reader, error) {
	return func() (io.Reader, error) {
		b, err := json.Marshal(v)
		return bytes.NewReader(b), err
	}
}

func bytesBody(b []byte) func() (io.Reader, error) {
	return func() (io.Reader, error) { return bytes.NewReader(b), nil }
}
