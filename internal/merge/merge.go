// Package merge builds the result of an incremental import (importOptions
// present) from the target bot's current version and the file: the
// selected groups come from the file, everything else stays as the target
// had it (export-format.md section 7; the rule of each member is
// selection's table):
//
//   - tasks match by refId: a file dialog replaces the target's with the same
//     refId, a new one is added, target-only dialogs stay; a stub (a dialog
//     without nodes, as NLP-only exports carry) never overwrites anything;
//   - the components an imported dialog uses are written; a target component
//     is deleted only when a replaced dialog used it and no dialog of the
//     result does any more;
//   - utterances are identified by (intent refId, language, text), patterns
//     by (component refId, language); both append by default, and replace
//     (for the imported tasks when tasks are imported, else everywhere);
//     tasks without NLP data keep the target's of the surviving components;
//   - the knowledge graph, standard responses, traits and the settings
//     members are replaced whole when selected; bot synonyms, concepts and
//     confidence settings per language of localeData; variables by key,
//     minus the ignored keys;
//   - the icon and the bot-functions scripts are the request's, else the
//     target's;
//   - members are written in the order of a full 9.1.7 export.
//
// Merge is a pure function: the importer loads what Input.Needs asks for,
// calls Merge, and writes the Result. Records taken over unchanged are
// references to bodies the store already holds (by hash); only merged
// bodies (localeData, patterns, utterance chunks) are new.
package merge

import (
	"crypto/sha256"
	"slices"

	"github.com/botport/botport/internal/botdef"
	"github.com/botport/botport/internal/selection"
)

// Record is a record as the merge sees it: botdef's record and the hash by
// which the store refers to its body.
type Record struct {
	botdef.Record
	Hash []byte // SHA-256 of the body
}

// Version is one side of a merge: the target's current version, or the
// file's records as the pipeline staged them.
type Version struct {
	Layout  botdef.Layout
	Records []Record      // every record without its body, in file, member, seq order
	Links   []botdef.Link // the target's links (the file's come from Input.File)
	Bodies  Bodies        // what Input.Needs asks for
}

// Bodies are the contents the rules read. Everything else is decided on
// metadata, so a large bot's bodies are never all in memory at once.
type Bodies struct {
	// Components are the target's components in record order, with their
	// _id: utterances name their intent by _id (the file's come from
	// Input.File).
	Components []Component
	Utterances [][]byte // the elements of sentences
	Patterns   [][]byte // the elements of patterns
	LocaleData []byte   // the localeData member
}

// Component is a component's identity and _id.
type Component struct{ Ident, ID string }

// Input is everything a merge decides from.
type Input struct {
	Selection *selection.Selection // not nil: a full import merges nothing
	Target    Version
	Source    Version
	File      *botdef.Definition // the file's facts: dialogs, stubs, components
	// Functions reports whether the request carries bot-functions scripts
	// (written into the result after the merge); without them the result
	// keeps the target's.
	Functions bool
}

// Result is the new version: its layout, records and links. A record with
// a Body is new; one without refers to the body the store holds under its
// Hash (a record of the target or of the staged file).
type Result struct {
	Layout  botdef.Layout
	Records []Record // in file, member, seq order
	Links   []botdef.Link
}

// Needs lists the bodies a merge reads.
type Needs struct {
	TargetComponents             bool
	TargetUtterances, Utterances bool // the target's, the file's
	TargetPatterns, Patterns     bool
	TargetLocale, Locale         bool
}

// how says how one member of the result is made.
type how int

const (
	keepTarget   how = iota // the target's records
	keepSurvivor            // the target's utterances or patterns of the components that survive
	mergeLocale             // localeData with the selected parts from the file
	fromFile                // the member's merge rule
)

