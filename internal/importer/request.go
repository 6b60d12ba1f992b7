package importer

import (
	"bytes"
	"encoding/json"
	"strings"
)

// Upload modes.
const (
	ModeJSON = "JSON"
	ModeZIP  = "ZIP"
)

// Request is an import request after the HTTP layer checked its syntax and
// field rules. It is stored with the import, so a retried job sees exactly
// what was accepted.
type Request struct {
	Mode          string   `json:"mode"`
	BotDefinition string   `json:"botDefinition,omitempty"`
	ConfigInfo    string   `json:"configInfo,omitempty"`
	Icon          string   `json:"icon,omitempty"`
	BotFunctions  []string `json:"botFunctions,omitempty"`
	ZipInfo       string   `json:"zipInfo,omitempty"`
	Name          string   `json:"name,omitempty"`
	Purpose       string   `json:"purpose,omitempty"`
	Color         string   `json:"color,omitempty"`
	Options       *Options `json:"importOptions,omitempty"`
	DryRun        bool     `json:"dryRun,omitempty"`
}

// FileIDs lists the request's file ids in the contract's checking order:
// botDefinition, configInfo, icon, botFunctions, zipInfo.
func (r *Request) FileIDs() []string {
	var ids []string
	if r.Mode == ModeZIP {
		return append(ids, r.ZipInfo)
	}
	ids = append(ids, r.BotDefinition, r.ConfigInfo)
	if r.Icon != "" {
		ids = append(ids, r.Icon)
	}
	return append(ids, r.BotFunctions...)
}

// Options is importOptions: which groups an incremental import takes from
// the file. A nil *Options is a full import.
type Options struct {
	Tasks             []string `json:"tasks,omitempty"`
	NLPData           []string `json:"nlpData,omitempty"`
	Settings          []string `json:"settings,omitempty"`
	ReplaceUtterances bool     `json:"replaceUtterances,omitempty"`
	ReplacePatterns   bool     `json:"replacePatterns,omitempty"`
	IgnoreVariables   []string `json:"ignoreVariables,omitempty"`
}

// Known selection values, by group, with the platform's legacy aliases.
var (
	taskValues    = values("botTask", "knowledgeGraph", "smallTalk", "forms")
	nlpValues     = values("nlpSettings", "utterances", "patterns", "standardResponses", "synonyms", "concepts", "traits", "rules")
	settingValues = values("botSettings", "botVariables", "ivrSettings", "genAIandLLMSettings")
	nlpAliases    = map[string]string{"training_data": "utterances", "bot_synonyms": "synonyms", "defaultdialog": "nlpSettings"}
)

func values(vs ...string) map[string]string {
	m := make(map[string]string, len(vs))
	for _, v := range vs {
		m[strings.ToLower(v)] = v
	}
	return m
}

// Has reports whether group (tasks, nlpData, settings) selects value.
func (o *Options) Has(group, value string) bool {
	if o == nil {
		return false
	}
	var list []string
	switch group {
	case "tasks":
		list = o.Tasks
	case "nlpData":
		list = o.NLPData
	case "settings":
		list = o.Settings
	}
	for _, v := range list {
		if v == value {
			return true
		}
	}
	return false
}

// Empty reports whether nothing is selected.
func (o *Options) Empty() bool {
	return len(o.Tasks) == 0 && len(o.NLPData) == 0 && len(o.Settings) == 0
}

// ParseOptions reads importOptions. It returns nil for a full import
// (importOptions absent, null or "", which counts as absent) and
// ok=false when a member has the wrong type. Any importOptions object makes
// the import incremental (export-format.md section 7), so one that selects
// nothing ({}, only options, empty lists, only unknown values) yields
// options that select nothing, which the caller refuses with "Please select
// at least one component": it never falls back to a full import, which
// would delete whatever the file lacks. Values match case-insensitively;
// unknown ones are dropped. A top-level options object is used when
// importOptions has none.
func ParseOptions(raw, topOptions json.RawMessage) (opts *Options, ok bool) {
	if raw = bytes.TrimSpace(raw); len(raw) == 0 || string(raw) == "null" || string(raw) == `""` {
		return nil, true
	}
	var in struct {
		Tasks    *json.RawMessage `json:"tasks"`
		NLPData  *json.RawMessage `json:"nlpData"`
		Settings *json.RawMessage `json:"settings"`
		Options  json.RawMessage  `json:"options"`
	}
	if err := json.Unmarshal(raw, &in); err != nil {
		return nil, false
	}
	o := &Options{}
	for _, g := range []struct {
		raw   *json.RawMessage
		known map[string]string
		alias map[string]string
		dst   *[]string
	}{{in.Tasks, taskValues, nil, &o.Tasks}, {in.NLPData, nlpValues, nlpAliases, &o.NLPData}, {in.Settings, settingValues, nil, &o.Settings}} {
		if g.raw == nil || string(*g.raw) == "null" {
			continue
		}
		var vals []string
		if err := json.Unmarshal(*g.raw, &vals); err != nil {
			return nil, false
		}
		seen := map[string]bool{}
		for _, v := range vals {
			lv := strings.ToLower(strings.TrimSpace(v))
			canon, known := g.known[lv]
			if !known && g.alias != nil {
				canon, known = g.alias[lv]
			}
			if known && !seen[canon] {
				seen[canon] = true
				*g.dst = append(*g.dst, canon)
			}
		}
	}
	options := in.Options
	if len(options) == 0 || string(options) == "null" {
		options = topOptions
	}
	if len(options) > 0 && string(options) != "null" {
		var oo struct {
			Utterances   *struct{ Replace bool } `json:"utterances"`
			Patterns     *struct{ Replace bool } `json:"patterns"`
			BotVariables *struct {
				Ignore []string `json:"ignore"`
			} `json:"botVariables"`
		}
		if err := json.Unmarshal(options, &oo); err != nil {
			return nil, false
		}
		o.ReplaceUtterances = oo.Utterances != nil && oo.Utterances.Replace
		o.ReplacePatterns = oo.Patterns != nil && oo.Patterns.Replace
		if oo.BotVariables != nil {
			o.IgnoreVariables = oo.BotVariables.Ignore
		}
	}
	return o, true
}

// OptionValue returns the canonical spelling of a selection value of group
// ("tasks", "nlpData" or "settings"), matched case-insensitively, with the
// platform's legacy nlpData aliases (training_data, bot_synonyms,
// defaultDialog) mapped to the values they stand for. ok is false for a
// value the group does not know. Exports share these tables with imports,
// so both accept exactly the same spellings.
func OptionValue(group, value string) (canon string, ok bool) {
	lv := strings.ToLower(strings.TrimSpace(value))
	switch group {
	case "tasks":
		canon, ok = taskValues[lv]
	case "nlpData":
		if canon, ok = nlpValues[lv]; !ok {
			canon, ok = nlpAliases[lv]
		}
	case "settings":
		canon, ok = settingValues[lv]
	}
	return canon, ok
}
