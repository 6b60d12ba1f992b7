package importer

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/botport/botport/internal/botdef"
	"github.com/botport/botport/internal/bundle"
	"github.com/botport/botport/internal/killpoint"
	"github.com/botport/botport/internal/kore"
	"github.com/botport/botport/internal/selection"
	"github.com/botport/botport/internal/store"
)

// run is one run of one import, from its start.
type run struct {
	s       *Service
	imp     *store.Import
	req     *Request
	doc     *Doc
	restart bool     // an earlier run of the import may have staged versions and saved progress
	current LogEntry // the stage in progress

	bot     *store.Bot // target of an import into an existing bot
	vid     string     // staged version
	src     *bundle.Bundle
	zipName string // the uploaded export zip's file name, in ZIP mode
	def     *botdef.Definition
	cfg     *botdef.Config
	iconID  string
	saved   time.Time
	started time.Time
	stageAt time.Time // when the stage in progress started (Config.OnStage)
	records int
	links   []store.Link // staged links not yet written
	times   StageTimes   // when the run started and each entry ended (times.go)
}

// stage is one statusLogs entry's work.
type stage struct {
	taskType, taskName string
	work               func(ctx context.Context) error // nil: nothing beyond Bot Definition's
}

// execute runs the import from its start. It returns nil when the import
// ended (success or failure recorded), an error after a fault.
func (r *run) execute(ctx context.Context) error {
	st := r.s.cfg.Store
	r.started = r.s.cfg.Now()
	r.stageAt = r.started
	// The first progress write waits SaveEvery too: an import that ends
	// sooner writes its document once, at the end.
	r.saved = r.started
	r.startTimes()
	r.current = LogEntry{TaskType: TaskBotDefinition, TaskName: r.imp.BotName}
	if r.restart {
		// The document goes back to its first entry (staging the version
		// below drops what the earlier run staged).
		if err := r.save(ctx); err != nil {
			return err
		}
	}
	if !r.imp.NewBot {
		b, err := st.Bot(ctx, r.imp.AccountID, r.imp.BotID)
		if err != nil {
			return fmt.Errorf("target bot: %w", err)
		}
		r.bot = b
	}
	r.vid = kore.NewHexID()
	if err := r.s.versions.Stage(ctx, &store.Version{ID: r.vid, BotID: r.imp.BotID, AccountID: r.imp.AccountID,
		StagedBy: r.stagedBy(), Layout: []byte("{}"), CreatedOn: r.started}); err != nil {
		return err
	}
	ok, err := r.botDefinition(ctx)
	if r.src != nil {
		defer r.src.Close()
	}
	if err != nil || !ok {
		return err
	}
	if err := killpoint.Reach(ctx, killpoint.Validated, "import "+r.imp.ID, func() error { return r.save(ctx) }); err != nil {
		return err
	}
	stages := r.stages()
	for i, stg := range stages {
		if i == len(stages)/2 {
			if err := killpoint.Reach(ctx, killpoint.Stages, "import "+r.imp.ID, func() error { return r.save(ctx) }); err != nil {
				return err
			}
		}
		r.current = LogEntry{TaskType: stg.taskType, TaskName: stg.taskName}
		if stg.work != nil {
			if err := stg.work(ctx); err != nil {
				if ce, ok := asContent(err); ok {
					return r.fail(ctx, LogEntry{TaskType: stg.taskType, TaskName: stg.taskName, Message: ce.msg}, nil)
				}
				return err
			}
		}
		if err := r.done(ctx, LogEntry{TaskType: stg.taskType, TaskName: stg.taskName, Status: "success"}); err != nil {
			return err
		}
	}
	if err := r.flushLinks(ctx); err != nil {
		return err
	}
	r.current = LogEntry{TaskType: TaskImportBot, TaskName: r.imp.BotName}
	if r.req.DryRun {
		return r.finishDryRun(ctx)
	}
	return r.commit(ctx)
}

