package cli

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/botport/botport/client"
	"github.com/botport/botport/internal/diff"
	"github.com/botport/botport/internal/varfile"
)

// promoteOpts are promote's flags.
type promoteOpts struct {
	bot, from, to     string
	varsPath, comment string
	components        []string
	latest, dryRun    bool
	yes, appendMode   bool
	interval          time.Duration
}

// promoteResult is promote's --json output, and what its summary prints.
type promoteResult struct {
	Source    endpoint            `json:"source"`
	Target    endpoint            `json:"target"`
	DryRun    bool                `json:"dryRun,omitempty"`
	Steps     []step              `json:"steps"`
	Variables []varfile.KeyStatus `json:"variables,omitempty"`
	Changes   *diff.Report        `json:"changes"`
}

// endpoint is one side of a promotion.
type endpoint struct {
	Profile    string `json:"profile"`
	Host       string `json:"host"`
	Bot        string `json:"bot"`
	BotID      string `json:"botId,omitempty"` // "" for a target bot not created yet
	ExportType string `json:"exportType,omitempty"`
	Created    bool   `json:"created,omitempty"`
}

// step is one step of a promotion and what became of it.
type step struct {
	Step   string `json:"step"`   // import, variables, publish, dry-run
	Status string `json:"status"` // done, skipped, successful, failed
	ID     string `json:"id,omitempty"`
	Detail string `json:"detail,omitempty"`
}

func promoteCmd(env Env) *cobra.Command {
	var c conn
	var o promoteOpts
	cmd := &cobra.Command{
		Use:   "promote BOT --from PROFILE --to PROFILE",
		Short: "Promote a bot from one environment to another: export, import, variables, publish",
		Long: `Export BOT (a name or an st- id) from the --from profile's host (its published
version; --latest takes the current one), find the bot of the same name on
the --to host (every page of Get Bots; several of that name are refused),
create it or import into it (whole, or only --components), wait, apply the
--vars file, publish with the --publish comment and follow the publish until
it is successful; then print what changed on the target (the semantic diff).

Each step looks first at what already happened, so running promote again
after a failure resumes: an import whose content the target has already is
skipped, variables the target already has are not sent again, a current
version already published is not published again; requests carry
Idempotency-Key headers derived from the step and its content, which
botport uses to replay a request it has answered (other hosts ignore them).

--dry-run changes nothing: it prints what the import would change and what
the variables file would set and, against botport, runs the import as a dry
run. On a terminal, promote asks before changing anything (--yes does not).`,
		Example: `  botport promote Billing --from dev --to prod --vars prod.env --publish "release 2026.12"
  botport promote Billing --from dev --to prod --components tasks,nlp --dry-run`,
		Args: ExactArgs(1),
	}
	f := cmd.Flags()
	f.StringVar(&o.from, "from", "", "profile of the source host (required)")
	f.StringVar(&o.to, "to", "", "profile of the target host (required)")
	f.StringVar(&o.varsPath, "vars", "", "variables file to apply on the target: .env lines or the variables JSON; values may be ${ENV_VAR} or @/path/to/file")
	f.StringVar(&o.comment, "publish", "", "publish the target with this version comment, and wait until it is live")
	f.StringSliceVar(&o.components, "components", nil, "import only these: tasks, nlp, settings, or values such as botTask, utterances, botVariables (default: everything)")
	f.BoolVar(&o.appendMode, "append", false, "with --components: keep the target's utterances and patterns the source lacks (default: replace them)")
	f.BoolVar(&o.latest, "latest", false, "promote the source's current version instead of its published one")
	f.BoolVar(&o.dryRun, "dry-run", false, "change nothing: show what would change")
	f.BoolVar(&o.yes, "yes", false, "do not ask for confirmation on a terminal")
	f.DurationVar(&o.interval, "interval", time.Second, "how often statuses are polled")
	f.StringVar(&c.config, "config", "", "config file (env BOTPORT_CONFIG; default <user config dir>/botport/config.json)")
	f.BoolVar(&c.json, "json", false, "print JSON for machines")
	f.DurationVar(&c.timeout, "timeout", 30*time.Second, "how long to wait for a server's answer once a request is sent")
	_ = cmd.MarkFlagRequired("from")
	_ = cmd.MarkFlagRequired("to")
	c.fs = f
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		o.bot = args[0]
		if o.interval <= 0 {
			return usage("--interval must be positive")
		}
		if f.Changed("publish") && strings.TrimSpace(o.comment) == "" {
			return usage("--publish needs a comment")
		}
		p := &promotion{env: env, c: &c, o: o, in: cmd.InOrStdin()}
		p.out = env.Stdout
		if c.json {
			p.out = io.Discard
		}
		err := p.run(cmd.Context())
		if c.json && p.res.Source.BotID != "" { // also when a step failed: the steps say which
			if p.res.Steps == nil {
				p.res.Steps = []step{}
			}
			if perr := printJSON(env.Stdout, p.res); perr != nil && err == nil {
				err = perr
			}
		}
		return err
	}
	return cmd
}

