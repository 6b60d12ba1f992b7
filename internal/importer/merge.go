package importer

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/go-json-experiment/json/jsontext"

	"github.com/botport/botport/internal/botdef"
	"github.com/botport/botport/internal/kore"
	"github.com/botport/botport/internal/store"
)

// An incremental import (importOptions present) builds the new version from
// the target's current version and the file's records: the selected groups
// come from the file, everything else stays as the target had it. Rules
// (export-format.md section 7):
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
//   - the knowledge graph, standard responses, traits and the settings
//     members are replaced whole when selected; bot synonyms and concepts
//     per language; variables by key, minus the ignored keys.
//
// Record bodies are content-addressed, so records taken over unchanged are
// references: only merged bodies (localeData, patterns, utterance chunks)
// are written anew.
type merger struct {
	r    *run
	o    *Options
	acct string

	t, s       map[string][]store.Record // records by file and member
	tLayout    botdef.Layout
	out        []store.Record // the result, in file, member, seq order
	fresh      []store.Record // results with new bodies (also in out)
	fromTarget map[recordKey]bool

	components map[string]store.Record
	compFromS  map[string]bool
	tCompIDs   map[string]string // target component ident -> _id
	tCompByID  map[string]string // target component _id -> ident
	intents    map[string]bool   // intents with utterances in the result
	links      []store.Link      // links of merged utterances and patterns
}

type recordKey struct{ kind, ident string }

func memberKey(file, member string) string { return file + "\x00" + member }

func byMember(recs []store.Record) map[string][]store.Record {
	m := map[string][]store.Record{}
	for _, r := range recs {
		k := memberKey(r.File, r.Member)
		m[k] = append(m[k], r)
	}
	return m
}

// merge replaces the staged version holding the file's records with a new
// staged version holding the merged result.
func (r *run) merge(ctx context.Context) error {
	st := r.s.cfg.Store
	acct := r.imp.AccountID
	tv, err := st.Version(ctx, acct, r.bot.VersionID)
	if err != nil {
		return fmt.Errorf("target version: %w", err)
	}
	m := &merger{r: r, o: r.req.Options, acct: acct, fromTarget: map[recordKey]bool{}, intents: map[string]bool{}}
	if err := json.Unmarshal(tv.Layout, &m.tLayout); err != nil {
		return fmt.Errorf("target layout: %w", err)
	}
	tMeta, err := st.RecordMeta(ctx, acct, tv.ID)
	if err != nil {
		return err
	}
	sMeta, err := st.RecordMeta(ctx, acct, r.vid)
	if err != nil {
		return err
	}
	m.t, m.s = byMember(tMeta), byMember(sMeta)
	tLinks, err := st.Links(ctx, tv.ID)
	if err != nil {
		return err
	}
	if err := m.decideComponents(ctx, tLinks); err != nil {
		return err
	}

	defMembers := botdef.MergeOrder(m.tLayout.Definition, r.def.Members)
	var layout botdef.Layout
	for _, mem := range defMembers {
		ok, err := m.member(ctx, botdef.FileDefinition, mem)
		if err != nil {
			return err
		}
		if ok {
			layout.Definition = append(layout.Definition, mem)
		}
	}
	for _, mem := range unionMembers(m.tLayout.Config, r.cfg.Members) {
		ok, err := m.member(ctx, botdef.FileConfig, mem)
		if err != nil {
			return err
		}
		if ok {
			layout.Config = append(layout.Config, mem)
		}
	}
	// Files outside the layout (icon, scripts) are the commit's: it carries
	// the target's when the request has none.
	for _, recs := range m.s {
		for _, rec := range recs {
			if rec.Kind == botdef.KindIcon || rec.Kind == botdef.KindBotFunction {
				m.out = append(m.out, rec)
			}
		}
	}

	layoutJSON, err := json.Marshal(layout)
	if err != nil {
		return err
	}
	vid := kore.NewHexID()
	if err := st.StageVersion(ctx, &store.Version{ID: vid, BotID: r.imp.BotID, AccountID: acct, StagedBy: r.stagedBy(),
		Layout: layoutJSON, CreatedOn: r.started}); err != nil {
		return err
	}
	var refs []store.Record
	freshKeys := map[string]bool{}
	for _, f := range m.fresh {
		freshKeys[f.File+"\x00"+f.Member+"\x00"+strconv.Itoa(f.Seq)] = true
	}
	for _, rec := range m.out {
		if !freshKeys[rec.File+"\x00"+rec.Member+"\x00"+strconv.Itoa(rec.Seq)] {
			refs = append(refs, rec)
		}
	}
	for start := 0; start < len(refs); start += batchRecords {
		if err := st.PutRecordRefs(ctx, acct, vid, refs[start:min(start+batchRecords, len(refs))]); err != nil {
			return err
		}
	}
	batch := &batcher{st: st, accountID: acct, vid: vid}
	for _, f := range m.fresh {
		batch.recs = append(batch.recs, f)
		if len(batch.recs) >= batchRecords {
			if err := batch.flush(ctx); err != nil {
				return err
			}
		}
	}
	if err := batch.flush(ctx); err != nil {
		return err
	}
	// Links from records taken over from the target stay; the stages add the
	// file's.
	keep := m.links
	for _, l := range tLinks {
		if m.fromTarget[recordKey{l.FromKind, l.FromIdent}] {
			keep = append(keep, l)
		}
	}
	if err := st.PutLinks(ctx, vid, keep); err != nil {
		return err
	}
	if err := st.DiscardVersion(ctx, r.vid); err != nil {
		return err
	}
	r.vid = vid
	return nil
}

