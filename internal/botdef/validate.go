package botdef

import (
	"strconv"
)

// Validate checks both files' facts: the cross-references and uniqueness
// rules of the export format. Errors fail the import; warnings are tolerated
// oddities. It does nothing for a file that did not parse.
//
// With a target that knows the import's selection (Target.Selects), the
// selected parts of the file are checked against the bot the import would
// produce: a reference that would point at nothing there is an error, as
// are components that would collide with the ones the bot keeps, so a
// successful import always leaves a bot that can be exported and imported
// again. Utterances and patterns whose component the result lacks are left
// out by the merge, and reported with one warning each.
func Validate(d *Definition, c *Config, ps *Problems, t *Target) {
	if !d.IsExport() {
		ps.Add(&Problem{File: FileDefinition, Pointer: "", Code: "not_an_export", offset: 0,
			Message: ErrNotExport + ": it needs dialogs and dialogComponents arrays, a localeData object and a defaultLanguage string"})
		return
	}
	v := &validator{d: d, c: c, ps: ps, t: t}
	v.botFields()
	v.planResult()
	v.index()
	v.indexOwners()
	v.dialogs()
	v.components()
	v.resultComponents()
	v.nlp()
	v.events()
	v.views()
	v.namespaces()
	v.strings()
}

type validator struct {
	d   *Definition
	c   *Config
	ps  *Problems
	t   *Target
	res *result // nil unless the import's selection is known

	compByID   map[string]*Component
	compRefs   map[string]*Component
	dialogIDs  map[string]bool
	dialogRefs map[string]bool
	formRefs   map[string]bool
	widgetRefs map[string]bool
	owners     owners // NLP owners besides components (owners.go)
}

func (v *validator) err(ptr, code, component, msg string) {
	v.ps.Add(&Problem{File: FileDefinition, Pointer: ptr, Code: code, Component: component, Message: msg, offset: -1})
}

func (v *validator) warn(ptr, code, component, msg string) {
	v.ps.Add(&Problem{File: FileDefinition, Pointer: ptr, Code: code, Component: component, Message: msg, Severity: Warning, offset: -1})
}

func dialogLabel(dl *Dialog) string      { return "dialog " + strconv.Quote(dl.Name) }
func componentLabel(c *Component) string { return "component " + strconv.Quote(c.Name) }

// unique reports a duplicate value of field among the elements of member;
// seen maps values to the index of their first element.
func (v *validator) unique(seen map[string]int, val, member string, index int, field, what string) {
	if val == "" {
		return
	}
	if first, dup := seen[val]; dup {
		v.err(pointer(member, index, field), "duplicate_id", "", what+" "+strconv.Quote(val)+" is already used by element "+strconv.Itoa(first))
		return
	}
	seen[val] = index
}

func (v *validator) index() {
	d := v.d
	v.compByID, v.compRefs = map[string]*Component{}, map[string]*Component{}
	ids, refs, nameSeen := map[string]int{}, map[string]int{}, map[string]int{}
	for _, c := range d.Components {
		v.unique(ids, c.ID, "dialogComponents", c.Index, "_id", "component _id")
		v.unique(refs, c.RefID, "dialogComponents", c.Index, "refId", "component refId")
		v.unique(nameSeen, c.Name, "dialogComponents", c.Index, "name", "component name")
		if _, ok := v.compByID[c.ID]; !ok && c.ID != "" {
			v.compByID[c.ID] = c
		}
		if c.RefID != "" {
			v.compRefs[c.RefID] = c
		}
	}
	v.dialogIDs, v.dialogRefs = map[string]bool{}, map[string]bool{}
	ids, refs = map[string]int{}, map[string]int{}
	for _, dl := range d.Dialogs {
		v.unique(ids, dl.ID, "dialogs", dl.Index, "_id", "dialog _id")
		v.unique(refs, dl.RefID, "dialogs", dl.Index, "refId", "dialog refId")
		v.dialogIDs[dl.ID] = true
		v.dialogRefs[dl.RefID] = true
	}
	v.formRefs, v.widgetRefs = map[string]bool{}, map[string]bool{}
	for _, set := range []struct {
		member string
		els    []*Named
		refs   map[string]bool
	}{{"forms", d.Forms, v.formRefs}, {"widgets", d.Widgets, v.widgetRefs}, {"panels", d.Panels, map[string]bool{}}} {
		seen := map[string]int{}
		for _, n := range set.els {
			v.unique(seen, n.RefID, set.member, n.Index, "refId", set.member[:len(set.member)-1]+" refId")
			set.refs[n.RefID] = true
		}
	}
}

