package cli

import (
	"fmt"
	"text/tabwriter"

	"github.com/spf13/cobra"
)

func botsCmd(env Env) *cobra.Command {
	cmd := &cobra.Command{Use: "bots", Short: "Bots of the account"}
	var c conn
	list := &cobra.Command{
		Use:   "list",
		Short: "List the account's bots (every page of Get Bots)",
		Args:  NoArgs,
	}
	bindConn(list, &c)
	list.RunE = func(cmd *cobra.Command, _ []string) error {
		cl, err := c.client(env)
		if err != nil {
			return err
		}
		stop := waitingOn(cmd.Context(), env, cl, "listing the account's bots")
		bots, err := cl.AllBots(cmd.Context())
		stop()
		if err != nil {
			return err
		}
		if c.json {
			return printJSON(env.Stdout, bots)
		}
		tw := tabwriter.NewWriter(env.Stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "ID\tNAME\tPURPOSE\tLANGUAGE\tCREATED")
		for _, b := range bots {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", safe(b.ID), safe(b.Name), safe(b.Purpose), safe(b.DefaultLanguage), safe(b.CreatedOn))
		}
		return tw.Flush()
	}
	cmd.AddCommand(list)
	return cmd
}
