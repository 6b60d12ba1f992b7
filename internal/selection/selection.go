package selection

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
)

// Selection is a parsed importOptions or exportOptions object: which groups
// an incremental import takes from the file, or an export carries. A nil
// *Selection selects everything (a full import, an export without
// exportOptions). It is stored with import and export requests, so a
// retried job sees exactly what was accepted.
type Selection struct {
	// Tasks, NLPData and Settings hold canonical values (Value.Name), each
	// once, in request order.
	Tasks    []string `json:"tasks,omitempty"`
	NLPData  []string `json:"nlpData,omitempty"`
	Settings []string `json:"settings,omitempty"`
	// ReplaceUtterances and ReplacePatterns are options.utterances.replace
	// and options.patterns.replace (imports).
	ReplaceUtterances bool `json:"replaceUtterances,omitempty"`
	ReplacePatterns   bool `json:"replacePatterns,omitempty"`
	// IgnoreVariables are the keys of options.botVariables.ignore: env and
	// content variables an import leaves untouched and an export leaves
	// out. IgnoreEnvironmentVariables and IgnoreContentVariables do so for
	// every variable of their kind.
	IgnoreVariables            []string `json:"ignoreVariables,omitempty"`
	IgnoreEnvironmentVariables bool     `json:"ignoreEnvironmentVariables,omitempty"`
	IgnoreContentVariables     bool     `json:"ignoreContentVariables,omitempty"`
}

// any reports whether fn holds for a table value the selection names. Values
// it does not know are skipped (a request stored by an older version may
// hold some). It allocates nothing: the validator asks once per reference.
func (s *Selection) any(fn func(*Value) bool) bool {
	for _, l := range [...]struct {
		list string
		vals []string
	}{{Tasks, s.Tasks}, {NLPData, s.NLPData}, {Settings, s.Settings}} {
		for _, name := range l.vals {
			v := canonical[l.list][name]
			if v == nil {
				v = Lookup(l.list, name)
			}
			if v != nil && fn(v) {
				return true
			}
		}
	}
	return false
}

// Selects reports whether an import with this selection takes group from
// the file: the group's own value is selected, or a value that imports it
// too (botTask imports forms). Nil selects every group.
func (s *Selection) Selects(group string) bool {
	if s == nil {
		return true
	}
	return s.any(func(v *Value) bool { return v.group == group || slices.Contains(v.AlsoImports, group) })
}

// Exports reports whether an export with this selection carries group: the
// group's own value is selected. Nil exports every group.
func (s *Selection) Exports(group string) bool {
	if s == nil {
		return true
	}
	return s.any(func(v *Value) bool { return v.group == group })
}

// Empty reports whether the selection names no value, which imports and
// exports alike refuse with "Please select at least one component". Nil
// (everything) is not empty.
func (s *Selection) Empty() bool {
	return s != nil && !s.any(func(*Value) bool { return true })
}

// IgnoresVariable reports whether a variable is left alone: an env
// variable (config.json) when file is FileConfig, else a content variable.
func (s *Selection) IgnoresVariable(file, key string) bool {
	if s == nil {
		return false
	}
	if file == FileConfig && s.IgnoreEnvironmentVariables || file != FileConfig && s.IgnoreContentVariables {
		return true
	}
	return slices.Contains(s.IgnoreVariables, key)
}

// ErrType is the cause of every Parse error: a member of the options
// object has the wrong type.
var ErrType = errors.New("wrong type")

// Parse reads an options object (importOptions or exportOptions; both follow
// the same rules). The lists take the values of the table, matched
// case-insensitively, legacy aliases mapped; unknown values are dropped,
// so the result may select nothing, which the caller refuses. options
// (utterances, patterns, botVariables) is read from the object, else from
// fallback (the top-level options of older platform pages) when the object
// has none. An error (wrapping ErrType) means raw is not an object or a
// member has the wrong type: lists must be arrays of strings or null,
// options and its members objects or null, flags booleans.
func Parse(raw, fallback json.RawMessage) (*Selection, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || raw[0] != '{' {
		return nil, fmt.Errorf("options: not an object: %w", ErrType)
	}
	var in struct {
		Tasks    json.RawMessage `json:"tasks"`
		NLPData  json.RawMessage `json:"nlpData"`
		Settings json.RawMessage `json:"settings"`
		Options  json.RawMessage `json:"options"`
	}
	if err := json.Unmarshal(raw, &in); err != nil {
		return nil, fmt.Errorf("options: %w", errors.Join(ErrType, err))
	}
	s := &Selection{}
	for _, l := range []struct {
		list string
		raw  json.RawMessage
		dst  *[]string
	}{{Tasks, in.Tasks, &s.Tasks}, {NLPData, in.NLPData, &s.NLPData}, {Settings, in.Settings, &s.Settings}} {
		var vals []string
		if err := json.Unmarshal(orNull(l.raw), &vals); err != nil {
			return nil, fmt.Errorf("options: %s: %w", l.list, errors.Join(ErrType, err))
		}
		for _, spelled := range vals {
			if v := Lookup(l.list, spelled); v != nil && !slices.Contains(*l.dst, v.Name) {
				*l.dst = append(*l.dst, v.Name)
			}
		}
	}
	opts := in.Options
	if isNull(opts) {
		opts = fallback
	}
	if isNull(opts) {
		return s, nil
	}
	var o struct {
		Utterances   *struct{ Replace bool } `json:"utterances"`
		Patterns     *struct{ Replace bool } `json:"patterns"`
		BotVariables *struct {
			Ignore                     []string `json:"ignore"`
			IgnoreEnvironmentVariables bool     `json:"ignoreEnvironmentVariables"`
			IgnoreContentVariables     bool     `json:"ignoreContentVariables"`
		} `json:"botVariables"`
	}
	if b := bytes.TrimSpace(opts); b[0] != '{' {
		return nil, fmt.Errorf("options.options: not an object: %w", ErrType)
	}
	if err := json.Unmarshal(opts, &o); err != nil {
		return nil, fmt.Errorf("options.options: %w", errors.Join(ErrType, err))
	}
	s.ReplaceUtterances = o.Utterances != nil && o.Utterances.Replace
	s.ReplacePatterns = o.Patterns != nil && o.Patterns.Replace
	if bv := o.BotVariables; bv != nil {
		s.IgnoreVariables, s.IgnoreEnvironmentVariables, s.IgnoreContentVariables = bv.Ignore, bv.IgnoreEnvironmentVariables, bv.IgnoreContentVariables
	}
	return s, nil
}

func isNull(raw json.RawMessage) bool {
	raw = bytes.TrimSpace(raw)
	return len(raw) == 0 || string(raw) == "null"
}

func orNull(raw json.RawMessage) json.RawMessage {
	if len(raw) == 0 {
		return json.RawMessage("null")
	}
	return raw
}