func (v *validator) dialogRef(ref string) bool {
	return v.dialogRefs[ref] || v.t.has(func(t *Target) map[string]bool { return t.DialogRefs }, ref)
}

func (v *validator) componentRef(ref string) bool {
	return v.compRefs[ref] != nil || v.t.has(func(t *Target) map[string]bool { return t.ComponentRefs }, ref)
}

func (v *validator) componentIn(group, ident string) bool {
	if !v.selected(group) {
		return v.componentRef(ident)
	}
	return v.inResult(ident)
}

// skips counts the utterances or patterns of an incremental import that
// belong to a component the result does not hold. The merge leaves them
// out, so the bot stays valid; one warning, located at the first, says how
// many were left out.
type skips struct {
	noun, owner, code string
	first             string
	n                 int
}

func (s *skips) add(ptr string) {
	if s.n == 0 {
		s.first = ptr
	}
	s.n++
}

func (s *skips) report(v *validator) {
	if s.n == 0 {
		return
	}
	v.warn(s.first, s.code, "", strconv.Itoa(s.n)+" "+plural(s.n, s.noun, s.noun+"s")+" skipped: "+
		plural(s.n, "its ", "their ")+s.owner+" is not in the bot")
}

func (v *validator) dialogs() {
	for _, dl := range v.d.Dialogs {
		if dl.Stub {
			continue
		}
		label := dialogLabel(dl)
		nodeIDs := map[string]bool{}
		for i, n := range dl.Nodes {
			ptr := pointer("dialogs", dl.Index, "nodes", i, "nodeId")
			if n.NodeID == "" {
				v.err(ptr, "missing_node_id", label, "node without a nodeId")
			} else if nodeIDs[n.NodeID] {
				v.err(ptr, "duplicate_node", label, "node "+strconv.Quote(n.NodeID)+" appears twice")
			}
			nodeIDs[n.NodeID] = true
		}
		for i, n := range dl.Nodes {
			base := []any{"dialogs", dl.Index, "nodes", i}
			v.node(n, base, label, nodeIDs)
			for j, s := range n.Nodes {
				sub := append(append([]any{}, base...), "nodes", j)
				if s.ComponentID != "" && v.compByID[s.ComponentID] == nil {
					v.err(pointer(append(sub, "componentId")...), "unknown_component", label,
						"node "+strconv.Quote(s.NodeID)+" uses unknown component "+strconv.Quote(s.ComponentID))
				}
			}
			if i > 0 && n.Type == "intent" {
				for _, jump := range []struct{ field, ref string }{{"flowTaskId", n.FlowTaskID}, {"dialogRefId", n.DialogRefID}} {
					if jump.ref != "" && !v.dialogIn(GroupBotTask, jump.ref) {
						v.err(pointer(append(base, jump.field)...), "unknown_dialog", label,
							"node "+strconv.Quote(n.NodeID)+" jumps to unknown dialog "+strconv.Quote(jump.ref))
					}
				}
			}
		}
		if len(dl.Nodes) > 0 {
			first := dl.Nodes[0]
			c := v.compByID[first.ComponentID]
			if first.Type != "intent" || (c != nil && c.DialogID != "" && c.DialogID != dl.ID) {
				v.warn(pointer("dialogs", dl.Index, "nodes", 0), "first_node", label,
					"the first node is not this dialog's own intent")
			}
		}
	}
}

