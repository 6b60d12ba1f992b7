package importer

import (
	"bytes"
	"cmp"
	"context"
	"slices"

	"github.com/botport/botport/internal/botdef"
	"github.com/botport/botport/internal/diff"
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
// is compared with the target's current one by the semantic diff
// (diff.Records: record by record, updates described), and nothing is
// committed.
func (r *run) finishDryRun(ctx context.Context) error {
	st := r.s.cfg.Store
	staged, err := st.RecordMeta(ctx, r.imp.AccountID, r.vid)
	if err != nil {
		return err
	}
	var current []store.Record
	var currentVID string
	if r.bot != nil {
		currentVID = r.bot.VersionID
		if current, err = st.RecordMeta(ctx, r.imp.AccountID, currentVID); err != nil {
			return err
		}
	}
	dc, n, err := diff.Records(recs(current), recs(staged), r.carried(), r.bodies(ctx, currentVID), r.bodies(ctx, r.vid))
	if err != nil {
		return err
	}
	changes := make([]Change, len(dc))
	for i, c := range dc {
		changes[i] = Change{Kind: c.Kind, Ident: c.Ident, Name: c.Name, Action: c.Action, Detail: c.Detail}
	}
	summary := &ChangeSummary{Create: n.Create, Update: n.Update, Delete: n.Delete, Unchanged: n.Unchanged}
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

// recs turns a version's record list into the diff's.
func recs(rs []store.Record) []diff.Rec {
	out := make([]diff.Rec, len(rs))
	for i, r := range rs {
		out[i] = diff.Rec{File: r.File, Member: r.Member, Kind: r.Kind, Ident: r.Ident, Name: r.Name, Count: r.Count, Hash: r.Hash}
	}
	return out
}

// bodies reads the bodies of some records of a version, member by member
// (only the members of records whose hashes differ are read).
func (r *run) bodies(ctx context.Context, vid string) diff.Bodies {
	return func(want []diff.Rec) (map[diff.RecKey][]byte, error) {
		out := map[diff.RecKey][]byte{}
		keys := map[diff.RecKey]bool{}
		type member struct{ file, name string }
		var members []member
		for _, w := range want {
			keys[diff.RecordKey(w)] = true
			if m := (member{w.File, w.Member}); !slices.Contains(members, m) {
				members = append(members, m)
			}
		}
		for _, m := range members {
			err := r.s.cfg.Store.Records(ctx, r.imp.AccountID, vid, m.file, m.name, func(rec *store.Record) error {
				if k := (diff.RecKey{Kind: rec.Kind, Ident: rec.Ident}); keys[k] && out[k] == nil {
					out[k] = bytes.Clone(rec.Body)
				}
				return nil
			})
			if err != nil {
				return nil, err
			}
		}
		return out, nil
	}
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