// botDefinition reads, stages and validates the whole upload. It reports
// false when the upload failed (the failure is recorded).
func (r *run) botDefinition(ctx context.Context) (bool, error) {
	failUpload := func(msg string) (bool, error) {
		errs, _ := botdef.Bound([]*botdef.Problem{{File: r.uploadName(), Code: "bad_upload", Message: msg}}, botdef.ProblemBytes)
		return false, r.fail(ctx, LogEntry{TaskType: TaskBotDefinition, TaskName: r.imp.BotName,
			Message: botdef.Summary(errs, 1), Errors: errs}, &Summary{Errors: 1})
	}
	b, err := r.openBundle(ctx)
	if err != nil {
		if ce, ok := asContent(err); ok {
			return failUpload(ce.msg)
		}
		return false, err
	}
	r.src = b
	batch := &batcher{st: r.s.cfg.Store, accountID: r.imp.AccountID, vid: r.vid}
	opts := bundle.Options{MaxProblems: r.s.cfg.MaxProblems, MaxTotal: r.s.cfg.Zip.MaxTotal, Parsed: func() error {
		if err := batch.flush(ctx); err != nil {
			return err
		}
		return killpoint.Reach(ctx, killpoint.Parsed, "import "+r.imp.ID, nil)
	}}
	if r.incremental() {
		opts.Target = func() (*botdef.Target, error) { return r.resultTarget(ctx) }
	}
	res, err := bundle.Check(b, func(rec *botdef.Record) error { return batch.put(ctx, rec) }, opts)
	if err == nil {
		err = batch.flush(ctx)
	}
	if err != nil {
		if ce, ok := asContent(err); ok {
			return failUpload(ce.msg)
		}
		return false, err
	}
	r.def, r.cfg, r.iconID, r.records = res.Definition, res.Config, res.IconID, res.Records
	if r.def != nil && r.def.UniversalBot {
		// Start refuses these when the definition says so within its first
		// bytes (botdef.PeekDefinition); this is the rest.
		return failUpload(kore.ErrUniversalBot.Msg)
	}
	summary := &Summary{Errors: res.ErrorCount, Warnings: res.WarningCount}
	if !res.OK() {
		return false, r.fail(ctx, LogEntry{TaskType: TaskBotDefinition, TaskName: r.imp.BotName,
			Message: res.Summary(), Errors: res.Errors, Warnings: res.Warnings}, summary)
	}
	layout, err := json.Marshal(botdef.Layout{Definition: r.def.Members, Config: r.cfg.Members})
	if err != nil {
		return false, err
	}
	if err := r.s.cfg.Store.SetVersionLayout(ctx, r.vid, layout); err != nil {
		return false, err
	}
	if r.incremental() {
		if err := r.merge(ctx); err != nil {
			return false, err
		}
	}
	if r.req.Options.Selects(botdef.GroupBotTask) || !r.incremental() {
		var panels []botdef.Link
		for _, p := range r.def.Panels {
			panels = append(panels, r.def.PanelLinks(p)...)
		}
		if err := r.putLinks(ctx, panels); err != nil {
			return false, err
		}
	}
	if summary.Warnings > 0 {
		r.doc.Summary = summary
	}
	return true, r.done(ctx, LogEntry{TaskType: TaskBotDefinition, TaskName: r.imp.BotName, Status: "success", Warnings: res.Warnings})
}

// uploadName is the file a whole-upload problem cites.
func (r *run) uploadName() string {
	if r.req.Mode == ModeZIP {
		return firstNonEmpty(r.zipName, "export.zip")
	}
	return botdef.FileDefinition
}

// stages lists the entries after Bot Definition, in the platform's order
// (contract 5.3, from selection's table): every row for a full import, the
// rows of the selected groups for an incremental one, with a Dialog entry
// per dialog it writes (stubs are not written).
func (r *run) stages() []stage {
	d := r.def
	inc := r.incremental()
	var sel *selection.Selection // nil: everything
	if inc {
		sel = r.req.Options
	}
	links := func(ls []botdef.Link) func(context.Context) error {
		return func(ctx context.Context) error { return r.putLinks(ctx, ls) }
	}
	var out []stage
	for _, row := range selection.Rows(sel, len(r.src.Functions) > 0) {
		switch row.Type {
		case selection.RowBotFunctions:
			out = append(out, stage{row.Type, row.Name, r.stageFunctions})
		case selection.RowWidget:
			for _, w := range d.Widgets {
				out = append(out, stage{row.Type, taskName(firstNonEmpty(w.Name, w.RefID)), links(d.WidgetLinks(w))})
			}
		case selection.RowDialog:
			for _, dl := range d.Dialogs {
				if inc && dl.Stub {
					continue
				}
				out = append(out, stage{row.Type, taskName(firstNonEmpty(dl.Name, dl.LName, dl.RefID)), links(d.DialogLinks(dl))})
			}
		case selection.RowForm:
			for _, f := range d.Forms {
				out = append(out, stage{row.Type, taskName(firstNonEmpty(f.Name, f.RefID)), links(d.FormLinks(f))})
			}
		case selection.RowEvent:
			for _, e := range d.Events {
				if !e.Enabled {
					continue
				}
				// The events are the nlpSettings group's: botSettings alone
				// reports them (contract 5.3, row 7) and imports nothing.
				var work func(context.Context) error
				if sel.Selects(selection.NLPSettings) {
					work = links(d.EventLinks(e))
				}
				out = append(out, stage{row.Type, taskName(e.Key), work})
			}
		case selection.RowKnowledgeTasks:
			out = append(out, stage{row.Type, row.Name, links(d.GraphLinks())})
		case selection.RowUtterances:
			out = append(out, stage{row.Type, row.Name, links(d.UtteranceLinks())})
		case selection.RowPatterns:
			out = append(out, stage{row.Type, row.Name, links(d.PatternLinks())})
		default:
			out = append(out, stage{row.Type, row.Name, nil})
		}
	}
	return out
}