func (in *Input) how(file string, mem botdef.Member) how {
	inT, inS := hasMember(in.Target.Layout, file, mem.Name), hasMember(in.Source.Layout, file, mem.Name)
	rule := selection.MergeRule(file, mem.Name)
	group := selection.MemberGroup(file, mem.Name)
	switch {
	case file == botdef.FileDefinition && mem.Name == "localeData" && inT:
		return mergeLocale
	case group == "" || !in.Selection.Selects(group):
		if inT && (rule == selection.MergeUtterances || rule == selection.MergePatterns) && in.Selection.Selects(selection.BotTask) {
			// Tasks without NLP data: keep the target's utterances and
			// patterns of the components that survive.
			return keepSurvivor
		}
		return keepTarget
	case !inS:
		return keepTarget
	}
	return fromFile
}

// Needs says which bodies Merge will read; Target and Source need only
// their layouts and records.
func (in *Input) Needs() Needs {
	var n Needs
	t, s := byMember(in.Target.Records), byMember(in.Source.Records)
	for _, mem := range botdef.MergeOrder(in.Target.Layout.Definition, in.Source.Layout.Definition) {
		key := memberKey(botdef.FileDefinition, mem.Name)
		h := in.how(botdef.FileDefinition, mem)
		switch {
		case h == mergeLocale:
			n.TargetLocale = len(s[key]) > 0 && in.localeSelected()
			n.Locale = n.TargetLocale
		case h == keepSurvivor || h == fromFile:
			target, file := len(t[key]) > 0, h == fromFile && len(s[key]) > 0
			switch selection.MergeRule(botdef.FileDefinition, mem.Name) {
			case selection.MergeUtterances:
				n.TargetUtterances, n.Utterances = target, file
			case selection.MergePatterns:
				n.TargetPatterns, n.Patterns = target, file
			}
		}
	}
	n.TargetComponents = n.TargetUtterances || n.Utterances
	return n
}

type merger struct {
	in         *Input
	sel        *selection.Selection
	t, s       map[string][]Record // records by file and member
	out        []Record
	fromTarget map[recordKey]bool // records taken over from the target

	components map[string]Record // the result's, by identity
	compFromS  map[string]bool   // components the file writes
	tCompIDs   map[string]string // target component identity -> _id
	tCompByID  map[string]string // target component _id -> identity
	intents    map[string]bool   // intents with utterances in the result
	links      []botdef.Link     // links of merged utterances and patterns
}

type recordKey struct{ kind, ident string }

func memberKey(file, member string) string { return file + "\x00" + member }

func byMember(recs []Record) map[string][]Record {
	m := map[string][]Record{}
	for _, r := range recs {
		k := memberKey(r.File, r.Member)
		m[k] = append(m[k], r)
	}
	return m
}

// Merge builds the result of an incremental import. Its errors are
// content errors of bodies it had to read (a record that is not the JSON
// its member holds).
func Merge(in *Input) (*Result, error) {
	m := &merger{in: in, sel: in.Selection, t: byMember(in.Target.Records), s: byMember(in.Source.Records),
		fromTarget: map[recordKey]bool{}, intents: map[string]bool{}}
	m.decideComponents()
	res := &Result{}
	for _, mem := range botdef.MergeOrder(in.Target.Layout.Definition, in.Source.Layout.Definition) {
		ok, err := m.member(botdef.FileDefinition, mem)
		if err != nil {
			return nil, err
		}
		if ok {
			res.Layout.Definition = append(res.Layout.Definition, mem)
		}
	}
	for _, mem := range unionMembers(in.Target.Layout.Config, in.Source.Layout.Config) {
		ok, err := m.member(botdef.FileConfig, mem)
		if err != nil {
			return nil, err
		}
		if ok {
			res.Layout.Config = append(res.Layout.Config, mem)
		}
	}
	m.files()
	res.Records = m.out
	// Links from records taken over from the target stay; the pipeline's
	// stages add the file's.
	res.Links = m.links
	for _, l := range in.Target.Links {
		if m.fromTarget[recordKey{l.FromKind, l.FromIdent}] {
			res.Links = append(res.Links, l)
		}
	}
	return res, nil
}

