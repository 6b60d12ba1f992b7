// Package cli holds botport's client commands: import, status, export, bots,
// validate, publish and variables. They are thin shells over the client package (and, for
// validate, the bundle check), and work against botport or a Kore.ai host
// alike. cmd/botport registers them.
package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/botport/botport/client"
)

// Exit codes, documented in the README.
const (
	ExitOK          = 0
	ExitFailed      = 1   // the import, export or validation failed
	ExitUsage       = 2   // bad flags or arguments
	ExitRefused     = 3   // the server refused the request (4xx)
	ExitUnavailable = 4   // the server could not be reached or failed (5xx)
	ExitInterrupted = 130 // Ctrl-C; SIGTERM: 143 (128 + the signal's number)
)

// ExitError carries a process exit code. An ExitError with a nil Err has
// already been reported.
type ExitError struct {
	Code int
	Err  error
}

func (e *ExitError) Error() string {
	if e.Err == nil {
		return fmt.Sprintf("exit status %d", e.Code)
	}
	return e.Err.Error()
}

func (e *ExitError) Unwrap() error { return e.Err }

// ExitCode is the process exit code for err.
func ExitCode(err error) int {
	if err == nil {
		return ExitOK
	}
	var ee *ExitError
	if errors.As(err, &ee) {
		return ee.Code
	}
	var sig *Signaled
	if errors.As(err, &sig) {
		return sig.Code()
	}
	var ce *client.Error
	switch {
	case errors.Is(err, context.Canceled):
		return ExitInterrupted
	case errors.As(err, &ce) && ce.StatusCode >= 500:
		return ExitUnavailable
	case errors.As(err, &ce):
		return ExitRefused
	}
	// The network's errors, and only those: a local file's error
	// (*fs.PathError around a syscall.Errno, which also has Timeout and
	// Temporary) is not the server's.
	var ue *url.Error
	var oe *net.OpError
	var de *net.DNSError
	if errors.As(err, &ue) || errors.As(err, &oe) || errors.As(err, &de) {
		return ExitUnavailable
	}
	return ExitFailed
}

// usage marks an error as a usage error.
func usage(format string, args ...any) error {
	return &ExitError{Code: ExitUsage, Err: fmt.Errorf(format, args...)}
}

// failed ends a command whose work failed, after its output said why.
func failed() error { return &ExitError{Code: ExitFailed} }

// ExactArgs is cobra.ExactArgs answering with a usage error (exit 2).
func ExactArgs(n int) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if len(args) != n {
			return usage("%s takes %d argument(s), got %d (see --help)", cmd.CommandPath(), n, len(args))
		}
		return nil
	}
}

// NoArgs is NoArgs answering with a usage error.
func NoArgs(cmd *cobra.Command, args []string) error { return ExactArgs(0)(cmd, args) }

// GroupsRefuseUnknown makes every command of the tree that only groups
// subcommands (apps, bots, versions) answer an unknown subcommand with a
// usage error (exit 2); cobra would print the group's help and exit 0.
// Without arguments a group prints its help.
func GroupsRefuseUnknown(cmd *cobra.Command) {
	if cmd.HasSubCommands() && cmd.RunE == nil && cmd.Run == nil {
		cmd.RunE = func(c *cobra.Command, args []string) error {
			if len(args) > 0 {
				return usage("unknown command %q for %q (see %s --help)", args[0], c.CommandPath(), c.CommandPath())
			}
			return c.Help()
		}
	}
	for _, sub := range cmd.Commands() {
		GroupsRefuseUnknown(sub)
	}
}

// Usage wraps err as a usage error (exit 2).
func Usage(err error) error { return &ExitError{Code: ExitUsage, Err: err} }

// Env is what the commands run in.
type Env struct {
	Getenv func(string) string
	Stdout io.Writer
	Stderr io.Writer
	// IsTerminal reports whether w is a terminal: live progress bars there,
	// plain lines elsewhere. Nil means never.
	IsTerminal func(w io.Writer) bool
}

// TerminalCheck reports whether w is a terminal (an *os.File on a tty).
func TerminalCheck(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// Commands returns the client commands.
func Commands(env Env) []*cobra.Command {
	// Their errors can quote a server's message: shown escaped (safe).
	// Ctrl-C ends each of them within a second (exit 130).
	cmds := []*cobra.Command{
		escapeErrors(importCmd(env)),
		escapeErrors(statusCmd(env)),
		escapeErrors(exportCmd(env)),
		escapeErrors(botsCmd(env)),
		escapeErrors(versionsCmd(env)),
		escapeErrors(validateCmd(env)),
		escapeErrors(publishCmd(env)),
		escapeErrors(variablesCmd(env)),
		versionCmd(env),
		// Issue 15: profiles, promotion, the semantic diff (login.go,
		// promote.go, diffcmd.go).
		escapeErrors(loginCmd(env)),
		escapeErrors(profilesCmd(env)),
		escapeErrors(promoteCmd(env)),
		escapeErrors(diffCmd(env)),
	}
	for _, c := range cmds {
		Interruptible(c)
	}
	return cmds
}