// maxTaskName bounds a name as a status entry shows it (taskName, and a dry
// run's changes), in characters: every poll returns every entry. Longer
// names (botdef allows identities and display names of botdef.MaxName) are
// cut, ending in "…".
const maxTaskName = 100

// taskName is a name as status entries show it.
func taskName(s string) string { return botdef.Clip(s, maxTaskName) }

// incremental reports whether this is an incremental import into a bot.
func (r *run) incremental() bool { return r.bot != nil && r.req.Options != nil }

// target lists what the target bot contributes to reference checks.
func (r *run) target(ctx context.Context) (*botdef.Target, error) {
	meta, err := r.s.cfg.Store.RecordMeta(ctx, r.imp.AccountID, r.bot.VersionID)
	if err != nil {
		return nil, err
	}
	t := &botdef.Target{DialogRefs: map[string]bool{}, ComponentRefs: map[string]bool{}, Namespaces: map[string]bool{},
		ContentKeys: map[string]bool{}, EnvKeys: map[string]bool{}}
	for _, rec := range meta {
		switch rec.Kind {
		case botdef.KindDialog:
			t.DialogRefs[firstNonEmpty(rec.RefID, rec.Ident)] = true
		case botdef.KindComponent:
			t.ComponentRefs[rec.Ident] = true
		case botdef.KindNamespace:
			t.Namespaces[rec.RefID] = true
		case botdef.KindContentVariable:
			t.ContentKeys[rec.Ident] = true
		case botdef.KindEnvVariable:
			t.EnvKeys[rec.Ident] = true
		}
	}
	return t, nil
}

// batchLinks bounds the links written in one transaction.
const batchLinks = 2000

// putLinks stages links, in batches: most components have a few, and a
// transaction each would cost more than their rows.
func (r *run) putLinks(ctx context.Context, ls []botdef.Link) error {
	for _, l := range ls {
		r.links = append(r.links, store.Link(l))
	}
	if len(r.links) >= batchLinks {
		return r.flushLinks(ctx)
	}
	return nil
}

func (r *run) flushLinks(ctx context.Context) error {
	if len(r.links) == 0 {
		return nil
	}
	if err := r.s.cfg.Store.PutLinks(ctx, r.vid, r.links); err != nil {
		return err
	}
	r.links = r.links[:0]
	return nil
}

// stageFunctions writes the bot-functions scripts into the version.
func (r *run) stageFunctions(ctx context.Context) error {
	batch := &batcher{st: r.s.cfg.Store, accountID: r.imp.AccountID, vid: r.vid}
	for _, f := range r.src.Functions { // one at a time: at most botdef.MaxScript bytes
		b, err := bundle.ReadScript(f)
		if err != nil {
			return err
		}
		if err := batch.put(ctx, &botdef.Record{File: f.Name, Kind: botdef.KindBotFunction, Ident: f.Name, Name: f.Name, Body: b}); err != nil {
			return err
		}
	}
	return batch.flush(ctx)
}

// done appends a finished entry and saves progress, at most every SaveEvery.
func (r *run) done(ctx context.Context, e LogEntry) error {
	r.doc.StatusLogs = append(r.doc.StatusLogs, e)
	r.stageEnded(e.TaskType)
	r.stamp()
	if r.s.cfg.Now().Sub(r.saved) < r.s.cfg.SaveEvery {
		return nil
	}
	return r.save(ctx)
}

// stageEnded tells Config.OnStage that the stage in progress ended.
func (r *run) stageEnded(taskType string) {
	if f := r.s.cfg.OnStage; f != nil {
		now := r.s.cfg.Now()
		f(taskType, now.Sub(r.stageAt))
		r.stageAt = now
	}
}

// save writes the document as it is now. Errors: store.ErrNotPending when
// another run ended the import (nothing is left to do); faults.
func (r *run) save(ctx context.Context) error {
	if err := r.s.cfg.Store.SaveImportDoc(ctx, r.imp.ID, r.doc.Encode()); err != nil {
		return fmt.Errorf("save progress: %w", err)
	}
	r.saveTimes(ctx)
	r.saved = r.s.cfg.Now()
	return nil
}

// stagedBy is the import as the writer of its staged versions.
func (r *run) stagedBy() store.StagedBy {
	return store.StagedBy{Kind: store.StagedByImport, ID: r.imp.ID}
}

