// Package killpoint is a test seam for crash tests: it stops an import's
// worker at a named point of its run, so that a test can SIGKILL the
// process exactly there instead of hoping a kill lands at the right moment.
//
// It is inert unless the environment variable BOTPORT_TEST_KILL_AT names a
// point when the process starts: then Reach writes one line to stderr,
//
//	botport: kill point stages reached (import bir-…)
//
// and blocks until its context ends. A SIGKILL leaves the run there; a
// graceful stop cancels the context and the run returns its error like any
// interrupted run. The value is POINT or POINT:N: the worker passes the
// point N-1 times and stops from the N-th time on (default 1), so a test
// can let earlier imports finish first. Unknown points are refused at
// start (Check), so a typo does not make a test pass by never stopping.
package killpoint

import (
	"context"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
)

// The points, in the order an import reaches them.
const (
	// Parsed: every file of the upload is parsed and its records are
	// staged; nothing is validated yet.
	Parsed = "parsed"
	// Validated: the upload passed validation and the Bot Definition entry
	// is recorded; no stage after it has run.
	Validated = "validated"
	// Stages: half of the stages after Bot Definition have run.
	Stages = "stages"
	// Commit: inside the transaction that makes the import's version
	// current, after all its writes, before COMMIT.
	Commit = "commit"
	// Committed: the import's commit is durable; River has not yet been told
	// that its job is done.
	Committed = "committed"
)

// Points lists every point, in the order an import reaches them.
var Points = []string{Parsed, Validated, Stages, Commit, Committed}

// Env is the environment variable that arms a point.
const Env = "BOTPORT_TEST_KILL_AT"

type armed struct {
	point string
	from  int64 // stop from this reach on
	seen  atomic.Int64
	err   error
}

var (
	out  io.Writer = os.Stderr
	load           = sync.OnceValue(func() *armed { return parse(os.Getenv(Env)) })
)

func parse(v string) *armed {
	if v == "" {
		return nil
	}
	a := &armed{point: v, from: 1}
	if p, n, ok := strings.Cut(v, ":"); ok {
		a.point = p
		from, err := strconv.ParseInt(n, 10, 64)
		if err != nil || from < 1 {
			a.err = fmt.Errorf("%s=%q: the count after the colon must be a positive integer", Env, v)
		}
		a.from = from
	}
	if !slices.Contains(Points, a.point) {
		a.err = fmt.Errorf("%s=%q: unknown point (known: %s)", Env, v, strings.Join(Points, ", "))
	}
	return a
}

// Check returns an error when BOTPORT_TEST_KILL_AT is set to something
// other than a known point (serve refuses to start then).
func Check() error {
	if a := load(); a != nil {
		return a.err
	}
	return nil
}

// Reach is called by the worker at point. Unless the environment arms that
// point, it returns nil at once. When armed (from the N-th reach on), it
// calls prepare (when not nil: what the stopped run should have written,
// so that tests find it), announces the stop on stderr with detail (which
// import), then blocks until ctx ends and returns ctx's error.
func Reach(ctx context.Context, point, detail string, prepare func() error) error {
	a := load()
	if a == nil || a.err != nil || a.point != point {
		return nil
	}
	if a.seen.Add(1) < a.from {
		return nil
	}
	if prepare != nil {
		if err := prepare(); err != nil {
			return err
		}
	}
	fmt.Fprintf(out, "botport: kill point %s reached (%s)\n", point, detail)
	<-ctx.Done()
	return ctx.Err()
}
