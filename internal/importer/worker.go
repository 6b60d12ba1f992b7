package importer

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/riverqueue/river"

	"github.com/botport/botport/internal/botversion"
	"github.com/botport/botport/internal/jobrun"
	"github.com/botport/botport/internal/store"
)

// maxMerges bounds how many times one attempt builds an incremental import
// again because another write moved the bot's version first. From the
// second time on the import holds the bot, so synchronous writes wait for
// it; a third loss means the hold lapsed, and the job goes back to River.
const maxMerges = 3

// Worker returns the River worker that runs imports (jobrun: an import
// waits behind earlier imports into its bot, and its last attempt records a
// failure document, so no import stays pending forever).
func (s *Service) Worker() river.Worker[ImportArgs] {
	return jobrun.New(jobrun.Config[ImportArgs]{Name: "import", Load: s.loadTask, Timeout: s.cfg.Timeout, Logger: s.log,
		Ended: s.release})
}

// importTask is one import request's job.
type importTask struct {
	s   *Service
	imp *store.Import
	r   *run // the latest run, for the stage a failure names
}

func (s *Service) loadTask(ctx context.Context, args ImportArgs) (jobrun.Task, error) {
	imp, err := s.cfg.Store.Import(ctx, args.AccountID, args.ImportID)
	if err != nil {
		return nil, fmt.Errorf("import %s: %w", args.ImportID, err)
	}
	return &importTask{s: s, imp: imp}, nil
}

// Pending implements jobrun.Task.
func (t *importTask) Pending() bool { return t.imp.Status == store.StatusPending }

// Ahead implements jobrun.Task: imports and publishes of one bot run one
// at a time, in acceptance order (workAhead); a new bot has no earlier work.
func (t *importTask) Ahead(ctx context.Context) (int, error) {
	if t.imp.NewBot || t.imp.Cancelled { // a cancelled import only ends: it needs no turn
		return 0, nil
	}
	return t.s.workAhead(ctx, t.imp)
}

// Run implements jobrun.Task: one attempt at the import, from its start.
// An incremental import whose commit finds that another write (bot
// functions, a restore) moved the bot's version first runs again at once,
// merging onto the new version, instead of failing the job into River's
// backoff; before it does, it holds the bot for its next commit.
//
// A cancel requested before the run or during it (store.ErrCancelled from
// the start, a progress write, a finish or the commit) ends the import
// cancelled (cancelled).
func (t *importTask) Run(ctx context.Context, attempt int) error {
	if err := t.s.cfg.Store.StartImportRun(ctx, t.imp.ID, t.s.cfg.ReplicaID); err != nil {
		if errors.Is(err, store.ErrCancelled) {
			return t.cancelled(ctx)
		}
		return err
	}
	var release func()
	defer func() {
		if release != nil {
			release()
		}
	}()
	for merges := 1; ; merges++ {
		r, err := t.s.newRun(t.imp, attempt, merges > 1)
		if err != nil {
			return err
		}
		t.r = r
		err = r.execute(ctx)
		if errors.Is(err, store.ErrCancelled) {
			return t.cancelled(ctx)
		}
		if !errors.Is(err, botversion.ErrMoved) || merges == maxMerges {
			return err
		}
		t.s.log.InfoContext(ctx, "import merges again: the bot's version moved", "import", t.imp.ID, "bot", t.imp.BotID, "merge", merges+1)
		if release == nil {
			release, err = t.s.versions.Hold(ctx, t.imp.AccountID, t.imp.BotID, r.stagedBy())
			if err != nil && !errors.Is(err, store.ErrBusy) {
				return err
			}
		}
	}
}

// Fail implements jobrun.Task: the failure document names the stage the
// last run stopped in.
func (t *importTask) Fail(ctx context.Context, cause error) error {
	r := t.r
	if r == nil || r.doc == nil { // the stored request could not be read
		r = &run{s: t.s, imp: t.imp, req: &Request{}, started: t.s.cfg.Now(),
			doc: newDoc(t.imp.ID, t.imp.StreamRefID, t.imp.CreatedBy, t.imp.BotName, "", t.imp.CreatedOn)}
	}
	err := r.failFault(ctx, cause)
	if errors.Is(err, store.ErrCancelled) {
		if err := t.cancelled(ctx); !errors.Is(err, store.ErrCancelled) {
			return err
		}
		return nil
	}
	return err
}

// LogAttrs implements jobrun.Task.
func (t *importTask) LogAttrs() []any {
	attrs := []any{"import", t.imp.ID}
	if t.r != nil {
		attrs = append(attrs, "stage", t.r.current.TaskType)
	}
	return attrs
}

// newRun prepares a run of imp. again marks a run after a lost commit race
// within the same attempt: like a retried attempt, it starts clean.
func (s *Service) newRun(imp *store.Import, attempt int, again bool) (*run, error) {
	var req Request
	if err := json.Unmarshal(imp.Request, &req); err != nil {
		return nil, jobrun.Permanent(fmt.Errorf("stored request of %s: %w", imp.ID, err))
	}
	doc, err := DecodeDoc(imp.Doc)
	if err != nil {
		return nil, jobrun.Permanent(fmt.Errorf("stored document of %s: %w", imp.ID, err))
	}
	// A rerun starts again after importRequest (contract 5.4, restart).
	doc.StatusLogs = doc.StatusLogs[:1]
	doc.Status, doc.Message, doc.Summary, doc.Changes, doc.ChangeSummary = store.StatusPending, "", nil, nil, nil
	return &run{s: s, imp: imp, req: &req, doc: doc, restart: attempt > 1 || again}, nil
}
