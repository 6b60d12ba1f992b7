// Command botport is the Kore.ai-compatible bot import service: the server
// (serve), its administration (apps, token) and, in one binary, the wiring
// of every package.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/botport/botport/internal/cli"
)

func main() {
	// Whatever botport creates (the data directory, the database with its
	// WAL and SHM, blobs, key files) is private to the service user.
	syscall.Umask(0o077)
	// Ctrl-C and SIGTERM end the context; client commands then return
	// within a second (130, 143), servers stop gracefully.
	ctx, stop := cli.NotifyContext(context.Background())
	err := run(ctx, os.Args[1:], os.Getenv, os.Stdin, os.Stdout, os.Stderr)
	stop()
	if err != nil {
		var ee *cli.ExitError
		if !errors.As(err, &ee) || ee.Err != nil {
			fmt.Fprintln(os.Stderr, "botport:", err)
		}
		os.Exit(cli.ExitCode(err))
	}
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
		Version:       cli.ReadBuildInfo().String(),
		// Missing required flags are usage errors (exit 2): checked here,
		// before cobra's own check, which answers a plain error.
		PersistentPreRunE: func(cmd *cobra.Command, _ []string) error {
			if err := cmd.ValidateRequiredFlags(); err != nil {
				return cli.Usage(err)
			}
			if err := cmd.ValidateFlagGroups(); err != nil {
				return cli.Usage(err)
			}
			return nil
		},
	}
	root.SetVersionTemplate("{{.Version}}")
	root.SetArgs(args)
	root.SetIn(stdin)
	root.SetOut(stdout)
	root.SetErr(stderr)
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return cli.Usage(err) })
	root.AddCommand(
		serveCmd(getenv, stdout, stderr),
		demoCmd(getenv, stdout, stderr),
		cli.Interruptible(appsCmd(getenv, stdout)),
		cli.Interruptible(tokenCmd(getenv, stdout)),
		cli.Interruptible(keysCmd(getenv, stdout)),
	)
	root.AddCommand(cli.Commands(cli.Env{Getenv: getenv, Stdout: stdout, Stderr: stderr, IsTerminal: cli.TerminalCheck})...)
	for _, c := range root.Commands() {
		cli.GroupsRefuseUnknown(c)
	}
	err := root.ExecuteContext(ctx)
	if err != nil && strings.HasPrefix(err.Error(), "unknown command") {
		err = cli.Usage(err)
	}
	return err
}