// fail ends the import with status failure at entry e, and drops the
// staged version: nothing of the bot changes.
func (r *run) fail(ctx context.Context, e LogEntry, summary *Summary) error {
	e.Status = store.StatusFailure
	r.doc.StatusLogs = append(r.doc.StatusLogs, e)
	r.doc.Status, r.doc.Message, r.doc.Summary = store.StatusFailure, e.Message, summary
	r.stamp()
	r.saveTimes(ctx)
	if err := r.s.cfg.Store.FinishImport(ctx, r.imp.ID, store.StatusFailure, r.doc.Encode(), r.s.cfg.Now()); err != nil {
		return fmt.Errorf("record the failure: %w", err)
	}
	if err := r.s.versions.Discard(ctx, r.stagedBy()); err != nil {
		r.s.log.WarnContext(ctx, "discard staged version", "import", r.imp.ID, "error", err)
	}
	r.s.log.InfoContext(ctx, "import failed", "import", r.imp.ID, "bot", r.imp.BotID, "stage", e.TaskType,
		"problems", len(e.Errors), "message", e.Message, "queued", r.queued(), "duration", r.s.cfg.Now().Sub(r.started))
	return nil
}

// failFault records a failure after a fault that retries did not cure.
func (r *run) failFault(ctx context.Context, cause error) error {
	msg := "internal error: the import could not be completed; the server log has the details (import " + r.imp.ID + ")"
	if ce, ok := asContent(cause); ok {
		msg = ce.msg
	}
	e := r.current
	if e.TaskType == "" {
		e = LogEntry{TaskType: TaskBotDefinition, TaskName: r.imp.BotName}
	}
	e.Message, e.Errors, e.Warnings = msg, nil, nil
	return r.fail(ctx, e, nil)
}

// commit makes the staged version current, creates or updates the bot and
// finishes the import, all in one transaction.
func (r *run) commit(ctx context.Context) error {
	now := r.s.cfg.Now()
	r.doc.StatusLogs = append(r.doc.StatusLogs, LogEntry{TaskType: TaskImportBot, TaskName: r.imp.BotName, Status: store.StatusSuccess})
	r.doc.Status, r.doc.StreamID = store.StatusSuccess, r.imp.BotID
	r.stamp()
	r.saveTimes(ctx)
	d := r.def
	bot := &store.Bot{
		ID:              r.imp.BotID,
		AccountID:       r.imp.AccountID,
		RefID:           r.imp.StreamRefID,
		Name:            r.imp.BotName,
		Purpose:         firstNonEmpty(r.req.Purpose, d.Purpose, "customer"),
		Type:            firstNonEmpty(d.Type, "default"),
		DefaultLanguage: d.DefaultLanguage,
		Description:     d.Description(),
		Icon:            r.iconID,
		Color:           firstNonEmpty(r.req.Color, d.Color),
		CreatedBy:       r.imp.CreatedBy,
	}
	c := &store.Commit{Bot: bot, NewBot: r.imp.NewBot, VersionID: r.vid, ImportID: r.imp.ID, Doc: r.doc.Encode(), At: now}
	if r.bot != nil {
		if r.incremental() {
			// The result was merged from this version: it must still be
			// current (a bot-functions write or a restore may have moved it;
			// the import then merges again on the new one: ErrMoved).
			c.BaseVersionID = r.bot.VersionID
		}
		bot.Purpose = firstNonEmpty(d.Purpose, r.bot.Purpose)
		bot.Color = firstNonEmpty(d.Color, r.bot.Color)
		// An import without an icon or scripts keeps the bot's.
		if r.src.Icon == nil {
			c.CarryKinds = append(c.CarryKinds, botdef.KindIcon)
		}
		if len(r.src.Functions) == 0 {
			c.CarryKinds = append(c.CarryKinds, botdef.KindBotFunction)
		}
	}
	// A full import does not depend on the version it replaces, and the
	// commit holds the bot row: it lands on top of whatever is current.
	if err := r.s.versions.Commit(ctx, c); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	r.stageEnded(TaskImportBot)
	r.s.log.InfoContext(ctx, "import succeeded", "import", r.imp.ID, "bot", r.imp.BotID, "version", bot.Version,
		"records", r.records, "dialogs", len(d.Dialogs), "queued", r.queued(), "duration", now.Sub(r.started))
	// Crash tests stop here: committed, River not yet told the job is done.
	// (An error here changes nothing: the import has ended; a rerun finds it so.)
	return killpoint.Reach(ctx, killpoint.Committed, "import "+r.imp.ID, nil)
}

// queued is how long the import waited between its acceptance and this
// run's start (acceptance times are stored to the millisecond).
func (r *run) queued() time.Duration {
	return r.started.Sub(r.imp.CreatedOn).Round(time.Millisecond)
}
