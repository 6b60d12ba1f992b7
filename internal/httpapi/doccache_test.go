package httpapi

import (
	"context"
	"database/sql"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"
	"time"

	"github.com/botport/botport/internal/kore"
	"github.com/botport/botport/internal/store"
	"github.com/botport/botport/internal/store/sqlite"
)

// TestImportStatusCache: the status path caches a document once the store
// says its import's status is final, whatever the document's bytes hold;
// a pending import's document is read anew on every poll.
func TestImportStatusCache(t *testing.T) {
	ctx := t.Context()
	db, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), sqlite.FileName))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	acct, err := db.EnsureAccount(ctx, "a")
	if err != nil {
		t.Fatal(err)
	}
	app := &store.App{ID: kore.NewAppID(), AccountID: acct.ID}
	s := &server{cfg: Config{Store: db, Now: time.Now}, log: slog.New(slog.DiscardHandler), docs: newDocCache(1<<20, time.Hour)}
	get := func(bir, ifNoneMatch string) *httptest.ResponseRecorder {
		t.Helper()
		r := httptest.NewRequest("GET", "/api/public/bot/import/status/"+bir, nil)
		r.SetPathValue("bir", bir)
		if ifNoneMatch != "" {
			r.Header.Set("If-None-Match", ifNoneMatch)
		}
		w := httptest.NewRecorder()
		if err := s.importStatus(w, r, app); err != nil {
			t.Fatal(err)
		}
		return w
	}
	want := func(w *httptest.ResponseRecorder, status int, body, what string) {
		t.Helper()
		if w.Code != status || (body != "" && w.Body.String() != body) {
			t.Errorf("%s: %d %s, want %d %s", what, w.Code, w.Body, status, body)
		}
	}

	// A pending document that mentions a finished status in its entries
	// is still pending: it is read again on the next poll.
	imp := &store.Import{ID: kore.NewImportID(), AccountID: acct.ID, BotID: kore.NewBotID(), NewBot: true, Status: store.StatusPending,
		Request: []byte(`{}`), Doc: []byte(`{"statusLogs":[{"status":"success"}],"status":"pending"}`), CreatedOn: time.Now()}
	if err := db.CreateImport(ctx, imp, 0, func(context.Context, *sql.Tx, bool) (int64, error) { return 0, nil }); err != nil {
		t.Fatal(err)
	}
	want(get(imp.ID, ""), 200, string(imp.Doc), "pending")
	progress := `{"statusLogs":[{"status":"success"},{"status":"success"}],"status":"pending"}`
	if err := db.SaveImportDoc(ctx, imp.ID, []byte(progress)); err != nil {
		t.Fatal(err)
	}
	want(get(imp.ID, ""), 200, progress, "pending after progress")

	// A finished document is cached: a change behind the store's back
	// (none is possible through it) does not show.
	final := `{"status":"success"}`
	if err := db.FinishImport(ctx, imp.ID, store.StatusSuccess, []byte(final), time.Now()); err != nil {
		t.Fatal(err)
	}
	w := get(imp.ID, "")
	want(w, 200, final, "finished")
	etag := w.Header().Get("ETag")
	if _, err := db.W.ExecContext(ctx, `UPDATE imports SET doc = '{"changed":true}' WHERE id = $1`, imp.ID); err != nil {
		t.Fatal(err)
	}
	want(get(imp.ID, ""), 200, final, "finished, cached")
	want(get(imp.ID, etag), http.StatusNotModified, "", "finished, If-None-Match")
}
