package ui

import (
	"encoding/json"
	"errors"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/botport/botport/internal/kore"
	"github.com/botport/botport/internal/store"
)

// The live rows' stream.
const (
	liveHeartbeat = 15 * time.Second
	liveLifetime  = 10 * time.Minute // then the browser reconnects (EventSource does)
	liveWriteWait = 30 * time.Second
	maxWatched    = 200
)

// watched is an import whose row the page shows, as last sent.
type watched struct {
	status string
	rev    int64
	queue  store.Queue
}

// live is GET /ui/imports/live: Server-Sent Events that keep the imports
// page's rows current without a reload. Each "row" event carries one
// row's HTML, rendered here (the page's script swaps it in by id). It
// follows the imports named by watch (the pending rows of the page), and,
// on the first page (after set), the account's imports accepted after the
// newest one shown that match the page's filters, which appear at the top.
// Every lookup is scoped to the session's account: an id of another
// account is never found and never sent.
//
// Like the API's event stream it polls the store (an indexed row read per
// followed import, one list query per interval on the first page), so it
// works on every replica whatever runs the import.
func (s *server) live(w http.ResponseWriter, r *http.Request, sess *session) error {
	ctx := r.Context()
	acct := sess.App.AccountID
	q := r.URL.Query()
	f := store.ListFilter{AccountID: acct, Limit: pageSize}
	if b := q.Get("bot"); kore.IsBotID(b) {
		f.BotID = b
	}
	switch st := q.Get("status"); st {
	case store.StatusPending, store.StatusSuccess, store.StatusFailure:
		f.Status = st
	}
	after, err := strconv.ParseInt(q.Get("after"), 10, 64)
	firstPage := err == nil && after >= 0
	watch := map[string]*watched{}
	for _, id := range q["watch"] {
		if kore.IsImportID(id) && len(watch) < maxWatched {
			watch[id] = &watched{status: store.StatusPending}
		}
	}

	rc := http.NewResponseController(w)
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	lastWrite := time.Now()
	write := func(b []byte) error {
		_ = rc.SetWriteDeadline(time.Now().Add(liveWriteWait))
		if _, err := w.Write(b); err != nil {
			return err
		}
		lastWrite = time.Now()
		return rc.Flush()
	}
	send := func(item *store.ImportItem, queue store.Queue) error {
		rw := newRow(item, sess.CSRF())
		rw.Queue = queueWords(queue)
		html, err := s.fragment("row", rw)
		if err != nil {
			return err
		}
		data, _ := json.Marshal(struct {
			ID     string `json:"id"`
			Status string `json:"status"`
			Label  string `json:"label"`
			HTML   string `json:"html"`
		}{item.ID, item.Status, rw.StatusLabel(), html})
		return write([]byte("event: row\ndata: " + string(data) + "\n\n"))
	}
	if err := write([]byte("retry: 2000\n\n")); err != nil {
		return nil
	}
	tick := time.NewTicker(s.cfg.Poll)
	defer tick.Stop()
	end := time.Now().Add(liveLifetime)
	for {
		if firstPage {
			items, err := s.cfg.Store.ListImports(ctx, f)
			if err != nil {
				return s.liveEnd(r, err)
			}
			var fresh []*store.ImportItem
			for _, it := range items {
				if it.Seq > after {
					fresh = append(fresh, it)
				}
			}
			slices.Reverse(fresh) // oldest first: each goes on top of the one before
			for _, it := range fresh {
				after = max(after, it.Seq)
				var queue store.Queue
				if it.Status == store.StatusPending && len(watch) < maxWatched {
					watch[it.ID] = &watched{status: it.Status}
				}
				if err := send(it, queue); err != nil {
					return nil
				}
			}
		}
		for id, was := range watch {
			st, err := s.cfg.Store.ImportState(ctx, acct, id, was.rev)
			if errors.Is(err, store.ErrNotFound) {
				delete(watch, id) // unknown, another account's, or deleted by retention
				continue
			}
			if err != nil {
				return s.liveEnd(r, err)
			}
			changed := st.Status != was.status || st.Queue != was.queue
			was.rev = st.Rev
			if !changed {
				continue
			}
			imp, err := s.cfg.Store.Import(ctx, acct, id)
			if err != nil {
				return s.liveEnd(r, err)
			}
			was.status, was.queue = imp.Status, st.Queue
			it := &store.ImportItem{ID: imp.ID, Seq: imp.Seq, BotID: imp.BotID, NewBot: imp.NewBot, BotName: imp.BotName,
				Status: imp.Status, DryRun: imp.DryRun, Cancelled: imp.Cancelled, CreatedOn: imp.CreatedOn, FinishedOn: imp.FinishedOn}
			if err := send(it, st.Queue); err != nil {
				return nil
			}
			if imp.Status != store.StatusPending {
				delete(watch, id)
			}
		}
		if !firstPage && len(watch) == 0 {
			// Nothing left that can change: "done" tells the page not to
			// reconnect (EventSource would, every retry interval).
			_ = write([]byte("event: done\ndata: {}\n\n"))
			return nil
		}
		select {
		case <-ctx.Done():
			return nil
		case <-tick.C:
		}
		if (s.cfg.Ready != nil && !s.cfg.Ready.Load()) || time.Now().After(end) {
			return nil // the browser reconnects, here or on another replica
		}
		if time.Since(lastWrite) >= liveHeartbeat {
			if err := write([]byte(": keep-alive\n\n")); err != nil {
				return nil
			}
		}
	}
}

// liveEnd ends a stream after a failed read: logged, and the browser
// reconnects.
func (s *server) liveEnd(r *http.Request, err error) error {
	if r.Context().Err() == nil {
		s.log.WarnContext(r.Context(), "dashboard live rows ended by a failed read", "error", err)
	}
	return nil
}

// fragment renders one named template of the fragments set.
func (s *server) fragment(name string, data any) (string, error) {
	var b strings.Builder
	if err := s.pages["fragments"].ExecuteTemplate(&b, name, data); err != nil {
		return "", err
	}
	return b.String(), nil
}
