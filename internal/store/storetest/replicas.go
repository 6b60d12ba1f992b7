package storetest

import (
	"testing"
	"time"

	"github.com/botport/botport/internal/kore"
	"github.com/botport/botport/internal/store"
)

// newReplica is a replica row with a unique id.
func newReplica(name string) *store.Replica {
	return &store.Replica{ID: "replica-" + kore.NewHexID(), Name: name, PID: 4242, Workers: 4}
}

// replicaByID lists the replica rows and the database clock, by id.
func replicaByID(t *testing.T, s store.Store) (map[string]*store.Replica, time.Time) {
	t.Helper()
	rs, now, err := s.Replicas(t.Context())
	must(t, err, "Replicas")
	out := map[string]*store.Replica{}
	for i, r := range rs {
		if i > 0 && rs[i-1].ID >= r.ID {
			t.Errorf("Replicas not sorted by id: %s before %s", rs[i-1].ID, r.ID)
		}
		out[r.ID] = r
	}
	return out, now
}

// testReplicas covers replica leases: join, renew, list, delete, judged
// by the database's clock.
func testReplicas(t *testing.T, open opener) {
	t.Run("Lease", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		live, lapsed := newReplica("host-a"), newReplica("host-b")
		must(t, s.JoinReplica(t.Context(), live, time.Minute), "JoinReplica")
		if live.Started.IsZero() || live.Expires.Sub(live.Started) != time.Minute {
			t.Errorf("JoinReplica set Started %v, Expires %v; want Expires a minute after Started", live.Started, live.Expires)
		}
		// The database's clock, not the test's: it may differ a little.
		if d := time.Since(live.Started); d < -time.Minute || d > time.Minute {
			t.Errorf("JoinReplica Started %v is %v from this clock", live.Started, d)
		}
		must(t, s.JoinReplica(t.Context(), lapsed, -time.Second), "JoinReplica with a lease already lapsed")
		got, now := replicaByID(t, s)
		if len(got) != 2 {
			t.Fatalf("Replicas = %d rows, want 2", len(got))
		}
		if r := got[live.ID]; r.Name != "host-a" || r.PID != 4242 || r.Workers != 4 || !r.Expires.After(now) {
			t.Errorf("live replica read back as %+v at %v, want its fields and a lease after now", r, now)
		}
		if r := got[lapsed.ID]; r.Expires.After(now) {
			t.Errorf("lapsed replica's lease %v is after now %v", r.Expires, now)
		}

		// A renewal revives a lapsed lease, by the database's clock.
		exp, err := s.RenewReplica(t.Context(), lapsed.ID, time.Minute)
		must(t, err, "RenewReplica")
		got, now = replicaByID(t, s)
		if !got[lapsed.ID].Expires.Equal(exp) || !exp.After(now) {
			t.Errorf("after RenewReplica the lease is %v (returned %v), now %v", got[lapsed.ID].Expires, exp, now)
		}
		_, err = s.RenewReplica(t.Context(), "replica-unknown", time.Minute)
		wantErrIs(t, err, store.ErrNotFound, "RenewReplica of an unknown replica")

		must(t, s.DeleteReplicas(t.Context(), live.ID, "replica-unknown"), "DeleteReplicas")
		_, err = s.RenewReplica(t.Context(), live.ID, time.Minute)
		wantErrIs(t, err, store.ErrNotFound, "RenewReplica after DeleteReplicas")
		if got, _ := replicaByID(t, s); len(got) != 1 || got[lapsed.ID] == nil {
			t.Errorf("after DeleteReplicas: %v, want only %s", got, lapsed.ID)
		}
		must(t, s.DeleteReplicas(t.Context()), "DeleteReplicas of nothing")
		if err := s.JoinReplica(t.Context(), &store.Replica{ID: lapsed.ID, Name: "x"}, time.Minute); err == nil {
			t.Errorf("JoinReplica with a taken id succeeded")
		}
	})
}
