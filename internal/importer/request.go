package importer

import (
	"bytes"
	"encoding/json"

	"github.com/botport/botport/internal/selection"
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
	Mode          string               `json:"mode"`
	BotDefinition string               `json:"botDefinition,omitempty"`
	ConfigInfo    string               `json:"configInfo,omitempty"`
	Icon          string               `json:"icon,omitempty"`
	BotFunctions  []string             `json:"botFunctions,omitempty"`
	ZipInfo       string               `json:"zipInfo,omitempty"`
	Name          string               `json:"name,omitempty"`
	Purpose       string               `json:"purpose,omitempty"`
	Color         string               `json:"color,omitempty"`
	Options       *selection.Selection `json:"importOptions,omitempty"` // nil: a full import
	DryRun        bool                 `json:"dryRun,omitempty"`
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

// ParseOptions reads a request's importOptions (raw) with its top-level
// options (topOptions, the older platform pages' place for them). It
// returns nil for a full import: importOptions absent, null or "" (which
// counts as absent), or an object without any of tasks, nlpData and
// settings (contract 4.3: {} and an object holding only options are full
// imports, as on the platform). An object with at least one of the three
// lists makes the import incremental even when nothing is left once unknown
// values are dropped ({"tasks":[]}, {"nlpData":["rules"]}): Start refuses
// that with "Please select at least one component", never a full import.
// ok is false when a member has the wrong type (selection.Parse has the
// rules, shared with exportOptions).
func ParseOptions(raw, topOptions json.RawMessage) (opts *selection.Selection, ok bool) {
	if raw = bytes.TrimSpace(raw); len(raw) == 0 || string(raw) == "null" || string(raw) == `""` {
		return nil, true
	}
	sel, err := selection.Parse(raw, topOptions)
	if err != nil {
		return nil, false
	}
	var lists map[string]json.RawMessage
	if json.Unmarshal(raw, &lists) != nil {
		return nil, false
	}
	for _, l := range []string{selection.Tasks, selection.NLPData, selection.Settings} {
		if v := bytes.TrimSpace(lists[l]); len(v) > 0 && string(v) != "null" {
			return sel, true
		}
	}
	return nil, true
}
