package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/botport/botport/internal/varfile"
)

func variablesDiffCmd(env Env) *cobra.Command {
	var c conn
	cmd := &cobra.Command{
		Use:   "diff A B",
		Short: "Compare two bots' variables by key (values shown as hashes)",
		Long: `Compare the environment and content variables of two bots, or of a bot and a
variables file (.env lines or the variables JSON), by key: present on one
side only, value differs, other fields differ (hint, scope, ...), or the
same. Values are never shown: each is a hash of the key and the value, so
equal hashes mean equal values.

A side is PROFILE:BOT (":BOT" for this command's connection) or a file.
The exit status is 0 when every key is the same, 1 otherwise.`,
		Example: `  botport variables diff dev:Billing prod:Billing
  botport variables diff prod.env prod:Billing`,
		Args: ExactArgs(2),
	}
	bindConn(cmd, &c)
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		var sides [2][]varfile.Entry
		for i, spec := range args {
			es, err := c.variablesOf(cmd.Context(), env, spec)
			if err != nil {
				return err
			}
			sides[i] = es
		}
		d := varfile.Compare(sides[0], sides[1])
		equal := true
		for _, k := range d {
			equal = equal && k.Status == varfile.Same
		}
		if c.json {
			if err := printJSON(env.Stdout, struct {
				A     string            `json:"a"`
				B     string            `json:"b"`
				Equal bool              `json:"equal"`
				Keys  []varfile.KeyDiff `json:"keys"`
			}{args[0], args[1], equal, nonNilKeys(d)}); err != nil {
				return err
			}
		} else {
			tw := tabwriter.NewWriter(env.Stdout, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "KEY\tTYPE\tA\tB\tSTATUS")
			for _, k := range d {
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", safe(k.Key), safe(k.Type), or(k.A, "-"), or(k.B, "-"), k.Status)
			}
			if err := tw.Flush(); err != nil {
				return err
			}
		}
		if !equal {
			return failed()
		}
		return nil
	}
	return cmd
}

func nonNilKeys(d []varfile.KeyDiff) []varfile.KeyDiff {
	if d == nil {
		return []varfile.KeyDiff{}
	}
	return d
}

func or(s, alt string) string {
	if s == "" {
		return alt
	}
	return s
}

// variablesOf reads one side of a variables comparison: a file, or a bot
// through the variables export.
func (c *conn) variablesOf(ctx context.Context, env Env, spec string) ([]varfile.Entry, error) {
	if data, err := os.ReadFile(spec); err == nil {
		es, err := varfile.Parse(data, varfile.Resolver{Getenv: env.Getenv, ReadFile: os.ReadFile})
		if err != nil {
			return nil, usage("%s: %v", spec, err)
		}
		return es, nil
	}
	s, err := parseSide(spec)
	if err != nil {
		return nil, err
	}
	if s.path != "" || s.version > 0 {
		return nil, usage("%s: a variables side is a variables file or PROFILE:BOT", spec)
	}
	cl, err := c.forProfile(env, s.profile)
	if err != nil {
		return nil, err
	}
	id, _, err := findBot(ctx, cl, s.bot)
	if err != nil {
		return nil, err
	}
	raw, err := cl.ExportVariablesRaw(ctx, id)
	if err != nil {
		return nil, fmt.Errorf("export the variables of %s on %s: %w", s.bot, describe(cl), err)
	}
	var items []json.RawMessage
	if err := json.Unmarshal(raw, &items); err != nil {
		return nil, fmt.Errorf("the variables export of %s is not an array", s.bot)
	}
	return varfile.FromItems(items), nil
}
