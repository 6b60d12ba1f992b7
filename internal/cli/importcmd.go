package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/botport/botport/client"
	"github.com/botport/botport/internal/exportdir"
	"github.com/botport/botport/internal/selection"
)

// defaultIcon is a 1x1 PNG, uploaded when a folder has no icon.png: the API
// requires an icon for a new bot.
var defaultIcon = []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\xff\xff?\x00\x05\xfe\x02\xfe\xa7\x35\x81\x84\x00\x00\x00\x00IEND\xaeB`\x82")

// localFile is one file to upload.
type localFile struct {
	name, ext string
	size      int64
	open      func() (io.ReadCloser, error)
}

// exportFiles lists what to upload for PATH: a folder's botDefinition.json,
// config.json, icon.png and *.js, or one export zip.
func exportFiles(path string) (zip *localFile, def, cfg, icon *localFile, scripts []*localFile, err error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, nil, nil, nil, nil, usage("%v", err)
	}
	local := func(p, ext string, size int64) *localFile {
		return &localFile{name: filepath.Base(p), ext: ext, size: size, open: func() (io.ReadCloser, error) { return os.Open(p) }}
	}
	if fi.IsDir() && exportdir.Is(path) {
		def, cfg, icon, scripts, err := unpackedFiles(path)
		return nil, def, cfg, icon, scripts, err
	}
	if !fi.IsDir() {
		if !strings.EqualFold(filepath.Ext(path), ".zip") {
			return nil, nil, nil, nil, nil, usage("%s is neither a folder nor a .zip export", path)
		}
		return local(path, "zip", fi.Size()), nil, nil, nil, nil, nil
	}
	entries, err := os.ReadDir(path)
	if err != nil {
		return nil, nil, nil, nil, nil, err
	}
	for _, e := range entries {
		info, err := e.Info()
		if err != nil || e.IsDir() {
			continue
		}
		p := filepath.Join(path, e.Name())
		switch lower := strings.ToLower(e.Name()); {
		case lower == "botdefinition.json":
			def = local(p, "json", info.Size())
		case lower == "config.json":
			cfg = local(p, "json", info.Size())
		case lower == "icon.png":
			icon = local(p, "png", info.Size())
		case strings.HasSuffix(lower, ".js"):
			scripts = append(scripts, local(p, "js", info.Size()))
		}
	}
	if def == nil || cfg == nil {
		return nil, nil, nil, nil, nil, usage("%s must hold botDefinition.json and config.json (or be an export zip)", path)
	}
	sort.Slice(scripts, func(i, j int) bool { return scripts[i].name < scripts[j].name })
	return nil, def, cfg, icon, scripts, nil
}

func importCmd(env Env) *cobra.Command {
	var c conn
	var botID, name string
	var tasks, nlp, settings []string
	var appendMode, replace, dryRun, wait bool
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
	f.DurationVar(&interval, "interval", time.Second, "how often --wait polls")
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		cl, err := c.client(env)
		if err != nil {
			return err
		}
		p := ImportParams{BotID: botID, Name: name, Tasks: tasks, NLP: nlp, Settings: settings, Append: appendMode,
			Replace: replace, DryRun: dryRun, Wait: wait, Interval: interval, Quiet: c.json}
		st, err := Import(cmd.Context(), env, cl, args[0], p)
		if err != nil {
			return err
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
	var b bytes.Buffer
	if err := json.Indent(&b, raw, "", "  "); err != nil {
		return nil, err
	}
	b.WriteByte('\n')
	_, err = env.Stdout.Write(b.Bytes())
	return raw, err
}

// ImportParams are an import's choices, as the import command's flags give them.
type ImportParams struct {
	BotID, Name          string
	Tasks, NLP, Settings []string
	Append, Replace      bool
	DryRun, Wait         bool
	Interval             time.Duration
	Quiet                bool // no progress output (--json)
}

// Import uploads the export at path and starts an import, showing progress
// on env.Stdout; with p.Wait it follows the import and returns the final
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
	tr := newTracker(env, p.Quiet)
	defer tr.close()
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
	var start *client.Status
	if p.BotID != "" {
		start, err = cl.ImportInto(ctx, p.BotID, req)
	} else {
		start, err = cl.ImportNew(ctx, req)
	}
	if err != nil {
		return nil, fmt.Errorf("start import on %s: %w", describe(cl), err)
	}
	if !p.Wait {
		return start, nil
	}
	target := "a new bot"
	if p.BotID != "" {
		target = "bot " + p.BotID
	}
	tr.line(safe(fmt.Sprintf("import %s started into %s %q", start.ID, target, start.StatusLogs[0].TaskName)))
	tr.line(entryLine(start.StatusLogs[0]))
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
