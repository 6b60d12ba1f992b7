package httpapi

import (
	"context"
	"log/slog"
	"maps"
	"slices"
	"sync"
	"time"

	"github.com/botport/botport/internal/auth"
)

// sampler keeps a flood of alike events from flooding the log: in each
// window, the first few events get a line each; the rest are counted by
// kind and summed up in one line when the window ends. At hundreds of
// events a second that is a handful of lines every ten seconds.
type sampler struct {
	log     *slog.Logger
	now     func() time.Time
	summary string // the message of the summary line

	mu         sync.Mutex
	start      time.Time      // the current window's start
	individual int            // events let through in this window
	counted    map[string]int // events not let through, by kind
	flushing   bool           // a summary is scheduled for this window
}

const (
	sampleWindow     = 10 * time.Second
	sampleIndividual = 5
)

func newSampler(log *slog.Logger, now func() time.Time, summary string) *sampler {
	return &sampler{log: log, now: now, summary: summary, counted: map[string]int{}}
}

// admit reports whether an event of kind gets a line of its own; when it
// does not, it is counted for the window's summary. A nil sampler admits
// everything.
func (l *sampler) admit(kind string) bool {
	if l == nil {
		return true
	}
	now := l.now()
	l.mu.Lock()
	defer l.mu.Unlock()
	if now.Sub(l.start) >= sampleWindow || now.Before(l.start) {
		l.flushLocked()
		l.start, l.individual = now, 0
	}
	if l.individual < sampleIndividual {
		l.individual++
		return true
	}
	l.counted[kind]++
	if !l.flushing {
		l.flushing = true
		time.AfterFunc(sampleWindow-now.Sub(l.start), func() {
			l.mu.Lock()
			defer l.mu.Unlock()
			l.flushLocked()
		})
	}
	return false
}

// flushLocked writes the summary of what was counted, if anything.
func (l *sampler) flushLocked() {
	l.flushing = false
	if len(l.counted) == 0 {
		return
	}
	total := 0
	attrs := []any{"window", sampleWindow.String()}
	for _, kind := range slices.Sorted(maps.Keys(l.counted)) {
		total += l.counted[kind]
		attrs = append(attrs, kind, l.counted[kind])
	}
	attrs = append([]any{"more", total}, attrs...)
	l.log.Info(l.summary, attrs...)
	clear(l.counted)
}

// noteRefusal logs a refused token, sampled: the request id, why (its
// kind), and the app when the token named an existing one. Nothing logged
// is token or secret material, or text the client chose (auth.Failure
// keeps none).
func (s *server) noteRefusal(ctx context.Context, requestID string, f *auth.Failure) {
	if s.refusals == nil || !s.refusals.admit(f.Kind) {
		return
	}
	attrs := []any{"request_id", requestID, "kind", f.Kind}
	if f.AppID != "" {
		attrs = append(attrs, "app", f.AppID)
	}
	if f.Reason != "" {
		attrs = append(attrs, "reason", f.Reason)
	}
	s.log.InfoContext(ctx, "token refused", attrs...)
}
