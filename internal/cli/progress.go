package cli

import (
	"context"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/vbauerster/mpb/v8"
	"github.com/vbauerster/mpb/v8/decor"

	"github.com/botport/botport/client"
)

// tracker shows a command's progress: uploads, what it waits for, status
// entries. Every method returns at once: none waits for the terminal, so a
// failed or interrupted command never hangs in its progress display.
type tracker interface {
	// upload returns the progress callback of one upload (nil: none).
	upload(name string, size int64) func(sent int64)
	uploaded(name string, size int64)
	// line prints a line of output (above any live bar).
	line(s string)
	// phase says what the command does now; on a terminal a spinner shows
	// it with the time it has taken, so no pause goes silent.
	phase(s string)
	// waiting shows an unfinished import: its stage, or what it waits for.
	waiting(st *client.Status)
	// notice tells people something on stderr (a retry), above any bar.
	notice(s string)
	// close ends the display; it aborts what did not complete.
	close()
}

// newTracker returns live bars on w when it is a terminal, plain lines on
// w otherwise, and only notices (on stderr) when quiet. The bars stop when
// ctx ends.
func newTracker(ctx context.Context, env Env, w io.Writer, quiet bool) tracker {
	switch {
	case quiet:
		return &quietTracker{err: env.Stderr}
	case env.IsTerminal != nil && env.IsTerminal(w):
		return newBarTracker(ctx, env, w)
	}
	return &lineTracker{w: w, err: env.Stderr}
}

func newBarTracker(ctx context.Context, env Env, w io.Writer) *barTracker {
	return &barTracker{
		p:   mpb.NewWithContext(ctx, mpb.WithOutput(w), mpb.WithWidth(40), mpb.WithRefreshRate(100*time.Millisecond)),
		err: env.Stderr, errTTY: env.IsTerminal != nil && env.IsTerminal(env.Stderr),
	}
}

// slowCallDelay is how long a one-shot call may take before a spinner says
// what the command waits for.
const slowCallDelay = time.Second

// waitingOn shows, on a terminal, a spinner saying label once the
// command's call to cl has taken slowCallDelay (a slow or retried answer),
// and routes cl's retry notices through it; stop removes it. Elsewhere it
// does nothing.
func waitingOn(ctx context.Context, env Env, cl *client.Client, label string) (stop func()) {
	if env.IsTerminal == nil || !env.IsTerminal(env.Stdout) {
		return func() {}
	}
	var mu sync.Mutex
	var tr *barTracker
	stopped := false
	timer := time.AfterFunc(slowCallDelay, func() {
		mu.Lock()
		defer mu.Unlock()
		if !stopped {
			tr = newBarTracker(ctx, env, env.Stdout)
			tr.phase(label)
		}
	})
	cl.OnRetry = func(r client.Retry) {
		mu.Lock()
		t := tr
		mu.Unlock()
		if t != nil {
			t.notice(retryLine(r))
			return
		}
		fmt.Fprintln(env.Stderr, "botport: "+retryLine(r))
	}
	return func() {
		timer.Stop()
		mu.Lock()
		stopped = true
		t := tr
		mu.Unlock()
		if t != nil {
			t.close()
		}
	}
}

// announceRetries makes cl tell tr of every retry.
func announceRetries(cl *client.Client, tr tracker) {
	cl.OnRetry = func(r client.Retry) { tr.notice(retryLine(r)) }
}

// retryLine is a retry as people read it.
func retryLine(r client.Retry) string {
	return safe(fmt.Sprintf("retrying %s %s in %s (attempt %d of %d failed: %v)",
		r.Method, r.Path, r.Wait.Round(100*time.Millisecond), r.Attempt, r.Attempts, r.Err))
}

// quietTracker shows nothing but notices: --json and -q.
type quietTracker struct{ err io.Writer }

func (quietTracker) upload(string, int64) func(int64) { return nil }
func (quietTracker) uploaded(string, int64)           {}
func (quietTracker) line(string)                      {}
func (quietTracker) phase(string)                     {}
func (quietTracker) waiting(*client.Status)           {}
func (t *quietTracker) notice(s string)               { fmt.Fprintln(t.err, "botport: "+s) }
func (quietTracker) close()                           {}

// lineTracker writes one line per event: for logs and pipes. What an
// import waits for is written when it changes.
type lineTracker struct {
	w, err io.Writer
	queue  string // the last queue line written
}

func (t *lineTracker) upload(string, int64) func(int64) { return nil }
func (t *lineTracker) uploaded(name string, size int64) {
	fmt.Fprintf(t.w, "uploaded %s (%s)\n", safe(name), byteCount(size))
}
func (t *lineTracker) line(s string)   { fmt.Fprintln(t.w, s) }
func (t *lineTracker) phase(string)    {}
func (t *lineTracker) notice(s string) { fmt.Fprintln(t.err, "botport: "+s) }
func (t *lineTracker) close()          {}

