package main

import (
	"context"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/riverqueue/river/rivertype"

	"github.com/botport/botport/client"
	"github.com/botport/botport/internal/blob/blobtest"
	"github.com/botport/botport/internal/fixture"
	"github.com/botport/botport/internal/killpoint"
	"github.com/botport/botport/internal/store/postgres/pgtest"
)

// The SIGTERM tests stop the worker mid-stages (kill point) so that the
// import is surely running when the signal comes, and give the replica a
// grace period of 1 s instead of 30 s: an import still running when the
// grace ends is what they test, and a stopped worker never finishes.

// sigterm stops p with SIGTERM and waits for it to exit.
func (p *proc) sigterm(t *testing.T) {
	t.Helper()
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case <-p.exited:
	case <-time.After(60 * time.Second):
		t.Fatalf("the server did not stop after SIGTERM:\n%s", p.logs)
	}
	if !strings.Contains(p.logs.String(), `msg=stopped`) {
		t.Errorf("no clean stop in the log:\n%s", p.logs)
	}
}

// TestSIGTERMHandsBackToReplica: on PostgreSQL with a second replica
// running, SIGTERM during an import: at the end of the grace period the
// replica hands the import back (its attempt not used up) and the other
// replica runs it again and finishes it.
func TestSIGTERMHandsBackToReplica(t *testing.T) {
	if testing.Short() {
		t.Skip("starts server processes")
	}
	dbURL := pgtest.URL(t)
	// Replicas share the key that seals the database's secrets.
	shared := []string{"--database", dbURL, "--blob", blobtest.S3Bucket(t), "--key-file", filepath.Join(t.TempDir(), "secret.key")}
	a := startProcEnv(t, t.TempDir(), []string{killpoint.Env + "=" + killpoint.Stages}, append(shared, "--shutdown-grace", "1s")...)
	ca := client.New(a.URL, a.AppID, a.Secret)
	ctx := context.Background()
	start, err := ca.ImportNew(ctx, uploadExport(t, ca, fixture.Get(t, "vaxie")))
	if err != nil {
		t.Fatal(err)
	}
	a.waitStops(t, 1, 2*time.Minute)
	b := startProc(t, t.TempDir(), shared...)
	a.sigterm(t)
	stopped := time.Now()
	if logLine(a.logs.String(), "import handed back: the server is stopping", "import="+start.ID) == "" {
		t.Errorf("replica A's log does not say it handed the import back:\n%s", a.logs)
	}
	cb := client.New(b.URL, a.AppID, a.Secret)
	done := waitImports(t, cb, []string{start.ID}, time.Second, 2*time.Minute)[start.ID]
	if done.Status != "success" {
		t.Fatalf("replica B ended the import %s: %s", done.Status, done.Message)
	}
	if logLine(b.logs.String(), `msg="import succeeded"`, "import="+start.ID) == "" {
		t.Errorf("replica B's log does not record the import's success:\n%s", b.logs)
	}
	// One attempt used: A's was handed back, not failed.
	job := finishedImportJobs(t, "", dbURL, []string{start.ID})[start.ID]
	if job == nil || job.State != rivertype.JobStateCompleted || job.Attempt != 1 || len(job.AttemptedBy) != 2 || job.AttemptedBy[0] == job.AttemptedBy[1] {
		t.Fatalf("the import's River job: %+v; want it completed on its first attempt, tried by A then B", job)
	}
	// B fetches a job handed back within its poll interval (200 ms); 10 s
	// bounds it on a loaded machine.
	picked := job.AttemptedAt.Sub(stopped)
	if picked > 10*time.Second {
		t.Errorf("replica B took the handed-back import %v after A stopped, want seconds at most", picked)
	}
	if vs := botVersions(t, b.URL, cb, done.StreamID); len(vs) != 1 || vs[0].ImportID != start.ID {
		t.Errorf("the bot's versions %+v; want one, by %s", vs, start.ID)
	}
	figure(t, "SIGTERM mid-import with a second replica: A handed the import back at the end of its 1 s grace; B started it %v after A exited and it succeeded; job attempts %d, by %v",
		picked.Round(time.Millisecond), job.Attempt, job.AttemptedBy)
}

// TestSIGTERMHandsBack: with no other replica, an import still running at
// the end of the grace period is handed back; until a replica runs it its
// status says it waits for recovery, and the next start runs it. On both
// backends.
func TestSIGTERMHandsBack(t *testing.T) {
	if testing.Short() {
		t.Skip("starts server processes")
	}
	for _, be := range backends {
		t.Run(be.name, func(t *testing.T) {
			extra := be.extra(t)
			dbURL := flagValue(extra, "--database")
			data := t.TempDir()
			p1 := startProcEnv(t, data, []string{killpoint.Env + "=" + killpoint.Stages}, append(extra, "--shutdown-grace", "1s")...)
			c := client.New(p1.URL, p1.AppID, p1.Secret)
			start, err := c.ImportNew(context.Background(), uploadExport(t, c, fixture.Get(t, "vaxie")))
			if err != nil {
				t.Fatal(err)
			}
			p1.waitStops(t, 1, 2*time.Minute)
			p1.sigterm(t)
			status, q := storedQueue(t, data, dbURL, start.ID)
			if status != "pending" || q == nil || q.State != "recovery" {
				t.Errorf("after SIGTERM with no replica left the import is %s, queue %s; want pending, waiting for recovery", status, q)
			}
			if j := importJobs(t, data, dbURL)[start.ID]; j == nil || j.State != rivertype.JobStateAvailable {
				t.Errorf("after SIGTERM the import's job is %+v, want available", j)
			}
			p2 := startProc(t, data, extra...)
			c2 := client.New(p2.URL, p1.AppID, p1.Secret)
			done := waitImports(t, c2, []string{start.ID}, pollEvery(dbURL), 2*time.Minute)[start.ID]
			if done.Status != "success" {
				t.Fatalf("after restart: %s %s", done.Status, done.Message)
			}
			job := finishedImportJobs(t, data, dbURL, []string{start.ID})[start.ID]
			if job == nil || job.Attempt != 1 || len(job.AttemptedBy) != 2 {
				t.Errorf("the import's River job: %+v; want one attempt used, tried twice", job)
			}
			figure(t, "SIGTERM mid-import, no other replica: handed back, status waiting for recovery (%s) while no server ran; the next start ran it and it succeeded", q)
		})
	}
}
