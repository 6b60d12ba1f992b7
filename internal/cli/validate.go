package cli

import (
	"fmt"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/botport/botport/internal/botdef"
	"github.com/botport/botport/internal/bundle"
	"github.com/botport/botport/internal/exportzip"
)

// validation is validate's --json output.
type validation struct {
	Path     string            `json:"path"`
	Valid    bool              `json:"valid"`
	Message  string            `json:"message,omitempty"`
	Summary  validationSummary `json:"summary"`
	Errors   []*botdef.Problem `json:"errors"`
	Warnings []*botdef.Problem `json:"warnings"`
}

type validationSummary struct {
	Errors   int `json:"errors"`
	Warnings int `json:"warnings"`
}

func validateCmd(env Env) *cobra.Command {
	var asJSON bool
	var maxProblems int
	cmd := &cobra.Command{
		Use:   "validate PATH",
		Short: "Check an export (folder, zip or botDefinition.json) offline, with the server's validator",
		Long: `Check an export folder or zip without a server: the same streaming parser and
validator an import runs. A JSON file on its own is checked as a botDefinition.json
(without config.json). Problems print as a compiler prints them, on stdout: they
are the command's result. The exit status is 1 when there is an error.`,
		Args: ExactArgs(1),
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON for machines")
	cmd.Flags().IntVar(&maxProblems, "max-problems", 100, "problems listed per severity")
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		path := args[0]
		out := validation{Path: path, Errors: []*botdef.Problem{}, Warnings: []*botdef.Problem{}}
		b, err := bundle.FromPath(path, exportzip.Limits{})
		var res *bundle.Result
		if err == nil {
			defer b.Close()
			res, err = bundle.Check(b, func(*botdef.Record) error { return nil }, bundle.Options{MaxProblems: maxProblems})
		}
		if err != nil {
			be, ok := bundle.AsError(err)
			if !ok {
				return usage("%v", err)
			}
			out.Message = be.Msg
			out.Summary.Errors = 1
			out.Errors = append(out.Errors, &botdef.Problem{File: filepath.Base(path), Code: "bad_upload", Message: be.Msg})
		} else {
			out.Valid = res.OK()
			out.Errors, out.Warnings = append(out.Errors, res.Errors...), append(out.Warnings, res.Warnings...)
			out.Summary = validationSummary{res.ErrorCount, res.WarningCount}
		}
		if asJSON {
			if err := printJSON(env.Stdout, out); err != nil {
				return err
			}
		} else {
			if out.Message != "" {
				fmt.Fprintln(env.Stdout, safe(path+": "+out.Message))
				return failed()
			}
			for _, p := range append(out.Errors, out.Warnings...) {
				fmt.Fprintln(env.Stdout, safe(p.String()))
			}
			switch {
			case out.Valid:
				fmt.Fprintf(env.Stdout, "%s: valid (%s)\n", safe(path), plural(out.Summary.Warnings, "warning", "warnings"))
			default:
				fmt.Fprintf(env.Stdout, "%s: %s, %s\n", safe(path), plural(out.Summary.Errors, "error", "errors"), plural(out.Summary.Warnings, "warning", "warnings"))
			}
		}
		if !out.Valid {
			return failed()
		}
		return nil
	}
	return cmd
}