// node checks one node's component and transitions.
func (v *validator) node(n Node, base []any, label string, nodeIDs map[string]bool) {
	at := func(rest ...any) string { return pointer(append(append([]any{}, base...), rest...)...) }
	c := v.compByID[n.ComponentID]
	switch {
	case n.ComponentID == "":
		v.err(at("componentId"), "missing_component", label, "node "+strconv.Quote(n.NodeID)+" has no componentId")
	case c == nil:
		v.err(at("componentId"), "unknown_component", label,
			"node "+strconv.Quote(n.NodeID)+" uses unknown component "+strconv.Quote(n.ComponentID))
	case n.Type != "" && c.Type != "" && n.Type != c.Type:
		v.err(at("type"), "type_mismatch", label,
			"node "+strconv.Quote(n.NodeID)+" is a "+n.Type+" node but its component "+strconv.Quote(c.Name)+" is a "+c.Type)
	}
	v.transitions(n.Transitions, at, label, nodeIDs)
}

func (v *validator) transitions(ts []Transition, at func(...any) string, label string, nodeIDs map[string]bool) {
	for k, t := range ts {
		if t.Target != nil && *t.Target != "" && *t.Target != "end" && !nodeIDs[*t.Target] {
			v.err(at("transitions", k, t.targetKey), "dangling_transition", label, "transition targets unknown node "+strconv.Quote(*t.Target))
		}
		if t.IfField != nil && *t.IfField != "" && !nodeIDs[*t.IfField] {
			v.err(at("transitions", k, "if", "field"), "dangling_condition", label, "condition tests unknown node "+strconv.Quote(*t.IfField))
		}
		if t.IfIntent != nil && *t.IfIntent != "" && !nodeIDs[*t.IfIntent] {
			v.err(at("transitions", k, "if", "intent"), "dangling_condition", label, "condition tests unknown node "+strconv.Quote(*t.IfIntent))
		}
	}
}

func (v *validator) components() {
	for _, c := range v.d.Components {
		label := componentLabel(c)
		at := func(rest ...any) string { return pointer(append([]any{"dialogComponents", c.Index}, rest...)...) }
		if c.Type == "intent" && c.DialogID != "" && !v.dialogIDs[c.DialogID] {
			v.warn(at("dialogId"), "unknown_dialog", label, "intent belongs to unknown dialog "+strconv.Quote(c.DialogID))
		}
		if c.Type == "form" && c.ResourceID != "" && !v.formRefs[c.ResourceID] {
			v.warn(at("resourceId"), "unknown_form", label, "form node uses unknown form "+strconv.Quote(c.ResourceID))
		}
		if c.Type == "service" && c.Idp != "" && c.Idp != "none" && !v.d.idpNames[c.Idp] {
			v.warn(at("idp"), "unknown_auth_profile", label, "service uses unknown authorization profile "+strconv.Quote(c.Idp))
		}
		if len(c.Nodes) == 0 {
			continue
		}
		ids := map[string]bool{}
		for _, n := range c.Nodes {
			ids[n.NodeID] = true
		}
		for j, n := range c.Nodes {
			if n.ComponentID != "" && v.compByID[n.ComponentID] == nil {
				v.err(at("nodes", j, "componentId"), "unknown_component", label,
					"node "+strconv.Quote(n.NodeID)+" uses unknown component "+strconv.Quote(n.ComponentID))
			}
			v.transitions(n.Transitions, func(rest ...any) string { return at(append([]any{"nodes", j}, rest...)...) }, label, ids)
		}
	}
}

