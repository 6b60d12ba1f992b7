package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/botport/botport/client"
	"github.com/botport/botport/internal/selection"
)

func importCmd(env Env) *cobra.Command {
	var c conn
	var botID, name string
	var tasks, nlp, settings []string
	var appendMode, replace, dryRun, wait, quiet bool
	var interval time.Duration
	cmd := &cobra.Command{
		Use:   "import PATH",
		Short: "Upload an export (folder or zip) and import it",
		Long: `Upload an export folder (botDefinition.json, config.json, icon.png, *.js) or an
export zip, and start an import: as a new bot, or into --bot. With --wait, follow
it stage by stage and print every problem as a compiler does.

Selecting --tasks, --nlp or --settings makes an import into --bot incremental.`,
		Example: `  botport import ./exports/demobot1 --wait
  botport import Demobot1.zip --bot st-… --nlp utterances --replace --wait`,
		Args: ExactArgs(1),
	}
	bindConn(cmd, &c)
	f := cmd.Flags()
	f.StringVar(&botID, "bot", "", "import into this existing bot (st-…) instead of creating one")
	f.StringVar(&name, "name", "", "name of a new bot (default: the export's)")
	f.StringSliceVar(&tasks, "tasks", nil, "incremental: "+optionValues(selection.Tasks))
	f.StringSliceVar(&nlp, "nlp", nil, "incremental: "+optionValues(selection.NLPData))
	f.StringSliceVar(&settings, "settings", nil, "incremental: "+optionValues(selection.Settings))
	f.BoolVar(&appendMode, "append", false, "incremental: add utterances and patterns to the bot's (the default)")
	f.BoolVar(&replace, "replace", false, "incremental: replace the bot's utterances and patterns")
	f.BoolVar(&dryRun, "dry-run", false, "run the whole import but commit nothing; show what would change (botport only)")
	f.BoolVar(&wait, "wait", false, "follow the import to its end")
	f.DurationVar(&interval, "interval", time.Second, "how often --wait polls a host without event streams (a Kore.ai host)")
	f.BoolVarP(&quiet, "quiet", "q", false, "print only the import's id (bir-…) once it is accepted; with --wait, problems still go to stderr")
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		if quiet && c.json {
			return usage("-q and --json exclude each other")
		}
		cl, err := c.client(env)
		if err != nil {
			return err
		}
		p := ImportParams{BotID: botID, Name: name, Tasks: tasks, NLP: nlp, Settings: settings, Append: appendMode,
			Replace: replace, DryRun: dryRun, Wait: wait, Interval: interval, Quiet: c.json || quiet}
		if quiet {
			p.Started = func(st *client.Status) { fmt.Fprintln(env.Stdout, safe(st.ID)) }
		}
		st, err := Import(cmd.Context(), env, cl, args[0], p)
		if err != nil {
			return err
		}
		if quiet {
			if !wait {
				return nil
			}
			finalDiagnostics(env.Stderr, st)
			if st.Status != "success" {
				fmt.Fprintln(env.Stderr, summarize(st))
				return failed()
			}
			return nil
		}
		if !wait {
			if c.json {
				_, err := printRaw(cmd.Context(), env, cl, st.ID)
				return err
			}
			fmt.Fprintf(env.Stdout, "import %s accepted; follow it with: botport status %s --watch\n", safe(st.ID), safe(st.ID))
			return nil
		}
		return finish(cmd.Context(), env, cl, st, c.json)
	}
	return cmd
}

// finish reports a finished import: the server's document with --json.
func finish(ctx context.Context, env Env, cl *client.Client, st *client.Status, asJSON bool) error {
	if asJSON {
		if _, err := printRaw(ctx, env, cl, st.ID); err != nil {
			return err
		}
		if st.Status != "success" {
			return failed()
		}
		return nil
	}
	return report(env, st)
}

// printRaw prints an import's status document as the server sends it, and
// returns it.
func printRaw(ctx context.Context, env Env, cl *client.Client, bir string) ([]byte, error) {
	raw, err := cl.ImportStatusRaw(ctx, bir)
	if err != nil {
		return nil, err
	}
	return raw, printIndented(env, raw)
}

// printIndented prints a JSON document indented, on stdout.
func printIndented(env Env, raw []byte) error {
	var b bytes.Buffer
	if err := json.Indent(&b, raw, "", "  "); err != nil {
		return err
	}
	b.WriteByte('\n')
	_, err := env.Stdout.Write(b.Bytes())
	return err
}

// ImportParams are an import's choices, as the import command's flags give them.
type ImportParams struct {
	BotID, Name          string
	Tasks, NLP, Settings []string
	Append, Replace      bool
	DryRun, Wait         bool
	Interval             time.Duration // how often to poll a host without event streams
	Quiet                bool          // no progress output (--json, -q); retries are still announced on stderr
	// Started, when set, is called once the server accepted the import.
	Started func(*client.Status)
}

