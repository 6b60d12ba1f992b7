package cli

import (
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/botport/botport/client"
)

func publishCmd(env Env) *cobra.Command {
	var c conn
	var comment string
	var noTraining, noWait bool
	var interval time.Duration
	cmd := &cobra.Command{
		Use:   "publish BOTID --comment TEXT",
		Short: "Publish a bot's current version and wait until it is live",
		Long: `Make the bot's current version its published one (the version an export
with --type published downloads), then follow the publish until it ends:
exit 0 when it is successful, 1 when it failed. Publishes wait for imports
into the bot accepted before them.`,
		Args: ExactArgs(1),
	}
	bindConn(cmd, &c)
	f := cmd.Flags()
	f.StringVar(&comment, "comment", "", "versionComment: what this version is (required, 1 to 1,000 characters)")
	f.BoolVar(&noTraining, "no-training", false, "send initiateTraining: false")
	f.BoolVar(&noWait, "no-wait", false, "return once the publish is accepted")
	f.DurationVar(&interval, "interval", time.Second, "how often the publish's status is polled")
	_ = cmd.MarkFlagRequired("comment")
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		if interval <= 0 {
			return usage("--interval must be positive")
		}
		cl, err := c.client(env)
		if err != nil {
			return err
		}
		ctx := cmd.Context()
		req := client.PublishRequest{VersionComment: comment}
		if noTraining {
			no := false
			req.InitiateTraining = &no
		}
		res, err := cl.Publish(ctx, args[0], req)
		if err != nil {
			return fmt.Errorf("publish on %s: %w", describe(cl), err)
		}
		if noWait {
			if c.json {
				return printJSON(env.Stdout, res)
			}
			fmt.Fprintf(env.Stdout, "publish of bot %s accepted (%s)\n", args[0], plural(dialogCount(res), "dialog", "dialogs"))
			return nil
		}
		var last string
		st, err := cl.WaitPublish(ctx, args[0], interval, func(st *client.PublishStatus) {
			if !c.json && st.Status != last && !st.Done() {
				fmt.Fprintf(env.Stdout, "publish %s: %s\n", st.ID, st.Status)
			}
			last = st.Status
		})
		if err != nil {
			return err
		}
		if c.json {
			printJSON(env.Stdout, st)
		} else if st.Status == "successful" {
			fmt.Fprintf(env.Stdout, "publish %s successful: bot %s is live (%s)\n", st.ID, args[0], plural(dialogCount(res), "dialog", "dialogs"))
		} else {
			fmt.Fprintf(env.Stderr, "publish %s %s: %s\n", st.ID, st.Status, st.Message)
		}
		if st.Status != "successful" {
			return failed()
		}
		return nil
	}
	return cmd
}

func dialogCount(res []client.PublishResource) int {
	n := 0
	for _, r := range res {
		if r.ResourceType == "dialog" {
			n++
		}
	}
	return n
}
