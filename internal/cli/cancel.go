package cli

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/spf13/cobra"

	"github.com/botport/botport/client"
)

func cancelCmd(env Env) *cobra.Command {
	var c conn
	var noWait bool
	cmd := &cobra.Command{
		Use:   "cancel BIR",
		Short: "Cancel an import that has not ended (botport only)",
		Long: `Cancel an import. One that waits (for a worker, its account's slot, an earlier
import into its bot, recovery) ends at once; a running one stops at its next
stage boundary and discards what it staged. Either way the bot is exactly as it
was, and the import ends as failed with "Import cancelled". The command waits
until the import has ended (--no-wait: only until the server accepted the
cancel; the import can then no longer succeed).

Exit codes: 0 the import ended cancelled (also when it already had been);
1 it had already ended otherwise (succeeded or failed): nothing was cancelled;
3 the server refused (an unknown id); 4 the server could not be reached.
This command uses botport's own API (/api/botport), which a Kore.ai host does
not have.`,
		Example: `  botport cancel bir-…
  botport imports list --status pending -o json | jq -r '.[]._id' | xargs -n1 botport cancel`,
		Args: ExactArgs(1),
	}
	bindConn(cmd, &c)
	cmd.Flags().BoolVar(&noWait, "no-wait", false, "return once the server accepted the cancel, before a running import stopped")
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		cl, err := c.client(env)
		if err != nil {
			return err
		}
		ctx, bir := cmd.Context(), args[0]
		stop := waitingOn(ctx, env, cl, safe("cancelling import "+bir+" (a running import stops at its next stage boundary)"))
		st, err := cl.CancelImport(ctx, bir)
		stop()
		if client.IsStatus(err, http.StatusConflict) {
			// It had ended before the cancel came: say how.
			stop := waitingOn(ctx, env, cl, safe("reading the status of "+bir))
			ended, serr := cl.ImportStatus(ctx, bir)
			stop()
			if serr != nil || !ended.Done() {
				return err
			}
			return cancelled(ctx, env, cl, ended, c.json)
		}
		if err != nil {
			return botportOnly(err, cl)
		}
		if !st.Done() {
			if noWait {
				if c.json {
					return PrintStatus(ctx, env, cl, bir)
				}
				_, err := fmt.Fprintln(env.Stdout, safe(fmt.Sprintf("cancel of import %s accepted: it stops at its next stage boundary and can no longer succeed; follow it with: botport status %s --watch", bir, bir)))
				return err
			}
			tr := newTracker(ctx, env, env.Stdout, c.json)
			announceRetries(cl, tr)
			tr.line(safe(fmt.Sprintf("cancel of import %s accepted; waiting for it to stop at its next stage boundary", bir)))
			tr.waiting(st)
			st, err = follow(ctx, cl, bir, time.Second, tr, len(st.StatusLogs))
			tr.close()
			if err != nil {
				return err
			}
		}
		return cancelled(ctx, env, cl, st, c.json)
	}
	return cmd
}

// cancelled reports how an import the cancel command was about ended:
// exit 0 when cancelled, else an *ExitError of 1 (nothing was cancelled).
// --json prints the server's status document either way.
func cancelled(ctx context.Context, env Env, cl *client.Client, st *client.Status, asJSON bool) error {
	if asJSON {
		if err := PrintStatus(ctx, env, cl, st.ID); err != nil {
			return err
		}
	}
	if !st.Cancelled {
		if !asJSON {
			fmt.Fprintln(env.Stdout, summarize(st))
		}
		return &ExitError{Code: ExitFailed, Err: fmt.Errorf("nothing was cancelled: import %s ended before the cancel could take effect", st.ID)}
	}
	if asJSON {
		return nil
	}
	var line string
	switch {
	case st.DryRun:
		line = fmt.Sprintf("dry run %s cancelled", st.ID)
	case st.StreamID != "":
		line = fmt.Sprintf("import %s cancelled: bot %s is as it was", st.ID, st.StreamID)
	default:
		line = fmt.Sprintf("import %s cancelled: no bot was made", st.ID)
	}
	_, err := fmt.Fprintln(env.Stdout, safe(line))
	return err
}
