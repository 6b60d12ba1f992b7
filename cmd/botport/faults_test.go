package main

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

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
// S3 bucket; the replica running an import is killed; the survivor finishes it.
func TestFaultReplicaDies(t *testing.T) {
	if testing.Short() {
		t.Skip("starts server processes")
	}
	shared := append([]string{"--database", pgtest.URL(t), "--blob", blobtest.S3Bucket(t)}, faultTimeouts...)
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
	for {
		st, err := ca.ImportStatus(ctx, start.ID)
		if err != nil {
			t.Fatal(err)
		}
		if st.Status != "pending" {
			t.Fatalf("the import ended (%s) before replica A could be killed", st.Status)
		}
		if len(st.StatusLogs) >= 2 {
			break
		}
		time.Sleep(5 * time.Millisecond)
	}
	b := startProc(t, t.TempDir(), shared...) // the survivor, started while A runs the import
	a.kill(t)
	killed := time.Now()
	t.Logf("replica A killed while running import %s (past Bot Definition); replica B up", start.ID)
	cb := client.New(b.URL, a.AppID, a.Secret)
	done := waitLong(t, cb, start.ID, 3*time.Minute)
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
	t.Logf("replica B finished the import %v after A died (River's rescuer: --rescue-after 16s, checked every 30s)", time.Since(killed).Round(time.Second))
}

// TestFaultPostgresRestart: (c) PostgreSQL restarts while imports are being
// accepted and run; botport reconnects and no accepted import is lost.
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
	ts := startServer(t, append([]string{"--database", pgtest.URL(t), "--workers", "2"}, faultTimeouts...)...)
	c := ts.client()
	c.Retries = -1 // count refusals instead of hiding them
	ctx := context.Background()
	req := uploadExport(t, ts.client(), fixture.Get(t, "demobot1-full"))

	var mu sync.Mutex
	var accepted []string
	refused := 0
	stop := make(chan struct{})
	submitted := make(chan struct{})
	go func() {
		defer close(submitted)
		for {
			select {
			case <-stop:
				return
			default:
			}
			st, err := c.ImportNew(ctx, req)
			mu.Lock()
			if err == nil {
				accepted = append(accepted, st.ID)
			} else {
				refused++
			}
			mu.Unlock()
			time.Sleep(20 * time.Millisecond)
		}
	}()
	time.Sleep(2 * time.Second)
	script := filepath.Join(filepath.Dir(fixture.Root(t)), ".ci", "pg")
	restartAt := time.Now()
	if out, err := exec.Command(script, "restart", pgDir).CombinedOutput(); err != nil {
		close(stop)
		t.Fatalf("restart PostgreSQL: %v %s", err, out)
	}
	restarted := time.Since(restartAt)
	time.Sleep(3 * time.Second)
	close(stop)
	<-submitted
	mu.Lock()
	all := append([]string(nil), accepted...)
	mu.Unlock()

	cw := ts.client()
	for _, bir := range all {
		if st := waitLong(t, cw, bir, 4*time.Minute); st.Status != "success" {
			t.Errorf("accepted import %s ended %s: %s", bir, st.Status, st.Message)
		}
	}
	bots, err := cw.AllBots(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(bots) != len(all) {
		t.Errorf("%d bots for %d accepted imports", len(bots), len(all))
	}
	t.Logf("PostgreSQL restarted in %v under load: %d imports accepted (all succeeded, %d bots), %d refused while it was down; all done %v after the restart",
		restarted.Round(time.Millisecond), len(all), len(bots), refused, time.Since(restartAt).Round(time.Second))
	if strings.Contains(ts.logs.String(), "panic") {
		t.Errorf("the server panicked:\n%s", ts.logs)
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