// promotion is one run of promote.
type promotion struct {
	env Env
	c   *conn
	o   promoteOpts
	in  io.Reader
	out io.Writer // progress and summary for people (io.Discard with --json)
	res promoteResult

	entries  []varfile.Entry
	options  *client.ImportOptions
	src, dst *client.Client
}

func (p *promotion) say(format string, args ...any) {
	fmt.Fprintln(p.out, safe(fmt.Sprintf(format, args...)))
}

func (p *promotion) run(ctx context.Context) error {
	o := p.o
	var err error
	if o.varsPath != "" {
		data, err := os.ReadFile(o.varsPath)
		if err != nil {
			return usage("%v", err)
		}
		if p.entries, err = varfile.Parse(data, varfile.Resolver{Getenv: p.env.Getenv, ReadFile: os.ReadFile}); err != nil {
			return usage("%s: %v", o.varsPath, err)
		}
	}
	if p.options, err = parseComponents(o.components, o.appendMode); err != nil {
		return err
	}
	if p.src, err = p.c.forProfile(p.env, o.from); err != nil {
		return err
	}
	if p.dst, err = p.c.forProfile(p.env, o.to); err != nil {
		return err
	}

	// The source: its published version unless --latest.
	typ := "published"
	if o.latest {
		typ = "latest"
	}
	srcID, name, err := findBot(ctx, p.src, o.bot)
	if err != nil {
		return err
	}
	p.res.Source = endpoint{Profile: o.from, Host: p.src.BaseURL, Bot: name, BotID: srcID, ExportType: typ}
	source, err := p.export(ctx, p.src, srcID, typ)
	if client.IsStatus(err, 400) && typ == "published" {
		return &ExitError{Code: ExitFailed, Err: fmt.Errorf("bot %q on %s: %w (publish it there first, or give --latest)", name, o.from, err)}
	}
	if err != nil {
		return fmt.Errorf("export %q from %s: %w", name, o.from, err)
	}
	p.say("source: %s bot %q (%s), %s version", o.from, name, srcID, typ)

	// The target: the one bot of that name, or none yet.
	p.res.Target = endpoint{Profile: o.to, Host: p.dst.BaseURL, Bot: name}
	before, err := p.target(ctx, name)
	if err != nil {
		return err
	}

	ignore := map[string]bool{}
	for _, e := range p.entries {
		ignore[e.Key] = true
	}
	only := selectedItems(p.options)
	preview := diff.Compare(before.bot, source.bot, diff.Options{IgnoreKeys: ignore, Only: only})
	if p.o.dryRun || p.askFirst() {
		if p.res.Target.BotID == "" {
			p.say("the import would create the bot on %s: %s", o.to, kindCounts(preview))
		} else {
			p.say("the import would change on %s:", o.to)
			printReport(p.out, preview, 40)
		}
	}
	if len(p.entries) > 0 {
		expected, err := p.expectedVariables(ctx, source)
		if err != nil {
			return err
		}
		_, p.res.Variables = varfile.Plan(p.entries, expected)
		if p.o.dryRun || p.askFirst() {
			p.say("the variables file would set on %s:", o.to)
			p.printVariables()
		}
	}
	if o.dryRun {
		p.res.DryRun = true
		p.res.Changes = preview
		return p.serverDryRun(ctx, source)
	}
	if p.askFirst() {
		if !p.confirm(fmt.Sprintf("Promote %q from %s to %s?", name, o.from, o.to)) {
			return &ExitError{Code: ExitFailed, Err: errors.New("promotion cancelled")}
		}
	}

	// Import, unless the target has that content already.
	targetID := p.res.Target.BotID
	if targetID != "" && preview.Equal() {
		p.step(step{Step: "import", Status: "skipped", Detail: o.to + " has this content already"})
	} else {
		zip, err := repack(source.export)
		if err != nil {
			return err
		}
		// The key of the import names the target's content too: after a
		// change on the target, the same file is imported again rather than
		// replayed.
		state := ""
		if targetID != "" && before.bot != nil {
			state = before.bot.Fingerprint(diff.Options{})
		}
		id, bir, err := p.importStep(ctx, zip, name, targetID, state)
		if err != nil {
			return err
		}
		p.res.Target.Created = targetID == ""
		targetID, p.res.Target.BotID = id, id
		p.step(step{Step: "import", Status: "done", ID: bir})
	}
	if len(p.entries) > 0 {
		if err := p.variablesStep(ctx, targetID); err != nil {
			return err
		}
	}
	afterType := "latest"
	if o.comment != "" {
		if err := p.publishStep(ctx, targetID, source.bot); err != nil {
			return err
		}
		afterType = "published"
	}

	// What changed, read back from the target.
	after, err := p.export(ctx, p.dst, targetID, afterType)
	if err != nil {
		return fmt.Errorf("export %q from %s to report the changes: %w", name, o.to, err)
	}
	p.res.Changes = diff.Compare(before.bot, after.bot, diff.Options{})
	if p.res.Target.Created {
		p.say("created on %s: %s", o.to, kindCounts(p.res.Changes))
	} else {
		p.say("changes on %s:", o.to)
		printReport(p.out, p.res.Changes, 40)
	}
	return nil
}

