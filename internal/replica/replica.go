// Package replica is replica liveness: each server process (a replica)
// holds a lease in the shared database and renews it every few seconds, so
// that the others learn within a lease that it died and hand its running
// jobs back at once, instead of waiting for River's rescuer (an import
// timeout and more).
//
// The replica's id is its River client id, so a running job's attempted_by
// names the replica working it. Who hands back:
//
//   - every replica at its start (Join), for the leases that have expired
//     and for its predecessors: a replica that starts under the name of
//     an earlier process on the same host (the host name by default)
//     proves that process dead when its pid is gone (or is the new
//     process's own pid, as after a container restart) and ends its lease
//     at once; so a single server killed and restarted resumes its imports
//     at the restart, not a lease later;
//   - the leader (the live replica with the smallest id) after each
//     renewal, for the leases that have expired. It sweeps only once its
//     own lease has been renewed without a failure for a whole lease, so
//     that a database outage, which stops every renewal, does not make it
//     judge the others dead before they could renew again.
//
// A false judgement (a live replica that could not renew for a whole
// lease) is harmless: its jobs run twice at once, and an import commits
// only while pending. A replica that finds its lease gone joins again.
//
// Leases are judged by the database's clock (store.Replica.Expires), so
// replicas' clocks need not agree.
package replica

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/botport/botport/internal/store"
)

// Store is what liveness needs of the store: the replica leases.
type Store interface {
	JoinReplica(ctx context.Context, r *store.Replica, ttl time.Duration) error
	RenewReplica(ctx context.Context, id string, ttl time.Duration) (time.Time, error)
	Replicas(ctx context.Context) ([]*store.Replica, time.Time, error)
	DeleteReplicas(ctx context.Context, ids ...string) error
}

// Defaults of Config.
const (
	DefaultLease   = 10 * time.Second
	renewsPerLease = 5
	// forgetAfter is how long an expired lease stays in the table, for
	// whoever looks into it, before the leader deletes it.
	forgetAfter = time.Hour
)

// Config is one replica's settings.
type Config struct {
	Store Store
	// Name is the replica's name: its host's name by default. A replica
	// that starts under the name of an earlier one whose process is gone
	// ends that one's lease at once. Give replicas on one host the same
	// name (the default) and replicas on different hosts different ones.
	Name    string
	Workers int
	// Lease is how long a lease lasts without renewal (default 10 s); it
	// is renewed five times a lease.
	Lease time.Duration
	// Exclusive is true when no other server can work the database (SQLite
	// under the data directory's lock): every other lease is dead.
	Exclusive bool
	Logger    *slog.Logger
	// Sweep hands back the work of dead replicas (and repairs what they
	// held). It is called at Join with start true, and by the leader after
	// renewals. Its errors are logged.
	Sweep func(ctx context.Context, start bool) error
}

// Replica is this process's lease.
type Replica struct {
	cfg   Config
	id    string
	log   *slog.Logger
	renew time.Duration

	mu      sync.Mutex
	workers int       // of the live replicas, at the last look
	steady  time.Time // since when every renewal succeeded; zero after a failure
}

// local holds the ids of the replicas this process joined: a lease under
// this process's pid that is not in it belongs to an earlier process.
var local sync.Map

// New returns the replica of cfg with a new id: its name, its start time
// and a random suffix (River allows ids under 128 characters).
func New(cfg Config) *Replica {
	if cfg.Lease <= 0 {
		cfg.Lease = DefaultLease
	}
	if cfg.Name == "" {
		cfg.Name, _ = os.Hostname()
		if cfg.Name == "" {
			cfg.Name = "botport"
		}
	}
	if len(cfg.Name) > 60 {
		cfg.Name = cfg.Name[:60]
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Sweep == nil {
		cfg.Sweep = func(context.Context, bool) error { return nil }
	}
	var b [4]byte
	_, _ = rand.Read(b[:])
	id := fmt.Sprintf("%s_%s_%s", cfg.Name, time.Now().UTC().Format("20060102T150405.000"), hex.EncodeToString(b[:]))
	return &Replica{cfg: cfg, id: id, log: cfg.Logger, renew: cfg.Lease / renewsPerLease, workers: cfg.Workers}
}

// SetSweep sets Config.Sweep, for a sweep that needs the replica's id
// (River's client is built with it). Call it before Join.
func (r *Replica) SetSweep(fn func(ctx context.Context, start bool) error) { r.cfg.Sweep = fn }

// ID is the replica's id: River's client id.
func (r *Replica) ID() string { return r.id }

// LiveWorkers sums the workers of the live replicas, this one included,
// as of the last renewal.
func (r *Replica) LiveWorkers() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.workers
}

