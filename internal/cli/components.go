package cli

import (
	"slices"
	"strings"

	"github.com/botport/botport/client"
	"github.com/botport/botport/internal/botdef"
	"github.com/botport/botport/internal/diff"
	"github.com/botport/botport/internal/selection"
)

// parseComponents maps --components to importOptions: the lists tasks,
// nlp (nlpData) and settings stand for all their values; other names are
// values of internal/selection's table (botTask, utterances, ...).
func parseComponents(list []string, appendMode bool) (*client.ImportOptions, error) {
	if len(list) == 0 {
		if appendMode {
			return nil, usage("--append needs --components")
		}
		return nil, nil
	}
	o := &client.ImportOptions{}
	add := func(l string, name string) {
		dst := map[string]*[]string{selection.Tasks: &o.Tasks, selection.NLPData: &o.NLPData, selection.Settings: &o.Settings}[l]
		if !slices.Contains(*dst, name) {
			*dst = append(*dst, name)
		}
	}
	for _, c := range list {
		c = strings.TrimSpace(c)
		switch strings.ToLower(c) {
		case "tasks":
			for _, n := range selection.Names(selection.Tasks) {
				add(selection.Tasks, n)
			}
			continue
		case "nlp", "nlpdata":
			for _, n := range selection.Names(selection.NLPData) {
				add(selection.NLPData, n)
			}
			continue
		case "settings":
			for _, n := range selection.Names(selection.Settings) {
				add(selection.Settings, n)
			}
			continue
		}
		found := false
		for _, l := range []string{selection.Tasks, selection.NLPData, selection.Settings} {
			if v := selection.Lookup(l, c); v != nil {
				add(l, v.Name)
				found = true
			}
		}
		if !found {
			return nil, usage("--components: unknown component %q (tasks, nlp, settings, or one of %s; %s; %s)", c,
				optionValues(selection.Tasks), optionValues(selection.NLPData), optionValues(selection.Settings))
		}
	}
	mode := &client.AppendReplace{Append: appendMode, Replace: !appendMode}
	o.Options = &client.ImportSubOpts{Utterances: mode, Patterns: mode}
	return o, nil
}

// selectedItems is the diff's filter for an incremental import: the items
// of the parts of a bot the selected groups own (internal/selection's
// table). nil (everything) for a full import.
func selectedItems(o *client.ImportOptions) func(kind, ident string) bool {
	if o == nil {
		return nil
	}
	kinds, members := map[string]bool{}, map[string]bool{}
	var addValue func(v *selection.Value)
	addValue = func(v *selection.Value) {
		for _, m := range v.Members {
			switch k := botdef.CollectionKind(m.Name); {
			case m.File == selection.FileConfig:
				kinds[diff.KindEnvVariable] = true
			case m.Name == "knowledgeTasks":
				kinds[diff.KindKnowledgeGraph], kinds[diff.KindFAQ] = true, true
			case m.Name == "botEvents":
				kinds[diff.KindEvent] = true
			case k != "":
				kinds[k] = true
			default:
				members[m.Name] = true
			}
		}
		for _, g := range v.AlsoImports {
			list, name, _ := strings.Cut(g, ":")
			if w := selection.Lookup(list, name); w != nil {
				addValue(w)
			}
		}
	}
	for _, l := range []struct {
		list string
		vals []string
	}{{selection.Tasks, o.Tasks}, {selection.NLPData, o.NLPData}, {selection.Settings, o.Settings}} {
		for _, n := range l.vals {
			if v := selection.Lookup(l.list, n); v != nil {
				addValue(v)
			}
		}
	}
	return func(kind, ident string) bool {
		if kind == diff.KindSetting {
			return members[ident]
		}
		return kinds[kind]
	}
}
