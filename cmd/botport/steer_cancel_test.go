package main

import (
	"context"
	"database/sql"
	"net/http"
	"testing"
	"time"

	"github.com/riverqueue/river/rivertype"

	"github.com/botport/botport/client"
	"github.com/botport/botport/internal/database"
	"github.com/botport/botport/internal/fixture"
	"github.com/botport/botport/internal/killpoint"
	"github.com/botport/botport/internal/store/postgres"
	"github.com/botport/botport/internal/store/sqlstore"
)

// TestCancelImports: POST /api/botport/imports/{bir}/cancel on SQLite and
// PostgreSQL, with botport serve in child processes at default settings
// but one import per account at a time (--account-imports 1):
//
//   - import A into a bot runs and is stopped by a kill point after its
//     validation; import B into the same bot waits (parked for the
//     account's slot, and behind A for the bot);
//   - cancelling B ends it at once: the answer is its final document
//     (failure, "Import cancelled", cancelled), its River job is
//     cancelled, and the bot's export is byte for byte what it was;
//   - cancelling A is acknowledged while its run is held (the answer, after
//     the server's bounded wait, is still pending); the server stops
//     gracefully (A's run is handed back) and starts again without the
//     kill point: A's next run finds the cancel at its start and ends it
//     cancelled; the bot and its export are as before both imports, and
//     nothing A staged is left;
//   - a cancel of an ended import is 409 without Retry-After; an unknown
//     or another account's import is 400.
func TestCancelImports(t *testing.T) {
	if testing.Short() {
		t.Skip("starts server processes")
	}
	for _, be := range backends {
		t.Run(be.name, func(t *testing.T) {
			data := t.TempDir()
			extra := be.extra(t)
			dbURL := flagValue(extra, "--database")
			every := pollEvery(dbURL)
			args := append(extra, "--account-imports", "1", "--shutdown-grace", "1s")
			ctx := context.Background()

			p1 := startProcEnv(t, data, []string{killpoint.Env + "=" + killpoint.Validated + ":2"}, args...)
			c := client.New(p1.URL, p1.AppID, p1.Secret)
			base, err := c.ImportNew(ctx, uploadExport(t, c, fixture.Get(t, "demobot1-full")))
			if err != nil {
				t.Fatal(err)
			}
			bot := watch(t, c, base.ID).StreamID
			before := exportFiles(t, c, bot, every)
			versions, err := c.Versions(ctx, bot)
			if err != nil || len(versions) != 1 {
				t.Fatalf("versions: %+v, %v", versions, err)
			}

			into := uploadExport(t, c, fixture.Get(t, "demobot1-all"))
			into.Icon = ""
			a, err := c.ImportInto(ctx, bot, into)
			if err != nil {
				t.Fatal(err)
			}
			if stopped := p1.waitStops(t, 1, 2*time.Minute); stopped[0] != a.ID {
				t.Fatalf("stopped %v, want %s", stopped, a.ID)
			}
			b, err := c.ImportInto(ctx, bot, into)
			if err != nil {
				t.Fatal(err)
			}
			if st, err := c.ImportStatus(ctx, b.ID); err != nil || st.Queue == nil || st.Queue.State != "account" {
				t.Fatalf("B does not wait for the account's slot: %+v, %v", st, err)
			}

			// B: not running, ends at once.
			cb, err := c.CancelImport(ctx, b.ID)
			if err != nil {
				t.Fatal(err)
			}
			wantCancelled(t, "B", cb, bot)
			if len(cb.StatusLogs) != 1 {
				t.Errorf("B never ran, yet its document has %d entries", len(cb.StatusLogs))
			}
			// (Status reads of one import stay a second apart: the list shows it.)
			if p, err := c.ListImports(ctx, client.ListOptions{BotID: bot, Status: "failure"}); err != nil || len(p.Imports) != 1 ||
				p.Imports[0].ID != b.ID || !p.Imports[0].Cancelled {
				t.Errorf("B listed after the cancel: %+v, %v", p, err)
			}
			if diff := sameFiles(before, exportFiles(t, c, bot, every)); diff != "" {
				t.Errorf("the bot's export after B's cancel: %s", diff)
			}

			// A: running (held at the kill point), so the answer comes after
			// the server's wait, still pending.
			ca, err := c.CancelImport(ctx, a.ID)
			if err != nil {
				t.Fatal(err)
			}
			if ca.Status != "pending" || ca.Cancelled {
				t.Errorf("A held at the kill point answered %s cancelled=%v", ca.Status, ca.Cancelled)
			}
			other := appIn(t, data, dbURL, p1.URL, "other")
			tok := mustToken(t, c)
			for name, tt := range map[string]struct {
				cl   *client.Client
				bir  string
				code int
				msg  string
			}{
				"another account's": {other, a.ID, 400, "Invalid request ID"},
				"unknown":           {c, "bir-00000000-0000-0000-0000-000000000000", 400, "Invalid request ID"},
				"malformed":         {c, "nope", 400, "Invalid request ID"},
				"ended":             {c, b.ID, 409, "Import already ended"},
			} {
				h := map[string]string{"auth": tok}
				if tt.cl == other {
					h["auth"] = mustToken(t, other)
				}
				resp, body := rawRequest(t, "POST", p1.URL+"/api/botport/imports/"+tt.bir+"/cancel", h, nil)
				if resp.StatusCode != tt.code || string(body) != envelope(tt.msg, tt.code) || resp.Header.Get("Retry-After") != "" {
					t.Errorf("%s: %d %s (Retry-After %q)", name, resp.StatusCode, body, resp.Header.Get("Retry-After"))
				}
			}

			p1.sigterm(t)
			p2 := startProc(t, data, args...)
			c2 := client.New(p2.URL, p1.AppID, p1.Secret)
			fa := watch(t, c2, a.ID)
			wantCancelled(t, "A", fa, bot)
			if diff := sameFiles(before, exportFiles(t, c2, bot, every)); diff != "" {
				t.Errorf("the bot's export after A's cancel: %s", diff)
			}
			if vs, err := c2.Versions(ctx, bot); err != nil || len(vs) != 1 || vs[0].ContentHash != versions[0].ContentHash {
				t.Errorf("versions after the cancels: %+v, %v", vs, err)
			}
			page, err := c2.ListImports(ctx, client.ListOptions{BotID: bot, Status: "failure"})
			if err != nil || len(page.Imports) != 2 || !page.Imports[0].Cancelled || !page.Imports[1].Cancelled {
				t.Errorf("listed cancelled imports: %+v, %v", page, err)
			}
			if _, err := c2.CancelImport(ctx, "bir-00000000-0000-0000-0000-000000000000"); !client.IsStatus(err, http.StatusBadRequest) {
				t.Errorf("client: cancel of an unknown import: %v", err)
			}
			jobs := finishedImportJobs(t, data, dbURL, []string{a.ID, b.ID})
			for name, bir := range map[string]string{"A": a.ID, "B": b.ID} {
				if j := jobs[bir]; j.State != rivertype.JobStateCancelled {
					t.Errorf("%s's River job is %s, want cancelled", name, j.State)
				}
			}
			p2.sigterm(t)
			if n := stagedBy(t, data, dbURL, a.ID); n != 0 {
				t.Errorf("%d versions A staged are left", n)
			}
		})
	}
}

// wantCancelled checks a cancelled import's document.
func wantCancelled(t *testing.T, name string, st *client.Status, bot string) {
	t.Helper()
	if st.Status != "failure" || st.Message != "Import cancelled" || !st.Cancelled || !st.Done() || st.StreamID != bot {
		t.Errorf("%s: %+v", name, st)
	}
	for _, l := range st.StatusLogs {
		if l.Status != "success" || l.TaskType == "importBot" {
			t.Errorf("%s: entry %+v in a cancelled document", name, l)
		}
	}
}

// stagedBy counts the versions an import left staged, in the database of a
// server that is not running.
func stagedBy(t *testing.T, data, url, bir string) int {
	t.Helper()
	db, err := database.Open(context.Background(), data, url)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var w *sql.DB
	switch s := db.Store.(type) {
	case *sqlstore.DB:
		w = s.W
	case *postgres.DB:
		w = s.W
	default:
		t.Fatalf("store %T", db.Store)
	}
	var n int
	if err := w.QueryRow(`SELECT count(*) FROM versions WHERE staged_kind = 'import' AND staged_id = $1 AND num IS NULL`, bir).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}
