package ui

import (
	"context"
	"net/http"
	"strconv"

	"github.com/botport/botport/internal/store"
)

// Differ compares two versions of a bot by what they mean (the semantic
// diff): internal/diff's engine, the one the CLI's `botport diff` and the
// server's dry run use, satisfies it through RecordsDiffer.
type Differ interface {
	// Compare reports what changed from version from to version to, both
	// of the account. Errors: faults of the store or of the engine.
	Compare(ctx context.Context, accountID string, from, to *store.Version) (*DiffReport, error)
}

// DiffReport is what a Differ found: the changes, dialogs first, by name.
type DiffReport struct {
	Changes                 []DiffChange
	Added, Removed, Changed int
}

// DiffChange is one difference: an item added, removed or changed, with
// a short description of each change (never a variable's value).
type DiffChange struct {
	Kind, Name, Ident, Action string
	Details                   []string
}

// diffData is the diff page.
type diffData struct {
	Bot       *store.Bot
	From, To  int
	Numbers   []int
	Report    *DiffReport
	Available bool
}

// diffPage is GET /ui/bots/{botId}/diff?from=N&to=M: the semantic diff
// between two versions of the bot.
func (s *server) diffPage(w http.ResponseWriter, r *http.Request, sess *session) error {
	bot, vs, err := s.botVersions(r, sess)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	from, _ := strconv.Atoi(q.Get("from"))
	to, _ := strconv.Atoi(q.Get("to"))
	d := diffData{Bot: bot, From: from, To: to, Available: s.cfg.Differ != nil}
	var vf, vt *store.Version
	for _, v := range vs {
		d.Numbers = append(d.Numbers, v.Number)
		if v.Number == from {
			vf = v
		}
		if v.Number == to {
			vt = v
		}
	}
	if vf == nil || vt == nil {
		return errNotFound
	}
	if d.Available {
		if d.Report, err = s.cfg.Differ.Compare(r.Context(), sess.App.AccountID, vf, vt); err != nil {
			return err
		}
	}
	s.render(w, r, http.StatusOK, "diff", page{Title: "Version " + strconv.Itoa(from) + " → " + strconv.Itoa(to), Nav: "bots", Session: sess, Data: d})
	return nil
}
