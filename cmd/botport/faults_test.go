package main

import (
	"context"
	"errors"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/botport/botport/client"
	"github.com/botport/botport/internal/blob/blobtest"
	"github.com/botport/botport/internal/fixture"
	"github.com/botport/botport/internal/killpoint"
	"github.com/botport/botport/internal/store/postgres/pgtest"
)

// TestFaultSIGKILLOnPostgres: (a) on PostgreSQL with default settings,
// SIGKILL the server with imports running and queued and restart it at
// once: every accepted import ends in success, once. The restart proves
// its predecessor dead (same host, its pid gone) and hands its jobs back
// at its start.
func TestFaultSIGKILLOnPostgres(t *testing.T) {
	if testing.Short() {
		t.Skip("starts server processes")
	}
	sigkillResumes(t, []string{"--database", pgtest.URL(t)})
}

// TestFaultReplicaDies: (b) two replicas on one PostgreSQL database and one
// S3 bucket, default settings; the replica running an import is killed
// while the import is stopped mid-stages (kill point); the survivor learns
// it died when its lease expires, hands the import back and finishes it.
// Both replicas run on this host under its name, as two processes: the
// survivor does not prove the other dead by its pid (only a replica's
// successor does), so the lease decides, as it does across hosts.
func TestFaultReplicaDies(t *testing.T) {
	if testing.Short() {
		t.Skip("starts server processes")
	}
	dbURL := pgtest.URL(t)
	// Replicas share the key that seals the database's secrets.
	shared := []string{"--database", dbURL, "--blob", blobtest.S3Bucket(t), "--key-file", filepath.Join(t.TempDir(), "secret.key")}
	a := startProcEnv(t, t.TempDir(), []string{killpoint.Env + "=" + killpoint.Stages}, shared...)
	ca := client.New(a.URL, a.AppID, a.Secret)
	ctx := context.Background()
	start, err := ca.ImportNew(ctx, uploadExport(t, ca, fixture.Get(t, "vaxie")))
	if err != nil {
		t.Fatal(err)
	}
	a.waitStops(t, 1, 2*time.Minute) // A runs it: the only replica yet
	b := startProc(t, t.TempDir(), shared...)
	a.kill(t)
	killed := time.Now()
	if state, entries, exists := storedImport(t, "", dbURL, start.ID); state != "pending" || entries < 2 || exists {
		t.Fatalf("after the kill the import is %s (%d entries) and its bot exists: %v; want pending past Bot Definition, no bot", state, entries, exists)
	}

	cb := client.New(b.URL, a.AppID, a.Secret)
	done := waitImports(t, cb, []string{start.ID}, time.Second, 3*time.Minute)[start.ID]
	if done.Status != "success" {
		t.Fatalf("the survivor ended the import %s: %s", done.Status, done.Message)
	}
	if vs := botVersions(t, b.URL, cb, done.StreamID); len(vs) != 1 || vs[0].ImportID != start.ID {
		t.Errorf("the bot's versions %+v; want one, by %s", vs, start.ID)
	}
	line := logLine(b.logs.String(), `msg="import succeeded"`, "import="+start.ID)
	if line == "" {
		t.Errorf("replica B's log does not record the import's success:\n%s", b.logs)
	}
	// The job ran again on B: A's attempt, then B's, and B's hand-back in
	// between, made when A's lease had expired (not River's rescuer).
	job := finishedImportJobs(t, "", dbURL, []string{start.ID})[start.ID]
	if job == nil || job.State != "completed" || job.Attempt != 2 || len(job.AttemptedBy) != 2 || job.AttemptedBy[0] == job.AttemptedBy[1] {
		t.Fatalf("the import's River job: %+v; want it completed after a second attempt, by another replica than the first", job)
	}
	finished := job.FinalizedAt.Sub(killed) // the status polls are a second apart
	handed := handBackOf(job)
	if handed.IsZero() {
		t.Fatalf("the job's errors record no hand-back: %+v", job.Errors)
	}
	// The lease is the product's bound: the survivor hands the job back at
	// most a lease (10 s) plus a renewal (2 s) after the last renewal of
	// the dead replica. Doubled, so that a loaded machine does not fail it.
	lease := 12 * time.Second
	if d := handed.Sub(killed); d > 2*lease {
		t.Errorf("the survivor handed the job back %v after the kill; the lease bounds it at %v", d, lease)
	}
	figure(t, "replica A killed mid-import; B handed the job back %v after the kill (bound: lease 10 s + renewal 2 s) and finished the import %v after the kill (the issue's bound: 30 s); job attempts %d, by %v",
		handed.Sub(killed).Round(100*time.Millisecond), finished.Round(100*time.Millisecond), job.Attempt, job.AttemptedBy)
}

