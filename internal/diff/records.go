package diff

import (
	"bytes"
	"fmt"
	"strings"

	"github.com/botport/botport/internal/botdef"
	"github.com/botport/botport/internal/canonjson"
)

// Rec is a stored record without its body, as a version's record list
// gives it: the comparison of two versions starts from these and reads
// bodies only where the hashes differ.
type Rec struct {
	File, Member string
	Kind, Ident  string
	Name         string
	Count        int
	Hash         []byte // SHA-256 of the stored body
}

// RecKey names a record within a version.
type RecKey struct{ Kind, Ident string }

// Bodies returns the bodies of the given records of one version, by key.
type Bodies func(recs []Rec) (map[RecKey][]byte, error)

// Record-level actions, the dry run's words (contract 5.5).
const (
	Create    = "create"
	Update    = "update"
	Delete    = "delete"
	Unchanged = "unchanged"
)

// RecordChange is one record-level line of a comparison of two versions.
type RecordChange struct {
	Kind, Ident, Name string
	Action            string // create, update, delete or unchanged
	Detail            string
}

// Counts counts record changes by action.
type Counts struct{ Create, Update, Delete, Unchanged int }

// maxDetail bounds a record change's detail, in bytes.
const maxDetail = 300

// Records compares two versions record by record, for the server's dry
// run: the staged version's records in their order, then the current
// version's records it lacks, then one line for all utterances (stored in
// chunks without identity, compared as one set). The same stored hash is
// unchanged; for a record whose hash differs, both bodies are read: the
// same meaning in other bytes (members reordered) is unchanged too, else it
// is an update whose Detail says what changed (Describe). Kinds in carried
// are kept from the current version when the staged one lacks them (the
// icon and scripts of an import that brings none): not deletes. Errors come
// from the Bodies functions.
func Records(current, staged []Rec, carried map[string]bool, currentBodies, stagedBodies Bodies) ([]RecordChange, Counts, error) {
	cur := map[RecKey]Rec{}
	curUtt, newUtt := 0, 0
	var curUttHash, newUttHash []byte
	for _, r := range current {
		if r.Kind == botdef.KindUtterances {
			curUtt += r.Count
			curUttHash = append(curUttHash, r.Hash...)
			continue
		}
		cur[RecKey{r.Kind, r.Ident}] = r
	}
	var out []RecordChange
	var updated []int
	var oldRecs, newRecs []Rec
	seen := map[RecKey]bool{}
	for _, r := range staged {
		if r.Kind == botdef.KindUtterances {
			newUtt += r.Count
			newUttHash = append(newUttHash, r.Hash...)
			continue
		}
		k := RecKey{r.Kind, r.Ident}
		if seen[k] {
			continue
		}
		seen[k] = true
		c := RecordChange{Kind: r.Kind, Ident: r.Ident, Name: r.Name}
		old, ok := cur[k]
		switch {
		case !ok:
			c.Action = Create
		case bytes.Equal(old.Hash, r.Hash):
			c.Action = Unchanged
		default:
			c.Action = Update
			updated = append(updated, len(out))
			oldRecs, newRecs = append(oldRecs, old), append(newRecs, r)
		}
		out = append(out, c)
	}
	for _, r := range current {
		k := RecordKey(r)
		if r.Kind == botdef.KindUtterances || seen[k] {
			continue
		}
		seen[k] = true
		c := RecordChange{Kind: r.Kind, Ident: r.Ident, Name: r.Name, Action: Delete}
		if carried[r.Kind] {
			c.Action = Unchanged
		}
		out = append(out, c)
	}
	if curUtt > 0 || newUtt > 0 {
		c := RecordChange{Kind: botdef.KindUtterances, Ident: "sentences", Detail: fmt.Sprintf("%d utterances, %d before", newUtt, curUtt)}
		switch {
		case curUtt == 0:
			c.Action = Create
		case newUtt == 0:
			c.Action = Delete
		case bytes.Equal(curUttHash, newUttHash):
			c.Action = Unchanged
		default:
			c.Action = Update
		}
		out = append(out, c)
	}
	if len(updated) > 0 {
		olds, err := currentBodies(oldRecs)
		if err != nil {
			return nil, Counts{}, err
		}
		news, err := stagedBodies(newRecs)
		if err != nil {
			return nil, Counts{}, err
		}
		for _, i := range updated {
			k := RecKey{out[i].Kind, out[i].Ident}
			a, b := olds[k], news[k]
			if a == nil || b == nil {
				continue // not found: an update, undescribed
			}
			if out[i].Kind != KindIcon && out[i].Kind != KindBotFunction {
				ca, erra := canonjson.Compact(a)
				cb, errb := canonjson.Compact(b)
				if erra == nil && errb == nil {
					if bytes.Equal(ca, cb) {
						out[i].Action = Unchanged
						continue
					}
					a, b = ca, cb
				}
			}
			out[i].Detail = clip(strings.Join(Describe(out[i].Kind, a, b), "; "))
		}
	}
	var n Counts
	for _, c := range out {
		switch c.Action {
		case Create:
			n.Create++
		case Update:
			n.Update++
		case Delete:
			n.Delete++
		default:
			n.Unchanged++
		}
	}
	return out, n, nil
}

// RecordKey is a record's key.
func RecordKey(r Rec) RecKey { return RecKey{r.Kind, r.Ident} }

func clip(s string) string {
	if len(s) <= maxDetail {
		return s
	}
	cut := maxDetail
	for cut > 0 && s[cut]&0xC0 == 0x80 { // not inside a UTF-8 sequence
		cut--
	}
	return s[:cut] + "…"
}
