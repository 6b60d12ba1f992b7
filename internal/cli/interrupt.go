package cli

import (
	"context"
	"errors"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/spf13/cobra"
)

// Signaled is the cause of a context that a signal ended, and the error of
// a command it interrupted. Its exit code is 128 plus the signal's number,
// as shells report a process a signal ended: 130 for Ctrl-C (SIGINT), 143
// for SIGTERM.
type Signaled struct{ Signal os.Signal }

func (s *Signaled) Error() string {
	if s.Signal == syscall.SIGTERM {
		return "terminated"
	}
	return "interrupted"
}

// Code is the exit code: 128 plus the signal number.
func (s *Signaled) Code() int {
	if n, ok := s.Signal.(syscall.Signal); ok {
		return 128 + int(n)
	}
	return ExitInterrupted
}

// NotifyContext returns a context that the first SIGINT or SIGTERM cancels,
// with a *Signaled as its cause. Later signals are caught too (and ignored),
// so that a server's graceful stop is not cut short; client commands return
// within a second of the first (see Interruptible). stop releases the
// signals.
func NotifyContext(parent context.Context) (ctx context.Context, stop func()) {
	ctx, cancel := context.WithCancelCause(parent)
	ch := make(chan os.Signal, 1)
	signal.Notify(ch, os.Interrupt, syscall.SIGTERM)
	done := make(chan struct{})
	go func() {
		select {
		case sig := <-ch:
			cancel(&Signaled{Signal: sig})
		case <-done:
		}
	}()
	return ctx, func() {
		signal.Stop(ch)
		close(done)
		cancel(nil)
	}
}

// interruptGrace is how long an interrupted command gets to clean up (a
// temporary file, the progress bars) before it is abandoned: with the
// process's exit after it, Ctrl-C always ends a client command within a
// second, whatever it was waiting for.
const interruptGrace = 300 * time.Millisecond

// Interruptible makes cmd and its subcommands return as soon as their
// context ends (Ctrl-C, SIGTERM), whatever they wait for: the command runs
// on; once the context is done it gets interruptGrace to return, and the
// wrapper then answers an *ExitError with the signal's exit code (130 for
// Ctrl-C). A command that had finished its work keeps its own result.
func Interruptible(cmd *cobra.Command) *cobra.Command {
	if run := cmd.RunE; run != nil {
		cmd.RunE = func(c *cobra.Command, args []string) error {
			ctx := c.Context()
			if ctx == nil {
				return run(c, args)
			}
			done := make(chan error, 1)
			go func() { done <- run(c, args) }()
			select {
			case err := <-done:
				if err != nil && ctx.Err() != nil {
					return interrupted(ctx)
				}
				return err
			case <-ctx.Done():
			}
			select {
			case <-done:
			case <-time.After(interruptGrace):
			}
			return interrupted(ctx)
		}
	}
	for _, sub := range cmd.Commands() {
		Interruptible(sub)
	}
	return cmd
}

// interrupted is the error of a command its context ended.
func interrupted(ctx context.Context) error {
	var s *Signaled
	if errors.As(context.Cause(ctx), &s) {
		return &ExitError{Code: s.Code(), Err: s}
	}
	return &ExitError{Code: ExitInterrupted, Err: errors.New("interrupted")}
}
