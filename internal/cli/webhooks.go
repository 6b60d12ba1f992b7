package cli

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/botport/botport/client"
)

func webhooksCmd(env Env) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "webhooks",
		Short: "Register, list and remove webhooks (botport only)",
		Long: `A webhook is a URL botport POSTs an event to when an import, export or publish
of the account ends, signed as the Standard Webhooks specification says with the
webhook's secret. These commands use botport's own API (/api/botport), which a
Kore.ai host does not have.

Event types: ` + strings.Join(client.WebhookEvents, ", ") + ".",
	}
	cmd.AddCommand(webhooksAddCmd(env), webhooksListCmd(env), webhooksRmCmd(env))
	return cmd
}

func webhooksAddCmd(env Env) *cobra.Command {
	var c conn
	var quiet bool
	var events []string
	cmd := &cobra.Command{
		Use:   "add URL --events TYPE,...",
		Short: "Register a webhook; prints its id and its signing secret, once",
		Long: `Register URL for the event types given with --events (comma-separated or
repeated). botport shows the webhook's signing secret in this answer only: keep
it, receivers need it to verify deliveries. It prints the id and the secret;
with -q, the id on the first line and the secret on the second (the secret is
never left out, since it cannot be shown again); with --json, the webhook
with its secret.

The server refuses (exit 3) a URL that is not http(s), or one whose host
resolves to a private, loopback or link-local address unless it runs with
--webhook-allow-private.`,
		Example: "  botport webhooks add https://ci.example.com/hooks/botport --events import.succeeded,import.failed\n" +
			"  { read -r id; read -r secret; } < <(botport webhooks add https://… --events import.failed -q)",
		Args: ExactArgs(1),
	}
	bindConn(cmd, &c)
	cmd.Flags().StringSliceVar(&events, "events", nil, "event types to deliver, comma-separated (required): "+strings.Join(client.WebhookEvents, ", "))
	cmd.Flags().BoolVarP(&quiet, "quiet", "q", false, "print only the id and, on the next line, the secret")
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		if quiet && c.json {
			return usage("-q and --json exclude each other")
		}
		if len(events) == 0 {
			return usage("--events: name at least one event type (%s)", strings.Join(client.WebhookEvents, ", "))
		}
		for _, e := range events {
			if !slices.Contains(client.WebhookEvents, e) {
				return usage("--events: unknown event type %q: use %s", e, strings.Join(client.WebhookEvents, ", "))
			}
		}
		cl, err := c.client(env)
		if err != nil {
			return err
		}
		stop := waitingOn(cmd.Context(), env, cl, safe("registering a webhook for "+args[0]))
		w, err := cl.CreateWebhook(cmd.Context(), args[0], events)
		stop()
		if err != nil {
			return err
		}
		if w.ID == "" || w.Secret == "" {
			return fmt.Errorf("webhooks add: the server's answer has no id or no secret")
		}
		switch {
		case quiet:
			_, err = fmt.Fprintf(env.Stdout, "%s\n%s\n", safe(w.ID), safe(w.Secret))
		case c.json:
			err = printJSON(env.Stdout, w)
		default:
			_, err = fmt.Fprintf(env.Stdout, "registered webhook %s for %s\n  url:    %s\n  secret: %s\n"+
				"The secret is shown only now: keep it, receivers verify deliveries with it.\n",
				safe(w.ID), safe(strings.Join(w.Events, ", ")), safe(w.URL), safe(w.Secret))
		}
		return err
	}
	return cmd
}

func webhooksListCmd(env Env) *cobra.Command {
	var c conn
	var format string
	cmd := &cobra.Command{
		Use:     "list",
		Short:   "List the account's webhooks, oldest first (without secrets)",
		Example: "  botport webhooks list\n  botport webhooks list -o json",
		Args:    ExactArgs(0),
	}
	bindConn(cmd, &c)
	cmd.Flags().StringVarP(&format, "output", "o", "table", "table or json (--json is -o json)")
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		return printList(cmd, env, &c, format, "listing the webhooks",
			func(ctx context.Context, cl *client.Client) ([]client.Webhook, error) { return cl.ListWebhooks(ctx) },
			"ID\tCREATED\tEVENTS\tURL",
			func(w client.Webhook) string {
				return fmt.Sprintf("%s\t%s\t%s\t%s", safe(w.ID), safe(w.CreatedOn), safe(strings.Join(w.Events, ",")), safe(w.URL))
			})
	}
	return cmd
}

func webhooksRmCmd(env Env) *cobra.Command {
	var c conn
	var quiet bool
	cmd := &cobra.Command{
		Use:   "rm ID",
		Short: "Remove a webhook and its delivery history",
		Long: `Remove a webhook: nothing more is delivered to it, and its delivery history is
deleted. An id the account has no webhook under is refused (exit 3).`,
		Example: "  botport webhooks rm wh-…",
		Args:    ExactArgs(1),
	}
	bindConn(cmd, &c)
	cmd.Flags().BoolVarP(&quiet, "quiet", "q", false, "print nothing")
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		cl, err := c.client(env)
		if err != nil {
			return err
		}
		stop := waitingOn(cmd.Context(), env, cl, safe("removing webhook "+args[0]))
		err = cl.DeleteWebhook(cmd.Context(), args[0])
		stop()
		if err != nil || quiet {
			return err
		}
		if c.json {
			return printJSON(env.Stdout, map[string]any{"id": args[0], "deleted": true})
		}
		_, err = fmt.Fprintln(env.Stdout, safe("removed webhook "+args[0]))
		return err
	}
	return cmd
}
