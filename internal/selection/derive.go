package selection

import (
	"slices"
	"strings"
)

// Lookups derived from the table once.
var (
	byValue   = map[string]*Value{}                                                // list + ":" + lower-case spelling (canonical or alias)
	canonical = map[string]map[string]*Value{Tasks: {}, NLPData: {}, Settings: {}} // list, then canonical spelling
	byGroup   = map[string]*Value{}
	byMember  = map[string]*Member{} // file + ":" + top-level member (parts of localeData are not here)
	groupOf   = map[string]string{}  // same key: the owning group
	partGroup = map[string]string{}  // localeData part: the owning group
)

func init() {
	for i := range values {
		v := &values[i]
		v.group = v.List + ":" + v.Name
		byGroup[v.group] = v
		canonical[v.List][v.Name] = v
		for _, s := range append([]string{v.Name}, v.Aliases...) {
			byValue[v.List+":"+strings.ToLower(s)] = v
		}
		for j := range v.Members {
			m := &v.Members[j]
			if m.Part != "" {
				partGroup[m.Part] = v.Group()
				continue
			}
			byMember[m.File+":"+m.Name] = m
			groupOf[m.File+":"+m.Name] = v.Group()
		}
	}
}

// Values returns the table: every accepted value, in the order of the
// contract's lists. The result must not be modified.
func Values() []Value { return values }

// Lookup returns the value of list spelled s, matched case-insensitively
// after trimming, with the platform's legacy aliases (training_data,
// bot_synonyms, defaultDialog); nil when the list has no such value.
func Lookup(list, s string) *Value {
	return byValue[list+":"+strings.ToLower(strings.TrimSpace(s))]
}

// Names lists the canonical values of a list, in the table's order, for
// help texts.
func Names(list string) []string {
	var out []string
	for _, v := range values {
		if v.List == list {
			out = append(out, v.Name)
		}
	}
	return out
}

// MemberGroup returns the group that owns a top-level member of file
// (FileDefinition or FileConfig), or "" for the members that belong to the
// bot itself (identity, languages, localeData, provenance): an incremental
// import keeps the target's, an export always has them.
func MemberGroup(file, member string) string { return groupOf[file+":"+member] }

// PartGroup returns the group that owns a part of localeData.<lang>
// (PartSynonyms, PartConcepts, PartConfidence).
func PartGroup(part string) string { return partGroup[part] }

// MergeRule returns how an incremental import that selects its group
// merges a top-level member, or 0 for a member no group owns.
func MergeRule(file, member string) Rule {
	if m := byMember[file+":"+member]; m != nil {
		return m.Rule
	}
	return 0
}

// ExportAction returns what an export that does not select its group does
// with a top-level member: Keep for members no group owns.
func ExportAction(file, member string) Action {
	if m := byMember[file+":"+member]; m != nil {
		return m.Unselected
	}
	return Keep
}

// Rows returns the status rows an import writes between Bot Definition and
// importBot, in contract 5.3's order: all of them for a full import (sel
// nil), else those of the groups sel selects. BotFunctions is also written
// when the request carries bot-functions scripts (functions).
func Rows(sel *Selection, functions bool) []Row {
	var out []Row
	for _, r := range rows {
		want := sel == nil || r.Type == RowBotFunctions && functions
		for g, v := range byGroup {
			if want {
				break
			}
			want = slices.Contains(v.Rows, r.Type) && sel.Selects(g)
		}
		if want {
			out = append(out, r)
		}
	}
	return out
}
