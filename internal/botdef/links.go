package botdef

// Link is a reference from one record to another, by kind and identity.
type Link struct {
	FromKind, FromIdent string
	ToKind, ToIdent     string
}

// componentIdent maps a component _id to its identity ("" if unknown).
func (d *Definition) componentIdent(id string) string {
	if c := d.component(id); c != nil {
		return c.Ident()
	}
	return ""
}

// component returns the first component with _id id.
func (d *Definition) component(id string) *Component {
	if d.compByID == nil {
		d.compByID = make(map[string]*Component, len(d.Components))
		for _, c := range d.Components {
			if _, dup := d.compByID[c.ID]; !dup {
				d.compByID[c.ID] = c
			}
		}
	}
	return d.compByID[id]
}

// DialogLinks lists what a dialog uses: the components of its nodes and
// botAction sub-nodes (and theirs, transitively through botAction
// components), and the dialogs its nodes jump to.
func (d *Definition) DialogLinks(dl *Dialog) []Link {
	from := dl.Ident()
	seen := map[string]bool{}
	var out []Link
	var use func(compID string)
	use = func(compID string) {
		ident := d.componentIdent(compID)
		if ident == "" || seen[ident] {
			return
		}
		seen[ident] = true
		out = append(out, Link{KindDialog, from, KindComponent, ident})
		if c := d.component(compID); c != nil {
			for _, n := range c.Nodes {
				use(n.ComponentID)
			}
		}
	}
	jumps := map[string]bool{}
	for _, n := range dl.Nodes {
		use(n.ComponentID)
		for _, s := range n.Nodes {
			use(s.ComponentID)
		}
		for _, ref := range []string{n.FlowTaskID, n.DialogRefID} {
			if ref != "" && ref != dl.RefID && !jumps[ref] {
				jumps[ref] = true
				out = append(out, Link{KindDialog, from, KindDialog, ref})
			}
		}
	}
	return out
}

// WidgetLinks lists the dialog a widget shows.
func (d *Definition) WidgetLinks(w *Named) []Link {
	var out []Link
	for _, ref := range w.Refs {
		if ref != "" {
			out = append(out, Link{KindWidget, w.RefID, KindDialog, ref})
		}
	}
	return out
}

// PanelLinks lists the widgets a panel shows.
func (d *Definition) PanelLinks(p *Named) []Link {
	var out []Link
	for _, ref := range p.Refs {
		if ref != "" {
			out = append(out, Link{KindPanel, p.RefID, KindWidget, ref})
		}
	}
	return out
}

// FormLinks lists the dialogs and components a form is integrated with.
func (d *Definition) FormLinks(f *Named) []Link {
	var out []Link
	for i, ref := range f.Refs {
		if ref != "" {
			out = append(out, Link{KindForm, f.RefID, KindDialog, ref})
		}
		if c := f.Comps[i]; c != "" {
			out = append(out, Link{KindForm, f.RefID, KindComponent, c})
		}
	}
	return out
}

// EventLinks lists the dialog an event triggers.
func (d *Definition) EventLinks(e Event) []Link {
	if e.Task == "" {
		return nil
	}
	return []Link{{KindEvent, e.Key, KindDialog, e.Task}}
}

// GraphLinks lists the dialogs that knowledge graph FAQs answer with.
func (d *Definition) GraphLinks() []Link {
	var out []Link
	for _, g := range d.graphs {
		seen := map[string]bool{}
		for _, f := range g.faqDialogs {
			if !seen[f.value] {
				seen[f.value] = true
				out = append(out, Link{KindKnowledgeGraph, g.refID + "|" + g.lang, KindDialog, f.value})
			}
		}
	}
	return out
}

// UtteranceLinks lists the intents that have utterances, by component identity.
func (d *Definition) UtteranceLinks() []Link {
	seen := map[string]bool{}
	var out []Link
	for _, s := range d.sentences {
		if ident := d.componentIdent(s.taskID); ident != "" && !seen[ident] {
			seen[ident] = true
			out = append(out, Link{KindUtterances, "sentences", KindComponent, ident})
		}
	}
	return out
}

// PatternLinks lists the components that have patterns.
func (d *Definition) PatternLinks() []Link {
	var out []Link
	for _, p := range d.patterns {
		if p.refID != "" {
			out = append(out, Link{KindPattern, p.refID, KindComponent, p.refID})
		}
	}
	return out
}

// ComponentIdent returns the identity of the file's component with _id id,
// or "" when the file has none.
func (d *Definition) ComponentIdent(id string) string { return d.componentIdent(id) }

// ComponentID returns the _id of the file's component with identity ident.
func (d *Definition) ComponentID(ident string) string {
	for _, c := range d.Components {
		if c.Ident() == ident {
			return c.ID
		}
	}
	return ""
}
