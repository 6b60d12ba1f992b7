package diff

import (
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"slices"
	"strings"
)

// Actions of a Change.
const (
	Added   = "added"
	Removed = "removed"
	Changed = "changed"
)

// Options tune a comparison.
type Options struct {
	// IgnoreVariables leaves environment and content variables out: they
	// differ between environments by design.
	IgnoreVariables bool
	// IgnoreKeys leaves out the variables with these keys (those a
	// variables file sets on the target, say).
	IgnoreKeys map[string]bool
	// Only, when set, keeps the items it accepts (an incremental import's
	// groups, say).
	Only func(kind, ident string) bool
}

func (o Options) skip(it *Item) bool {
	if o.Only != nil && !o.Only(it.Kind, it.Ident) {
		return true
	}
	if it.Kind != KindEnvVariable && it.Kind != KindContentVariable {
		return false
	}
	return o.IgnoreVariables || o.IgnoreKeys[it.Ident]
}

// Change is one difference between two bots, by kind and name.
type Change struct {
	Kind    string   `json:"kind"`
	Name    string   `json:"name"`
	Ident   string   `json:"ident"`
	Action  string   `json:"action"` // added, removed or changed
	Details []string `json:"details,omitempty"`
}

// Summary counts a report's changes by action.
type Summary struct {
	Added   int `json:"added"`
	Removed int `json:"removed"`
	Changed int `json:"changed"`
}

// Report is what Compare found.
type Report struct {
	Changes []Change `json:"changes"`
	Summary Summary  `json:"summary"`
}

// Equal reports whether the bots compared equal.
func (r *Report) Equal() bool { return len(r.Changes) == 0 }

// kindOrder is the order a report lists kinds in; others follow by name.
var kindOrder = []string{KindDialog, KindComponent, KindForm, KindWidget, KindPanel, KindFAQ, KindKnowledgeGraph,
	KindUtterances, KindPattern, KindEvent, botdefStandardResponse, botdefSmallTalk, KindEnvVariable, KindContentVariable,
	KindSetting, KindIcon, KindBotFunction}

const (
	botdefStandardResponse = "standardResponse"
	botdefSmallTalk        = "smallTalk"
)

func rank(kind string) int {
	if i := slices.Index(kindOrder, kind); i >= 0 {
		return i
	}
	return len(kindOrder)
}

// Compare reports what changed from old to new. A component's change is
// reported as a change of the dialogs that use it ("component Message0001:
// message changed"), unless no dialog does; a dialog added or removed
// carries its components with it.
func Compare(old, new *Bot, o Options) *Report {
	var raw []Change
	for _, it := range new.Items {
		if o.skip(it) {
			continue
		}
		was := old.Item(it.Kind, it.Ident)
		switch {
		case was == nil:
			raw = append(raw, Change{Kind: it.Kind, Name: it.Name, Ident: it.Ident, Action: Added})
		case was.Sum != it.Sum:
			raw = append(raw, Change{Kind: it.Kind, Name: it.Name, Ident: it.Ident, Action: Changed, Details: Describe(it.Kind, was.Body, it.Body)})
		}
	}
	for _, it := range old.Items {
		if !o.skip(it) && new.Item(it.Kind, it.Ident) == nil {
			raw = append(raw, Change{Kind: it.Kind, Name: it.Name, Ident: it.Ident, Action: Removed})
		}
	}
	out := attribute(old, new, raw)
	slices.SortFunc(out, func(a, b Change) int {
		return cmp.Or(cmp.Compare(rank(a.Kind), rank(b.Kind)), strings.Compare(a.Kind, b.Kind), strings.Compare(a.Name, b.Name),
			strings.Compare(a.Ident, b.Ident))
	})
	r := &Report{Changes: out}
	if r.Changes == nil {
		r.Changes = []Change{}
	}
	for _, c := range out {
		switch c.Action {
		case Added:
			r.Summary.Added++
		case Removed:
			r.Summary.Removed++
		default:
			r.Summary.Changed++
		}
	}
	return r
}

// attribute folds component changes into the dialogs that use them.
func attribute(old, new *Bot, raw []Change) []Change {
	dialogs := map[string]int{} // dialog ident -> index in out
	var out []Change
	var comps []Change
	for _, c := range raw {
		if c.Kind == KindComponent {
			comps = append(comps, c)
			continue
		}
		if c.Kind == KindDialog {
			dialogs[c.Ident] = len(out)
		}
		out = append(out, c)
	}
	for _, c := range comps {
		var users []string
		switch c.Action {
		case Added:
			users = new.users[c.Ident]
		case Removed:
			users = old.users[c.Ident]
		default:
			users = union(old.users[c.Ident], new.users[c.Ident])
		}
		if len(users) == 0 {
			out = append(out, c)
			continue
		}
		what := "component " + c.Name + " " + c.Action
		if c.Action == Changed {
			what = "component " + c.Name + ": " + strings.Join(c.Details, "; ")
		}
		for _, d := range users {
			i, ok := dialogs[d]
			if !ok {
				it := new.Item(KindDialog, d)
				if it == nil {
					it = old.Item(KindDialog, d)
				}
				if it == nil {
					continue
				}
				i = len(out)
				dialogs[d] = i
				out = append(out, Change{Kind: KindDialog, Name: it.Name, Ident: d, Action: Changed})
			}
			if out[i].Action == Changed { // an added or removed dialog brings or takes its components
				out[i].Details = append(out[i].Details, what)
			}
		}
	}
	return out
}

func union(a, b []string) []string {
	out := slices.Clone(a)
	for _, s := range b {
		if !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	slices.Sort(out)
	return out
}

// Fingerprint is a hash of everything the diff compares: two bots with
// the same fingerprint (under the same options) compare equal. It is
// "sha256:" and 64 hex digits.
func (b *Bot) Fingerprint(o Options) string {
	lines := make([]string, 0, len(b.Items))
	for _, it := range b.Items {
		if !o.skip(it) {
			lines = append(lines, it.Kind+"\x00"+it.Ident+"\x00"+hex.EncodeToString(it.Sum[:]))
		}
	}
	slices.Sort(lines)
	sum := sha256.Sum256([]byte(strings.Join(lines, "\n")))
	return "sha256:" + hex.EncodeToString(sum[:])
}
