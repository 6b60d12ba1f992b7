package main

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/botport/botport/client"
	"github.com/botport/botport/internal/database"
	"github.com/botport/botport/internal/importer"
	"github.com/botport/botport/internal/store"
)

// botVersion is one entry of GET /api/botport/bots/{botId}/versions.
type botVersion struct {
	Version     int
	Current     bool
	ImportID    string
	ContentHash string
}

// botVersions lists a bot's versions through the API.
func botVersions(t *testing.T, baseURL string, c *client.Client, botID string) []botVersion {
	t.Helper()
	resp, body := rawRequest(t, "GET", baseURL+"/api/botport/bots/"+botID+"/versions", map[string]string{"auth": mustToken(t, c)}, nil)
	if resp.StatusCode != 200 {
		t.Fatalf("versions of %s: %d %s", botID, resp.StatusCode, body)
	}
	var out struct{ Versions []botVersion }
	if err := json.Unmarshal(body, &out); err != nil {
		t.Fatalf("versions of %s: %v", botID, err)
	}
	return out.Versions
}

// cleanImport is what an import of a fixture gives when nothing goes wrong.
type cleanImport struct {
	hash       string
	statusLogs []client.LogEntry
	summary    *client.Summary
}

// cleanImports imports each request once into a new bot, with no fault
// around, and returns the content hash of each bot and each import's
// statusLogs, by the requests' keys.
func cleanImports(t *testing.T, baseURL string, c *client.Client, reqs map[string]client.ImportRequest) map[string]cleanImport {
	t.Helper()
	ctx := context.Background()
	birs := map[string]string{}
	for n, req := range reqs {
		st, err := c.ImportNew(ctx, req)
		if err != nil {
			t.Fatalf("clean import of %s: %v", n, err)
		}
		birs[n] = st.ID
	}
	out := map[string]cleanImport{}
	for n, bir := range birs {
		st := waitLong(t, c, bir, 2*time.Minute)
		if st.Status != "success" {
			t.Fatalf("clean import of %s: %s %s", n, st.Status, st.Message)
		}
		vs := botVersions(t, baseURL, c, st.StreamID)
		if len(vs) != 1 || vs[0].ContentHash == "" {
			t.Fatalf("clean import of %s: versions %+v", n, vs)
		}
		out[n] = cleanImport{hash: vs[0].ContentHash, statusLogs: st.StatusLogs, summary: st.Summary}
	}
	return out
}

// statusLogsDiff describes how got differs from want, entry by entry, or
// returns "" when they are equal.
func statusLogsDiff(got, want []client.LogEntry) string {
	for i := 0; i < len(got) || i < len(want); i++ {
		switch {
		case i >= len(got):
			return fmt.Sprintf("%d entries, want %d: entry %d (%s/%s) is missing", len(got), len(want), i, want[i].TaskType, want[i].TaskName)
		case i >= len(want):
			return fmt.Sprintf("%d entries, want %d: extra entry %d %s/%s", len(got), len(want), i, got[i].TaskType, got[i].TaskName)
		case !reflect.DeepEqual(got[i], want[i]):
			return fmt.Sprintf("%d entries, want %d: entry %d is %+v, want %+v", len(got), len(want), i, got[i], want[i])
		}
	}
	return ""
}

// importJobs reads the River job of every import from the database: the
// SQLite file in data when url is "", else the PostgreSQL database at url.
func importJobs(t *testing.T, data, url string) map[string]*rivertype.JobRow {
	t.Helper()
	ctx := context.Background()
	db, err := database.Open(ctx, data, url)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rc, err := river.NewClient(db.Driver, &river.Config{})
	if err != nil {
		t.Fatal(err)
	}
	res, err := rc.JobList(ctx, river.NewJobListParams().Kinds(importer.ImportArgs{}.Kind()).First(10_000))
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]*rivertype.JobRow{}
	for _, j := range res.Jobs {
		var args importer.ImportArgs
		if err := json.Unmarshal(j.EncodedArgs, &args); err != nil {
			t.Fatalf("job %d: %v", j.ID, err)
		}
		if out[args.ImportID] != nil {
			t.Errorf("import %s has two jobs (%d and %d)", args.ImportID, out[args.ImportID].ID, j.ID)
		}
		out[args.ImportID] = j
	}
	return out
}