// TestFaultPostgresRestart: (c) PostgreSQL restarts while imports are being
// accepted and run; botport reconnects and no accepted import is lost. It
// measures the time from the restart's end until every import accepted
// before it has succeeded.
func TestFaultPostgresRestart(t *testing.T) {
	if testing.Short() {
		t.Skip("restarts PostgreSQL")
	}
	// A cluster of its own: restarting the one other packages' tests use
	// (they run in parallel) would fail them.
	pgDir, dbURL := ownCluster(t)
	ts := startServer(t, "--database", dbURL)
	c := ts.client()
	c.Retries = -1 // count refusals instead of hiding them
	ctx := context.Background()
	req := uploadExport(t, ts.client(), fixture.Get(t, "vaxie"))
	jobs := newJobCounter(t, dbURL)

	// PostgreSQL rate-limits by default: 60 new-bot imports a minute per
	// app. Apps of the account take turns, each resting while it is
	// refused (429 is not a failure: nothing was accepted), so that a
	// backlog builds and imports are accepted again right after the
	// restart.
	submitters := []*client.Client{c}
	for range 7 {
		submitters = append(submitters, appOn(t, ts, dbURL))
	}
	resting := make([]time.Time, len(submitters))

	var mu sync.Mutex
	var accepted []string
	refused, throttled := 0, 0
	var restartedAt, firstAfter time.Time // the restart command's return; the first acceptance after it
	stop := make(chan struct{})
	submitted := make(chan struct{})
	go func() {
		defer close(submitted)
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			k := i % len(submitters)
			if time.Now().Before(resting[k]) {
				time.Sleep(time.Millisecond)
				continue
			}
			st, err := submitters[k].ImportNew(ctx, req)
			var ce *client.Error
			mu.Lock()
			switch {
			case err == nil:
				accepted = append(accepted, st.ID)
				if !restartedAt.IsZero() && firstAfter.IsZero() {
					firstAfter = time.Now()
				}
			case errors.As(err, &ce) && ce.StatusCode == http.StatusTooManyRequests:
				throttled++
				resting[k] = time.Now().Add(ce.RetryAfter)
			default:
				refused++
			}
			mu.Unlock()
			time.Sleep(20 * time.Millisecond) // faster than the account's two workers import vaxie: a backlog builds
		}
	}()
	time.Sleep(2 * time.Second)

	// In flight at the restart: accepted imports whose job has not finished.
	inFlight := jobs.unfinished(t)
	mu.Lock()
	acceptedBefore := len(accepted)
	mu.Unlock()
	if inFlight == 0 {
		close(stop)
		t.Fatalf("no import in flight at the restart (%d accepted): no load", acceptedBefore)
	}
	restartAt := time.Now()
	if out, err := exec.Command(pgScript(t), "restart", pgDir).CombinedOutput(); err != nil {
		close(stop)
		t.Fatalf("restart PostgreSQL: %v %s", err, out)
	}
	mu.Lock()
	restartedAt = time.Now()
	pre := append([]string(nil), accepted...) // accepted before the restart ended
	mu.Unlock()
	restarted := restartedAt.Sub(restartAt)

	// Keep submitting for 2 s after the restart, and until one import is
	// accepted again (at most 30 s).
	go func() {
		defer close(stop)
		for {
			time.Sleep(20 * time.Millisecond)
			mu.Lock()
			again := !firstAfter.IsZero()
			mu.Unlock()
			if since := time.Since(restartedAt); since > 30*time.Second || again && since > 2*time.Second {
				return
			}
		}
	}()

	cw := ts.client()
	recovered := waitAllSucceeded(t, cw, pre, 2*time.Minute).Sub(restartedAt)
	<-submitted
	mu.Lock()
	all := append([]string(nil), accepted...)
	reconnect := firstAfter.Sub(restartedAt)
	mu.Unlock()
	if firstAfter.IsZero() {
		t.Errorf("no import accepted in the 30 s after PostgreSQL restarted: botport did not reconnect")
	}
	drained := waitAllSucceeded(t, cw, all[len(pre):], 2*time.Minute).Sub(restartedAt)

	// A refused request may still have been accepted (its response lost
	// with the connection): such an import makes a bot too.
	bots, err := cw.AllBots(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(bots) < len(all) || len(bots) > len(all)+refused {
		t.Errorf("%d bots for %d accepted imports and %d refused requests", len(bots), len(all), refused)
	}
	figure(t, "PostgreSQL restarted in %v under load: at the restart %d imports accepted, %d in flight; %d refused while it was down (%d rate-limited, 429); first import accepted again %v after the restart; all %d accepted by the restart's end succeeded %v after it",
		restarted.Round(time.Millisecond), acceptedBefore, inFlight, refused, throttled, reconnect.Round(time.Millisecond), len(pre), recovered.Round(time.Millisecond))
	// Imports pending through the outage: accepted before the restart
	// ended, finished after it (while PostgreSQL was down, none could be
	// accepted or finish).
	retried, across := 0, 0
	for bir, j := range finishedImportJobs(t, "", dbURL, all) {
		if j.Attempt > 1 {
			retried++
		}
		if j.State != "completed" {
			t.Errorf("%s: job %s", bir, j.State)
		}
		if j.CreatedAt.Before(restartedAt) && j.FinalizedAt != nil && j.FinalizedAt.After(restartedAt) {
			across++
		}
	}
	faults := strings.Count(ts.logs.String(), `msg="import fault"`)
	figure(t, "in all %d imports accepted, all succeeded (the last %v after the restart), %d bots; %d were pending through the outage; %d jobs ran more than once (%d import faults logged)",
		len(all), drained.Round(time.Millisecond), len(bots), across, retried, faults)
	if across == 0 {
		t.Errorf("no import was pending through the outage: PostgreSQL was not restarted under load")
	}
	if strings.Contains(ts.logs.String(), "panic") {
		t.Errorf("the server panicked:\n%s", ts.logs)
	}
}

