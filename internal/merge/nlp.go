package merge

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"slices"
	"strconv"

	"github.com/go-json-experiment/json/jsontext"

	"github.com/botport/botport/internal/botdef"
	"github.com/botport/botport/internal/selection"
)

// utteranceChunk is the number of utterances per merged record.
const utteranceChunk = 1000

// nlp merges utterances or patterns (member sentences or patterns). With
// s nil (the file brings none), only the target's of surviving components
// are kept, and replace does not apply.
func (m *merger) nlp(member string, s []Record) error {
	scope := m.replaceScope()
	fromFile := s != nil
	if member == "sentences" {
		var sEls [][]byte
		if fromFile {
			sEls = m.in.Source.Bodies.Utterances
		}
		out, err := m.utterances(m.in.Target.Bodies.Utterances, sEls, fromFile, scope)
		if err != nil {
			return err
		}
		m.utteranceRecords(out)
		return nil
	}
	var sEls [][]byte
	if fromFile {
		sEls = m.in.Source.Bodies.Patterns
	}
	out, err := m.patterns(m.in.Target.Bodies.Patterns, sEls, fromFile, scope)
	if err != nil {
		return err
	}
	kind := botdef.CollectionKind(member)
	for seq, el := range out {
		f, _ := botdef.Fields(el)
		ref := unquote(botdef.Get(f, "refId"))
		m.links = append(m.links, botdef.Link{FromKind: kind, FromIdent: ref, ToKind: botdef.KindComponent, ToIdent: ref})
		m.fresh(botdef.Record{File: botdef.FileDefinition, Member: member, Seq: seq, Kind: kind, Ident: ref, RefID: ref, Count: 1, Body: el})
	}
	return nil
}

// utteranceRecords stores merged utterances in chunks, as parsing does,
// with one link per intent.
func (m *merger) utteranceRecords(out [][]byte) {
	const member = "sentences"
	kind := botdef.CollectionKind(member)
	for seq, i := 0, 0; i < len(out); seq, i = seq+1, i+utteranceChunk {
		part := out[i:min(i+utteranceChunk, len(out))]
		body := append([]byte{'['}, bytes.Join(part, []byte{','})...)
		body = append(body, ']')
		m.fresh(botdef.Record{File: botdef.FileDefinition, Member: member, Seq: seq, Kind: kind,
			Ident: member + "#" + strconv.Itoa(seq), Count: len(part), Body: body})
	}
	intents := make([]string, 0, len(m.intents))
	for intent := range m.intents {
		intents = append(intents, intent)
	}
	slices.Sort(intents)
	for _, intent := range intents {
		m.links = append(m.links, botdef.Link{FromKind: kind, FromIdent: member, ToKind: botdef.KindComponent, ToIdent: intent})
	}
}

// replaceScope returns the intents whose utterances and patterns a replace
// removes: those of the imported tasks when tasks are imported, else nil
// (meaning all).
func (m *merger) replaceScope() map[string]bool {
	if !m.sel.Selects(selection.BotTask) {
		return nil
	}
	scope := map[string]bool{}
	for c := range m.compFromS {
		scope[c] = true
	}
	return scope
}

func inScope(scope map[string]bool, ident string) bool { return scope == nil || scope[ident] }

// utterances merges sentences by (intent, language, text). Utterances of
// intents the result lacks are left out.
func (m *merger) utterances(tEls, sEls [][]byte, fromFile bool, scope map[string]bool) ([][]byte, error) {
	replace := m.sel.ReplaceUtterances && fromFile
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
		intent := m.in.File.ComponentIdent(unquote(botdef.Get(f, "taskId")))
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
		out = append(out, m.rewriteIDs(el, f, m.in.File.ComponentIdent))
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
// refIds. identOf maps an _id of the utterance's side to an identity. An
// utterance that needs no change is returned as it was.
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

// patterns merges pattern entries per component and language. Entries of
// components the result lacks are left out.
func (m *merger) patterns(tEls, sEls [][]byte, fromFile bool, scope map[string]bool) ([][]byte, error) {
	replace := m.sel.ReplacePatterns && fromFile
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
