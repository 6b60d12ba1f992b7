package main

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"regexp"
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
func cleanImports(t *testing.T, baseURL string, c *client.Client, reqs map[string]client.ImportRequest, every time.Duration) map[string]cleanImport {
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
	var all []string
	for _, bir := range birs {
		all = append(all, bir)
	}
	done := waitImports(t, c, all, every, 2*time.Minute)
	out := map[string]cleanImport{}
	for n, bir := range birs {
		st := done[bir]
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
	return storedImportOf(t, data, url, "default", bir)
}

// storedImportOf is storedImport for an import of the named account.
func storedImportOf(t *testing.T, data, url, account, bir string) (status string, entries int, botExists bool) {
	t.Helper()
	ctx := context.Background()
	db, err := database.Open(ctx, data, url)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	acct, err := db.Account(ctx, account)
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

// flagValue returns the value after flag in args, or "".
func flagValue(args []string, flag string) string {
	for i, a := range args {
		if a == flag && i+1 < len(args) {
			return args[i+1]
		}
	}
	return ""
}

// pollEvery is how often a test reads one import's status: once a second
// on PostgreSQL, as real clients do (its status reads are rate-limited per
// import), more often on SQLite.
func pollEvery(dbURL string) time.Duration {
	if dbURL != "" {
		return time.Second
	}
	return 50 * time.Millisecond
}

// waitImports polls each of birs, each at most once per every, until all
// have ended or limit passes, and returns their final documents.
func waitImports(t *testing.T, c *client.Client, birs []string, every, limit time.Duration) map[string]*client.Status {
	t.Helper()
	out := map[string]*client.Status{}
	deadline := time.Now().Add(limit)
	for {
		round := time.Now()
		for _, bir := range birs {
			if out[bir] != nil {
				continue
			}
			st, err := c.ImportStatus(context.Background(), bir)
			if err != nil {
				t.Fatalf("status of %s: %v", bir, err)
			}
			if st.Done() {
				out[bir] = st
			}
		}
		if len(out) == len(birs) {
			return out
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d of %d imports still pending after %v", len(birs)-len(out), len(birs), limit)
		}
		time.Sleep(time.Until(round.Add(every)))
	}
}

// reKillPoint matches the line killpoint writes when a worker stops.
var reKillPoint = regexp.MustCompile(`botport: kill point (\w+) reached \(import (bir-[0-9a-f-]+)\)`)

// waitStops waits until the process's log shows n workers stopped at
// their kill point, and returns the imports stopped, in order.
func (p *proc) waitStops(t *testing.T, n int, limit time.Duration) []string {
	t.Helper()
	deadline := time.Now().Add(limit)
	for {
		ms := reKillPoint.FindAllStringSubmatch(p.logs.String(), -1)
		if len(ms) >= n {
			var birs []string
			for _, m := range ms {
				birs = append(birs, m[2])
			}
			return birs
		}
		select {
		case <-p.exited:
			t.Fatalf("the server exited before %d workers stopped at the kill point:\n%s", n, p.logs)
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d of %d workers stopped at the kill point in %v:\n%s", len(ms), n, limit, p.logs)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// countLines counts the lines of logs that hold every one of parts.
func countLines(logs string, parts ...string) int {
	n := 0
	for _, line := range strings.Split(logs, "\n") {
		ok := true
		for _, p := range parts {
			ok = ok && strings.Contains(line, p)
		}
		if ok {
			n++
		}
	}
	return n
}

// queueState is the botport "queue" member of a status document.
type queueState struct {
	State string `json:"state"`
	Ahead *int   `json:"ahead"`
}

func (q *queueState) String() string {
	if q == nil {
		return "none"
	}
	if q.Ahead == nil {
		return q.State
	}
	return fmt.Sprintf("%s, %d ahead", q.State, *q.Ahead)
}

// storedQueue reads an import's status document as the server would
// serve it, from the database of a server that is not running, and
// returns its status and queue member.
func storedQueue(t *testing.T, data, url, bir string) (string, *queueState) {
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
	doc, status, err := db.ImportDoc(ctx, acct.ID, bir)
	if err != nil {
		t.Fatal(err)
	}
	var d struct{ Queue *queueState }
	if err := json.Unmarshal(doc, &d); err != nil {
		t.Fatalf("document of %s: %v", bir, err)
	}
	return status, d.Queue
}

// servedQueue reads an import's queue member through the API.
func servedQueue(t *testing.T, baseURL string, c *client.Client, bir string) (string, *queueState) {
	t.Helper()
	resp, body := rawRequest(t, "GET", baseURL+"/api/public/bot/import/status/"+bir, map[string]string{"auth": mustToken(t, c)}, nil)
	if resp.StatusCode != 200 {
		t.Fatalf("status of %s: %d %s", bir, resp.StatusCode, body)
	}
	var d struct {
		Status string
		Queue  *queueState
	}
	if err := json.Unmarshal(body, &d); err != nil {
		t.Fatalf("status of %s: %v", bir, err)
	}
	return d.Status, d.Queue
}

// appIn creates an app in another account through the CLI, beside a
// running server of the data directory (and database URL), and returns a
// client of it on baseURL.
func appIn(t *testing.T, data, dbURL, baseURL, account string) *client.Client {
	t.Helper()
	args := []string{"apps", "create", "--data", data, "--name", "test-" + account, "--account", account, "--scope", "bot_import", "--json"}
	if dbURL != "" {
		args = append(args, "--database", dbURL)
	}
	var out strings.Builder
	if err := run(context.Background(), args, func(string) string { return "" }, nil, &out, io.Discard); err != nil {
		t.Fatalf("apps create: %v", err)
	}
	var app struct{ ClientID, ClientSecret string }
	if err := json.Unmarshal([]byte(out.String()), &app); err != nil || app.ClientID == "" {
		t.Fatalf("apps create printed %q: %v", out.String(), err)
	}
	return client.New(baseURL, app.ClientID, app.ClientSecret)
}

// handBackOf returns when a replica handed the job back (the errors entry
// queue.HandBack writes), or zero.
func handBackOf(j *rivertype.JobRow) time.Time {
	for _, e := range j.Errors {
		if strings.HasPrefix(e.Error, "handed back:") {
			return e.At
		}
	}
	return time.Time{}
}

// storedBotHash reads the content hash of a default-account bot's current
// version from the database of a server that is not running.
func storedBotHash(t *testing.T, data, url, botID string) string {
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
	return contentHash(t, db, acct.ID, botID)
}