// files takes the icon and the scripts, which are outside the layout: the
// request's, else the target's.
func (m *merger) files() {
	take := func(recs []Record, kind string) bool {
		found := false
		for _, rec := range recs {
			if rec.Kind == kind {
				rec.Body = nil
				m.out = append(m.out, rec)
				found = true
			}
		}
		return found
	}
	if !take(m.in.Source.Records, botdef.KindIcon) {
		take(m.in.Target.Records, botdef.KindIcon)
	}
	// The request's scripts are written after the merge.
	if !m.in.Functions {
		take(m.in.Target.Records, botdef.KindBotFunction)
	}
}

func unionMembers(a, b []botdef.Member) []botdef.Member {
	out := slices.Clone(a)
	for _, m := range b {
		if !hasName(out, m.Name) {
			out = append(out, m)
		}
	}
	return out
}

func hasName(list []botdef.Member, name string) bool {
	return slices.ContainsFunc(list, func(x botdef.Member) bool { return x.Name == name })
}

func hasMember(l botdef.Layout, file, name string) bool {
	if file == botdef.FileConfig {
		return hasName(l.Config, name)
	}
	return hasName(l.Definition, name)
}

// emit appends records to the result, renumbering them in order. Bodies
// are dropped: these records refer to stored ones.
func (m *merger) emit(file, member string, recs []Record, fromTarget []bool) {
	for i, rec := range recs {
		rec.File, rec.Member, rec.Seq, rec.Body = file, member, i, nil
		m.out = append(m.out, rec)
		if fromTarget != nil && fromTarget[i] {
			m.fromTarget[recordKey{rec.Kind, rec.Ident}] = true
		}
	}
}

// fresh appends a record with a new body.
func (m *merger) fresh(rec botdef.Record) {
	sum := sha256.Sum256(rec.Body)
	m.out = append(m.out, Record{Record: rec, Hash: sum[:]})
}

func all(n int, v bool) []bool {
	out := make([]bool, n)
	for i := range out {
		out[i] = v
	}
	return out
}

// member writes one member of the result and reports whether it exists.
func (m *merger) member(file string, mem botdef.Member) (bool, error) {
	key := memberKey(file, mem.Name)
	t, s := m.t[key], m.s[key]
	switch m.in.how(file, mem) {
	case mergeLocale:
		return true, m.localeData(t, s)
	case keepSurvivor:
		return true, m.nlp(mem.Name, nil)
	case keepTarget:
		m.emit(file, mem.Name, t, all(len(t), true))
		return hasMember(m.in.Target.Layout, file, mem.Name), nil
	}
	switch selection.MergeRule(file, mem.Name) {
	case selection.MergeDialogs:
		stub := func(rec Record) bool {
			return rec.Seq >= len(m.in.File.Dialogs) || m.in.File.Dialogs[rec.Seq].Stub
		}
		recs, fromT := identMerge(t, s, func(rec Record) bool { return !stub(rec) })
		m.emit(file, mem.Name, recs, fromT)
	case selection.MergeComponents:
		var recs []Record
		var fromT []bool
		for _, rec := range m.orderedComponents(t, s) {
			recs = append(recs, rec)
			fromT = append(fromT, !m.compFromS[rec.Ident])
		}
		m.emit(file, mem.Name, recs, fromT)
	case selection.MergeUtterances, selection.MergePatterns:
		return true, m.nlp(mem.Name, s)
	case selection.MergeVariables:
		recs, fromT := identMerge(t, s, func(rec Record) bool { return !m.sel.IgnoresVariable(file, rec.Ident) })
		m.emit(file, mem.Name, recs, fromT)
	case selection.ByIdentity:
		if mem.Shape != botdef.ShapeArray {
			m.emit(file, mem.Name, s, nil)
			break
		}
		recs, fromT := identMerge(t, s, nil)
		m.emit(file, mem.Name, recs, fromT)
	default:
		// Replaced whole: settings, the knowledge graph, standard responses,
		// traits, events, ML parameters.
		m.emit(file, mem.Name, s, nil)
	}
	return true, nil
}