// finishedImportJobs waits until the River job of each of birs is
// finalized (River records a completion a moment after the worker returns)
// and returns the jobs, as importJobs does.
func finishedImportJobs(t *testing.T, data, url string, birs []string) map[string]*rivertype.JobRow {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		jobs := importJobs(t, data, url)
		pending := ""
		for _, bir := range birs {
			if j := jobs[bir]; j != nil && j.FinalizedAt == nil {
				pending = fmt.Sprintf("%s: job %d %s", bir, j.ID, j.State)
			}
		}
		if pending == "" {
			return jobs
		}
		if time.Now().After(deadline) {
			t.Fatalf("River jobs still not finished after 30s (%s)", pending)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// jobCounter counts unfinished import jobs in a PostgreSQL database, with
// one query; it is opened before a fault so that counting costs no
// connection set-up at the moment that matters.
type jobCounter struct {
	db *database.DB
	rc *river.Client[*sql.Tx]
}

func newJobCounter(t *testing.T, url string) *jobCounter {
	t.Helper()
	db, err := database.Open(context.Background(), "", url)
	if err != nil {
		t.Fatal(err)
	}
	rc, err := river.NewClient(db.Driver, &river.Config{})
	if err != nil {
		db.Close()
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return &jobCounter{db: db, rc: rc}
}

// unfinished counts the import jobs not yet completed, cancelled or discarded.
func (j *jobCounter) unfinished(t *testing.T) int {
	t.Helper()
	res, err := j.rc.JobList(context.Background(), river.NewJobListParams().Kinds(importer.ImportArgs{}.Kind()).
		States(rivertype.JobStateAvailable, rivertype.JobStatePending, rivertype.JobStateRetryable,
			rivertype.JobStateRunning, rivertype.JobStateScheduled).First(10_000))
	if err != nil {
		t.Fatal(err)
	}
	return len(res.Jobs)
}

// state is the state of the River job of import bir ("" before it exists).
func (j *jobCounter) state(t *testing.T, bir string) rivertype.JobState {
	t.Helper()
	res, err := j.rc.JobList(context.Background(), river.NewJobListParams().Kinds(importer.ImportArgs{}.Kind()).First(10_000))
	if err != nil {
		t.Fatal(err)
	}
	for _, job := range res.Jobs {
		var args importer.ImportArgs
		if json.Unmarshal(job.EncodedArgs, &args) == nil && args.ImportID == bir {
			return job.State
		}
	}
	return ""
}

// logLine returns the first line of logs holding every one of parts, or "".
func logLine(logs string, parts ...string) string {
	for _, line := range strings.Split(logs, "\n") {
		ok := true
		for _, p := range parts {
			ok = ok && strings.Contains(line, p)
		}
		if ok {
			return line
		}
	}
	return ""
}

// storedImport reads an import as the database holds it (for a server that
// is not running): its status, how many statusLogs entries its document
// has, and whether the bot it makes or changes exists.
func storedImport(t *testing.T, data, url, bir string) (status string, entries int, botExists bool) {
	t.Helper()
	ctx := context.Background()
	db, err := database.Open(ctx, data, url)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	acct, err := db.Account(ctx, "default")
	if err != nil {
		t.Fatal(err)
	}
	imp, err := db.Import(ctx, acct.ID, bir)
	if err != nil {
		t.Fatal(err)
	}
	var doc struct{ StatusLogs []json.RawMessage }
	if err := json.Unmarshal(imp.Doc, &doc); err != nil {
		t.Fatalf("document of %s: %v", bir, err)
	}
	_, err = db.Bot(ctx, acct.ID, imp.BotID)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		t.Fatal(err)
	}
	return imp.Status, len(doc.StatusLogs), err == nil
}

// importWatch reads import status documents straight from the database. A
// fault test that must catch an import between two stages polls faster
// than the API allows when rate limits are on (PostgreSQL: 60 status reads
// a minute per import), so it watches the store, where the API reads the
// same documents.
type importWatch struct {
	db      *database.DB
	account string
}

// watchImports opens the database of the default account: the SQLite file
// in data when url is "", else the PostgreSQL database at url.
func watchImports(t *testing.T, data, url string) *importWatch {
	t.Helper()
	db, err := database.Open(context.Background(), data, url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	acct, err := db.Account(context.Background(), "default")
	if err != nil {
		t.Fatal(err)
	}
	return &importWatch{db: db, account: acct.ID}
}

// status is the import's status document, as the API would answer it.
func (w *importWatch) status(t *testing.T, bir string) *client.Status {
	t.Helper()
	doc, _, err := w.db.ImportDoc(context.Background(), w.account, bir)
	if err != nil {
		t.Fatalf("status of %s: %v", bir, err)
	}
	var st client.Status
	if err := json.Unmarshal(doc, &st); err != nil {
		t.Fatalf("status of %s: %v", bir, err)
	}
	return &st
}
