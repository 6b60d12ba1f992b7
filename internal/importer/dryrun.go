package importer

import (
	"cmp"
	"context"
	"fmt"
	"slices"

	"github.com/botport/botport/internal/botdef"
	"github.com/botport/botport/internal/store"
)

// maxChanges bounds the preview a dry run lists; the summary counts all.
const maxChanges = 1000

// ChangeSummary counts a dry run's changes (botport addition).
type ChangeSummary struct {
	Create    int `json:"create"`
	Update    int `json:"update"`
	Delete    int `json:"delete"`
	Unchanged int `json:"unchanged"`
}

// finishDryRun ends a dry run: the whole pipeline ran, the staged version
// is compared with the target's current one, and nothing is committed.
func (r *run) finishDryRun(ctx context.Context) error {
	st := r.s.cfg.Store
	staged, err := st.RecordMeta(ctx, r.imp.AccountID, r.vid)
	if err != nil {
		return err
	}
	var current []store.Record
	if r.bot != nil {
		if current, err = st.RecordMeta(ctx, r.imp.AccountID, r.bot.VersionID); err != nil {
			return err
		}
	}
	changes, summary := diffRecords(current, staged, r.carried())
	if len(changes) > maxChanges {
		// Keep the changes that matter first: creates, updates, deletes.
		slices.SortStableFunc(changes, func(a, b Change) int { return cmp.Compare(actionRank(a.Action), actionRank(b.Action)) })
		changes = changes[:maxChanges]
	}
	for i := range changes { // names and identities as status entries show them
		changes[i].Ident, changes[i].Name = taskName(changes[i].Ident), taskName(changes[i].Name)
	}
	r.doc.StatusLogs = append(r.doc.StatusLogs, LogEntry{TaskType: TaskImportBot, TaskName: r.imp.BotName, Status: store.StatusSuccess,
		Message: "dry run: nothing was committed"})
	r.doc.Status, r.doc.DryRun, r.doc.Changes, r.doc.ChangeSummary = store.StatusSuccess, true, changes, summary
	r.stamp()
	r.saveTimes(ctx)
	if err := st.FinishImport(ctx, r.imp.ID, store.StatusSuccess, r.doc.Encode(), r.s.cfg.Now()); err != nil {
		return err
	}
	if err := r.s.versions.Discard(ctx, r.stagedBy()); err != nil {
		r.s.log.WarnContext(ctx, "discard staged version", "import", r.imp.ID, "error", err)
	}
	r.s.log.InfoContext(ctx, "dry run finished", "import", r.imp.ID, "bot", r.imp.BotID,
		"create", summary.Create, "update", summary.Update, "delete", summary.Delete, "unchanged", summary.Unchanged)
	return nil
}

// carried lists the kinds the commit would carry over from the current
// version because the request has none.
func (r *run) carried() map[string]bool {
	c := map[string]bool{}
	if r.bot != nil && r.src.Icon == nil {
		c[botdef.KindIcon] = true
	}
	if r.bot != nil && len(r.src.Functions) == 0 {
		c[botdef.KindBotFunction] = true
	}
	return c
}

func actionRank(a string) int {
	switch a {
	case "create":
		return 0
	case "update":
		return 1
	case "delete":
		return 2
	}
	return 3
}

// diffRecords compares two versions by record kind and identity: the same
// body hash is unchanged, another hash an update. Utterances, stored in
// chunks without identity, are compared as one set.
func diffRecords(current, staged []store.Record, carried map[string]bool) ([]Change, *ChangeSummary) {
	type key struct{ kind, ident string }
	cur := map[key]store.Record{}
	curUtt, newUtt := 0, 0
	var curUttHash, newUttHash []byte
	for _, r := range current {
		if r.Kind == botdef.KindUtterances {
			curUtt += r.Count
			curUttHash = append(curUttHash, r.Hash...)
			continue
		}
		cur[key{r.Kind, r.Ident}] = r
	}
	sum := &ChangeSummary{}
	var out []Change
	add := func(c Change) {
		switch c.Action {
		case "create":
			sum.Create++
		case "update":
			sum.Update++
		case "delete":
			sum.Delete++
		default:
			sum.Unchanged++
		}
		out = append(out, c)
	}
	seen := map[key]bool{}
	for _, r := range staged {
		if r.Kind == botdef.KindUtterances {
			newUtt += r.Count
			newUttHash = append(newUttHash, r.Hash...)
			continue
		}
		k := key{r.Kind, r.Ident}
		if seen[k] {
			continue
		}
		seen[k] = true
		c := Change{Kind: r.Kind, Ident: r.Ident, Name: r.Name}
		old, ok := cur[k]
		switch {
		case !ok:
			c.Action = "create"
		case string(old.Hash) == string(r.Hash):
			c.Action = "unchanged"
		default:
			c.Action = "update"
		}
		add(c)
	}
	for _, r := range current {
		k := key{r.Kind, r.Ident}
		if r.Kind == botdef.KindUtterances || seen[k] {
			continue
		}
		seen[k] = true
		c := Change{Kind: r.Kind, Ident: r.Ident, Name: r.Name, Action: "delete"}
		if carried[r.Kind] {
			c.Action = "unchanged"
		}
		add(c)
	}
	if curUtt > 0 || newUtt > 0 {
		c := Change{Kind: botdef.KindUtterances, Ident: "sentences", Detail: fmt.Sprintf("%d utterances, %d before", newUtt, curUtt)}
		switch {
		case curUtt == 0:
			c.Action = "create"
		case newUtt == 0:
			c.Action = "delete"
		case string(curUttHash) == string(newUttHash):
			c.Action = "unchanged"
		default:
			c.Action = "update"
		}
		add(c)
	}
	return out, sum
}
