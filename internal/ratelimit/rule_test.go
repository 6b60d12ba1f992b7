package ratelimit_test

import (
	"slices"
	"testing"
	"time"

	"github.com/botport/botport/internal/ratelimit"
)

var t0 = time.Date(2026, 12, 2, 10, 0, 0, 0, time.UTC)

// ms is t0 + d in Unix milliseconds.
func ms(d time.Duration) int64 { return t0.Add(d).UnixMilli() }

// every returns n admissions, one every step from start.
func every(start, step time.Duration, n int) []int64 {
	hits := make([]int64, n)
	for i := range hits {
		hits[i] = ms(start + time.Duration(i)*step)
	}
	return hits
}

// TestDecide: the rules of contract section 6 as a pure function.
func TestDecide(t *testing.T) {
	for _, c := range []struct {
		name      string
		hits      []int64
		at        time.Duration
		rule      ratelimit.Rule
		admit     bool
		hourly    bool
		wait      time.Duration
		retry     int
		keptAfter int // admissions kept (the new one included when admitted)
	}{
		{name: "empty bucket admits", at: 0, rule: ratelimit.Platform, admit: true, keptAfter: 1},
		{name: "59 in the minute admits the 60th", hits: every(0, time.Second, 59), at: 59 * time.Second, rule: ratelimit.Platform, admit: true, keptAfter: 60},
		{name: "60 in the minute refuse the 61st, until the first leaves", hits: every(0, 500*time.Millisecond, 60), at: 30 * time.Second,
			rule: ratelimit.Platform, wait: 30 * time.Second, retry: 30, keptAfter: 60},
		{name: "the window rolls: exactly 60 s after the first, its slot is free", hits: every(0, 500*time.Millisecond, 60), at: 60 * time.Second,
			rule: ratelimit.Platform, admit: true, keptAfter: 61},
		{name: "one millisecond before, still refused, Retry-After rounds up to 1", hits: every(0, 500*time.Millisecond, 60), at: 60*time.Second - time.Millisecond,
			rule: ratelimit.Platform, wait: time.Millisecond, retry: 1, keptAfter: 60},
		{name: "Retry-After rounds up to whole seconds", hits: every(0, 0, 60), at: 58*time.Second + 500*time.Millisecond,
			rule: ratelimit.Platform, wait: 1500 * time.Millisecond, retry: 2, keptAfter: 60},
		{name: "1800 in the hour refuse, hourly message, until the oldest leaves the hour", hits: every(0, 2*time.Second, 1800), at: 3598*time.Second + 500*time.Millisecond,
			rule: ratelimit.Platform, hourly: true, wait: 1500 * time.Millisecond, retry: 2, keptAfter: 1800},
		{name: "an hour after the oldest, its slot is free", hits: every(0, 2*time.Second, 1800), at: time.Hour,
			rule: ratelimit.Platform, admit: true, keptAfter: 1800},
		{name: "after an hourly breach a quiet minute does not help", hits: every(0, time.Second, 1800), at: 40 * time.Minute,
			rule: ratelimit.Platform, hourly: true, wait: 20 * time.Minute, retry: 1200, keptAfter: 1800},
		{name: "both windows full: the hourly message, the longer wait", hits: every(0, 0, 1800), at: 30 * time.Second,
			rule: ratelimit.Rule{PerMinute: 60, PerHour: 1800}, hourly: true, wait: 3570 * time.Second, retry: 3570, keptAfter: 1800},
		{name: "hits older than the hour are dropped", hits: append(every(0, time.Second, 10), ms(2*time.Hour)), at: 2*time.Hour + time.Second,
			rule: ratelimit.Platform, admit: true, keptAfter: 2},
		{name: "no hourly limit: only the minute is kept", hits: every(0, time.Second, 10), at: 5 * time.Minute,
			rule: ratelimit.Rule{PerMinute: 60}, admit: true, keptAfter: 1},
		{name: "no minute limit: 100 in a second pass an hourly limit of 101", hits: every(0, 0, 100), at: time.Second,
			rule: ratelimit.Rule{PerHour: 101}, admit: true, keptAfter: 101},
		{name: "limit lowered below what the window holds: wait for enough to leave", hits: every(0, time.Second, 10), at: 10 * time.Second,
			rule: ratelimit.Rule{PerMinute: 5}, wait: 55 * time.Second, retry: 55, keptAfter: 10},
		{name: "an admission recorded ahead of this clock (another replica) still counts", hits: []int64{ms(2 * time.Second)}, at: time.Second,
			rule: ratelimit.Rule{PerMinute: 1}, wait: 61 * time.Second, retry: 61, keptAfter: 1},
	} {
		t.Run(c.name, func(t *testing.T) {
			next, r := ratelimit.Decide(slices.Clone(c.hits), t0.Add(c.at), c.rule)
			if (r == nil) != c.admit {
				t.Fatalf("refusal = %+v, want admitted %v", r, c.admit)
			}
			if r != nil && (r.Hourly != c.hourly || r.Wait != c.wait || r.RetryAfter() != c.retry) {
				t.Errorf("refusal = %+v (Retry-After %d), want hourly %v, wait %v, Retry-After %d", r, r.RetryAfter(), c.hourly, c.wait, c.retry)
			}
			if len(next) != c.keptAfter || !slices.IsSorted(next) {
				t.Errorf("kept %d admissions (sorted %v), want %d", len(next), slices.IsSorted(next), c.keptAfter)
			}
			if c.admit && !slices.Contains(next, ms(c.at)) {
				t.Error("the admitted request is not recorded")
			}
			if !c.admit && len(c.hits) == c.keptAfter && !slices.Equal(next, c.hits) {
				t.Error("a refused request changed the bucket")
			}
		})
	}
}

func TestEncode(t *testing.T) {
	for _, hits := range [][]int64{nil, {ms(0)}, every(0, 7*time.Millisecond, 1800), {1, 1, 1}} {
		got, err := ratelimit.Decode(ratelimit.Encode(hits))
		if err != nil || !slices.Equal(got, hits) {
			t.Errorf("Decode(Encode(%d hits)) = %d hits, %v", len(hits), len(got), err)
		}
	}
	if b := ratelimit.Encode(every(0, time.Second, 1800)); len(b) > 8<<10 {
		t.Errorf("1800 admissions encode to %d bytes", len(b))
	}
	for _, bad := range [][]byte{{0x80}, ratelimit.Encode([]int64{5, 3})} {
		if _, err := ratelimit.Decode(bad); err == nil {
			t.Errorf("Decode(%x) accepted a cut varint or admissions out of order", bad)
		}
	}
}

func TestParseRule(t *testing.T) {
	for _, c := range []struct {
		in   string
		want ratelimit.Rule
		fail bool
	}{
		{in: "60,1800", want: ratelimit.Platform},
		{in: " 10 , 0 ", want: ratelimit.Rule{PerMinute: 10}},
		{in: "off", want: ratelimit.Rule{}},
		{in: "0,0", want: ratelimit.Rule{}},
		{in: "60", fail: true},
		{in: "-1,5", fail: true},
		{in: "a,b", fail: true},
	} {
		got, err := ratelimit.ParseRule(c.in)
		if (err != nil) != c.fail || got != c.want {
			t.Errorf("ParseRule(%q) = %v, %v; want %v (fail %v)", c.in, got, err, c.want, c.fail)
		}
	}
}