func (v *validator) nlp() {
	ids := map[string]int{}
	skipped := skips{noun: "utterance", owner: "intent", code: "skipped_utterances"}
	for _, s := range v.d.sentences {
		v.unique(ids, s.id, "sentences", s.index, "_id", "utterance _id")
		c := v.compByID[s.taskID]
		switch {
		case s.taskID == "":
			v.err(pointer("sentences", s.index, "taskId"), "missing_intent", "", "utterance without a taskId")
		case c == nil && v.utteranceTask(s.taskID):
			// A task's own utterances; the merge of an incremental import
			// keeps only those of intent components, so there they are
			// skipped, and said so.
			if v.selected(GroupUtterances) {
				skipped.add(pointer("sentences", s.index, "taskId"))
			}
		case c == nil:
			v.err(pointer("sentences", s.index, "taskId"), "unknown_intent", "", "utterance belongs to unknown intent component or task "+strconv.Quote(s.taskID))
		case c.Type != "" && c.Type != "intent":
			v.err(pointer("sentences", s.index, "taskId"), "unknown_intent", "", "utterance belongs to "+componentLabel(c)+", which is a "+c.Type+", not an intent")
		case v.selected(GroupUtterances) && !v.inResult(c.Ident()):
			skipped.add(pointer("sentences", s.index, "taskId"))
		}
		for _, e := range s.entities {
			if ec := v.compByID[e.value]; ec == nil || (ec.Type != "" && ec.Type != "entity") {
				v.ps.AddOnce("entity:"+e.value, &Problem{File: FileDefinition, Pointer: pointer("sentences", s.index, "entities", e.index, "entityId"),
					Code: "unknown_entity", Severity: Warning, offset: -1,
					Message: "utterance annotation names unknown entity " + strconv.Quote(e.value)})
			}
		}
	}
	skipped.report(v)
	skipped = skips{noun: "pattern", owner: "component", code: "skipped_patterns"}
	for _, p := range v.d.patterns {
		switch {
		case !v.patternOwner(p.refID):
			v.err(pointer("patterns", p.index, "refId"), "unknown_component", "", "patterns belong to unknown component or task "+strconv.Quote(p.refID))
		case v.selected(GroupPatterns) && !v.inResult(p.refID):
			skipped.add(pointer("patterns", p.index, "refId"))
		}
	}
	skipped.report(v)
	for _, g := range v.d.graphs {
		label := "knowledge graph " + strconv.Quote(g.name)
		for _, f := range g.faqDialogs {
			if !v.dialogIn(GroupKnowledgeGraph, f.value) {
				v.err(pointer("knowledgeTasks", g.index, "faqs", "faqs", f.index, "dialogRefId"), "unknown_dialog", label,
					"FAQ answers with unknown dialog "+strconv.Quote(f.value))
			}
		}
		for _, p := range g.parents {
			if !g.taxonomy[p.b] {
				v.warn(pointer("knowledgeTasks", g.index, "taxonomy", p.index, "parent", p.sub), "unknown_parent", label,
					"taxonomy node "+strconv.Quote(p.a)+" has unknown parent "+strconv.Quote(p.b))
			}
		}
	}
	for _, m := range v.d.mlIntents {
		for k, ref := range m.intents {
			if !v.intentList(GroupNLPSettings, ref) {
				v.ps.AddOnce("mlintent:"+ref, &Problem{File: FileDefinition, Pointer: pointer("mlParams", m.index, "dialogIntents", k),
					Code: "unknown_dialog", Severity: Warning, offset: -1, Message: "ML settings name unknown dialog " + strconv.Quote(ref)})
			}
		}
	}
}

func (v *validator) events() {
	for _, e := range v.d.Events {
		if e.Task == "" || v.dialogIn(GroupNLPSettings, e.Task) {
			continue
		}
		ptr := pointer("botEvents", e.Key, "task")
		msg := "event " + e.Key + " triggers unknown dialog " + strconv.Quote(e.Task)
		if e.Enabled && e.Action == "triggerDialog" {
			v.err(ptr, "unknown_dialog", "", msg)
		} else {
			v.warn(ptr, "unknown_dialog", "", msg)
		}
	}
	for i, task := range v.d.sentiment {
		if task != "" && !v.dialogIn(GroupNLPSettings, task) {
			v.warn(pointer("botSentimentEvents", i, "task"), "unknown_dialog", "", "sentiment event triggers unknown dialog "+strconv.Quote(task))
		}
	}
	if id := v.d.DefaultDialogID; id != "" && !v.dialogIn(GroupNLPSettings, id) {
		v.warn("/defaultDialogId", "unknown_dialog", "", "the default dialog "+strconv.Quote(id)+" does not exist")
	}
}