// kindCounts says how many items of each kind a report adds: a new bot's
// content in one line.
func kindCounts(r *diff.Report) string {
	n := map[string]int{}
	var kinds []string
	for _, c := range r.Changes {
		if n[c.Kind] == 0 {
			kinds = append(kinds, c.Kind)
		}
		n[c.Kind]++
	}
	parts := make([]string, len(kinds))
	for i, k := range kinds {
		parts[i] = fmt.Sprintf("%s: %d", k, n[k])
	}
	if len(parts) == 0 {
		return "nothing"
	}
	return strings.Join(parts, ", ")
}

// askFirst reports whether promote asks before it acts: on a terminal,
// without --yes.
func (p *promotion) askFirst() bool {
	if p.o.yes || p.o.dryRun || p.c.json {
		return false
	}
	f, ok := p.in.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

func (p *promotion) confirm(q string) bool {
	fmt.Fprintf(p.env.Stderr, "%s [y/N] ", q)
	line, _ := bufio.NewReader(p.in).ReadString('\n')
	a := strings.ToLower(strings.TrimSpace(line))
	return a == "y" || a == "yes"
}

func (p *promotion) step(s step) {
	p.res.Steps = append(p.res.Steps, s)
	line := s.Step + ": " + s.Status
	if s.ID != "" {
		line += " (" + s.ID + ")"
	}
	if s.Detail != "" {
		line += ": " + s.Detail
	}
	p.say("%s", line)
}

// export reads a bot's export of the type into memory.
func (p *promotion) export(ctx context.Context, cl *client.Client, botID, typ string) (*loaded, error) {
	var b bytes.Buffer
	if err := exportZip(ctx, cl, botID, typ, p.o.interval, &b); err != nil {
		return nil, err
	}
	e, err := unzip(b.Bytes())
	if err != nil {
		return nil, err
	}
	return withBot(&loaded{spec: botID, zip: b.Bytes(), export: e, client: cl, botID: botID})
}

// target finds the target bot and reads its current content; a bot not
// there yet is empty.
func (p *promotion) target(ctx context.Context, name string) (*loaded, error) {
	bots, err := p.dst.BotsNamed(ctx, name)
	if err != nil {
		return nil, fmt.Errorf("list the bots on %s: %w", p.o.to, err)
	}
	switch len(bots) {
	case 0:
		p.say("target: %s has no bot %q: it will be created", p.o.to, name)
		empty, _ := diff.FromRecords(nil)
		return &loaded{bot: empty}, nil
	case 1:
		p.res.Target.BotID = bots[0].ID
		p.say("target: %s bot %q (%s)", p.o.to, name, bots[0].ID)
		cur, err := p.export(ctx, p.dst, bots[0].ID, "latest")
		if err != nil {
			return nil, fmt.Errorf("export %q from %s: %w", name, p.o.to, err)
		}
		return cur, nil
	}
	ids := make([]string, len(bots))
	for i, b := range bots {
		ids[i] = b.ID
	}
	return nil, &ExitError{Code: ExitFailed, Err: fmt.Errorf("%d bots are named %q on %s (%s): promote refuses to choose; rename or delete the extra ones",
		len(bots), name, p.o.to, strings.Join(ids, ", "))}
}

// expectedVariables are the variables the target will have after the
// import: the source's, unless an incremental import leaves them alone.
func (p *promotion) expectedVariables(ctx context.Context, source *loaded) ([]json.RawMessage, error) {
	keepsTarget := p.options != nil && !slices.Contains(p.options.Settings, "botVariables")
	if keepsTarget && p.res.Target.BotID != "" {
		raw, err := p.dst.ExportVariablesRaw(ctx, p.res.Target.BotID)
		if err != nil {
			return nil, fmt.Errorf("export the variables of the target: %w", err)
		}
		var items []json.RawMessage
		return items, json.Unmarshal(raw, &items)
	}
	var cfg struct {
		EnvVariables []json.RawMessage `json:"envVariables"`
	}
	var def struct {
		ContentVariables []json.RawMessage `json:"contentVariables"`
	}
	_ = json.Unmarshal(source.export.Config, &cfg)
	_ = json.Unmarshal(source.export.Definition, &def)
	return append(cfg.EnvVariables, def.ContentVariables...), nil
}

func (p *promotion) printVariables() {
	for _, k := range p.res.Variables {
		status := k.Status
		if status == varfile.StatusMissing {
			status = "missing from the bot: not applied"
		}
		p.say("  %-24s %-6s %-19s %s", k.Key, k.Type, k.Hash, status)
	}
}
