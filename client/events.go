package client

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// Event is one status event of an import's event stream.
type Event struct {
	ID     string          // resume after it with Last-Event-ID
	Status *Status         // the whole status document
	Raw    json.RawMessage // the document as the server sent it
}

// EventStream reads an import's Server-Sent Events (ImportEvents). It is
// not safe for concurrent use.
type EventStream struct {
	resp   *http.Response
	r      *bufio.Reader
	cancel context.CancelFunc
	idle   *time.Timer
	// LastID is the id of the last event read: pass it to ImportEvents to
	// resume after it.
	LastID string
}

// eventIdle is how long a stream may stay silent (the server sends a
// comment every 15 s) before it counts as broken.
const eventIdle = 45 * time.Second

// maxEvent bounds one event's size (a status document).
const maxEvent = 64 << 20

// ImportEvents opens an import's event stream (GET
// /api/botport/imports/{bir}/events; botport only): an event at once, one
// at each change, and the end of the stream after the final document.
// lastEventID ("" for none) resumes after that event. Errors: an *Error
// for an answer other than the stream (400 for an unknown import; 404 or
// 405 from a server without event streams, such as a Kore.ai host); a
// transport failure.
func (c *Client) ImportEvents(ctx context.Context, bir, lastEventID string) (*EventStream, error) {
	ctx, cancel := context.WithCancel(ctx)
	hr, err := http.NewRequestWithContext(ctx, http.MethodGet, c.BaseURL+eventsPath(bir), nil)
	if err != nil {
		cancel()
		return nil, err
	}
	tok, err := c.token()
	if err != nil {
		cancel()
		return nil, err
	}
	hr.Header.Set("auth", tok)
	hr.Header.Set("Accept", "text/event-stream")
	if lastEventID != "" {
		hr.Header.Set("Last-Event-ID", lastEventID)
	}
	if c.UserAgent != "" {
		hr.Header.Set("User-Agent", c.UserAgent)
	}
	hc := *c.httpClient()
	hc.Timeout = 0 // a stream lasts as long as the import; idleness is watched instead
	resp, err := hc.Do(hr)
	if err != nil {
		cancel()
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, &netError{err: err, beforeSend: isDialError(err)}
	}
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/event-stream") {
		defer cancel()
		defer resp.Body.Close()
		data, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
		return nil, apiError(resp, data)
	}
	return &EventStream{resp: resp, r: bufio.NewReaderSize(resp.Body, 64<<10), cancel: cancel,
		idle: time.AfterFunc(eventIdle, cancel), LastID: lastEventID}, nil
}

// eventsPath is the path of an import's event stream.
func eventsPath(bir string) string { return "/api/botport/imports/" + url.PathEscape(bir) + "/events" }

// Next returns the next status event. Errors: io.EOF when the server ended
// the stream (after the final document, or because it is stopping: resume
// with LastID); a transport failure, also after eventIdle of silence.
func (s *EventStream) Next() (*Event, error) {
	var name, id string
	var data bytes.Buffer
	sawData := false
	for {
		line, err := s.readLine()
		if err != nil {
			if errors.Is(err, context.Canceled) {
				err = fmt.Errorf("event stream silent for %s: %w", eventIdle, err)
			}
			return nil, err
		}
		s.idle.Reset(eventIdle)
		if len(line) == 0 { // dispatch
			if id != "" {
				s.LastID = id
			}
			if sawData && (name == "" || name == "status") {
				ev := &Event{ID: s.LastID, Raw: json.RawMessage(bytes.Clone(data.Bytes()))}
				var st Status
				if err := json.Unmarshal(ev.Raw, &st); err != nil {
					return nil, fmt.Errorf("event %s: %w", ev.ID, err)
				}
				ev.Status = &st
				return ev, nil
			}
			name, id, sawData = "", "", false
			data.Reset()
			continue
		}
		if line[0] == ':' {
			continue // a comment: the heartbeat
		}
		field, value, _ := strings.Cut(string(line), ":")
		value = strings.TrimPrefix(value, " ")
		switch field {
		case "event":
			name = value
		case "id":
			id = value
		case "data":
			if sawData {
				data.WriteByte('\n')
			}
			if data.Len()+len(value) > maxEvent {
				return nil, fmt.Errorf("event over %d bytes", maxEvent)
			}
			data.WriteString(value)
			sawData = true
		}
	}
}

