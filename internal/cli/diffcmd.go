package cli

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/botport/botport/internal/diff"
)

// diffResult is diff's --json output.
type diffResult struct {
	A            string         `json:"a"`
	B            string         `json:"b"`
	Equal        bool           `json:"equal"`
	Fingerprints [2]string      `json:"fingerprints"`
	Changes      []diff.Change  `json:"changes"`
	Summary      diff.Summary   `json:"summary"`
	Options      map[string]any `json:"options,omitempty"`
}

func diffCmd(env Env) *cobra.Command {
	var c conn
	var ignoreVars bool
	var interval time.Duration
	cmd := &cobra.Command{
		Use:   "diff A B",
		Short: "Compare two bots by meaning: dialogs, forms, FAQs, utterances, variables, settings",
		Long: `Compare two bots and list what B adds, removes and changes against A:
dialogs (with the components their nodes use), forms, widgets, panels, FAQs,
utterances, patterns, events, variables and settings, by name, with what
changed in each. Member order, string escaping and the order of keyed
elements do not count; a variable's value is never shown.

Each side is a local export (a folder, an unpacked folder from
"export --dir", a zip) or a bot on a host: PROFILE:BOT, PROFILE:BOT@VERSION
(a committed version, botport only), PROFILE:BOT@published. BOT is a name
or an st- id; an empty PROFILE (":BOT") is this command's connection.

The exit status is 0 when the bots are equal, 1 when they differ (as diff).`,
		Example: `  botport diff dev:Billing prod:Billing --ignore-variables
  botport diff ./billing prod:Billing@published
  botport diff prod:Billing@3 prod:Billing@4 --json`,
		Args: ExactArgs(2),
	}
	bindConn(cmd, &c)
	cmd.Flags().BoolVar(&ignoreVars, "ignore-variables", false, "leave environment and content variables out (they differ between environments by design)")
	cmd.Flags().DurationVar(&interval, "interval", time.Second, "how often an export's status is polled")
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		if interval <= 0 {
			return usage("--interval must be positive")
		}
		var sides [2]*loaded
		for i, spec := range args {
			s, err := parseSide(spec)
			if err != nil {
				return err
			}
			if sides[i], err = c.load(cmd.Context(), env, s, interval); err != nil {
				return err
			}
		}
		o := diff.Options{IgnoreVariables: ignoreVars}
		r := diff.Compare(sides[0].bot, sides[1].bot, o)
		if c.json {
			out := diffResult{A: args[0], B: args[1], Equal: r.Equal(), Changes: r.Changes, Summary: r.Summary,
				Fingerprints: [2]string{sides[0].bot.Fingerprint(o), sides[1].bot.Fingerprint(o)}}
			if ignoreVars {
				out.Options = map[string]any{"ignoreVariables": true}
			}
			if err := printJSON(env.Stdout, out); err != nil {
				return err
			}
		} else {
			fmt.Fprintln(env.Stdout, safe("--- "+args[0]))
			fmt.Fprintln(env.Stdout, safe("+++ "+args[1]))
			printReport(env.Stdout, r, 0)
		}
		if !r.Equal() {
			return failed()
		}
		return nil
	}
	return cmd
}

// marks are the first column of a report line.
var marks = map[string]string{diff.Added: "+", diff.Removed: "-", diff.Changed: "~"}

// printReport writes a report for people: one line per change, its
// details after it (on the same line when there is one), and a count;
// max > 0 lists at most that many changes.
func printReport(w io.Writer, r *diff.Report, max int) {
	for i, ch := range r.Changes {
		if max > 0 && i == max {
			fmt.Fprintf(w, "… and %d more (--json lists them all)\n", len(r.Changes)-max)
			break
		}
		line := fmt.Sprintf("%s %s %s", marks[ch.Action], ch.Kind, quoteName(ch))
		switch len(ch.Details) {
		case 0:
			fmt.Fprintln(w, safe(line))
		case 1:
			fmt.Fprintln(w, safe(line+": "+ch.Details[0]))
		default:
			fmt.Fprintln(w, safe(line+":"))
			for _, d := range ch.Details {
				fmt.Fprintln(w, safe("    "+d))
			}
		}
	}
	if r.Equal() {
		fmt.Fprintln(w, "no differences")
		return
	}
	s := r.Summary
	fmt.Fprintf(w, "%s: %d added, %d removed, %d changed\n", plural(len(r.Changes), "difference", "differences"), s.Added, s.Removed, s.Changed)
}

// quoteName is a change's name as a report shows it: quoted when it has
// spaces, the identity when it has no name.
func quoteName(ch diff.Change) string {
	name := ch.Name
	if name == "" {
		name = ch.Ident
	}
	if strings.ContainsAny(name, " \t") || name == "" {
		return fmt.Sprintf("%q", name)
	}
	return name
}
