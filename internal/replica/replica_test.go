package replica

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/botport/botport/internal/store"
	"github.com/botport/botport/internal/store/sqlite"
)

// openStore opens a real store in a temporary directory.
func openStore(t *testing.T) *failing {
	t.Helper()
	st, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), sqlite.FileName))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return &failing{Store: st}
}

// failing is a store whose renewals can be made to fail (a database
// outage, as the replica sees it).
type failing struct {
	Store
	mu   sync.Mutex
	down bool
}

func (f *failing) setDown(down bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.down = down
}

func (f *failing) RenewReplica(ctx context.Context, id string, ttl time.Duration) (time.Time, error) {
	f.mu.Lock()
	down := f.down
	f.mu.Unlock()
	if down {
		return time.Time{}, errors.New("connection refused")
	}
	return f.Store.RenewReplica(ctx, id, ttl)
}

// deadPID returns the pid of a process that has exited.
func deadPID(t *testing.T) int {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	if err := cmd.Run(); err != nil {
		t.Fatal(err)
	}
	return cmd.Process.Pid
}

// row writes a lease as another process would.
func row(t *testing.T, st Store, id, name string, pid int, lease time.Duration) {
	t.Helper()
	if err := st.JoinReplica(t.Context(), &store.Replica{ID: id, Name: name, PID: pid, Workers: 3}, lease); err != nil {
		t.Fatal(err)
	}
}

func ids(t *testing.T, st Store) map[string]bool {
	t.Helper()
	rs, _, err := st.Replicas(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]bool{}
	for _, r := range rs {
		out[r.ID] = true
	}
	return out
}

func TestJoin(t *testing.T) {
	st := openStore(t)
	// Leases of earlier processes, all still valid.
	row(t, st, "same-dead", "host", deadPID(t), time.Minute)       // its pid is gone: a predecessor
	row(t, st, "same-alive", "host", os.Getppid(), time.Minute)    // another live process on this host
	row(t, st, "same-my-pid", "host", os.Getpid(), time.Minute)    // a restarted container gets its predecessor's pid
	row(t, st, "other-host", "elsewhere", deadPID(t), time.Minute) // another host: its pid means nothing here
	row(t, st, "expired", "elsewhere", os.Getppid(), -time.Second) // expired
	sibling := New(Config{Store: st, Name: "host", Workers: 2})    // another server of this process
	if err := sibling.Join(t.Context()); err != nil {
		t.Fatal(err)
	}
	starts := 0
	r := New(Config{Store: st, Name: "host", Workers: 4, Sweep: func(_ context.Context, start bool) error {
		if !start {
			t.Errorf("Join swept with start false")
		}
		starts++
		return nil
	}})
	if err := r.Join(t.Context()); err != nil {
		t.Fatal(err)
	}
	if starts != 1 {
		t.Errorf("Join swept %d times, want once", starts)
	}
	got := ids(t, st)
	for id, want := range map[string]bool{"same-dead": false, "same-my-pid": false, "same-alive": true, "other-host": true,
		"expired": true, sibling.ID(): true, r.ID(): true} {
		if got[id] != want {
			t.Errorf("after Join, lease %s present: %v, want %v", id, got[id], want)
		}
	}
	dead, err := r.Dead(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	for id, want := range map[string]bool{"same-dead": true, "same-alive": false, "other-host": false, "expired": true,
		"never-joined": true, "": true, sibling.ID(): false, r.ID(): false} {
		if dead(id) != want {
			t.Errorf("Dead(%q) = %v, want %v", id, dead(id), want)
		}
	}
	// Live workers: same-alive, other-host (3 each), sibling 2, r 4.
	if n := r.LiveWorkers(); n != 12 {
		t.Errorf("LiveWorkers = %d, want 12", n)
	}
	if err := r.Leave(t.Context()); err != nil {
		t.Fatal(err)
	}
	if ids(t, st)[r.ID()] {
		t.Errorf("the lease is still there after Leave")
	}
}

func TestJoinExclusive(t *testing.T) {
	st := openStore(t)
	row(t, st, "earlier", "elsewhere", os.Getppid(), time.Minute)
	r := New(Config{Store: st, Workers: 4, Exclusive: true})
	if err := r.Join(t.Context()); err != nil {
		t.Fatal(err)
	}
	if got := ids(t, st); len(got) != 1 || !got[r.ID()] {
		t.Errorf("leases after an exclusive Join: %v, want only this replica's", got)
	}
	dead, err := r.Dead(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if dead(r.ID()) || !dead("earlier") || !dead("anyone") {
		t.Errorf("on an exclusive database every client but this replica is dead")
	}
}

func TestBeat(t *testing.T) {
	st := openStore(t)
	lead := New(Config{Store: st, Name: "a", Workers: 4, Lease: time.Second})
	follow := New(Config{Store: st, Name: "b", Workers: 4, Lease: time.Second})
	for _, r := range []*Replica{lead, follow} {
		if err := r.Join(t.Context()); err != nil {
			t.Fatal(err)
		}
	}
	steadyFor := func(r *Replica, d time.Duration) {
		r.mu.Lock()
		r.steady = time.Now().Add(-d)
		r.mu.Unlock()
	}
	// Just joined: not steady for a lease yet.
	if lead.beat(t.Context()) {
		t.Errorf("the leader swept before its lease had been renewed for a whole lease")
	}
	steadyFor(lead, 2*time.Second)
	steadyFor(follow, 2*time.Second)
	if !lead.beat(t.Context()) {
		t.Errorf("the steady leader (smallest id) did not sweep")
	}
	if follow.beat(t.Context()) {
		t.Errorf("a replica that is not the leader swept")
	}
	// An outage: the renewal fails; after it, a whole lease must pass
	// before the leader judges others again.
	st.setDown(true)
	if lead.beat(t.Context()) {
		t.Errorf("the leader swept while it could not renew")
	}
	st.setDown(false)
	if lead.beat(t.Context()) {
		t.Errorf("the leader swept right after an outage")
	}
	steadyFor(lead, 2*time.Second)
	if !lead.beat(t.Context()) {
		t.Errorf("the leader did not sweep a lease after the outage")
	}
	// Another replica ended this one's lease: it joins again.
	if err := st.DeleteReplicas(t.Context(), follow.ID()); err != nil {
		t.Fatal(err)
	}
	follow.beat(t.Context())
	if !ids(t, st)[follow.ID()] {
		t.Errorf("a replica whose lease was ended did not join again")
	}
	// The leader leaves: the other one leads.
	if err := lead.Leave(t.Context()); err != nil {
		t.Fatal(err)
	}
	steadyFor(follow, 2*time.Second)
	if !follow.beat(t.Context()) {
		t.Errorf("the remaining replica did not lead once the leader left")
	}
	if n := follow.LiveWorkers(); n != 4 {
		t.Errorf("LiveWorkers after the leader left = %d, want 4", n)
	}
}
