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

// refusalLog logs refused tokens without letting a flood of them flood the
// log: in each window, the first few refusals get a line each (request id,
// kind, and the app when the token named an existing one); the rest are
// counted by kind and summed up in one line when the window ends. At
// hundreds of refusals a second that is a handful of lines every ten
// seconds. Nothing logged is token or secret material, or text the client
// chose (auth.Failure keeps none).
type refusalLog struct {
	log *slog.Logger
	now func() time.Time

	mu         sync.Mutex
	start      time.Time      // the current window's start
	individual int            // lines written one by one in this window
	counted    map[string]int // refusals not logged one by one, by kind
	flushing   bool           // a summary is scheduled for this window
}

const (
	refusalWindow     = 10 * time.Second
	refusalIndividual = 5
)

func newRefusalLog(log *slog.Logger, now func() time.Time) *refusalLog {
	return &refusalLog{log: log, now: now, counted: map[string]int{}}
}

// note logs or counts one refusal; a nil log drops it.
func (l *refusalLog) note(ctx context.Context, requestID string, f *auth.Failure) {
	if l == nil {
		return
	}
	now := l.now()
	l.mu.Lock()
	if now.Sub(l.start) >= refusalWindow || now.Before(l.start) {
		l.flushLocked()
		l.start, l.individual = now, 0
	}
	if l.individual < refusalIndividual {
		l.individual++
		l.mu.Unlock()
		attrs := []any{"request_id", requestID, "kind", f.Kind}
		if f.AppID != "" {
			attrs = append(attrs, "app", f.AppID)
		}
		if f.Reason != "" {
			attrs = append(attrs, "reason", f.Reason)
		}
		l.log.InfoContext(ctx, "token refused", attrs...)
		return
	}
	l.counted[f.Kind]++
	if !l.flushing {
		l.flushing = true
		time.AfterFunc(refusalWindow-now.Sub(l.start), func() {
			l.mu.Lock()
			defer l.mu.Unlock()
			l.flushLocked()
		})
	}
	l.mu.Unlock()
}

// flushLocked writes the summary of what was counted, if anything.
func (l *refusalLog) flushLocked() {
	l.flushing = false
	if len(l.counted) == 0 {
		return
	}
	total := 0
	attrs := []any{"window", refusalWindow.String()}
	for _, kind := range slices.Sorted(maps.Keys(l.counted)) {
		total += l.counted[kind]
		attrs = append(attrs, kind, l.counted[kind])
	}
	attrs = append([]any{"more", total}, attrs...)
	l.log.Info("token refusals not logged one by one", attrs...)
	clear(l.counted)
}
