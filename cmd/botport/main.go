// Command botport is the Kore.ai-compatible bot import service: the server
// (serve), its administration (apps, token) and, in one binary, the wiring
// of every package.
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/spf13/cobra"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Getenv, os.Stdin, os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "botport:", err)
		os.Exit(exitCode(err))
	}
}

// exitError carries a process exit code.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string { return e.err.Error() }
func (e *exitError) Unwrap() error { return e.err }

func exitCode(err error) int {
	if e, ok := err.(*exitError); ok {
		return e.code
	}
	return 1
}

// env is the process environment as a function, so tests can pass their own.
type env func(string) string

// run is the whole program; tests call it as users do.
func run(ctx context.Context, args []string, getenv env, stdin io.Reader, stdout, stderr io.Writer) error {
	root := &cobra.Command{
		Use:           "botport",
		Short:         "A self-hosted, Kore.ai-compatible bot import service",
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetArgs(args)
	root.SetIn(stdin)
	root.SetOut(stdout)
	root.SetErr(stderr)
	root.AddCommand(
		serveCmd(getenv, stdout, stderr),
		appsCmd(getenv, stdout),
		tokenCmd(getenv, stdout),
	)
	return root.ExecuteContext(ctx)
}
