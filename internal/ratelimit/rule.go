// Package ratelimit holds the platform's rate limits (contract section 6):
// per bucket, two rolling windows, a minute and an hour; a request is
// admitted only while both are under their limits, and only admitted
// requests count. The rules are a pure function over the admissions a
// bucket recorded (Decide); Limiter keeps the buckets in the shared store,
// so every replica counts the same requests.
package ratelimit

import (
	"encoding/binary"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// The two rolling windows.
const (
	Minute = time.Minute
	Hour   = time.Hour
)

// Level is an enforcement level of the platform (contract section 6): what
// a bucket counts.
type Level string

// The levels. Bot: definition APIs, by bot (uploads and new-bot imports,
// which have no bot yet, by app). RequestID: status APIs, by request.
// Account: admin APIs (Get Bots), by account.
const (
	Bot       Level = "bot"
	RequestID Level = "request_id"
	Account   Level = "account"
)

// Levels lists every level, for configuration.
var Levels = []Level{Bot, RequestID, Account}

// Rule is one level's limits: admissions per rolling minute and per rolling
// hour. Zero means no limit in that window; a rule with both zero limits
// nothing.
type Rule struct {
	PerMinute, PerHour int
}

// Platform is the platform's rule at every level: 60 a minute, 1800 an
// hour.
var Platform = Rule{PerMinute: 60, PerHour: 1800}

// Off reports whether the rule limits nothing.
func (r Rule) Off() bool { return r.PerMinute <= 0 && r.PerHour <= 0 }

// String writes the rule as ParseRule reads it.
func (r Rule) String() string { return fmt.Sprintf("%d,%d", r.PerMinute, r.PerHour) }

// ParseRule reads "PER_MINUTE,PER_HOUR" (e.g. "60,1800"; 0 lifts a window's
// limit) or "off".
func ParseRule(s string) (Rule, error) {
	s = strings.TrimSpace(s)
	if s == "off" {
		return Rule{}, nil
	}
	m, h, ok := strings.Cut(s, ",")
	if !ok {
		return Rule{}, fmt.Errorf("rate rule %q: want PER_MINUTE,PER_HOUR (e.g. 60,1800) or off", s)
	}
	pm, err1 := strconv.Atoi(strings.TrimSpace(m))
	ph, err2 := strconv.Atoi(strings.TrimSpace(h))
	if err1 != nil || err2 != nil || pm < 0 || ph < 0 {
		return Rule{}, fmt.Errorf("rate rule %q: want two whole numbers >= 0, per minute and per hour", s)
	}
	return Rule{PerMinute: pm, PerHour: ph}, nil
}

// Refusal is a request refused by a rule.
type Refusal struct {
	// Hourly is true when the hourly window is full (its message applies,
	// whatever the minute window says), false when only the minute window
	// is.
	Hourly bool
	// Wait is how long until a slot frees in every full window.
	Wait time.Duration
}

// RetryAfter is the Retry-After value of the refusal: whole seconds until a
// slot frees, rounded up, at least 1.
func (r *Refusal) RetryAfter() int {
	s := int((r.Wait + time.Second - 1) / time.Second)
	return max(s, 1)
}

// Decide applies rule at now to the admissions a bucket recorded (Unix
// milliseconds, ascending). A hit h is inside a window w while h > now - w:
// a slot frees exactly w after the admission that took it. It returns the
// admissions to keep (the request's own added when it is admitted, those
// that left every window dropped) and the refusal, nil when the request is
// admitted. A refused request changes nothing: only admitted requests count.
func Decide(hits []int64, now time.Time, rule Rule) (next []int64, refused *Refusal) {
	t := now.UnixMilli()
	keep := Minute
	if rule.PerHour > 0 {
		keep = Hour
	}
	first, _ := slices.BinarySearch(hits, t-keep.Milliseconds()+1) // hits > t - keep
	hits = hits[first:]
	var wait time.Duration
	full := func(w time.Duration, limit int) bool {
		if limit <= 0 {
			return false
		}
		in := hits[windowStart(hits, t, w):]
		if len(in) < limit {
			return false
		}
		// len(in)-limit+1 admissions must leave (more than one when the
		// limit was lowered); the last of them leaves at its time + w.
		free := time.Duration(in[len(in)-limit]+w.Milliseconds()-t) * time.Millisecond
		wait = max(wait, free)
		return true
	}
	minuteFull := full(Minute, rule.PerMinute)
	hourFull := full(Hour, rule.PerHour)
	if minuteFull || hourFull {
		return hits, &Refusal{Hourly: hourFull, Wait: wait}
	}
	i, _ := slices.BinarySearch(hits, t+1) // after every hit at or before t
	next = make([]int64, 0, len(hits)+1)
	next = append(append(append(next, hits[:i]...), t), hits[i:]...)
	return next, nil
}

// windowStart is the index of the first hit inside the window w at t.
func windowStart(hits []int64, t int64, w time.Duration) int {
	i, _ := slices.BinarySearch(hits, t-w.Milliseconds()+1)
	return i
}

// Expiry is when a bucket holding hits is empty again under rule: its row
// may then be deleted.
func Expiry(hits []int64, rule Rule) time.Time {
	if len(hits) == 0 {
		return time.Time{}
	}
	keep := Minute
	if rule.PerHour > 0 {
		keep = Hour
	}
	return time.UnixMilli(hits[len(hits)-1]).Add(keep)
}

// Encode writes admissions as the store keeps them: the first as a varint,
// then the differences (at most 1,800 admissions, a few KB).
func Encode(hits []int64) []byte {
	b := make([]byte, 0, 4*len(hits)+8)
	var prev int64
	for _, h := range hits {
		b = binary.AppendVarint(b, h-prev)
		prev = h
	}
	return b
}

// Decode reads what Encode wrote. Errors: a state that is not Encode's.
func Decode(b []byte) ([]int64, error) {
	var hits []int64
	var prev int64
	for len(b) > 0 {
		d, n := binary.Varint(b)
		if n <= 0 {
			return nil, errors.New("ratelimit: corrupt bucket state")
		}
		prev += d
		if len(hits) > 0 && prev < hits[len(hits)-1] {
			return nil, errors.New("ratelimit: bucket state out of order")
		}
		hits = append(hits, prev)
		b = b[n:]
	}
	return hits, nil
}
