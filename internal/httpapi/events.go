package httpapi

import (
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/botport/botport/internal/kore"
	"github.com/botport/botport/internal/store"
)

// The event stream's timing. Every stream polls the store (one indexed row
// read, without the document unless its revision moved), so it works on
// every replica whatever wrote the import; changes within one interval
// reach the client as one event, which carries the whole document.
var (
	eventPoll      = 200 * time.Millisecond
	eventHeartbeat = 15 * time.Second
	eventWriteWait = 30 * time.Second // a client that takes longer to accept an event is dropped
)

// Event ids: the document's revision times eventsPerRev, plus the number
// of queue changes sent within that revision (the queue member is computed
// at each read, not stored, so it moves without the revision).
const eventsPerRev = 1000

// importEvents is GET /api/botport/imports/{bir}/events (botport
// extension): Server-Sent Events. One "status" event with the whole
// status document at connect and at every change, ids increasing; a
// Last-Event-ID header resumes after that event (nothing the client has is
// sent again); the stream ends after the final document, when the import
// is deleted, or when the server stops (the client reconnects elsewhere).
// A comment line every eventHeartbeat keeps proxies from closing it.
func (s *server) importEvents(w http.ResponseWriter, r *http.Request, app *store.App) error {
	ctx := r.Context()
	bir := r.PathValue("bir")
	if !kore.IsImportID(bir) {
		return kore.ErrRequestID
	}
	cur, err := s.cfg.Store.ImportState(ctx, app.AccountID, bir, 0)
	if errors.Is(err, store.ErrNotFound) {
		return kore.ErrRequestID
	}
	if err != nil {
		return err
	}
	sentRev, sentK := lastEventID(r.Header.Get("Last-Event-ID"))
	if sentRev > cur.Rev { // an id this import never sent
		sentRev, sentK = 0, 0
	}
	doc := cur.Doc
	// The client's queue state is unknown: a resumed stream sends the
	// current one as a new event.
	var sentQueue *store.Queue

	rc := http.NewResponseController(w)
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Accel-Buffering", "no") // nginx: do not buffer the stream
	w.WriteHeader(http.StatusOK)
	lastWrite := time.Now()
	write := func(b []byte) error {
		_ = rc.SetWriteDeadline(time.Now().Add(eventWriteWait)) // not every writer supports it
		if _, err := w.Write(b); err != nil {
			return err
		}
		lastWrite = time.Now()
		return rc.Flush()
	}
	if err := write([]byte("retry: 1000\n\n")); err != nil {
		return nil
	}
	tick := time.NewTicker(eventPoll)
	defer tick.Stop()
	for {
		var id int64
		switch {
		case cur.Rev > sentRev:
			sentRev, sentK = cur.Rev, 0
			id = sentRev * eventsPerRev
		case cur.Status == store.StatusPending && (sentQueue == nil || *sentQueue != cur.Queue) && sentK < eventsPerRev-1:
			sentK++
			id = sentRev*eventsPerRev + int64(sentK)
		}
		if id > 0 {
			q := cur.Queue
			sentQueue = &q
			ev := make([]byte, 0, len(doc)+96)
			ev = append(ev, "event: status\nid: "...)
			ev = strconv.AppendInt(ev, id, 10)
			ev = append(ev, "\ndata: "...)
			ev = append(ev, q.AppendTo(doc)...) // compact JSON: one line
			ev = append(ev, "\n\n"...)
			if err := write(ev); err != nil {
				return nil // the client went away
			}
		}
		if finalStatus(cur.Status) {
			return nil
		}
		select {
		case <-ctx.Done():
			return nil
		case <-tick.C:
		}
		if s.cfg.Ready != nil && !s.cfg.Ready.Load() {
			return nil // stopping: the client resumes on another replica
		}
		if time.Since(lastWrite) >= eventHeartbeat {
			if err := write([]byte(": keep-alive\n\n")); err != nil {
				return nil
			}
		}
		next, err := s.cfg.Store.ImportState(ctx, app.AccountID, bir, cur.Rev)
		if err != nil {
			if !errors.Is(err, store.ErrNotFound) && ctx.Err() == nil {
				s.log.WarnContext(ctx, "event stream ended by a failed read", "request_id", requestID(r), "import", bir, "error", err)
			}
			return nil // deleted, or the store failed: the client resumes
		}
		if next.Doc != nil {
			doc = next.Doc
		}
		cur = next
	}
}

// lastEventID splits a Last-Event-ID header into the revision and the
// queue change it names; anything else is no id.
func lastEventID(v string) (rev int64, k int) {
	n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
	if err != nil || n <= 0 {
		return 0, 0
	}
	return n / eventsPerRev, int(n % eventsPerRev)
}
