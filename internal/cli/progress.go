package cli

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/vbauerster/mpb/v8"
	"github.com/vbauerster/mpb/v8/decor"

	"github.com/botport/botport/client"
)

// tracker shows an import as it goes: uploads, then status entries.
type tracker interface {
	// upload returns the progress callback of one upload.
	upload(name string, size int64) func(sent int64)
	uploaded(name string, size int64)
	// line prints a line of output (above any live bar).
	line(s string)
	// waiting shows the import running.
	waiting(st *client.Status)
	close()
}

// newTracker returns live bars on a terminal, plain lines otherwise.
func newTracker(env Env, quiet bool) tracker {
	if quiet {
		return nopTracker{}
	}
	if env.tty() {
		return &barTracker{p: mpb.New(mpb.WithOutput(env.Stdout), mpb.WithWidth(40), mpb.WithRefreshRate(100*time.Millisecond))}
	}
	return &lineTracker{w: env.Stdout}
}

type nopTracker struct{}

func (nopTracker) upload(string, int64) func(int64) { return nil }
func (nopTracker) uploaded(string, int64)           {}
func (nopTracker) line(string)                      {}
func (nopTracker) waiting(*client.Status)           {}
func (nopTracker) close()                           {}

// lineTracker writes one line per event: for logs and pipes.
type lineTracker struct{ w io.Writer }

func (t *lineTracker) upload(string, int64) func(int64) { return nil }
func (t *lineTracker) uploaded(name string, size int64) {
	fmt.Fprintf(t.w, "uploaded %s (%s)\n", safe(name), byteCount(size))
}
func (t *lineTracker) line(s string)          { fmt.Fprintln(t.w, s) }
func (t *lineTracker) waiting(*client.Status) {}
func (t *lineTracker) close()                 {}

// barTracker draws a byte bar per large upload and a spinner while the
// import runs; lines go above the bars.
type barTracker struct {
	p       *mpb.Progress
	spinner *mpb.Bar
	stage   string
}

// largeUpload is the size from which an upload gets a byte bar.
const largeUpload = 1 << 20

func (t *barTracker) upload(name string, size int64) func(int64) {
	if size < largeUpload {
		return nil
	}
	bar := t.p.AddBar(size,
		mpb.PrependDecorators(decor.Name("upload "+safe(name), decor.WCSyncSpaceR)),
		mpb.AppendDecorators(decor.CountersKibiByte("% .1f / % .1f"), decor.Percentage(decor.WCSyncSpace)),
		mpb.BarRemoveOnComplete())
	return func(sent int64) { bar.SetCurrent(min(sent, size)) }
}

func (t *barTracker) uploaded(name string, size int64) {
	t.line(fmt.Sprintf("uploaded %s (%s)", safe(name), byteCount(size)))
}

func (t *barTracker) line(s string) { fmt.Fprintln(t.p, s) }

func (t *barTracker) waiting(st *client.Status) {
	if t.spinner == nil {
		t.spinner = t.p.AddSpinner(0, mpb.PrependDecorators(decor.Any(func(decor.Statistics) string {
			return "running " + t.stage
		})), mpb.AppendDecorators(decor.Elapsed(decor.ET_STYLE_GO)), mpb.BarRemoveOnComplete())
	}
	t.stage = fmt.Sprintf("(%d entries)", len(st.StatusLogs))
}

func (t *barTracker) close() {
	if t.spinner != nil {
		t.spinner.Abort(true)
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

// follow polls an import every interval until it ends, printing each new
// status entry once. An import cut off by a restart rewrites its entries
// after importRequest; follow notes that and goes on.
func follow(ctx context.Context, cl *client.Client, bir string, interval time.Duration, tr tracker, printed int) (*client.Status, error) {
	for {
		st, err := cl.ImportStatus(ctx, bir)
		if err != nil {
			return nil, err
		}
		if len(st.StatusLogs) < printed {
			tr.line("  (the import restarted; its entries begin again)")
			printed = 1
		}
		for _, e := range st.StatusLogs[printed:] {
			tr.line(entryLine(e))
		}
		printed = len(st.StatusLogs)
		if st.Done() {
			return st, nil
		}
		tr.waiting(st)
		select {
		case <-ctx.Done():
			return st, ctx.Err()
		case <-time.After(interval):
		}
	}
}
