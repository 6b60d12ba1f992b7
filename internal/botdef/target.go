package botdef

import "strconv"

// Target is what an incremental import's target bot contributes to
// reference checks: references by refId, name or key resolve against the
// bot the import would produce. Nil for a new bot or a full import.
type Target struct {
	DialogRefs    map[string]bool
	ComponentRefs map[string]bool // component identities (refId, else _id)
	Namespaces    map[string]bool // namespace refIds
	ContentKeys   map[string]bool
	EnvKeys       map[string]bool

	// Selects, when set, is the import's selection (importOptions): the
	// parts of the file it selects are checked against what the result
	// will hold, which is the selected parts of the file merged onto what
	// the target keeps, not the whole file (export-format.md section 7).
	// Without it, references resolve against the whole file and the target.
	Selects func(group string) bool
	// Components are the target's components by identity, and
	// DialogComponents the identities of the components each target dialog
	// uses (by dialog identity). Both are needed when Selects selects
	// tasks: they decide which target components the result keeps.
	Components       map[string]TargetComponent
	DialogComponents map[string][]string
}

// TargetComponent is what checks need of a target component.
type TargetComponent struct {
	ID, Name, Type string
}

func (t *Target) has(m func(*Target) map[string]bool, v string) bool {
	return t != nil && m(t)[v]
}

// ComponentPlan decides the components of an incremental import that
// selects tasks, as the merge applies it: the file's non-stub dialogs are
// imported (a stub never overwrites anything), the file writes the
// components those dialogs use (transitively through botAction
// components), and a target component is deleted when a dialog the file
// replaces used it and no dialog of the result does any more. targetUses
// lists the component identities each target dialog uses, by dialog
// identity. Every result is keyed by identity.
func (d *Definition) ComponentPlan(targetUses map[string][]string) (imported, written, deleted map[string]bool) {
	imported, written, deleted = map[string]bool{}, map[string]bool{}, map[string]bool{}
	for _, dl := range d.Dialogs {
		if dl.Stub {
			continue
		}
		imported[dl.Ident()] = true
		for _, l := range d.DialogLinks(dl) {
			if l.ToKind == KindComponent {
				written[l.ToIdent] = true
			}
		}
	}
	used, orphanable := map[string]bool{}, map[string]bool{}
	for dlg, comps := range targetUses {
		for _, c := range comps {
			if imported[dlg] {
				orphanable[c] = true
			} else {
				used[c] = true
			}
		}
	}
	for c := range orphanable {
		if !used[c] && !written[c] {
			deleted[c] = true
		}
	}
	return imported, written, deleted
}

// result is what the checks of an incremental import know of its result.
type result struct {
	tasks      bool            // the file's tasks are imported
	dialogRefs map[string]bool // refIds of the file's dialogs that are imported
	imported   map[string]bool // identities of the file's dialogs that are imported
	written    map[string]bool // identities of the file's components that are written
	deleted    map[string]bool // identities of target components deleted as orphans
}

// selected reports whether the import takes group from the file and checks
// it against the result.
func (v *validator) selected(group string) bool {
	return v.res != nil && v.t.Selects(group)
}

// planResult works out the result of an incremental import that knows its
// selection.
func (v *validator) planResult() {
	if v.t == nil || v.t.Selects == nil {
		return
	}
	r := &result{tasks: v.t.Selects(GroupBotTask), dialogRefs: map[string]bool{}}
	if r.tasks {
		r.imported, r.written, r.deleted = v.d.ComponentPlan(v.t.DialogComponents)
		for _, dl := range v.d.Dialogs {
			if !dl.Stub && dl.RefID != "" {
				r.dialogRefs[dl.RefID] = true
			}
		}
	}
	v.res = r
}

// dialogIn reports whether a dialog refId that a member of group names
// resolves: in the result when the import takes group from the file, else
// in the file or the target.
func (v *validator) dialogIn(group, ref string) bool {
	if !v.selected(group) {
		return v.dialogRef(ref)
	}
	return v.res.dialogRefs[ref] || v.t.has(func(t *Target) map[string]bool { return t.DialogRefs }, ref)
}

// inResult reports whether the result of an incremental import holds the
// component with identity ident.
func (v *validator) inResult(ident string) bool {
	if v.res.written[ident] {
		return true
	}
	return v.t.has(func(t *Target) map[string]bool { return t.ComponentRefs }, ident) && !v.res.deleted[ident]
}

// resultComponents checks the components an incremental import writes
// against the target's components that the result keeps: component names
// and _ids stay unique in the bot, and the target dialogs the import keeps
// still find the components they use, by _id and type. A bot failing these
// could not be exported and imported again.
func (v *validator) resultComponents() {
	if v.res == nil || !v.res.tasks || len(v.t.Components) == 0 {
		return
	}
	// Idents are compared so that messages are the same on every run.
	keep := func(m map[string]string, key, ident string) {
		if cur, ok := m[key]; key != "" && (!ok || ident < cur) {
			m[key] = ident
		}
	}
	keptName, keptID := map[string]string{}, map[string]string{}
	for ident, tc := range v.t.Components {
		if !v.res.written[ident] && !v.res.deleted[ident] {
			keep(keptName, tc.Name, ident)
			keep(keptID, tc.ID, ident)
		}
	}
	keptUse := map[string]string{} // component identity -> a kept target dialog that uses it
	for dlg, comps := range v.t.DialogComponents {
		if !v.res.imported[dlg] {
			for _, c := range comps {
				keep(keptUse, c, dlg)
			}
		}
	}
	for _, c := range v.d.Components {
		ident := c.Ident()
		if !v.res.written[ident] {
			continue
		}
		label := componentLabel(c)
		at := func(field string) string { return pointer("dialogComponents", c.Index, field) }
		if other, ok := keptName[c.Name]; ok {
			v.err(at("name"), "duplicate_id", label, "component name "+strconv.Quote(c.Name)+
				" is already used by the bot's component with refId "+strconv.Quote(other)+", which the import keeps")
		}
		if other, ok := keptID[c.ID]; ok {
			v.err(at("_id"), "duplicate_id", label, "component _id "+strconv.Quote(c.ID)+
				" is already used by the bot's component with refId "+strconv.Quote(other)+", which the import keeps")
		}
		tc, replaces := v.t.Components[ident]
		dlg, used := keptUse[ident]
		switch {
		case !replaces || !used:
		case tc.ID != "" && c.ID != tc.ID:
			v.err(at("_id"), "component_in_use", label, "the bot's dialog "+strconv.Quote(dlg)+
				", which the import keeps, uses the component this one replaces by its _id "+strconv.Quote(tc.ID)+
				"; the file gives it _id "+strconv.Quote(c.ID))
		case tc.Type != "" && c.Type != "" && c.Type != tc.Type:
			v.err(at("type"), "component_in_use", label, "the bot's dialog "+strconv.Quote(dlg)+
				", which the import keeps, uses the component this one replaces as a "+tc.Type+"; the file makes it a "+c.Type)
		}
	}
}
