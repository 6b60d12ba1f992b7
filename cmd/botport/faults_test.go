package main

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/riverqueue/river/rivertype"

	"github.com/botport/botport/client"
	"github.com/botport/botport/internal/blob/blobtest"
	"github.com/botport/botport/internal/botgen"
	"github.com/botport/botport/internal/fixture"
	"github.com/botport/botport/internal/store/postgres/pgtest"
)

// Timeouts of the fault tests: River retries a job running longer than
// rescueAfter on another replica (its rescuer runs every 30 s).
var faultTimeouts = []string{"--import-timeout", "15s", "--rescue-after", "16s"}

// TestFaultSIGKILLOnPostgres: (a) on PostgreSQL, SIGKILL the server with
// imports queued and running and restart it: every accepted import ends in
// success, once. The import the dead process was running is retried by
// River's rescuer.
func TestFaultSIGKILLOnPostgres(t *testing.T) {
	if testing.Short() {
		t.Skip("starts server processes")
	}
	extra := append([]string{"--database", pgtest.URL(t)}, faultTimeouts...)
	sigkillResumes(t, extra)
}

// TestFaultReplicaDies: (b) two replicas on one PostgreSQL database and one
// S3 bucket; the replica running an import is killed while the import is
// verifiably running; the survivor runs it again and finishes it.
func TestFaultReplicaDies(t *testing.T) {
	if testing.Short() {
		t.Skip("starts server processes")
	}
	dbURL := pgtest.URL(t)
	// Replicas share the key that seals the database's secrets.
	shared := append([]string{"--database", dbURL, "--blob", blobtest.S3Bucket(t), "--key-file", filepath.Join(t.TempDir(), "secret.key")}, faultTimeouts...)
	a := startProc(t, t.TempDir(), shared...)
	ca := client.New(a.URL, a.AppID, a.Secret)
	ctx := context.Background()

	gen := t.TempDir()
	if err := botgen.WriteDir(gen, botgen.Spec{Name: "Replicated", Dialogs: 3000, Utterances: 150_000, FAQs: 500, Seed: 3}); err != nil {
		t.Fatal(err)
	}
	start, err := ca.ImportNew(ctx, uploadExport(t, ca, fixture.Export{Name: "generated", Dir: gen}))
	if err != nil {
		t.Fatal(err)
	}
	// running: the import is pending and its River job running, so A (the
	// only replica until B starts) is running it. B is started as soon as
	// it is: on a loaded machine B's start can take longer than the stages
	// after Bot Definition. The store, not the API, is watched: see
	// importWatch.
	watch := watchImports(t, "", dbURL)
	jobs := newJobCounter(t, dbURL)
	running := func(what string) *client.Status {
		st := watch.status(t, start.ID)
		if st.Status != "pending" || jobs.state(t, start.ID) != rivertype.JobStateRunning {
			t.Fatalf("the import is no longer running (%s) %s", st.Status, what)
		}
		return st
	}
	deadline := time.Now().Add(2 * time.Minute)
	for jobs.state(t, start.ID) != rivertype.JobStateRunning {
		if st := watch.status(t, start.ID); st.Status != "pending" {
			t.Fatalf("the import ended (%s) before its job was seen running", st.Status)
		}
		if time.Now().After(deadline) {
			t.Fatal("the import's job did not start in 2 minutes")
		}
		time.Sleep(5 * time.Millisecond)
	}
	bStart := time.Now()
	b := startProc(t, t.TempDir(), shared...) // the survivor
	bUp := time.Since(bStart)
	// B is up: kill A the moment the import is seen still running on it.
	st := running(fmt.Sprintf("on replica A before it could be killed (B took %v to start; A: %s)", bUp, logLine(a.logs.String(), "import succeeded")))
	a.kill(t)
	killed := time.Now()
	last := st.StatusLogs[len(st.StatusLogs)-1]
	t.Logf("replica A killed while running import %s (%d statusLogs entries, the last %s/%s); replica B up (started in %v)",
		start.ID, len(st.StatusLogs), last.TaskType, last.TaskName, bUp.Round(time.Millisecond))
	if state, entries, exists := storedImport(t, "", dbURL, start.ID); state != "pending" || exists {
		t.Fatalf("after the kill the import is %s (%d entries) and its bot exists: %v; want pending, no bot", state, entries, exists)
	}

	cb := client.New(b.URL, a.AppID, a.Secret)
	done := waitLong(t, cb, start.ID, 3*time.Minute)
	rescued := time.Since(killed)
	if done.Status != "success" {
		t.Fatalf("the survivor ended the import %s: %s", done.Status, done.Message)
	}
	dialogs := 0
	for _, e := range done.StatusLogs {
		if e.TaskType == "Dialog" {
			dialogs++
		}
	}
	bots, err := cb.AllBots(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if dialogs != 3000 || len(bots) != 1 {
		t.Errorf("after recovery: %d Dialog entries (want 3000, once each), %d bots (want 1)", dialogs, len(bots))
	}
	if vs := botVersions(t, b.URL, cb, done.StreamID); len(vs) != 1 || vs[0].ImportID != start.ID {
		t.Errorf("the bot's versions %+v; want one, by %s", vs, start.ID)
	}
	// B did the work: its log names the import's success, A's does not,
	// and River ran the job again, by another client than the first (A,
	// the only replica when the job was fetched).
	line := logLine(b.logs.String(), `msg="import succeeded"`, "import="+start.ID)
	if line == "" {
		t.Errorf("replica B's log does not record the import's success:\n%s", b.logs)
	}
	if logLine(a.logs.String(), `msg="import succeeded"`, "import="+start.ID) != "" {
		t.Errorf("replica A's log records the import's success: it finished before the kill")
	}
	job := finishedImportJobs(t, "", dbURL, []string{start.ID})[start.ID]
	if job == nil || job.State != "completed" || job.Attempt < 2 || len(job.AttemptedBy) != job.Attempt ||
		slices.Contains(job.AttemptedBy[1:], job.AttemptedBy[0]) {
		t.Fatalf("the import's River job: %+v; want it completed after a second attempt, by another client than the first", job)
	}
	t.Logf("replica B finished the import (%d statusLogs entries) %v after A died (River's rescuer: --rescue-after 16s, checked every 30s); job attempts %d, by %v; B's log: %s",
		len(done.StatusLogs), rescued.Round(100*time.Millisecond), job.Attempt, job.AttemptedBy, strings.TrimSpace(line))
}

// TestFaultPostgresRestart: (c) PostgreSQL restarts while imports are being
// accepted and run; botport reconnects and no accepted import is lost. It
// measures the time from the restart's end until every import accepted
// before it has succeeded.
func TestFaultPostgresRestart(t *testing.T) {
	if testing.Short() {
		t.Skip("restarts PostgreSQL")
	}
	pgDir := os.Getenv("BOTPORT_TEST_PGDIR")
	if pgDir == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("BOTPORT_TEST_PGDIR is not set: CI must start PostgreSQL with .ci/pg")
		}
		t.Skip("BOTPORT_TEST_PGDIR (the .ci/pg cluster directory) is not set")
	}
	dbURL := pgtest.URL(t)
	ts := startServer(t, append([]string{"--database", dbURL, "--workers", "2"}, faultTimeouts...)...)
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
			time.Sleep(20 * time.Millisecond) // faster than two workers import vaxie: a backlog builds
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
	script := filepath.Join(filepath.Dir(fixture.Root(t)), ".ci", "pg")
	restartAt := time.Now()
	if out, err := exec.Command(script, "restart", pgDir).CombinedOutput(); err != nil {
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
	t.Logf("PostgreSQL restarted in %v under load: at the restart %d imports accepted, %d in flight; %d refused while it was down (%d rate-limited, 429); first import accepted again %v after the restart; all %d accepted by the restart's end succeeded %v after it",
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
	t.Logf("in all %d imports accepted, all succeeded (the last %v after the restart), %d bots; %d were pending through the outage; %d jobs ran more than once (%d import faults logged)",
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

// waitAllSucceeded polls the imports until each has ended, failing the
// test for each that did not succeed, and returns when the last ended.
func waitAllSucceeded(t *testing.T, c *client.Client, birs []string, limit time.Duration) time.Time {
	t.Helper()
	ctx := context.Background()
	deadline := time.Now().Add(limit)
	left := append([]string(nil), birs...)
	for {
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
		time.Sleep(pollPause(c, 20*time.Millisecond))
	}
}

// TestSIGTERMHandsBack: on SIGTERM an import still running at the end of
// the grace period is cancelled and handed back; the next start runs it.
func TestSIGTERMHandsBack(t *testing.T) {
	if testing.Short() {
		t.Skip("starts server processes")
	}
	data := t.TempDir()
	p1 := startProc(t, data, "--shutdown-grace", "200ms")
	c := client.New(p1.URL, p1.AppID, p1.Secret)
	ctx := context.Background()
	gen := t.TempDir()
	if err := botgen.WriteDir(gen, botgen.Spec{Name: "Long", Dialogs: 3000, Utterances: 150_000, Seed: 9}); err != nil {
		t.Fatal(err)
	}
	start, err := c.ImportNew(ctx, uploadExport(t, c, fixture.Export{Name: "generated", Dir: gen}))
	if err != nil {
		t.Fatal(err)
	}
	for {
		st, err := c.ImportStatus(ctx, start.ID)
		if err != nil {
			t.Fatal(err)
		}
		if st.Status != "pending" {
			t.Fatalf("the import ended (%s) before SIGTERM", st.Status)
		}
		if len(st.StatusLogs) >= 2 {
			break
		}
		time.Sleep(5 * time.Millisecond)
	}
	if err := p1.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case <-p1.exited:
	case <-time.After(30 * time.Second):
		t.Fatal("the server did not stop after SIGTERM")
	}
	if !strings.Contains(p1.logs.String(), "stopped") {
		t.Errorf("no clean stop in the log:\n%s", p1.logs)
	}
	p2 := startProc(t, data)
	done := waitLong(t, client.New(p2.URL, p1.AppID, p1.Secret), start.ID, 3*time.Minute)
	if done.Status != "success" {
		t.Fatalf("after restart: %s %s", done.Status, done.Message)
	}
	t.Logf("SIGTERM mid-import: stopped after the 200ms grace, the import ran again at the next start and succeeded")
}