func (t *lineTracker) waiting(st *client.Status) {
	// Only the queue: which stage a poll happens to see depends on timing,
	// and logs should say the same for the same import.
	q := ""
	if st.Queue != nil {
		q = queueLabel(st.Queue)
	}
	if q != t.queue && q != "" {
		fmt.Fprintln(t.w, "  waiting: "+q)
	}
	t.queue = q
}

// barTracker draws a byte bar per large upload and a spinner saying what
// the command does; lines go above the bars.
type barTracker struct {
	p      *mpb.Progress
	err    io.Writer
	errTTY bool // stderr is a terminal too: notices go above the bars

	// mu guards the bars; it is held while mpb is called, so the spinner's
	// decorator (which mpb calls while rendering) takes labelMu instead.
	mu      sync.Mutex
	bars    []*mpb.Bar
	spinner *mpb.Bar
	closed  bool

	labelMu sync.Mutex
	label   string
	since   time.Time
}

// largeUpload is the size from which an upload gets a byte bar.
const largeUpload = 1 << 20

// add adds a bar unless the display ended.
func (t *barTracker) add(total int64, style mpb.BarFillerBuilder, opts ...mpb.BarOption) *mpb.Bar {
	if t.closed {
		return nil
	}
	b, err := t.p.Add(total, style.Build(), opts...)
	if err != nil { // the display ended (its context did)
		return nil
	}
	t.bars = append(t.bars, b)
	return b
}

func (t *barTracker) upload(name string, size int64) func(int64) {
	t.phase("uploading " + safe(name))
	if size < largeUpload {
		return nil
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	bar := t.add(size, mpb.BarStyle(),
		mpb.PrependDecorators(decor.Name("upload "+safe(name), decor.WCSyncSpaceR)),
		mpb.AppendDecorators(decor.CountersKibiByte("% .1f / % .1f"), decor.Percentage(decor.WCSyncSpace)),
		mpb.BarRemoveOnComplete())
	if bar == nil {
		return nil
	}
	return func(sent int64) { bar.SetCurrent(min(sent, size)) }
}

func (t *barTracker) uploaded(name string, size int64) {
	t.line(fmt.Sprintf("uploaded %s (%s)", safe(name), byteCount(size)))
}

// line writes above the bars; once the display ended (an interrupt), the
// line is dropped rather than waited for.
func (t *barTracker) line(s string) { fmt.Fprintln(t.p, s) }

func (t *barTracker) notice(s string) {
	t.mu.Lock()
	closed := t.closed
	t.mu.Unlock()
	if t.errTTY && !closed { // the same screen: above the bars, or they would overwrite it
		t.line("botport: " + s)
		return
	}
	fmt.Fprintln(t.err, "botport: "+s)
}

func (t *barTracker) phase(s string) {
	t.labelMu.Lock()
	if s != t.label {
		t.label, t.since = s, time.Now()
	}
	t.labelMu.Unlock()
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.spinner == nil {
		t.spinner = t.add(0, mpb.SpinnerStyle().PositionLeft(), mpb.BarWidth(1), mpb.AppendDecorators(decor.Any(func(decor.Statistics) string {
			t.labelMu.Lock()
			defer t.labelMu.Unlock()
			return fmt.Sprintf(" %s  %s", t.label, time.Since(t.since).Truncate(time.Second))
		})), mpb.BarRemoveOnComplete())
	}
}

func (t *barTracker) waiting(st *client.Status) { t.phase(waitLabel(st)) }

func (t *barTracker) close() {
	t.mu.Lock()
	if t.closed {
		t.mu.Unlock()
		return
	}
	t.closed = true
	bars, spinner := t.bars, t.spinner
	t.mu.Unlock()
	for _, b := range bars {
		b.Abort(b == spinner) // an unfinished upload bar stays, where it stopped
	}
	t.p.Wait()
}

// byteCount formats a size with thousands separators.
func byteCount(n int64) string {
	s := fmt.Sprint(n)
	out := make([]byte, 0, len(s)+len(s)/3)
	for i := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			out = append(out, ',')
		}
		out = append(out, s[i])
	}
	return string(out) + " bytes"
}

// follow follows an import until it ends, printing each new status entry
// once and what the import waits for, and returns the final document. It
// reads the import's event stream (client.WatchImport: a document at each
// change, resumed after a broken connection), or polls every interval a
// host without streams (a Kore.ai host). Entries are printed from the
// documents, not from the events, so what is printed does not depend on
// how changes were grouped into events or polls. An import cut off by a
// restart rewrites its entries after importRequest; follow notes that and
// goes on.
func follow(ctx context.Context, cl *client.Client, bir string, interval time.Duration, tr tracker, printed int) (*client.Status, error) {
	cl.PollInterval = interval
	return cl.WatchImport(ctx, bir, func(st *client.Status) {
		if len(st.StatusLogs) < printed {
			tr.line("  (the import restarted; its entries begin again)")
			printed = 1
		}
		for _, e := range st.StatusLogs[printed:] {
			tr.line(entryLine(e))
		}
		printed = len(st.StatusLogs)
		if !st.Done() {
			tr.waiting(st)
		}
	})
}