// readLine reads one line without its end (LF or CRLF), up to maxEvent.
func (s *EventStream) readLine() ([]byte, error) {
	var line []byte
	for {
		chunk, err := s.r.ReadSlice('\n')
		line = append(line, chunk...)
		if len(line) > maxEvent {
			return nil, fmt.Errorf("event line over %d bytes", maxEvent)
		}
		if err == bufio.ErrBufferFull {
			continue
		}
		if err != nil {
			if err == io.EOF && len(line) > 0 {
				err = io.ErrUnexpectedEOF
			}
			return nil, err
		}
		line = bytes.TrimSuffix(line[:len(line)-1], []byte("\r"))
		return line, nil
	}
}

// Close ends the stream.
func (s *EventStream) Close() error {
	s.idle.Stop()
	s.cancel()
	return s.resp.Body.Close()
}

// WatchImport follows an import until it ends, calling progress with each
// new status document, and returns the final one. It reads the import's
// event stream and resumes it where it broke off (Last-Event-ID): at once
// when the server ended a stream that had sent events (it stops), else
// with backoff, telling OnRetry, giving up after Retries failed attempts
// in a row. A server without event streams (404 or 405, a Kore.ai host)
// is polled with Wait every PollInterval instead. Errors: an *Error the
// server answered (400 for an unknown import); the last transport failure
// (a stream that keeps ending early included); ctx's.
func (c *Client) WatchImport(ctx context.Context, bir string, progress func(*Status)) (*Status, error) {
	retries, backoff := c.Retries, c.MinBackoff
	if retries == 0 {
		retries = 4
	}
	if backoff <= 0 {
		backoff = 200 * time.Millisecond
	}
	var last *Status
	lastID := ""
	failures := 0
	for {
		es, err := c.ImportEvents(ctx, bir, lastID)
		var e *Error
		switch {
		case errors.As(err, &e) && (e.StatusCode == http.StatusNotFound || e.StatusCode == http.StatusMethodNotAllowed) && last == nil:
			return c.Wait(ctx, bir, c.PollInterval, progress)
		case err == nil:
			var got bool
			last, got, err = readUntilDone(es, last, progress)
			lastID = es.LastID
			es.Close()
			if last != nil && last.Done() {
				return last, nil
			}
			if got {
				failures = 0
				if errors.Is(err, io.EOF) {
					continue // the server stopped the stream: resume at once
				}
			}
		}
		if ctx.Err() != nil {
			return last, ctx.Err()
		}
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			err = fmt.Errorf("the event stream ended before the import did: %w", err)
		}
		// Answers retry as other calls do; a stream that broke or ended
		// early always does.
		wait, retry := time.Duration(0), true
		if errors.As(err, &e) {
			wait, retry = c.retryable(err, true, false)
		}
		if !retry || failures >= retries {
			return last, err
		}
		if wait <= 0 {
			wait = backoff << failures
		}
		c.retrying(http.MethodGet, eventsPath(bir), failures, retries, wait, err)
		failures++
		select {
		case <-ctx.Done():
			return last, ctx.Err()
		case <-time.After(wait):
		}
	}
}

// readUntilDone reads events until the final document or an error; got
// tells whether any event came.
func readUntilDone(es *EventStream, last *Status, progress func(*Status)) (*Status, bool, error) {
	got := false
	for {
		ev, err := es.Next()
		if err != nil {
			return last, got, err
		}
		got, last = true, ev.Status
		if progress != nil {
			progress(last)
		}
		if last.Done() {
			return last, got, nil
		}
	}
}
