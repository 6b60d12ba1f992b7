package ratelimit_test

import (
	"fmt"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/botport/botport/internal/ratelimit"
	"github.com/botport/botport/internal/store/postgres"
	"github.com/botport/botport/internal/store/postgres/pgtest"
	"github.com/botport/botport/internal/store/sqlite"
)

// backend opens n stores on one fresh database: n replicas of it.
type backend struct {
	name string
	open func(t *testing.T, n int) []ratelimit.Buckets
}

var backends = []backend{
	{"SQLite", func(t *testing.T, n int) []ratelimit.Buckets {
		path := filepath.Join(t.TempDir(), sqlite.FileName)
		var out []ratelimit.Buckets
		for range n {
			db, err := sqlite.Open(t.Context(), path)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { db.Close() })
			out = append(out, db)
		}
		return out
	}},
	{"PostgreSQL", func(t *testing.T, n int) []ratelimit.Buckets {
		u := pgtest.URL(t)
		var out []ratelimit.Buckets
		for range n {
			db, err := postgres.Open(t.Context(), u)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { db.Close() })
			out = append(out, db)
		}
		return out
	}},
}

// clock is a settable time for limiters.
type clock struct{ t atomic.Int64 }

func (c *clock) set(d time.Duration)       { c.t.Store(int64(d)) }
func (c *clock) now() time.Time            { return t0.Add(time.Duration(c.t.Load())) }
func newClock() (*clock, func() time.Time) { c := &clock{}; return c, c.now }

// step sends n requests at t0+at and expects each answer: "ok", or a
// refusal "minute"/"hour" with Retry-After retry.
type step struct {
	at     time.Duration
	n      int
	bucket string // default "a"
	level  ratelimit.Level
	want   string
	retry  int
}

func (s step) String() string {
	return fmt.Sprintf("%d× at %v on %s/%s", s.n, s.at, s.level, s.bucket)
}

// TestRules: every rule of contract section 6, on each store.
func TestRules(t *testing.T) {
	cases := []struct {
		name  string
		rules map[ratelimit.Level]ratelimit.Rule
		steps []step
	}{
		{"per minute: refused until the first admission leaves the minute", map[ratelimit.Level]ratelimit.Rule{ratelimit.Bot: {PerMinute: 3}}, []step{
			{at: 0, n: 3, want: "ok"},
			{at: 10 * time.Second, n: 1, want: "minute", retry: 50},
			{at: 60*time.Second - time.Millisecond, n: 1, want: "minute", retry: 1},
			{at: 60 * time.Second, n: 3, want: "ok"},
			{at: 60 * time.Second, n: 1, want: "minute", retry: 60},
		}},
		{"only admitted requests count", map[ratelimit.Level]ratelimit.Rule{ratelimit.Bot: {PerMinute: 2}}, []step{
			{at: 0, n: 2, want: "ok"},
			{at: 30 * time.Second, n: 5, want: "minute", retry: 30},
			{at: 50 * time.Second, n: 5, want: "minute", retry: 10},
			{at: 60 * time.Second, n: 2, want: "ok"},
		}},
		{"rolling, not fixed windows", map[ratelimit.Level]ratelimit.Rule{ratelimit.Bot: {PerMinute: 2}}, []step{
			{at: 50 * time.Second, n: 1, want: "ok"},
			{at: 70 * time.Second, n: 1, want: "ok"},
			{at: 80 * time.Second, n: 1, want: "minute", retry: 30},
			{at: 110 * time.Second, n: 1, want: "ok"},
		}},
		{"hourly: refused, with the hourly message, until the hour rolls on", map[ratelimit.Level]ratelimit.Rule{ratelimit.Bot: {PerMinute: 2, PerHour: 3}}, []step{
			{at: 0, n: 2, want: "ok"},
			{at: time.Minute, n: 1, want: "ok"},
			{at: 2 * time.Minute, n: 1, want: "hour", retry: 3480},
			{at: time.Hour - time.Second, n: 1, want: "hour", retry: 1},
			{at: time.Hour, n: 2, want: "ok"},
			// Both windows full: the hourly message and the longer wait.
			{at: time.Hour, n: 1, want: "hour", retry: 60},
		}},
		{"the platform's numbers: 60 a minute, 1800 an hour", map[ratelimit.Level]ratelimit.Rule{ratelimit.RequestID: ratelimit.Platform}, platformSteps()},
		{"buckets and levels are separate", map[ratelimit.Level]ratelimit.Rule{ratelimit.Bot: {PerMinute: 1}, ratelimit.Account: {PerMinute: 1}}, []step{
			{at: 0, n: 1, bucket: "a", want: "ok"},
			{at: 0, n: 1, bucket: "a", want: "minute", retry: 60},
			{at: 0, n: 1, bucket: "b", want: "ok"},
			{at: 0, n: 1, bucket: "a", level: ratelimit.Account, want: "ok"},
		}},
		{"a level without a rule, or off, is not limited", map[ratelimit.Level]ratelimit.Rule{ratelimit.Bot: {}}, []step{
			{at: 0, n: 100, want: "ok"},
			{at: 0, n: 100, level: ratelimit.Account, want: "ok"},
		}},
	}
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			for _, c := range cases {
				t.Run(c.name, func(t *testing.T) {
					clk, now := newClock()
					l := ratelimit.New(b.open(t, 1)[0], c.rules, now, nil)
					for _, s := range c.steps {
						if s.level == "" {
							s.level = ratelimit.Bot
							if _, ok := c.rules[ratelimit.Bot]; !ok {
								s.level = ratelimit.RequestID
							}
						}
						if s.bucket == "" {
							s.bucket = "a"
						}
						clk.set(s.at)
						for i := range s.n {
							r, err := l.Allow(t.Context(), s.level, s.bucket)
							if err != nil {
								t.Fatalf("%v: %v", s, err)
							}
							if got := answer(r); got != s.want || (r != nil && r.RetryAfter() != s.retry) {
								t.Fatalf("%v, request %d: %s (%+v), want %s with Retry-After %d", s, i+1, got, r, s.want, s.retry)
							}
						}
					}
				})
			}
		})
	}
}