// identMerge replaces target records by file records of the same identity,
// keeps the rest of the target's, and appends the file's new ones. include
// filters the file's records. fromT tells which results are the target's.
func identMerge(t, s []Record, include func(Record) bool) (out []Record, fromT []bool) {
	sBy := map[string]Record{}
	for _, rec := range s {
		if include != nil && !include(rec) {
			continue
		}
		if _, dup := sBy[rec.Ident]; !dup {
			sBy[rec.Ident] = rec
		}
	}
	inT := map[string]bool{}
	for _, rec := range t {
		inT[rec.Ident] = true
		if srec, ok := sBy[rec.Ident]; ok {
			out, fromT = append(out, srec), append(fromT, false)
			continue
		}
		out, fromT = append(out, rec), append(fromT, true)
	}
	added := map[string]bool{}
	for _, rec := range s {
		if include != nil && !include(rec) {
			continue
		}
		if !inT[rec.Ident] && !added[rec.Ident] {
			added[rec.Ident] = true
			out, fromT = append(out, rec), append(fromT, false)
		}
	}
	return out, fromT
}

// decideComponents decides the result's components (the file's written
// ones replace or join the target's, orphans go when tasks are imported)
// and indexes the target components' _ids for rewriting utterances.
func (m *merger) decideComponents() {
	m.compFromS, m.components = map[string]bool{}, map[string]Record{}
	m.tCompIDs, m.tCompByID = map[string]string{}, map[string]string{}
	for _, c := range m.in.Target.Bodies.Components {
		m.tCompIDs[c.Ident], m.tCompByID[c.ID] = c.ID, c.Ident
	}
	for _, rec := range m.t[memberKey(botdef.FileDefinition, "dialogComponents")] {
		m.components[rec.Ident] = rec
	}
	if !m.sel.Selects(selection.BotTask) {
		return
	}
	// The same plan as the validator's when it knows the selection, so what
	// it checked is what is written.
	_, write, deleted := m.in.File.ComponentPlan(DialogUses(m.in.Target.Links))
	for _, rec := range m.s[memberKey(botdef.FileDefinition, "dialogComponents")] {
		if write[rec.Ident] {
			m.components[rec.Ident] = rec
			m.compFromS[rec.Ident] = true
		}
	}
	for c := range deleted {
		delete(m.components, c)
	}
}

// DialogUses lists the components each dialog of a version uses, by
// identity, from the version's links.
func DialogUses(links []botdef.Link) map[string][]string {
	uses := map[string][]string{}
	for _, l := range links {
		if l.FromKind == botdef.KindDialog && l.ToKind == botdef.KindComponent {
			uses[l.FromIdent] = append(uses[l.FromIdent], l.ToIdent)
		}
	}
	return uses
}

// orderedComponents lists the result components: the target's in its order
// (replaced in place), then the file's new ones in file order.
func (m *merger) orderedComponents(t, s []Record) []Record {
	var out []Record
	seen := map[string]bool{}
	for _, rec := range t {
		if c, ok := m.components[rec.Ident]; ok && !seen[rec.Ident] {
			seen[rec.Ident] = true
			out = append(out, c)
		}
	}
	for _, rec := range s {
		if c, ok := m.components[rec.Ident]; ok && m.compFromS[rec.Ident] && !seen[rec.Ident] {
			seen[rec.Ident] = true
			out = append(out, c)
		}
	}
	return out
}

// componentID is a result component's _id.
func (m *merger) componentID(ident string) string {
	if m.compFromS[ident] {
		return m.in.File.ComponentID(ident)
	}
	return m.tCompIDs[ident]
}
