package queue_test

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver"
	"github.com/riverqueue/river/rivertype"

	"github.com/botport/botport/internal/database"
	"github.com/botport/botport/internal/queue"
)

type noopArgs struct{ N int }

func (noopArgs) Kind() string { return "noop" }

type noop struct{ river.WorkerDefaults[noopArgs] }

func (noop) Work(context.Context, *river.Job[noopArgs]) error { return nil }

// setup returns a client (not started) over a fresh SQLite database.
func setup(t *testing.T) *river.Client[*sql.Tx] {
	t.Helper()
	db, err := database.OpenSQLite(t.Context(), t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	workers := river.NewWorkers()
	river.AddWorker(workers, noop{})
	cfg := db.Queue
	cfg.ID = "this-replica"
	c, err := queue.New(db.Driver, workers, cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// fetch marks the next available job running, attempted by client, as
// River's producer does.
func fetch(t *testing.T, c *river.Client[*sql.Tx], client string) *rivertype.JobRow {
	t.Helper()
	res, err := c.Driver().GetExecutor().JobGetAvailable(t.Context(), &riverdriver.JobGetAvailableParams{
		ClientID: client, MaxAttemptedBy: 100, MaxToLock: 1, Queue: river.QueueDefault})
	if err != nil || len(res.Jobs) != 1 {
		t.Fatalf("fetch by %s: %v", client, err)
	}
	return res.Jobs[0]
}

func insert(t *testing.T, c *river.Client[*sql.Tx], n int) int64 {
	t.Helper()
	res, err := c.Insert(t.Context(), noopArgs{N: n}, nil)
	if err != nil {
		t.Fatal(err)
	}
	return res.Job.ID
}

func TestHandBack(t *testing.T) {
	c := setup(t)
	deadJob, liveJob := insert(t, c, 1), insert(t, c, 2)
	fetch(t, c, "dead-replica")
	fetch(t, c, "live-replica")
	judge := func(context.Context) (func(string) bool, error) {
		return func(id string) bool { return id == "dead-replica" }, nil
	}
	handed, err := queue.HandBack(t.Context(), c, judge, "its replica's lease expired")
	if err != nil {
		t.Fatal(err)
	}
	if len(handed) != 1 || handed[0].ID != deadJob {
		t.Fatalf("handed back %v, want job %d", handed, deadJob)
	}
	j, err := c.JobGet(t.Context(), deadJob)
	if err != nil {
		t.Fatal(err)
	}
	last := j.Errors[len(j.Errors)-1]
	if j.State != rivertype.JobStateAvailable || !strings.Contains(last.Error, "handed back: its replica's lease expired (attempted by dead-replica)") {
		t.Errorf("the dead replica's job: %s, last error %q; want available, saying why", j.State, last.Error)
	}
	if j, _ := c.JobGet(t.Context(), liveJob); j.State != rivertype.JobStateRunning {
		t.Errorf("the live replica's job is %s, want running", j.State)
	}
	// Again: nothing left to hand back.
	if handed, err := queue.HandBack(t.Context(), c, judge, "again"); err != nil || len(handed) != 0 {
		t.Errorf("a second hand-back: %v, %v; want nothing", handed, err)
	}
}

// A job listed in its dead replica's attempt, but handed back and fetched
// again by a live replica before this hand-back reaches it (another
// replica swept at the same time), is left with its new attempt.
func TestHandBackLeavesNewAttempt(t *testing.T) {
	c := setup(t)
	id := insert(t, c, 1)
	fetch(t, c, "dead-replica")
	judge := func(ctx context.Context) (func(string) bool, error) {
		other := func(context.Context) (func(string) bool, error) {
			return func(id string) bool { return id == "dead-replica" }, nil
		}
		if _, err := queue.HandBack(ctx, c, other, "by another replica"); err != nil {
			return nil, err
		}
		time.Sleep(5 * time.Millisecond) // attempted_at is kept to the millisecond on SQLite
		fetch(t, c, "live-replica")
		return func(id string) bool { return id == "dead-replica" }, nil
	}
	handed, err := queue.HandBack(t.Context(), c, judge, "by this replica")
	if err != nil {
		t.Fatal(err)
	}
	if len(handed) != 0 {
		t.Errorf("handed back %d jobs, want none: the job's attempt changed since it was listed", len(handed))
	}
	j, err := c.JobGet(t.Context(), id)
	if err != nil {
		t.Fatal(err)
	}
	if j.State != rivertype.JobStateRunning || j.AttemptedBy[len(j.AttemptedBy)-1] != "live-replica" {
		t.Errorf("the job is %s, attempted by %v; want running on live-replica", j.State, j.AttemptedBy)
	}
}

func TestHandBackJudgeError(t *testing.T) {
	c := setup(t)
	insert(t, c, 1)
	fetch(t, c, "someone")
	bad := errors.New("database unreachable")
	if _, err := queue.HandBack(t.Context(), c, func(context.Context) (func(string) bool, error) { return nil, bad }, "x"); !errors.Is(err, bad) {
		t.Errorf("HandBack = %v, want the judge's error", err)
	}
}
