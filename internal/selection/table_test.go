package selection_test

import (
	"slices"
	"testing"

	"github.com/botport/botport/internal/selection"
)

// only is a selection of one value.
func only(v selection.Value) *selection.Selection {
	s := &selection.Selection{}
	switch v.List {
	case selection.Tasks:
		s.Tasks = []string{v.Name}
	case selection.NLPData:
		s.NLPData = []string{v.Name}
	case selection.Settings:
		s.Settings = []string{v.Name}
	}
	return s
}

func rowTypes(rs []selection.Row) []string {
	var out []string
	for _, r := range rs {
		out = append(out, r.Type)
	}
	return out
}

// TestVocabulary pins the table: every accepted value selects at least one
// member, which maps back to its group; writes its status rows (or is
// reported within Bot Definition, as contract 5.3's note says of the groups
// without a row of their own); and says how each member merges and what an
// export without the group does with it.
func TestVocabulary(t *testing.T) {
	withinBotDefinition := []string{"synonyms", "concepts", "traits", "ivrSettings", "genAIandLLMSettings"}
	rowsSeen := map[string]bool{}
	for _, v := range selection.Values() {
		t.Run(v.Group(), func(t *testing.T) {
			sel := only(v)
			if sel.Empty() || !sel.Selects(v.Group()) || !sel.Exports(v.Group()) {
				t.Fatalf("a selection of %s does not select its group", v.Name)
			}
			if len(v.Members) == 0 {
				t.Fatal("selects no member")
			}
			for _, m := range v.Members {
				owner := selection.MemberGroup(m.File, m.Name)
				if m.Part != "" {
					owner = selection.PartGroup(m.Part)
				}
				if owner != v.Group() {
					t.Errorf("member %s %s %s belongs to %q", m.File, m.Name, m.Part, owner)
				}
				if m.Rule == 0 {
					t.Errorf("member %s has no merge rule", m.Name)
				}
				if m.Unselected == 0 {
					t.Errorf("member %s has no export action", m.Name)
				}
				if (m.Part != "") != (m.Rule == selection.LocalePart) {
					t.Errorf("member %s: part %q with rule %d", m.Name, m.Part, m.Rule)
				}
			}
			got := rowTypes(selection.Rows(sel, false))
			want := slices.Clone(v.Rows)
			for _, g := range v.AlsoImports {
				for _, w := range selection.Values() {
					if w.Group() == g {
						want = append(want, w.Rows...)
					}
				}
			}
			for _, r := range want {
				rowsSeen[r] = true
				if !slices.Contains(got, r) {
					t.Errorf("row %s missing from %v", r, got)
				}
			}
			if len(got) != len(want) {
				t.Errorf("rows %v, want %v", got, want)
			}
			if len(v.Rows) == 0 && !slices.Contains(withinBotDefinition, v.Name) {
				t.Errorf("no status row: only the groups of contract 5.3's note are reported within Bot Definition")
			}
		})
	}
	all := rowTypes(selection.Rows(nil, false))
	for _, r := range all {
		if !rowsSeen[r] {
			t.Errorf("row %s: no value writes it", r)
		}
	}
	// Contract 5.3, rows 3 to 13, in order.
	if want := []string{"IdpConfigurations", "CustomTemplates", "BotFunctions", "Widget", "Dialog", "Form", "Event",
		"KnowledgeTasks", "Utterences", "Patterns", "Standard Responses", "BotVariables", "SmallTalk"}; !slices.Equal(all, want) {
		t.Errorf("rows of a full import %v\nwant %v", all, want)
	}
}

// TestMembersOwnedOnce: a member belongs to one group, or the table's
// lookups would silently keep the last.
func TestMembersOwnedOnce(t *testing.T) {
	owner := map[string]string{}
	for _, v := range selection.Values() {
		for _, m := range v.Members {
			k := m.File + " " + m.Name + " " + m.Part
			if g, dup := owner[k]; dup {
				t.Errorf("%s is owned by %s and %s", k, g, v.Group())
			}
			owner[k] = v.Group()
		}
	}
	if g := selection.MemberGroup(selection.FileDefinition, "localeData"); g != "" {
		t.Errorf("localeData belongs to %q; it is the bot's own", g)
	}
	if a := selection.ExportAction(selection.FileDefinition, "localeData"); a != selection.Keep {
		t.Errorf("localeData export action %d", a)
	}
}

