package main

import (
	"context"
	"database/sql"
	"strings"
	"time"

	"github.com/riverqueue/river"

	"github.com/botport/botport/internal/database"
	"github.com/botport/botport/internal/importer"
	"github.com/botport/botport/internal/queue"
	"github.com/botport/botport/internal/replica"
)

// This file wires replica liveness, the hand-back of jobs that stopped
// replicas left running, and fair sharing between accounts into serve.

// newReplica returns this process's lease, not yet joined.
func newReplica(c serveConfig, st *database.DB, r *running) *replica.Replica {
	return replica.New(replica.Config{
		Store: st, Name: c.replicaName, Workers: int(c.workers), Lease: c.replicaLease,
		Exclusive: st.Exclusive, Logger: r.log,
	})
}

// accountLimit is fair sharing's limit: --account-imports when positive,
// none when negative, else half the workers of the live replicas, at
// least one.
func accountLimit(n int64, rep *replica.Replica) func() int {
	switch {
	case n > 0:
		return func() int { return int(n) }
	case n < 0:
		return func() int { return 0 }
	}
	return func() int { return max(1, rep.LiveWorkers()/2) }
}

// joinReplica joins the lease, hands back the jobs of stopped replicas (on
// an exclusive database: every job left running) and starts renewing. It
// runs before River's client starts.
func joinReplica(ctx context.Context, r *running, rep *replica.Replica, jobs *river.Client[*sql.Tx], imp *importer.Service) error {
	sweep := func(ctx context.Context, start bool) error {
		reason := "its replica's lease expired"
		if start {
			reason = "its replica had stopped when this one started"
		}
		handed, err := queue.HandBack(ctx, jobs, rep.Dead, reason)
		if len(handed) > 0 {
			var by, kinds []string
			for _, j := range handed {
				by = append(by, j.AttemptedBy[len(j.AttemptedBy)-1])
				kinds = append(kinds, j.Kind)
			}
			r.log.Info("handed back jobs of stopped replicas", "jobs", len(handed), "kinds", strings.Join(kinds, ","),
				"replicas", strings.Join(by, ","), "at_start", start)
		}
		if err != nil {
			return err
		}
		_, err = imp.Admit(ctx)
		return err
	}
	rep.SetSweep(sweep)
	if err := rep.Join(ctx); err != nil {
		return err
	}
	beat, stop := context.WithCancel(context.WithoutCancel(ctx))
	done := make(chan struct{})
	go func() { defer close(done); rep.Run(beat) }()
	r.leave = func() {
		stop()
		<-done
		leaveCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := rep.Leave(leaveCtx); err != nil {
			r.log.Warn("end replica lease", "error", err)
		}
	}
	return nil
}
