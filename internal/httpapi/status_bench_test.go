package httpapi_test

import (
	"context"
	"database/sql"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"
	"time"

	"github.com/botport/botport/internal/auth"
	"github.com/botport/botport/internal/blob"
	"github.com/botport/botport/internal/httpapi"
	"github.com/botport/botport/internal/importer"
	"github.com/botport/botport/internal/kore"
	"github.com/botport/botport/internal/store"
	"github.com/botport/botport/internal/store/sqlite"
)

// BenchmarkStatus measures GET /api/public/bot/import/status/{bir} in the
// handler, without the network: routing, the access log (discarded), the
// real JWT check (a token seen before) against a real SQLite store, and the
// document, for
//
//   - final: a finished import (its bytes are cached after the first read);
//
//   - not-modified: the same with If-None-Match (304, no body);
//
//   - pending: an import still running (read from the store each time).
//
//     go test ./internal/httpapi -run '^$' -bench Status -count 6 | benchstat -
func BenchmarkStatus(b *testing.B) {
	ctx := context.Background()
	dir := b.TempDir()
	db, err := sqlite.Open(ctx, filepath.Join(dir, "botport.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	blobs, err := blob.Open(ctx, filepath.Join(dir, "blobs"))
	if err != nil {
		b.Fatal(err)
	}
	defer blobs.Close()
	acct, err := db.EnsureAccount(ctx, "bench")
	if err != nil {
		b.Fatal(err)
	}
	app := &store.App{ID: kore.NewAppID(), AccountID: acct.ID, Name: "bench", Secret: auth.NewSecret(), Algorithm: "HS256",
		Scopes: []string{"bot_import"}, UserID: kore.NewUserID(), CreatedOn: time.Now()}
	if err := db.CreateApp(ctx, app); err != nil {
		b.Fatal(err)
	}
	token, err := auth.Sign(app, "bench", time.Now(), time.Hour)
	if err != nil {
		b.Fatal(err)
	}
	h := httpapi.NewServer(httpapi.Config{Store: db, Blobs: blobs, Importer: importer.New(importer.Config{Store: db, Blobs: blobs}),
		Verifier: &auth.Verifier{Apps: &auth.AppCache{Store: db}}})

	finished := createImport(b, db, app, true)
	pending := createImport(b, db, app, false)
	get := func(bir, etag string, want int) *httptest.ResponseRecorder {
		req := httptest.NewRequest(http.MethodGet, "/api/public/bot/import/status/"+bir, nil)
		req.Header.Set("auth", token)
		if etag != "" {
			req.Header.Set("If-None-Match", etag)
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		if w.Code != want {
			b.Fatalf("status %d, want %d: %s", w.Code, want, w.Body)
		}
		return w
	}
	etag := get(finished, "", http.StatusOK).Header().Get("ETag")
	for _, c := range []struct {
		name, bir, etag string
		want            int
	}{
		{"final", finished, "", http.StatusOK},
		{"not-modified", finished, etag, http.StatusNotModified},
		{"pending", pending, "", http.StatusOK},
	} {
		b.Run(c.name, func(b *testing.B) {
			for b.Loop() {
				get(c.bir, c.etag, c.want)
			}
		})
	}
}

// createImport writes an import of 40 components into the store, finished
// with success or still pending, and returns its id.
func createImport(b *testing.B, db store.Store, app *store.App, finish bool) string {
	ctx := context.Background()
	id := kore.NewImportID()
	doc := &importer.Doc{ID: id, Status: store.StatusPending, StreamRefID: kore.NewUUID(), CreatedBy: app.UserID,
		RequestType: importer.RequestType, CreatedOn: kore.FormatTime(time.Now())}
	doc.StatusLogs = append(doc.StatusLogs, importer.LogEntry{TaskType: importer.TaskImportRequest, TaskName: "Bench Bot", Status: "success"})
	for i := range 40 {
		doc.StatusLogs = append(doc.StatusLogs, importer.LogEntry{TaskType: importer.TaskDialog, TaskName: fmt.Sprintf("Dialog %d", i), Status: "success"})
	}
	imp := &store.Import{ID: id, AccountID: app.AccountID, AppID: app.ID, CreatedBy: app.UserID, BotID: kore.NewBotID(), NewBot: true,
		StreamRefID: doc.StreamRefID, BotName: "Bench Bot", Status: store.StatusPending, Request: []byte("{}"), Doc: doc.Encode(), CreatedOn: time.Now()}
	// No job: nothing runs this import, it only has to be read.
	noJob := func(context.Context, *sql.Tx, bool) (int64, error) { return 0, nil }
	if err := db.CreateImport(ctx, imp, 0, noJob); err != nil {
		b.Fatal(err)
	}
	if finish {
		doc.Status, doc.StreamID = store.StatusSuccess, imp.BotID
		doc.StatusLogs = append(doc.StatusLogs, importer.LogEntry{TaskType: importer.TaskImportBot, TaskName: "Bench Bot", Status: "success"})
		if err := db.FinishImport(ctx, id, store.StatusSuccess, doc.Encode(), time.Now()); err != nil {
			b.Fatal(err)
		}
	}
	return id
}
