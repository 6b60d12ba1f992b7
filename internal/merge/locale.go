package merge

import (
	"encoding/json"
	"strings"

	"github.com/go-json-experiment/json/jsontext"

	"github.com/botport/botport/internal/botdef"
	"github.com/botport/botport/internal/selection"
)

// localeSelected reports whether the selection takes a part of localeData
// from the file.
func (in *Input) localeSelected() bool {
	for _, p := range []string{selection.PartSynonyms, selection.PartConcepts, selection.PartConfidence} {
		if in.Selection.Selects(selection.PartGroup(p)) {
			return true
		}
	}
	return false
}

// localeData merges bot synonyms, concepts and confidence settings from the
// file into the target's localeData, per language the target has; the rest
// of localeData (names, descriptions, the languages themselves) is the
// bot's own.
func (m *merger) localeData(t, s []Record) error {
	if len(s) == 0 || !m.in.localeSelected() {
		m.emit(botdef.FileDefinition, "localeData", t, all(len(t), true))
		return nil
	}
	syn := m.sel.Selects(selection.PartGroup(selection.PartSynonyms))
	con := m.sel.Selects(selection.PartGroup(selection.PartConcepts))
	conf := m.sel.Selects(selection.PartGroup(selection.PartConfidence))
	tLangs, err := botdef.Fields(m.in.Target.Bodies.LocaleData)
	if err != nil {
		return err
	}
	sLangs, err := botdef.Fields(m.in.Source.Bodies.LocaleData)
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
		if conf {
			if v := botdef.Get(sf, selection.PartConfidence); v != nil {
				tf = botdef.Set(tf, selection.PartConfidence, v)
			}
		}
		if syn || con {
			tf = botdef.Set(tf, "synonyms", mergeSynonyms(botdef.Get(tf, "synonyms"), botdef.Get(sf, "synonyms"), syn, con))
		}
		tLangs[i].Value = botdef.Object(tf)
	}
	m.fresh(botdef.Record{File: botdef.FileDefinition, Member: "localeData", Kind: botdef.KindSetting, Ident: "localeData",
		Name: "localeData", Body: botdef.Object(tLangs)})
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