// Join writes the replica's lease, ends the leases of its dead
// predecessors and sweeps (start true). Call it before River's client
// starts, so that no job names this replica before its lease exists.
// Errors: the store's, when the lease cannot be written; a failed sweep
// is logged, not returned (the leader sweeps again).
func (r *Replica) Join(ctx context.Context) error {
	row := &store.Replica{ID: r.id, Name: r.cfg.Name, PID: os.Getpid(), Workers: r.cfg.Workers}
	if err := r.cfg.Store.JoinReplica(ctx, row, r.cfg.Lease); err != nil {
		return err
	}
	local.Store(r.id, true)
	r.mu.Lock()
	r.steady = time.Now()
	r.mu.Unlock()
	rows, now, err := r.cfg.Store.Replicas(ctx)
	if err != nil {
		return err
	}
	var gone []string
	for _, o := range rows {
		if o.ID == r.id {
			continue
		}
		if _, mine := local.Load(o.ID); mine {
			continue // another server of this process (tests run several)
		}
		if r.cfg.Exclusive || o.Name == row.Name && o.Expires.After(now) && predecessor(o.PID) {
			gone = append(gone, o.ID)
		}
	}
	if len(gone) > 0 {
		if err := r.cfg.Store.DeleteReplicas(ctx, gone...); err != nil {
			return err
		}
		r.log.Info("ended the leases of stopped processes", "replicas", strings.Join(gone, ","))
	}
	r.look(rows, now, gone)
	if err := r.cfg.Sweep(ctx, true); err != nil {
		r.log.Warn("hand back at start", "error", err)
	}
	return nil
}

// predecessor reports whether the process pid on this host is gone (or is
// this process, under an id this process did not join: a restarted
// container gets the pid its predecessor had).
func predecessor(pid int) bool {
	if pid == os.Getpid() {
		return true // the caller skipped the ids this process joined
	}
	err := syscall.Kill(pid, 0)
	return errors.Is(err, syscall.ESRCH)
}

// look records the live replicas' workers from rows read at now, leaving
// out the ids in gone.
func (r *Replica) look(rows []*store.Replica, now time.Time, gone []string) {
	workers := 0
	for _, o := range rows {
		if o.Expires.After(now) && !contains(gone, o.ID) {
			workers += o.Workers
		}
	}
	r.mu.Lock()
	r.workers = max(workers, r.cfg.Workers)
	r.mu.Unlock()
}

func contains(ids []string, id string) bool {
	for _, s := range ids {
		if s == id {
			return true
		}
	}
	return false
}

// Dead reads the leases and returns a test of a River client id: true
// unless that replica holds a live lease (on an exclusive database, unless
// it is this replica). Callers list the jobs first and read the leases
// after, so that a replica that fetched a listed job had joined before
// the read.
func (r *Replica) Dead(ctx context.Context) (func(id string) bool, error) {
	if r.cfg.Exclusive {
		return func(id string) bool { return id != r.id }, nil
	}
	rows, now, err := r.cfg.Store.Replicas(ctx)
	if err != nil {
		return nil, err
	}
	live := map[string]bool{r.id: true}
	for _, o := range rows {
		if o.Expires.After(now) {
			live[o.ID] = true
		}
	}
	return func(id string) bool { return !live[id] }, nil
}

// Run renews the lease until ctx ends, and sweeps after each renewal while
// this replica is the leader and steady. It returns when ctx ends; end it
// only after River's client has stopped, then call Leave.
func (r *Replica) Run(ctx context.Context) {
	t := time.NewTicker(r.renew)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		if r.beat(ctx) {
			if err := r.cfg.Sweep(ctx, false); err != nil && ctx.Err() == nil {
				r.log.Warn("hand back the work of stopped replicas", "error", err)
			}
		}
	}
}

// beat renews the lease and reports whether to sweep now.
func (r *Replica) beat(ctx context.Context) bool {
	rctx, cancel := context.WithTimeout(ctx, r.renew)
	defer cancel()
	_, err := r.cfg.Store.RenewReplica(rctx, r.id, r.cfg.Lease)
	if errors.Is(err, store.ErrNotFound) {
		// Another replica judged this one dead (it could not renew for a
		// lease): its jobs were handed back, and may run twice.
		r.log.Warn("this replica's lease was ended by another; joining again", "replica", r.id)
		err = r.cfg.Store.JoinReplica(rctx, &store.Replica{ID: r.id, Name: r.cfg.Name, PID: os.Getpid(), Workers: r.cfg.Workers}, r.cfg.Lease)
	}
	var rows []*store.Replica
	var now time.Time
	if err == nil {
		rows, now, err = r.cfg.Store.Replicas(rctx)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if err != nil {
		if ctx.Err() == nil {
			r.log.Warn("renew replica lease", "replica", r.id, "error", err)
		}
		r.steady = time.Time{}
		return false
	}
	if r.steady.IsZero() {
		r.steady = time.Now()
	}
	workers, leader := 0, true
	var forget []string
	for _, o := range rows {
		switch {
		case o.Expires.After(now):
			workers += o.Workers
			leader = leader && o.ID >= r.id
		case now.Sub(o.Expires) > forgetAfter:
			forget = append(forget, o.ID)
		}
	}
	r.workers = max(workers, r.cfg.Workers)
	if !leader {
		return false
	}
	if len(forget) > 0 {
		_ = r.cfg.Store.DeleteReplicas(rctx, forget...)
	}
	return time.Since(r.steady) >= r.cfg.Lease
}

// Leave ends the lease: the replica stopped, and whatever job still names
// it is handed back by the others at once. Errors: the store's.
func (r *Replica) Leave(ctx context.Context) error {
	local.Delete(r.id)
	return r.cfg.Store.DeleteReplicas(ctx, r.id)
}