// platformSteps fills the hour 60 a minute for 30 minutes: the 61st of a
// minute is refused, the 1801st of the hour too, until 60 minutes after
// the first.
func platformSteps() []step {
	var steps []step
	for m := range 30 {
		at := time.Duration(m) * time.Minute
		steps = append(steps, step{at: at, n: 60, want: "ok"})
		if m == 0 {
			steps = append(steps, step{at: at + 30*time.Second, n: 1, want: "minute", retry: 30})
		}
	}
	return append(steps,
		step{at: 30 * time.Minute, n: 1, want: "hour", retry: 1800},
		step{at: 59 * time.Minute, n: 1, want: "hour", retry: 60},
		step{at: time.Hour, n: 60, want: "ok"},
		// The hour holds 1800 again (the first minute's left, this one's
		// came): both windows are full.
		step{at: time.Hour, n: 1, want: "hour", retry: 60},
		step{at: time.Hour + time.Minute, n: 60, want: "ok"},
	)
}

func answer(r *ratelimit.Refusal) string {
	switch {
	case r == nil:
		return "ok"
	case r.Hourly:
		return "hour"
	}
	return "minute"
}

// TestReplicasShareCounters: two limiters on two connections to one
// database (two replicas) count one bucket together, exactly, under
// concurrent requests.
func TestReplicasShareCounters(t *testing.T) {
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			stores := b.open(t, 2)
			_, now := newClock()
			rules := map[ratelimit.Level]ratelimit.Rule{ratelimit.Bot: ratelimit.Platform}
			replicas := []*ratelimit.Limiter{ratelimit.New(stores[0], rules, now, nil), ratelimit.New(stores[1], rules, now, nil)}
			var admitted, minute atomic.Int32
			var wg sync.WaitGroup
			for i := range 90 {
				wg.Go(func() {
					r, err := replicas[i%2].Allow(t.Context(), ratelimit.Bot, "shared")
					switch {
					case err != nil:
						t.Error(err)
					case r == nil:
						admitted.Add(1)
					case !r.Hourly && r.RetryAfter() == 60:
						minute.Add(1)
					default:
						t.Errorf("refusal %+v", r)
					}
				})
			}
			wg.Wait()
			if admitted.Load() != 60 || minute.Load() != 30 {
				t.Errorf("90 requests over two replicas: %d admitted, %d refused per minute; want 60 and 30", admitted.Load(), minute.Load())
			}
		})
	}
}
