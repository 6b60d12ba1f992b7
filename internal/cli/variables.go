package cli

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"

	"github.com/spf13/cobra"
)

func variablesCmd(env Env) *cobra.Command {
	cmd := &cobra.Command{Use: "variables", Short: "Export and import a bot's environment and content variables"}
	cmd.AddCommand(variablesExportCmd(env), variablesImportCmd(env), variablesDiffCmd(env))
	return cmd
}

func variablesExportCmd(env Env) *cobra.Command {
	var c conn
	var output string
	cmd := &cobra.Command{
		Use:   "export BOTID [-o FILE]",
		Short: "Write a bot's variables as JSON (values included: keep the file safe)",
		Long: `Write the bot's variables, environment then content variables, as the
server sends them (indented), to FILE or stdout. The file is what
"botport variables import" takes back.`,
		Args: ExactArgs(1),
	}
	bindConn(cmd, &c)
	cmd.Flags().StringVarP(&output, "output", "o", "", "file to write (default: stdout); created with mode 0600")
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		cl, err := c.client(env)
		if err != nil {
			return err
		}
		raw, err := cl.ExportVariablesRaw(cmd.Context(), args[0])
		if err != nil {
			return fmt.Errorf("export variables on %s: %w", describe(cl), err)
		}
		var out bytes.Buffer
		if err := json.Indent(&out, raw, "", "  "); err != nil {
			return fmt.Errorf("the server's answer is not JSON: %w", err)
		}
		out.WriteByte('\n')
		if output == "" {
			_, err := env.Stdout.Write(out.Bytes())
			return err
		}
		// Values are secrets: the file is the user's alone.
		if err := os.WriteFile(output, out.Bytes(), 0o600); err != nil {
			return err
		}
		var n []json.RawMessage
		_ = json.Unmarshal(raw, &n)
		if c.json {
			return printJSON(env.Stdout, struct {
				File      string `json:"file"`
				Variables int    `json:"variables"`
			}{output, len(n)})
		}
		fmt.Fprintf(env.Stdout, "wrote %s of bot %s to %s\n", plural(len(n), "variable", "variables"), args[0], output)
		return nil
	}
	return cmd
}

func variablesImportCmd(env Env) *cobra.Command {
	var c conn
	cmd := &cobra.Command{
		Use:   "import BOTID FILE",
		Short: "Create or replace a bot's variables from a JSON file",
		Long: `Send FILE (an array of variables, as "botport variables export" writes
it, or {"botVariables": [...]}) to the bot: each variable is created or
replaces the one with the same key and type, others are kept, all in one
new bot version. A bad item is refused (exit 3) and nothing is written.`,
		Args: ExactArgs(2),
	}
	bindConn(cmd, &c)
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		body, err := os.ReadFile(args[1])
		if err != nil {
			return usage("%v", err)
		}
		if !json.Valid(body) {
			return usage("%s is not JSON", args[1])
		}
		cl, err := c.client(env)
		if err != nil {
			return err
		}
		res, err := cl.ImportVariablesRaw(cmd.Context(), args[0], body)
		if err != nil {
			return fmt.Errorf("import variables on %s: %w", describe(cl), err)
		}
		if c.json {
			return printJSON(env.Stdout, res)
		}
		fmt.Fprintf(env.Stdout, "bot %s: %s\n", args[0], res.Message)
		return nil
	}
	return cmd
}