func unionMembers(a, b []botdef.Member) []botdef.Member {
	out := slices.Clone(a)
	for _, m := range b {
		if !slices.ContainsFunc(out, func(x botdef.Member) bool { return x.Name == m.Name }) {
			out = append(out, m)
		}
	}
	return out
}

// emit appends records to the result, renumbering them in order.
func (m *merger) emit(file, member string, recs []store.Record, fromTarget []bool) {
	for i, rec := range recs {
		rec.File, rec.Member, rec.Seq = file, member, i
		m.out = append(m.out, rec)
		if fromTarget != nil && fromTarget[i] {
			m.fromTarget[recordKey{rec.Kind, rec.Ident}] = true
		}
	}
}

// member writes one member of the result and reports whether it exists.
func (m *merger) member(ctx context.Context, file string, mem botdef.Member) (bool, error) {
	key := memberKey(file, mem.Name)
	t, s := m.t[key], m.s[key]
	_, inT := memberOf(m.tLayout, file, mem.Name)
	inS := slices.ContainsFunc(m.r.memberList(file), func(x botdef.Member) bool { return x.Name == mem.Name })
	group := botdef.MemberGroup(mem.Name)
	if file == botdef.FileConfig {
		group = ""
		if mem.Name == "envVariables" {
			group = botdef.GroupBotVariables
		}
	}
	all := func(recs []store.Record, v bool) []bool {
		out := make([]bool, len(recs))
		for i := range out {
			out[i] = v
		}
		return out
	}
	takeT := func() (bool, error) {
		m.emit(file, mem.Name, t, all(t, true))
		return inT, nil
	}
	switch {
	case file == botdef.FileDefinition && mem.Name == "localeData" && inT:
		return true, m.localeData(ctx, t, s)
	case group == "" || !m.o.Selects(group):
		if file == botdef.FileDefinition && (mem.Name == "sentences" || mem.Name == "patterns") && inT && m.o.Selects(botdef.GroupBotTask) {
			// Tasks without NLP data: keep the target's utterances and
			// patterns of the components that survive.
			return true, m.nlp(ctx, mem.Name, t, nil)
		}
		return takeT()
	case !inS:
		return takeT()
	}
	switch mem.Name {
	case "dialogs":
		stub := func(rec store.Record) bool {
			return rec.Seq >= len(m.r.def.Dialogs) || m.r.def.Dialogs[rec.Seq].Stub
		}
		recs, fromT := identMerge(t, s, func(rec store.Record) bool { return !stub(rec) }, nil)
		m.emit(file, mem.Name, recs, fromT)
	case "dialogComponents":
		var recs []store.Record
		var fromT []bool
		for _, rec := range m.orderedComponents(t, s) {
			recs = append(recs, rec)
			fromT = append(fromT, !m.compFromS[rec.Ident])
		}
		m.emit(file, mem.Name, recs, fromT)
	case "sentences", "patterns":
		return true, m.nlp(ctx, mem.Name, t, s)
	case "envVariables", "contentVariables":
		recs, fromT := identMerge(t, s, func(rec store.Record) bool { return !m.o.ignored(rec.Ident) }, nil)
		m.emit(file, mem.Name, recs, fromT)
	case "widgets", "panels", "widgetThemes", "scenes", "sceneComponents", "actions", "alerts", "customTemplates",
		"unexportedTasks", "customDashboards", "paramMaps", "taskDgParamMaps", "forms", "smallTalk":
		if mem.Shape != botdef.ShapeArray {
			m.emit(file, mem.Name, s, nil)
			break
		}
		recs, fromT := identMerge(t, s, nil, nil)
		m.emit(file, mem.Name, recs, fromT)
	default:
		// Replaced whole: settings, the knowledge graph, standard responses,
		// traits, events, ML parameters.
		m.emit(file, mem.Name, s, nil)
	}
	return true, nil
}

