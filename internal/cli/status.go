package cli

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/botport/botport/client"
)

func statusCmd(env Env) *cobra.Command {
	var c conn
	var watch bool
	var interval time.Duration
	cmd := &cobra.Command{
		Use:   "status BIR",
		Short: "Show an import's status; --watch follows it to its end",
		Args:  ExactArgs(1),
	}
	bindConn(cmd, &c)
	cmd.Flags().BoolVar(&watch, "watch", false, "follow the import until it ends")
	cmd.Flags().DurationVar(&interval, "interval", time.Second, "how often --watch polls a host without event streams (a Kore.ai host)")
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		if interval <= 0 {
			return usage("--interval must be positive")
		}
		cl, err := c.client(env)
		if err != nil {
			return err
		}
		ctx := cmd.Context()
		if watch {
			tr := newTracker(ctx, env, env.Stdout, c.json)
			announceRetries(cl, tr)
			tr.phase(safe("reading the status of " + args[0]))
			st, err := follow(ctx, cl, args[0], interval, tr, 0)
			tr.close()
			if err != nil {
				return err
			}
			return finish(ctx, env, cl, st, c.json)
		}
		stop := waitingOn(ctx, env, cl, safe("reading the status of "+args[0]))
		if c.json {
			raw, err := cl.ImportStatusRaw(ctx, args[0])
			stop()
			if err != nil {
				return err
			}
			if err := printIndented(env, raw); err != nil {
				return err
			}
			var st client.Status
			if json.Unmarshal(raw, &st) == nil && st.Done() && st.Status != "success" {
				return failed() // exit 1 for a failed import, as without --json
			}
			return nil
		}
		st, err := cl.ImportStatus(ctx, args[0])
		stop()
		if err != nil {
			return err
		}
		fmt.Fprintf(env.Stdout, "import %s: %s\n", safe(st.ID), safe(st.Status))
		for _, e := range st.StatusLogs {
			fmt.Fprintln(env.Stdout, entryLine(e))
		}
		if !st.Done() {
			fmt.Fprintln(env.Stdout, "  "+waitLabel(st))
			return nil
		}
		return report(env, st)
	}
	return cmd
}
