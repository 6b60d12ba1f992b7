package cli

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/spf13/cobra"
)

// safe returns s fit for a terminal. Names, messages and file names come
// from the server or from the files being checked: a bot named
// "\x1b]0;…\x07" would retitle the terminal, "\r" overwrite the line, "\n"
// fake a line of output, U+202E reverse what follows. Control characters
// (C0, DEL, C1), the Unicode line separators and bidirectional controls,
// and bytes that are not UTF-8 are written as Go escapes (\n, \x1b,
// \u202e); everything else is kept as it is.
func safe(s string) string {
	clean := true
	for i := 0; i < len(s) && clean; {
		r, size := utf8.DecodeRuneInString(s[i:])
		clean = !(r == utf8.RuneError && size == 1) && !unsafeRune(r)
		i += size
	}
	if clean {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			fmt.Fprintf(&b, `\x%02x`, s[i])
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\r':
			b.WriteString(`\r`)
		case r == '\t':
			b.WriteString(`\t`)
		case unsafeRune(r) && r < 0x80:
			fmt.Fprintf(&b, `\x%02x`, r)
		case unsafeRune(r):
			fmt.Fprintf(&b, `\u%04x`, r)
		default:
			b.WriteString(s[i : i+size])
		}
		i += size
	}
	return b.String()
}

// unsafeRune reports the characters safe escapes.
func unsafeRune(r rune) bool {
	switch {
	case r < 0x20, r == 0x7f, r >= 0x80 && r < 0xa0:
		return true
	case r == '\u2028', r == '\u2029': // line and paragraph separators
		return true
	case r == '\u061c', r == '\u200e', r == '\u200f', r >= '\u202a' && r <= '\u202e', r >= '\u2066' && r <= '\u2069':
		return true // bidirectional controls
	}
	return false
}

// safeError shows an error's text escaped (a server's message may carry
// anything); errors.Is and errors.As see the error it wraps.
type safeError struct{ err error }

func (e *safeError) Error() string { return safe(e.err.Error()) }
func (e *safeError) Unwrap() error { return e.err }

// escapeErrors makes every error cmd and its subcommands return print
// escaped.
func escapeErrors(cmd *cobra.Command) *cobra.Command {
	if run := cmd.RunE; run != nil {
		cmd.RunE = func(c *cobra.Command, args []string) error {
			switch err := run(c, args).(type) {
			case nil:
				return nil
			case *ExitError: // its own type stays, for callers that look
				if err.Err != nil {
					err.Err = &safeError{err.Err}
				}
				return err
			default:
				return &safeError{err}
			}
		}
	}
	for _, sub := range cmd.Commands() {
		escapeErrors(sub)
	}
	return cmd
}
