package exporter

import (
	"bytes"
	"encoding/json"
	"slices"
	"strings"

	"github.com/botport/botport/internal/importer"
	"github.com/botport/botport/internal/kore"
)

// Export types. botport has no separate published state: both export the
// bot's current version, and the request's type is echoed.
const (
	TypeLatest    = "latest"
	TypePublished = "published"
)

// Request is an accepted export request. It is stored with the export, so a
// retried job builds exactly what was accepted.
type Request struct {
	ExportType string   `json:"exportType"`
	Options    *Options `json:"options,omitempty"` // nil: everything
	// Dialogs is subTasks.dialogs: names, dg- ids or refIds of the dialogs
	// to export. Empty: every dialog.
	Dialogs          []string `json:"dialogs,omitempty"`
	IncludeDependent bool     `json:"includeDependent,omitempty"`
	// Echo is the exportOptions member written into botDefinition.json;
	// nil keeps the stored one (an export of everything changes no byte).
	Echo json.RawMessage `json:"echo,omitempty"`
}

// Options is exportOptions: the groups an export carries. A nil *Options
// selects everything.
type Options struct {
	Tasks    []string `json:"tasks,omitempty"`
	NLPData  []string `json:"nlpData,omitempty"`
	Settings []string `json:"settings,omitempty"`
	// IgnoreVariables are the env and content variable keys left out
	// (options.botVariables.ignore).
	IgnoreVariables            []string `json:"ignoreVariables,omitempty"`
	IgnoreEnvironmentVariables bool     `json:"ignoreEnvironmentVariables,omitempty"`
	IgnoreContentVariables     bool     `json:"ignoreContentVariables,omitempty"`
}

// Has reports whether the options select group, a botdef group name such
// as botdef.GroupBotTask ("tasks:botTask"). Nil options select every group.
func (o *Options) Has(group string) bool {
	if o == nil {
		return true
	}
	list, value, _ := strings.Cut(group, ":")
	switch list {
	case "tasks":
		return slices.Contains(o.Tasks, value)
	case "nlpData":
		return slices.Contains(o.NLPData, value)
	case "settings":
		return slices.Contains(o.Settings, value)
	}
	return false
}

// Empty reports whether the options select no component.
func (o *Options) Empty() bool {
	return o != nil && len(o.Tasks) == 0 && len(o.NLPData) == 0 && len(o.Settings) == 0
}

// ParseOptions reads exportOptions, given as its members: the selection
// lists (values matched as imports match them, unknown ones dropped) and
// options.botVariables. A list or option of the wrong shape is
// kore.ErrValidation. The result may select nothing, which Start refuses
// (after the bot id, as contract 1.6 orders the checks). The request's other
// field rules are the HTTP layer's.
func ParseOptions(exportOptions map[string]json.RawMessage) (*Options, error) {
	return parseOptions(exportOptions)
}

// parseOptions reads the selection lists and options.botVariables.
func parseOptions(m map[string]json.RawMessage) (*Options, error) {
	o := &Options{}
	for _, g := range []struct {
		name string
		dst  *[]string
	}{{"tasks", &o.Tasks}, {"nlpData", &o.NLPData}, {"settings", &o.Settings}} {
		vals, err := stringList(m[g.name])
		if err != nil {
			return nil, err
		}
		for _, v := range vals {
			// Unknown values are dropped, as imports drop them: the result
			// may select nothing, which Start refuses.
			if canon, ok := importer.OptionValue(g.name, v); ok && !slices.Contains(*g.dst, canon) {
				*g.dst = append(*g.dst, canon)
			}
		}
	}
	if isNull(m["options"]) {
		return o, nil
	}
	var sub map[string]json.RawMessage
	if err := json.Unmarshal(m["options"], &sub); err != nil || sub == nil {
		return nil, kore.ErrValidation
	}
	if isNull(sub["botVariables"]) {
		return o, nil
	}
	var bv map[string]json.RawMessage
	if err := json.Unmarshal(sub["botVariables"], &bv); err != nil || bv == nil {
		return nil, kore.ErrValidation
	}
	var err error
	if o.IgnoreVariables, err = stringList(bv["ignore"]); err != nil {
		return nil, err
	}
	for name, dst := range map[string]*bool{"ignoreEnvironmentVariables": &o.IgnoreEnvironmentVariables, "ignoreContentVariables": &o.IgnoreContentVariables} {
		if isNull(bv[name]) {
			continue
		}
		if err := json.Unmarshal(bv[name], dst); err != nil {
			return nil, kore.ErrValidation
		}
	}
	return o, nil
}

// stringList decodes an array of strings; absent or null is nil, anything else
// is a validation error.
func stringList(raw json.RawMessage) ([]string, error) {
	if isNull(raw) {
		return nil, nil
	}
	var out []string
	if err := json.Unmarshal(raw, &out); err != nil {
		return nil, kore.ErrValidation
	}
	return out, nil
}

func isNull(raw json.RawMessage) bool {
	raw = bytes.TrimSpace(raw)
	return len(raw) == 0 || string(raw) == "null"
}