func (v *validator) views() {
	for _, f := range v.d.Forms {
		label := "form " + strconv.Quote(f.Name)
		for k, ref := range f.Refs {
			if ref != "" && !v.dialogIn(GroupForms, ref) {
				v.warn(pointer("forms", f.Index, "integrations", k, "resourceId"), "unknown_dialog", label, "form is linked to unknown dialog "+strconv.Quote(ref))
			}
			if c := f.Comps[k]; c != "" && !v.componentIn(GroupForms, c) {
				v.warn(pointer("forms", f.Index, "integrations", k, "resourceMeta", "componentId"), "unknown_component", label, "form is linked to unknown component "+strconv.Quote(c))
			}
		}
	}
	for _, w := range v.d.Widgets {
		for _, ref := range w.Refs {
			if ref != "" && !v.dialogIn(GroupBotTask, ref) {
				v.warn(pointer("widgets", w.Index, "source", "resource"), "unknown_dialog", "widget "+strconv.Quote(w.Name), "widget shows unknown dialog "+strconv.Quote(ref))
			}
		}
	}
	for _, p := range v.d.Panels {
		for k, ref := range p.Refs {
			if !v.widgetRefs[ref] {
				v.warn(pointer("panels", p.Index, "widgets", k), "unknown_widget", "panel "+strconv.Quote(p.Name), "panel shows unknown widget "+strconv.Quote(ref))
			}
		}
	}
}

func (v *validator) namespaces() {
	refs, ids := map[string]bool{}, map[string]bool{}
	for _, n := range v.d.namespaces {
		refs[n.refID], ids[n.id] = true, true
	}
	known := func(ns string) bool {
		return refs[ns] || v.t.has(func(t *Target) map[string]bool { return t.Namespaces }, ns)
	}
	check := func(u nsUse) {
		for k, ns := range u.ns {
			if !known(ns) {
				v.ps.AddOnce("ns:"+ns, &Problem{File: u.file, Pointer: u.ptr + "/vNameSpace/" + strconv.Itoa(k), Code: "unknown_namespace",
					Severity: Warning, offset: -1, Message: u.what + " uses unknown namespace " + strconv.Quote(ns)})
			}
		}
	}
	for _, dl := range v.d.Dialogs {
		check(nsUse{file: FileDefinition, ptr: pointer("dialogs", dl.Index), what: dialogLabel(dl), ns: dl.NS})
	}
	for _, c := range v.d.Components {
		check(nsUse{file: FileDefinition, ptr: pointer("dialogComponents", c.Index), what: componentLabel(c), ns: c.NS})
	}
	for _, g := range v.d.graphs {
		check(nsUse{file: FileDefinition, ptr: pointer("knowledgeTasks", g.index), what: "knowledge graph " + strconv.Quote(g.name), ns: g.ns})
	}
	for _, u := range v.d.nsUsers {
		check(u)
	}
	if v.c != nil {
		for _, u := range v.c.nsUsers {
			check(u)
		}
	}
	for _, top := range []struct {
		member string
		ns     []string
		ok     func(string) bool
	}{{"krVNameSpace", v.d.topNS.kr, known}, {"evVNameSpace", v.d.topNS.ev, known}, {"vNameSpace", v.d.topNS.top, func(s string) bool { return ids[s] }}} {
		for k, ns := range top.ns {
			if !top.ok(ns) {
				v.ps.AddOnce("ns:"+ns, &Problem{File: FileDefinition, Pointer: pointer(top.member, k), Code: "unknown_namespace",
					Severity: Warning, offset: -1, Message: "bot setting " + top.member + " uses unknown namespace " + strconv.Quote(ns)})
			}
		}
	}
}

func (v *validator) strings() {
	for _, r := range v.d.strRefs {
		var ok bool
		var what string
		if r.env {
			what = "{{env." + r.name + "}}"
			ok = (v.c != nil && v.c.envKeys[r.name]) || v.t.has(func(t *Target) map[string]bool { return t.EnvKeys }, r.name)
		} else {
			what = "content." + r.name
			_, ok = v.d.contentKeys[r.name]
			ok = ok || v.t.has(func(t *Target) map[string]bool { return t.ContentKeys }, r.name)
		}
		if ok {
			continue
		}
		msg := "reference to undefined variable " + what
		if r.more > 0 {
			msg += " (and " + strconv.Itoa(r.more) + " more " + plural(r.more, "place", "places") + ")"
		}
		code := "undefined_content_variable"
		if r.env {
			code = "undefined_env_variable"
		}
		v.ps.Add(&Problem{File: FileDefinition, Pointer: r.ptr, Code: code, Severity: Warning, Message: msg, offset: r.offset, refine: true})
	}
}
