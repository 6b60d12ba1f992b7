package httpapi

import (
	"bufio"
	"context"
	"database/sql"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/botport/botport/internal/auth"
	"github.com/botport/botport/internal/blob"
	"github.com/botport/botport/internal/importer"
	"github.com/botport/botport/internal/kore"
	"github.com/botport/botport/internal/store"
	"github.com/botport/botport/internal/store/sqlite"
	"github.com/botport/botport/internal/store/sqlstore"
)

// sseEvent is one event of a stream, or a comment.
type sseEvent struct {
	name, id, data, comment string
}

// readEvent reads the next event or comment; io.EOF when the stream ends.
func readEvent(r *bufio.Reader) (sseEvent, error) {
	var ev sseEvent
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return ev, err
		}
		line = strings.TrimSuffix(line, "\n")
		switch {
		case line == "":
			if ev != (sseEvent{}) {
				return ev, nil
			}
		case strings.HasPrefix(line, ":"):
			ev.comment = line
		case strings.HasPrefix(line, "event: "):
			ev.name = line[7:]
		case strings.HasPrefix(line, "id: "):
			ev.id = line[4:]
		case strings.HasPrefix(line, "data: "):
			ev.data = line[6:]
		}
	}
}

type eventsEnv struct {
	db    *sqlstore.DB
	url   string
	token string
	app   *store.App
}

