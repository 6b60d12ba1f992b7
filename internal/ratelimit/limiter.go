package ratelimit

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"
)

// Buckets is where a Limiter keeps its buckets: the shared store, so that
// replicas count together.
type Buckets interface {
	// UpdateRateBucket runs fn on the bucket's state while holding it, and
	// stores what fn returns when it says write.
	UpdateRateBucket(ctx context.Context, key string, fn func(state []byte) (next []byte, expires time.Time, write bool, err error)) error
	// DeleteExpiredRateBuckets removes buckets that expired before now.
	DeleteExpiredRateBuckets(ctx context.Context, now time.Time, limit int) (int, error)
}

// Limiter admits or refuses requests by bucket. Its zero value is not
// usable: use New. It is safe for concurrent use.
type Limiter struct {
	store  Buckets
	rules  map[Level]Rule
	now    func() time.Time
	log    *slog.Logger
	sweep  atomic.Int64 // Unix ms of the last sweep of expired buckets
	mu     sync.Mutex
	closed map[string]closedBucket
}

// closedBucket is a refusal remembered in memory: until the instant a slot
// frees, the bucket refuses without asking the store. This is exact across
// replicas: only admissions change a bucket, and another replica's cannot
// free a slot sooner.
type closedBucket struct {
	until  time.Time
	hourly bool
}

const (
	maxClosed     = 100_000
	sweepInterval = 10 * time.Minute
)

// New returns a limiter over buckets with a rule per level; a level without
// a rule, or whose rule is Off, is not limited. now defaults to time.Now;
// log (optional) hears of failed sweeps.
func New(buckets Buckets, rules map[Level]Rule, now func() time.Time, log *slog.Logger) *Limiter {
	if now == nil {
		now = time.Now
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Limiter{store: buckets, rules: rules, now: now, log: log, closed: map[string]closedBucket{}}
}

// Allow counts a request against the bucket key of level and returns nil
// when it is admitted, or the refusal. Keys are the caller's (an app, bot,
// request or account id, prefixed with what is called); the level is added
// here. Errors: faults of the store; the caller answers them as faults, not
// as refusals.
func (l *Limiter) Allow(ctx context.Context, level Level, key string) (*Refusal, error) {
	rule, ok := l.rules[level]
	if !ok || rule.Off() {
		return nil, nil
	}
	now := l.now()
	l.maybeSweep(now)
	key = string(level) + "|" + key
	if r := l.stillClosed(key, now); r != nil {
		return r, nil
	}
	var refused *Refusal
	err := l.store.UpdateRateBucket(ctx, key, func(state []byte) ([]byte, time.Time, bool, error) {
		hits, err := Decode(state)
		if err != nil {
			hits = nil // a state no release wrote: start the bucket over
		}
		next, r := Decide(hits, now, rule)
		refused = r
		if r != nil {
			return nil, time.Time{}, false, nil
		}
		return Encode(next), Expiry(next, rule), true, nil
	})
	if err != nil {
		return nil, fmt.Errorf("rate limit %s: %w", level, err)
	}
	if refused != nil {
		l.close(key, closedBucket{until: now.Add(refused.Wait), hourly: refused.Hourly})
	}
	return refused, nil
}

func (l *Limiter) stillClosed(key string, now time.Time) *Refusal {
	l.mu.Lock()
	defer l.mu.Unlock()
	c, ok := l.closed[key]
	if !ok {
		return nil
	}
	if !now.Before(c.until) {
		delete(l.closed, key)
		return nil
	}
	return &Refusal{Hourly: c.hourly, Wait: c.until.Sub(now)}
}

func (l *Limiter) close(key string, c closedBucket) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.closed) >= maxClosed {
		l.closed = map[string]closedBucket{} // bounded: forget rather than grow
	}
	l.closed[key] = c
}

// maybeSweep deletes expired buckets from the store, at most every
// sweepInterval per process, beside the request that notices it is due.
func (l *Limiter) maybeSweep(now time.Time) {
	last := l.sweep.Load()
	if now.UnixMilli()-last < sweepInterval.Milliseconds() || !l.sweep.CompareAndSwap(last, now.UnixMilli()) {
		return
	}
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if _, err := l.store.DeleteExpiredRateBuckets(ctx, now, 10_000); err != nil {
			l.log.Warn("rate limit: deleting expired buckets", "error", err)
		}
	}()
}