// Import uploads the export at path and starts an import, showing progress
// on env.Stdout; with p.Wait it follows the import (its event stream, or
// polls every p.Interval a host without streams) and returns the final
// status document, else the start document.
func Import(ctx context.Context, env Env, cl *client.Client, path string, p ImportParams) (*client.Status, error) {
	if p.Append && p.Replace {
		return nil, usage("--append and --replace exclude each other")
	}
	incremental := len(p.Tasks)+len(p.NLP)+len(p.Settings) > 0
	if (incremental || p.Append || p.Replace) && p.BotID == "" {
		return nil, usage("--tasks, --nlp, --settings, --append and --replace need --bot")
	}
	if p.Replace && !incremental {
		return nil, usage("--replace needs --tasks, --nlp or --settings")
	}
	if p.Interval <= 0 {
		p.Interval = time.Second
	}
	zip, def, cfg, icon, scripts, err := exportFiles(path)
	if err != nil {
		return nil, err
	}
	tr := newTracker(ctx, env, env.Stdout, p.Quiet)
	defer tr.close()
	announceRetries(cl, tr)
	upload := func(lf *localFile) (string, error) {
		up, err := cl.Upload(ctx, lf.open, client.UploadOptions{FileName: lf.name, Extension: lf.ext, Progress: tr.upload(lf.name, lf.size)})
		if err != nil {
			return "", fmt.Errorf("upload %s: %w", lf.name, err)
		}
		tr.uploaded(lf.name, lf.size)
		return up.FileID, nil
	}
	req := client.ImportRequest{Name: p.Name, DryRun: p.DryRun}
	if zip != nil {
		req.UploadMode = "ZIP"
		if req.ZipInfo, err = upload(zip); err != nil {
			return nil, err
		}
	} else {
		if icon == nil && p.BotID == "" {
			icon = &localFile{name: "icon.png", ext: "png", size: int64(len(defaultIcon)),
				open: func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(defaultIcon)), nil }}
		}
		for _, f := range []struct {
			lf  *localFile
			dst *string
		}{{def, &req.BotDefinition}, {cfg, &req.ConfigInfo}, {icon, &req.Icon}} {
			if f.lf == nil {
				continue
			}
			if *f.dst, err = upload(f.lf); err != nil {
				return nil, err
			}
		}
		for _, s := range scripts {
			id, err := upload(s)
			if err != nil {
				return nil, err
			}
			req.BotFunctions = append(req.BotFunctions, id)
		}
	}
	if incremental {
		req.ImportOptions = &client.ImportOptions{Tasks: p.Tasks, NLPData: p.NLP, Settings: p.Settings}
		mode := &client.AppendReplace{Append: !p.Replace, Replace: p.Replace}
		req.ImportOptions.Options = &client.ImportSubOpts{Utterances: mode, Patterns: mode}
	}
	tr.phase("starting the import")
	var start *client.Status
	if p.BotID != "" {
		start, err = cl.ImportInto(ctx, p.BotID, req)
	} else {
		start, err = cl.ImportNew(ctx, req)
	}
	if err != nil {
		return nil, fmt.Errorf("start import on %s: %w", describe(cl), err)
	}
	if p.Started != nil {
		p.Started(start)
	}
	if !p.Wait {
		return start, nil
	}
	target := "a new bot"
	if p.BotID != "" {
		target = "bot " + p.BotID
	}
	if len(start.StatusLogs) == 0 { // not a document a server sends
		return follow(ctx, cl, start.ID, p.Interval, tr, 0)
	}
	tr.line(safe(fmt.Sprintf("import %s started into %s %q", start.ID, target, start.StatusLogs[0].TaskName)))
	tr.line(entryLine(start.StatusLogs[0]))
	tr.waiting(start)
	return follow(ctx, cl, start.ID, p.Interval, tr, 1)
}

// Report prints a finished import as the import command does and returns an
// *ExitError when it failed.
func Report(env Env, st *client.Status) error { return report(env, st) }

// PrintStatus prints an import's status document as the server sends it.
func PrintStatus(ctx context.Context, env Env, cl *client.Client, bir string) error {
	_, err := printRaw(ctx, env, cl, bir)
	return err
}

// report prints a finished import for people (problems on stderr as a
// compiler prints them, a dry run's changes, a summary line) and fails the
// command if the import failed.
func report(env Env, st *client.Status) error {
	finalDiagnostics(env.Stderr, st)
	if st.DryRun {
		for _, ch := range st.Changes {
			if ch.Action != "unchanged" {
				fmt.Fprintln(env.Stdout, safe(fmt.Sprintf("  %-9s %s %s%s", ch.Action, ch.Kind, changeName(ch), detail(ch.Detail))))
			}
		}
	}
	fmt.Fprintln(env.Stdout, summarize(st))
	if st.Status != "success" {
		return failed()
	}
	return nil
}

func changeName(ch client.Change) string {
	if ch.Name != "" && ch.Name != ch.Ident {
		return fmt.Sprintf("%q (%s)", ch.Name, ch.Ident)
	}
	return ch.Ident
}

func detail(d string) string {
	if d == "" {
		return ""
	}
	return ": " + d
}

// optionValues lists the values of an importOptions/exportOptions list, for
// help texts.
func optionValues(list string) string { return strings.Join(selection.Names(list), ", ") }