func newEventsEnv(t *testing.T) *eventsEnv {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	db, err := sqlite.Open(ctx, filepath.Join(dir, "botport.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	blobs, err := blob.Open(ctx, filepath.Join(dir, "blobs"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { blobs.Close() })
	acct, err := db.EnsureAccount(ctx, "events")
	if err != nil {
		t.Fatal(err)
	}
	app := &store.App{ID: kore.NewAppID(), AccountID: acct.ID, Name: "events", Secret: auth.NewSecret(), Algorithm: "HS256",
		Scopes: []string{auth.ScopeImport}, UserID: kore.NewUserID(), CreatedOn: time.Now()}
	if err := db.CreateApp(ctx, app); err != nil {
		t.Fatal(err)
	}
	token, err := auth.Sign(app, "events", time.Now(), time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	h := NewServer(Config{Store: db, Blobs: blobs, Importer: importer.New(importer.Config{Store: db, Blobs: blobs}),
		Verifier: &auth.Verifier{Apps: &auth.AppCache{Store: db}}})
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return &eventsEnv{db: db, url: srv.URL, token: token, app: app}
}

func (e *eventsEnv) create(t *testing.T, botID string) *store.Import {
	t.Helper()
	imp := &store.Import{ID: kore.NewImportID(), AccountID: e.app.AccountID, AppID: e.app.ID, CreatedBy: e.app.UserID, BotID: botID,
		StreamRefID: kore.NewUUID(), BotName: "bot", Status: store.StatusPending, Request: []byte(`{}`),
		Doc: []byte(`{"_id":"x","status":"pending"}`), CreatedOn: time.Now()}
	err := e.db.CreateImport(t.Context(), imp, 0, func(context.Context, *sql.Tx, bool) (int64, error) { return 1, nil })
	if err != nil {
		t.Fatal(err)
	}
	return imp
}

// open connects to an import's stream.
func (e *eventsEnv) open(t *testing.T, bir, lastID string) (*http.Response, *bufio.Reader) {
	t.Helper()
	req, _ := http.NewRequest("GET", e.url+"/api/botport/imports/"+bir+"/events", nil)
	req.Header.Set("auth", e.token)
	if lastID != "" {
		req.Header.Set("Last-Event-ID", lastID)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { resp.Body.Close() })
	return resp, bufio.NewReader(resp.Body)
}

// next reads the next status event, skipping comments and the retry line.
func next(t *testing.T, r *bufio.Reader) sseEvent {
	t.Helper()
	for {
		ev, err := readEvent(r)
		if err != nil {
			t.Fatalf("stream ended: %v", err)
		}
		if ev.name != "" {
			return ev
		}
	}
}

// wantEnd checks that the stream ends with no further event.
func wantEnd(t *testing.T, r *bufio.Reader) {
	t.Helper()
	for {
		ev, err := readEvent(r)
		if err == io.EOF {
			return
		}
		if err != nil {
			t.Fatalf("stream broke: %v", err)
		}
		if ev.name != "" {
			t.Fatalf("event after the end: %+v", ev)
		}
	}
}

// TestImportEvents: the event at connect, a queue change (same revision,
// the next id), heartbeats, a document write (the next revision), the final
// document and the end; resumes send only what the client lacks.
func TestImportEvents(t *testing.T) {
	poll, beat := eventPoll, eventHeartbeat
	eventPoll, eventHeartbeat = 5*time.Millisecond, 20*time.Millisecond
	t.Cleanup(func() { eventPoll, eventHeartbeat = poll, beat })
	e := newEventsEnv(t)
	ctx := t.Context()
	bot := kore.NewBotID()
	first, imp := e.create(t, bot), e.create(t, bot)

	resp, r := e.open(t, imp.ID, "")
	if ct := resp.Header.Get("Content-Type"); resp.StatusCode != 200 || ct != "text/event-stream" {
		t.Fatalf("answer %d %s", resp.StatusCode, ct)
	}
	ev := next(t, r)
	if ev.name != "status" || ev.id != "1000" || ev.data != `{"_id":"x","status":"pending","queue":{"state":"bot","ahead":1}}` {
		t.Errorf("first event %+v", ev)
	}
	for { // heartbeats while nothing changes
		ev, err := readEvent(r)
		if err != nil {
			t.Fatal(err)
		}
		if ev.name != "" {
			t.Fatalf("event without a change: %+v", ev)
		}
		if ev.comment == ": keep-alive" {
			break
		}
	}
	// The import ahead ends: the queue member goes, the revision stays.
	if err := e.db.FinishImport(ctx, first.ID, store.StatusFailure, []byte(`{}`), time.Now()); err != nil {
		t.Fatal(err)
	}
	if ev := next(t, r); ev.id != "1001" || ev.data != `{"_id":"x","status":"pending"}` {
		t.Errorf("queue change %+v", ev)
	}
	if err := e.db.SaveImportDoc(ctx, imp.ID, []byte(`{"_id":"x","status":"pending","statusLogs":[1]}`)); err != nil {
		t.Fatal(err)
	}
	if ev := next(t, r); ev.id != "2000" || ev.data != `{"_id":"x","status":"pending","statusLogs":[1]}` {
		t.Errorf("progress %+v", ev)
	}
	final := `{"_id":"x","status":"success","statusLogs":[1,2]}`
	if err := e.db.FinishImport(ctx, imp.ID, store.StatusSuccess, []byte(final), time.Now()); err != nil {
		t.Fatal(err)
	}
	if ev := next(t, r); ev.id != "3000" || ev.data != final {
		t.Errorf("final %+v", ev)
	}
	wantEnd(t, r)

	for _, tt := range []struct{ last, want string }{
		{"", "3000"}, {"1000", "3000"}, {"2000", "3000"}, {"3000", ""}, {"3001", ""}, {"not a number", "3000"}, {"99999000", "3000"},
	} {
		_, r := e.open(t, imp.ID, tt.last)
		if tt.want != "" {
			if ev := next(t, r); ev.id != tt.want || ev.data != final {
				t.Errorf("Last-Event-ID %q: %+v", tt.last, ev)
			}
		}
		wantEnd(t, r)
	}

	for _, bir := range []string{kore.NewImportID(), "bir-x"} {
		resp, _ := e.open(t, bir, "")
		body, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != 400 || string(body) != `{"errors":[{"msg":"Invalid request ID","code":400}]}` {
			t.Errorf("events of %s: %d %s", bir, resp.StatusCode, body)
		}
	}
}
