package botdef

// Owners of per-task NLP data. Patterns, utterances and the ML settings'
// intent lists name the task they train, and a task is not always a dialog
// with its intent component: a real 9.1.7 export holds patterns of a
// webservice action task. The validator resolves each reference against
// every collection that can hold its target (NLPOwners); the fixtures'
// references all resolve to their documented targets (export-format.md
// section 5), and the collections of action and alert tasks are empty in
// all of them, so their elements are read only for identities.

// NLPOwner is one collection whose elements can own per-task NLP data, and
// by which identity each kind of reference names them.
type NLPOwner struct {
	Member     string // the definition's collection
	Patterns   string // the field a pattern's refId matches ("" for none)
	Utterances string // the field an utterance's taskId matches ("" for none)
	Note       string
}

// NLPOwners lists the collections that can own patterns and utterances, in
// the order the README's table shows them. Components own them only when
// they are intents (utterances) or intents and entities (patterns); every
// element of the other collections may.
var NLPOwners = []NLPOwner{
	{"dialogComponents", "refId", "_id", "intent components (patterns also entity components): every fixture's"},
	{"dialogs", "refId", "_id", "dialog tasks"},
	{"actions", "refId", "_id", "action tasks of every type (webservice, script, ...)"},
	{"alerts", "refId", "_id", "alert tasks"},
	{"forms", "refId", "", "digital forms (they have no _id)"},
}

// taskFact is an element of a task collection botport stores opaquely.
type taskFact struct {
	member    string
	id, refID string
}

// owners is what the validator knows of the file's NLP owners other than
// components, and of the target's.
type owners struct {
	byRef map[string]string // refId -> collection
	byID  map[string]string // _id -> collection
}

// indexOwners collects the file's dialogs, forms and task elements by the
// identities NLP data names them by.
func (v *validator) indexOwners() {
	o := owners{byRef: map[string]string{}, byID: map[string]string{}}
	add := func(member, id, ref string) {
		if ref != "" {
			o.byRef[ref] = member
		}
		if id != "" {
			o.byID[id] = member
		}
	}
	for _, dl := range v.d.Dialogs {
		add("dialogs", dl.ID, dl.RefID)
	}
	for _, f := range v.d.Forms {
		add("forms", "", f.RefID)
	}
	for _, t := range v.d.tasks {
		add(t.member, t.id, t.refID)
	}
	v.owners = o
}

// patternOwner reports whether a pattern's refId names something that can
// own patterns: a component (in the file or the target), or a dialog, form,
// action or alert task of the file (or a dialog of the target).
func (v *validator) patternOwner(ref string) bool {
	if ref == "" {
		return false
	}
	_, task := v.owners.byRef[ref]
	return task || v.componentRef(ref) || v.t.has(func(t *Target) map[string]bool { return t.DialogRefs }, ref)
}

// utteranceTask reports whether an utterance's taskId that names no
// component names a task of the file that can own utterances: a dialog, an
// action or an alert (by _id).
func (v *validator) utteranceTask(id string) bool {
	member, ok := v.owners.byID[id]
	return ok && member != "forms"
}

// intentList reports whether an ML settings' intent list entry names a
// task: a dialog (file or target), or an action or alert task of the file.
func (v *validator) intentList(group, ref string) bool {
	if v.dialogIn(group, ref) {
		return true
	}
	m := v.owners.byRef[ref]
	return m == "actions" || m == "alerts"
}