func memberOf(l botdef.Layout, file, name string) (botdef.Member, bool) {
	list := l.Definition
	if file == botdef.FileConfig {
		list = l.Config
	}
	for _, m := range list {
		if m.Name == name {
			return m, true
		}
	}
	return botdef.Member{}, false
}

func (r *run) memberList(file string) []botdef.Member {
	if file == botdef.FileConfig {
		return r.cfg.Members
	}
	return r.def.Members
}

// identMerge replaces target records by file records of the same identity,
// keeps the rest of the target's, and appends the file's new ones. include
// filters the file's records; drop removes target records.
func identMerge(t, s []store.Record, include func(store.Record) bool, drop func(store.Record) bool) ([]store.Record, []bool) {
	sBy := map[string]store.Record{}
	for _, rec := range s {
		if include != nil && !include(rec) {
			continue
		}
		if _, dup := sBy[rec.Ident]; !dup {
			sBy[rec.Ident] = rec
		}
	}
	var out []store.Record
	var fromT []bool
	inT := map[string]bool{}
	for _, rec := range t {
		inT[rec.Ident] = true
		if srec, ok := sBy[rec.Ident]; ok {
			out, fromT = append(out, srec), append(fromT, false)
			continue
		}
		if drop != nil && drop(rec) {
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

// decideComponents decides the result's components when tasks are imported, and
// records every result component's _id for rewriting utterances.
func (m *merger) decideComponents(ctx context.Context, tLinks []store.Link) error {
	m.compFromS = map[string]bool{}
	m.components = map[string]store.Record{}
	m.tCompIDs, m.tCompByID = map[string]string{}, map[string]string{}
	t := m.t[memberKey(botdef.FileDefinition, "dialogComponents")]
	// The target components' _ids are in their bodies.
	err := m.r.s.cfg.Store.Records(ctx, m.acct, m.r.bot.VersionID, botdef.FileDefinition, "dialogComponents", func(rec *store.Record) error {
		f, err := botdef.Fields(rec.Body)
		if err != nil {
			return err
		}
		id := unquote(botdef.Get(f, "_id"))
		m.tCompIDs[rec.Ident], m.tCompByID[id] = id, rec.Ident
		return nil
	})
	if err != nil {
		return err
	}
	for _, rec := range t {
		m.components[rec.Ident] = rec
	}
	if !m.o.Selects(botdef.GroupBotTask) {
		return nil
	}
	// The same plan as the validator's when it knows the selection
	// (resultTarget), so what it checked is what is written.
	_, write, deleted := m.r.def.ComponentPlan(dialogUses(tLinks))
	for _, rec := range m.s[memberKey(botdef.FileDefinition, "dialogComponents")] {
		if write[rec.Ident] {
			m.components[rec.Ident] = rec
			m.compFromS[rec.Ident] = true
		}
	}
	for c := range deleted {
		delete(m.components, c)
	}
	return nil
}

// dialogUses lists the components each dialog of a version uses, by
// identity, from the version's links.
func dialogUses(links []store.Link) map[string][]string {
	uses := map[string][]string{}
	for _, l := range links {
		if l.FromKind == botdef.KindDialog && l.ToKind == botdef.KindComponent {
			uses[l.FromIdent] = append(uses[l.FromIdent], l.ToIdent)
		}
	}
	return uses
}

// resultTarget is what the target contributes to the reference checks of
// an incremental import, with what the checks need to resolve the selected
// parts of the file against the result (export-format.md section 5: "file
// merged with target"): the selection, and when tasks are imported the
// target's components and the components each of its dialogs uses, which
// decide what the merge keeps (decideComponents). botDefinition passes it
// as the bundle.Options.Target of an incremental import.
func (r *run) resultTarget(ctx context.Context) (*botdef.Target, error) {
	t, err := r.target(ctx)
	if err != nil {
		return nil, err
	}
	t.Selects = r.req.Options.Selects
	if !r.req.Options.Selects(botdef.GroupBotTask) {
		return t, nil
	}
	st := r.s.cfg.Store
	links, err := st.Links(ctx, r.bot.VersionID)
	if err != nil {
		return nil, err
	}
	t.DialogComponents = dialogUses(links)
	t.Components = map[string]botdef.TargetComponent{}
	err = st.Records(ctx, r.imp.AccountID, r.bot.VersionID, botdef.FileDefinition, "dialogComponents", func(rec *store.Record) error {
		f, err := botdef.Fields(rec.Body)
		if err != nil {
			return err
		}
		t.Components[rec.Ident] = botdef.TargetComponent{ID: unquote(botdef.Get(f, "_id")),
			Name: unquote(botdef.Get(f, "name")), Type: unquote(botdef.Get(f, "type"))}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return t, nil
}

// orderedComponents lists the result components: the target's in its order
// (replaced in place), then the file's new ones in file order.
func (m *merger) orderedComponents(t, s []store.Record) []store.Record {
	var out []store.Record
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
		return m.r.def.ComponentID(ident)
	}
	return m.tCompIDs[ident]
}

// readElements collects the array elements of a member's records.
func (m *merger) readElements(ctx context.Context, vid, member string) ([][]byte, error) {
	var out [][]byte
	err := m.r.s.cfg.Store.Records(ctx, m.acct, vid, botdef.FileDefinition, member, func(rec *store.Record) error {
		r := botdef.Record{Member: rec.Member, Seq: rec.Seq, Count: rec.Count, Body: rec.Body}
		return botdef.Elements(&r, func(el []byte) error {
			out = append(out, bytes.Clone(el))
			return nil
		})
	})
	return out, err
}

// nlp merges utterances or patterns. With s nil, only the target's of
// surviving components are kept.
func (m *merger) nlp(ctx context.Context, member string, t, s []store.Record) error {
	scope := m.replaceScope()
	var tEls, sEls [][]byte
	var err error
	if len(t) > 0 {
		if tEls, err = m.readElements(ctx, m.r.bot.VersionID, member); err != nil {
			return err
		}
	}
	if s != nil {
		if sEls, err = m.readElements(ctx, m.r.vid, member); err != nil {
			return err
		}
	}
	var out [][]byte
	if member == "sentences" {
		out, err = m.utterances(tEls, sEls, s != nil, scope)
	} else {
		out, err = m.patterns(tEls, sEls, s != nil, scope)
	}
	if err != nil {
		return err
	}
	kind := botdef.CollectionKind(member)
	if member == "sentences" {
		const chunk = 1000
		for seq, i := 0, 0; i < len(out); seq, i = seq+1, i+chunk {
			part := out[i:min(i+chunk, len(out))]
			body := append([]byte{'['}, bytes.Join(part, []byte{','})...)
			body = append(body, ']')
			m.fresh = append(m.fresh, freshRecord(botdef.FileDefinition, member, seq, kind, member+"#"+strconv.Itoa(seq), "", "", len(part), body))
		}
		for _, f := range m.fresh {
			if f.Member == member {
				m.out = append(m.out, f)
			}
		}
		for intent := range m.intents {
			m.links = append(m.links, store.Link{FromKind: kind, FromIdent: member, ToKind: botdef.KindComponent, ToIdent: intent})
		}
		return nil
	}
	for seq, el := range out {
		f, _ := botdef.Fields(el)
		ref := unquote(botdef.Get(f, "refId"))
		m.links = append(m.links, store.Link{FromKind: kind, FromIdent: ref, ToKind: botdef.KindComponent, ToIdent: ref})
		rec := freshRecord(botdef.FileDefinition, member, seq, kind, ref, ref, "", 1, el)
		m.fresh = append(m.fresh, rec)
		m.out = append(m.out, rec)
	}
	return nil
}

func freshRecord(file, member string, seq int, kind, ident, ref, name string, count int, body []byte) store.Record {
	sum := sha256.Sum256(body)
	return store.Record{File: file, Member: member, Seq: seq, Kind: kind, Ident: ident, RefID: ref, Name: name, Count: count, Hash: sum[:], Body: body}
}

// replaceScope returns the intents whose utterances and patterns a replace
// removes: those of the imported tasks when tasks are imported, else nil
// (meaning all).
func (m *merger) replaceScope() map[string]bool {
	if !m.o.Selects(botdef.GroupBotTask) {
		return nil
	}
	scope := map[string]bool{}
	for c := range m.compFromS {
		scope[c] = true
	}
	return scope
}

func inScope(scope map[string]bool, ident string) bool { return scope == nil || scope[ident] }

// utterances merges sentences by (intent, language, text).
func (m *merger) utterances(tEls, sEls [][]byte, fromFile bool, scope map[string]bool) ([][]byte, error) {
	replace := m.o.ReplaceUtterances && fromFile
	key := func(intent string, f []botdef.Field) string {
		return intent + "\x00" + unquote(botdef.Get(f, "language")) + "\x00" + unquote(botdef.Get(f, "sentence"))
	}
	var out [][]byte
	seen := map[string]bool{}
	ids := map[string]bool{} // _ids of the result's utterances
	for _, el := range tEls {
		f, err := botdef.Fields(el)
		if err != nil {
			return nil, err
		}
		intent := m.tCompByID[unquote(botdef.Get(f, "taskId"))]
		if _, ok := m.components[intent]; !ok {
			continue // its intent is gone
		}
		if replace && inScope(scope, intent) {
			continue
		}
		seen[key(intent, f)] = true
		ids[unquote(botdef.Get(f, "_id"))] = true
		out = append(out, m.rewriteIDs(el, f, func(id string) string { return m.tCompByID[id] }))
		m.intents[intent] = true
	}
	for _, el := range sEls {
		f, err := botdef.Fields(el)
		if err != nil {
			return nil, err
		}
		intent := m.r.def.ComponentIdent(unquote(botdef.Get(f, "taskId")))
		if _, ok := m.components[intent]; !ok {
			continue // the intent is not in the result (a stub of a task not imported)
		}
		k := key(intent, f)
		if seen[k] {
			continue
		}
		seen[k] = true
		if id := unquote(botdef.Get(f, "_id")); id != "" {
			if ids[id] {
				// The bot keeps another utterance with this _id (the file's
				// text was edited, or another bot reused it): _ids stay
				// unique, as the platform's would (it assigns its own).
				id = freshUtteranceID(id, k, ids)
				f = botdef.Set(f, "_id", quote(id))
				el = botdef.Object(f)
			}
			ids[id] = true
		}
		out = append(out, m.rewriteIDs(el, f, m.r.def.ComponentIdent))
		m.intents[intent] = true
	}
	return out, nil
}

// freshUtteranceID derives a new _id of the platform's shape (24 hex) for
// an utterance whose _id is taken, from that _id and the utterance's
// identity: importing the same file again gives the same _id.
func freshUtteranceID(id, identity string, taken map[string]bool) string {
	for n := 0; ; n++ {
		sum := sha256.Sum256([]byte(id + "\x00" + identity + "\x00" + strconv.Itoa(n)))
		if fresh := hex.EncodeToString(sum[:12]); !taken[fresh] {
			return fresh
		}
	}
}

// rewriteIDs points an utterance's taskId and entity ids at the result's
// components: a file from another bot may use other _ids for the same
// refIds. An utterance that needs no change is returned as it was.
func (m *merger) rewriteIDs(el []byte, f []botdef.Field, identOf func(id string) string) []byte {
	changed := false
	if id := unquote(botdef.Get(f, "taskId")); id != "" {
		if nid := m.componentID(identOf(id)); nid != "" && nid != id {
			f = botdef.Set(f, "taskId", quote(nid))
			changed = true
		}
	}
	if ents := botdef.Get(f, "entities"); len(ents) > 0 && ents[0] == '[' {
		var list []json.RawMessage
		if err := json.Unmarshal(ents, &list); err == nil {
			entChanged := false
			for i, e := range list {
				ef, err := botdef.Fields(e)
				if err != nil {
					continue
				}
				if id := unquote(botdef.Get(ef, "entityId")); id != "" {
					if nid := m.componentID(identOf(id)); nid != "" && nid != id {
						list[i] = botdef.Object(botdef.Set(ef, "entityId", quote(nid)))
						entChanged = true
					}
				}
			}
			if entChanged {
				f = botdef.Set(f, "entities", compactArray(list))
				changed = true
			}
		}
	}
	if !changed {
		return el
	}
	return botdef.Object(f)
}

// patterns merges pattern entries per component and language.
func (m *merger) patterns(tEls, sEls [][]byte, fromFile bool, scope map[string]bool) ([][]byte, error) {
	replace := m.o.ReplacePatterns && fromFile
	sBy := map[string][]botdef.Field{}
	var sOrder []string
	for _, el := range sEls {
		f, err := botdef.Fields(el)
		if err != nil {
			return nil, err
		}
		ref := unquote(botdef.Get(f, "refId"))
		if _, ok := m.components[ref]; !ok {
			continue
		}
		if _, dup := sBy[ref]; !dup {
			sOrder = append(sOrder, ref)
		}
		sBy[ref] = f
	}
	var out [][]byte
	done := map[string]bool{}
	for _, el := range tEls {
		f, err := botdef.Fields(el)
		if err != nil {
			return nil, err
		}
		ref := unquote(botdef.Get(f, "refId"))
		if _, ok := m.components[ref]; !ok {
			continue
		}
		sf, ok := sBy[ref]
		if !ok {
			if replace && scope != nil && scope[ref] {
				continue // an imported task whose patterns the file replaces with none
			}
			out = append(out, el)
			continue
		}
		done[ref] = true
		merged, err := mergePatternLocales(f, sf, replace)
		if err != nil {
			return nil, err
		}
		out = append(out, merged)
	}
	for _, ref := range sOrder {
		if !done[ref] {
			out = append(out, botdef.Object(sBy[ref]))
		}
	}
	return out, nil
}

// mergePatternLocales merges the file's localeData into the target's entry:
// per language, replace takes the file's lists, append adds the values the
// target lacks.
func mergePatternLocales(t, s []botdef.Field, replace bool) ([]byte, error) {
	tl, sl := botdef.Get(t, "localeData"), botdef.Get(s, "localeData")
	if len(sl) == 0 || sl[0] != '{' {
		return botdef.Object(t), nil
	}
	var tLangs []botdef.Field
	if len(tl) > 0 && tl[0] == '{' {
		var err error
		if tLangs, err = botdef.Fields(tl); err != nil {
			return nil, err
		}
	}
	sLangs, err := botdef.Fields(sl)
	if err != nil {
		return nil, err
	}
	for _, lang := range sLangs {
		cur := botdef.Get(tLangs, lang.Name)
		if replace || len(cur) == 0 || cur[0] != '{' || lang.Value[0] != '{' {
			tLangs = botdef.Set(tLangs, lang.Name, lang.Value)
			continue
		}
		cf, err := botdef.Fields(cur)
		if err != nil {
			return nil, err
		}
		nf, err := botdef.Fields(lang.Value)
		if err != nil {
			return nil, err
		}
		for _, list := range []string{"patterns", "negativePatterns"} {
			// A list neither side has stays absent: {"en":{}} merged with
			// {"en":{}} is {"en":{}}, as received.
			if a, b := botdef.Get(cf, list), botdef.Get(nf, list); a != nil || b != nil {
				cf = botdef.Set(cf, list, appendByValue(a, b))
			}
		}
		tLangs = botdef.Set(tLangs, lang.Name, botdef.Object(cf))
	}
	return botdef.Object(botdef.Set(t, "localeData", botdef.Object(tLangs))), nil
}

// appendByValue appends to list a the elements of b whose "value" a lacks.
func appendByValue(a, b jsontext.Value) jsontext.Value {
	var al, bl []json.RawMessage
	_ = json.Unmarshal(a, &al)
	if err := json.Unmarshal(b, &bl); err != nil || len(bl) == 0 {
		if a == nil {
			return jsontext.Value("[]")
		}
		return a
	}
	have := map[string]bool{}
	for _, e := range al {
		if f, err := botdef.Fields(e); err == nil {
			have[unquote(botdef.Get(f, "value"))] = true
		}
	}
	for _, e := range bl {
		f, err := botdef.Fields(e)
		if err != nil {
			continue
		}
		if v := unquote(botdef.Get(f, "value")); !have[v] {
			have[v] = true
			al = append(al, e)
		}
	}
	return compactArray(al)
}

// localeData merges bot synonyms, concepts and confidence settings from the
// file into the target's localeData, per language the target has.
func (m *merger) localeData(ctx context.Context, t, s []store.Record) error {
	syn, con, nlp := m.o.Selects(botdef.GroupSynonyms), m.o.Selects(botdef.GroupConcepts), m.o.Selects(botdef.GroupNLPSettings)
	if len(s) == 0 || !(syn || con || nlp) {
		m.emit(botdef.FileDefinition, "localeData", t, []bool{true})
		return nil
	}
	body := func(vid string) ([]byte, error) {
		var b []byte
		err := m.r.s.cfg.Store.Records(ctx, m.acct, vid, botdef.FileDefinition, "localeData", func(rec *store.Record) error {
			b = bytes.Clone(rec.Body)
			return nil
		})
		return b, err
	}
	tb, err := body(m.r.bot.VersionID)
	if err != nil {
		return err
	}
	sb, err := body(m.r.vid)
	if err != nil {
		return err
	}
	tLangs, err := botdef.Fields(tb)
	if err != nil {
		return err
	}
	sLangs, err := botdef.Fields(sb)
	if err != nil {
		return err
	}
	for i, lang := range tLangs {
		sv := botdef.Get(sLangs, lang.Name)
		if len(sv) == 0 || sv[0] != '{' || lang.Value[0] != '{' {
			continue
		}
		tf, err := botdef.Fields(lang.Value)
		if err != nil {
			return err
		}
		sf, err := botdef.Fields(sv)
		if err != nil {
			return err
		}
		if nlp {
			if v := botdef.Get(sf, "confidenceConfigs"); v != nil {
				tf = botdef.Set(tf, "confidenceConfigs", v)
			}
		}
		if syn || con {
			tf = botdef.Set(tf, "synonyms", mergeSynonyms(botdef.Get(tf, "synonyms"), botdef.Get(sf, "synonyms"), syn, con))
		}
		tLangs[i].Value = botdef.Object(tf)
	}
	merged := botdef.Object(tLangs)
	rec := freshRecord(botdef.FileDefinition, "localeData", 0, botdef.KindSetting, "localeData", "", "localeData", 0, merged)
	m.fresh = append(m.fresh, rec)
	m.out = append(m.out, rec)
	return nil
}

// mergeSynonyms replaces the word keys (synonyms) and/or the ~ keys
// (concepts) of the target's synonyms with the file's.
func mergeSynonyms(t, s jsontext.Value, words, concepts bool) jsontext.Value {
	var tf, sf []botdef.Field
	if len(t) > 0 && t[0] == '{' {
		tf, _ = botdef.Fields(t)
	}
	if len(s) > 0 && s[0] == '{' {
		sf, _ = botdef.Fields(s)
	}
	replaced := func(name string) bool {
		if strings.HasPrefix(name, "~") {
			return concepts
		}
		return words
	}
	var out []botdef.Field
	for _, f := range tf {
		if !replaced(f.Name) {
			out = append(out, f)
		}
	}
	for _, f := range sf {
		if replaced(f.Name) {
			out = append(out, f)
		}
	}
	return botdef.Object(out)
}

func unquote(v jsontext.Value) string {
	if len(v) == 0 || v[0] != '"' {
		return ""
	}
	s, err := jsontext.AppendUnquote(nil, v)
	if err != nil {
		return ""
	}
	return string(s)
}

func quote(s string) jsontext.Value {
	b, _ := jsontext.AppendQuote(nil, s)
	return b
}

func compactArray(list []json.RawMessage) jsontext.Value {
	b := []byte{'['}
	for i, e := range list {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, e...)
	}
	return append(b, ']')
}
