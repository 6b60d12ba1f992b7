package cli

import (
	"context"
	"fmt"
	"strconv"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/botport/botport/client"
)

func versionsCmd(env Env) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "versions",
		Short: "A bot's versions: list them, restore one (botport only)",
		Long: `Every import and bot-functions write makes a new, immutable version of a bot;
restoring one makes its content current again, as a new version. These commands
use botport's own API (/api/botport), which a Kore.ai host does not have.`,
	}
	cmd.AddCommand(versionsListCmd(env), versionsRestoreCmd(env))
	return cmd
}

func versionsListCmd(env Env) *cobra.Command {
	var c conn
	var format string
	cmd := &cobra.Command{
		Use:     "list BOTID",
		Short:   "List a bot's versions, oldest first",
		Example: "  botport versions list st-…\n  botport versions list st-… -o json",
		Args:    ExactArgs(1),
	}
	bindConn(cmd, &c)
	cmd.Flags().StringVarP(&format, "output", "o", "table", "table or json (--json is -o json)")
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		// The import that made a version, if any (else a bot-functions
		// write or a restore); versions with the same content have the
		// same hash.
		return printList(cmd, env, &c, format, safe("listing the versions of "+args[0]),
			func(ctx context.Context, cl *client.Client) ([]client.Version, error) {
				return cl.Versions(ctx, args[0])
			},
			"VERSION\tCURRENT\tCREATED\tIMPORT\tCONTENT",
			func(v client.Version) string {
				cur, imp := "", "-"
				if v.Current {
					cur = "current"
				}
				if v.ImportID != "" {
					imp = v.ImportID
				}
				return fmt.Sprintf("%d\t%s\t%s\t%s\t%s", v.Version, cur, safe(v.CreatedOn), safe(imp), safe(shortHash(v.ContentHash)))
			})
	}
	return cmd
}

// shortHash is a content hash as the table shows it: enough to see which
// versions have the same content.
func shortHash(h string) string {
	if len(h) > 12 {
		return h[:12]
	}
	return h
}

// printList runs a list command's one request (announced as what while it
// waits) and prints its items as a JSON array (-o json or --json; [] when
// none) or as a table under header, one row per item.
func printList[T any](cmd *cobra.Command, env Env, c *conn, format, what string,
	fetch func(context.Context, *client.Client) ([]T, error), header string, row func(T) string) error {
	asJSON, err := outputFormat(format, c.json)
	if err != nil {
		return err
	}
	cl, err := c.client(env)
	if err != nil {
		return err
	}
	stop := waitingOn(cmd.Context(), env, cl, what)
	items, err := fetch(cmd.Context(), cl)
	stop()
	if err != nil {
		return err
	}
	if asJSON {
		if items == nil {
			items = []T{}
		}
		return printJSON(env.Stdout, items)
	}
	tw := tabwriter.NewWriter(env.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, header)
	for _, it := range items {
		fmt.Fprintln(tw, row(it))
	}
	return tw.Flush()
}

// outputFormat reads -o table|json (and --json).
func outputFormat(format string, asJSON bool) (bool, error) {
	switch format {
	case "table":
		return asJSON, nil
	case "json":
		return true, nil
	}
	return false, usage("-o %q: use table or json", format)
}

func versionsRestoreCmd(env Env) *cobra.Command {
	var c conn
	var quiet bool
	cmd := &cobra.Command{
		Use:   "restore BOTID N",
		Short: "Make version N's content current again, as a new version",
		Long: `Make version N's content current again: a new version with the same content
(and content hash) as N. The bot's other versions stay as they are.`,
		Example: "  botport versions restore st-… 2",
		Args:    ExactArgs(2),
	}
	bindConn(cmd, &c)
	cmd.Flags().BoolVarP(&quiet, "quiet", "q", false, "print only the new version's number")
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		if quiet && c.json {
			return usage("-q and --json exclude each other")
		}
		n, err := strconv.Atoi(args[1])
		if err != nil || n < 1 {
			return usage("version %q: want a version number (1, 2, …; see botport versions list)", args[1])
		}
		cl, err := c.client(env)
		if err != nil {
			return err
		}
		stop := waitingOn(cmd.Context(), env, cl, safe(fmt.Sprintf("restoring version %d of %s", n, args[0])))
		v, err := cl.RestoreVersion(cmd.Context(), args[0], n)
		stop()
		if err != nil {
			return err
		}
		if v == nil {
			return fmt.Errorf("restore: the server's answer has no version")
		}
		switch {
		case quiet:
			_, err = fmt.Fprintln(env.Stdout, v.Version)
		case c.json:
			err = printJSON(env.Stdout, v)
		default:
			_, err = fmt.Fprintln(env.Stdout, safe(fmt.Sprintf("restored version %d of bot %s as version %d (current)", n, args[0], v.Version)))
		}
		return err
	}
	return cmd
}