// TestListsMatchTheContract: the values of contract 4.3, minus rules.
func TestListsMatchTheContract(t *testing.T) {
	for list, want := range map[string][]string{
		selection.Tasks:    {"botTask", "knowledgeGraph", "smallTalk", "forms"},
		selection.NLPData:  {"nlpSettings", "utterances", "patterns", "standardResponses", "synonyms", "concepts", "traits"},
		selection.Settings: {"botSettings", "botVariables", "ivrSettings", "genAIandLLMSettings"},
	} {
		if got := selection.Names(list); !slices.Equal(got, want) {
			t.Errorf("%s: %v, want %v", list, got, want)
		}
	}
}

// TestRows covers contract 5.3's incremental rows, among them the case of
// Kore.ai's QA suite: settings botSettings, botVariables and ivrSettings
// write rows 3, 4, 5, the Event rows, then 12.
func TestRows(t *testing.T) {
	for _, tt := range []struct {
		name      string
		sel       *selection.Selection
		functions bool
		want      []string
	}{
		{"QA suite settings", &selection.Selection{Settings: []string{"botSettings", "botVariables", "ivrSettings"}}, false,
			[]string{"IdpConfigurations", "CustomTemplates", "BotFunctions", "Event", "BotVariables"}},
		{"botTask", &selection.Selection{Tasks: []string{"botTask"}}, false, []string{"CustomTemplates", "Widget", "Dialog", "Form"}},
		{"forms", &selection.Selection{Tasks: []string{"forms"}}, false, []string{"Form"}},
		{"defaultDialog is nlpSettings", &selection.Selection{NLPData: []string{"defaultDialog"}}, false, []string{"Event"}},
		{"functions in the request", &selection.Selection{NLPData: []string{"synonyms"}}, true, []string{"BotFunctions"}},
		{"reported within Bot Definition", &selection.Selection{NLPData: []string{"traits", "concepts"}, Settings: []string{"ivrSettings"}}, false, nil},
		{"nothing selected", &selection.Selection{}, false, nil},
		{"unknown values stored", &selection.Selection{NLPData: []string{"rules"}}, false, nil},
		{"every group", &selection.Selection{Tasks: selection.Names(selection.Tasks), NLPData: selection.Names(selection.NLPData),
			Settings: selection.Names(selection.Settings)}, false, rowTypes(selection.Rows(nil, false))},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got := rowTypes(selection.Rows(tt.sel, tt.functions)); !slices.Equal(got, tt.want) {
				t.Errorf("rows %v, want %v", got, tt.want)
			}
		})
	}
}

// TestSelectsAndExports: botTask imports forms (the platform writes Form
// entries for it) but an export of botTask alone carries none.
func TestSelectsAndExports(t *testing.T) {
	var all *selection.Selection
	if !all.Selects(selection.Forms) || !all.Exports(selection.GenAI) || all.Empty() {
		t.Error("nil must select everything")
	}
	s := &selection.Selection{Tasks: []string{"botTask"}, Settings: []string{"botVariables"}}
	for _, tt := range []struct {
		group            string
		imports, exports bool
	}{
		{selection.BotTask, true, true},
		{selection.Forms, true, false},
		{selection.BotVariables, true, true},
		{selection.Utterances, false, false},
		{selection.BotSettings, false, false},
		{"", false, false},
		{"nlpData:rules", false, false},
	} {
		if s.Selects(tt.group) != tt.imports || s.Exports(tt.group) != tt.exports {
			t.Errorf("%q: Selects %v Exports %v, want %v %v", tt.group, s.Selects(tt.group), s.Exports(tt.group), tt.imports, tt.exports)
		}
	}
}

func TestIgnoresVariable(t *testing.T) {
	s := &selection.Selection{IgnoreVariables: []string{"a"}, IgnoreContentVariables: true}
	for _, tt := range []struct {
		file, key string
		want      bool
	}{
		{selection.FileConfig, "a", true},
		{selection.FileConfig, "b", false},
		{selection.FileDefinition, "b", true},
	} {
		if got := s.IgnoresVariable(tt.file, tt.key); got != tt.want {
			t.Errorf("%s %s: %v", tt.file, tt.key, got)
		}
	}
	var all *selection.Selection
	if all.IgnoresVariable(selection.FileConfig, "a") {
		t.Error("nil ignores nothing")
	}
}