// appOn creates another app in the default account of a server on the
// PostgreSQL database dbURL and returns a client of it that does not retry.
func appOn(t *testing.T, ts *testServer, dbURL string) *client.Client {
	t.Helper()
	return cliApp(t, ts, dbURL, "bot_import")
}

// waitAllSucceeded polls the imports until each has ended, each at most
// once a second (PostgreSQL's status reads are rate-limited per import),
// failing the test for each that did not succeed, and returns when the
// last ended (to a second).
func waitAllSucceeded(t *testing.T, c *client.Client, birs []string, limit time.Duration) time.Time {
	t.Helper()
	ctx := context.Background()
	deadline := time.Now().Add(limit)
	left := append([]string(nil), birs...)
	for {
		round := time.Now()
		var still []string
		for _, bir := range left {
			st, err := c.ImportStatus(ctx, bir)
			switch {
			case err != nil:
				t.Fatalf("status of %s: %v", bir, err)
			case !st.Done():
				still = append(still, bir)
			case st.Status != "success":
				t.Errorf("accepted import %s ended %s: %s", bir, st.Status, st.Message)
			}
		}
		if left = still; len(left) == 0 {
			return time.Now()
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d of %d imports still pending after %v", len(left), len(birs), limit)
		}
		time.Sleep(time.Until(round.Add(time.Second)))
	}
}

// pgScript is the repository's .ci/pg, which starts, stops and restarts a
// throwaway PostgreSQL 15 cluster from Debian's package.
func pgScript(t *testing.T) string {
	return filepath.Join(filepath.Dir(fixture.Root(t)), ".ci", "pg")
}

// ownCluster starts a PostgreSQL cluster for one test, stopped and removed
// when the test ends, and returns its directory and database URL. Without
// PostgreSQL's server binaries the test is skipped, except under CI.
func ownCluster(t *testing.T) (dir, url string) {
	t.Helper()
	if os.Getenv("BOTPORT_TEST_DATABASE") == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("BOTPORT_TEST_DATABASE is not set: CI must start PostgreSQL with .ci/pg")
		}
		t.Skip("BOTPORT_TEST_DATABASE is not set: no PostgreSQL here")
	}
	dir, err := os.MkdirTemp("", "botport-pg-")
	if err != nil {
		t.Fatal(err)
	}
	// The cluster runs as the postgres user when the tests run as root.
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := strconv.Itoa(ln.Addr().(*net.TCPAddr).Port)
	ln.Close()
	out, err := exec.Command(pgScript(t), "start", dir, port).Output()
	if err != nil {
		os.RemoveAll(dir)
		t.Fatalf("start a PostgreSQL cluster: %v", err)
	}
	t.Cleanup(func() {
		_ = exec.Command(pgScript(t), "stop", dir).Run()
		os.RemoveAll(dir)
	})
	return dir, strings.TrimSpace(string(out))
}
