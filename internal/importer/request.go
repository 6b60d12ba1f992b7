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
// counts as absent). Any importOptions object makes the import incremental
// (export-format.md section 7), so one that selects nothing ({}, only
// options, empty lists, only unknown values) yields a selection that
// selects nothing, which Start refuses with "Please select at least one
// component": it never falls back to a full import, which would delete
// whatever the file lacks. ok is false when a member has the wrong type
// (selection.Parse has the rules, shared with exportOptions).
func ParseOptions(raw, topOptions json.RawMessage) (opts *selection.Selection, ok bool) {
	if raw = bytes.TrimSpace(raw); len(raw) == 0 || string(raw) == "null" || string(raw) == `""` {
		return nil, true
	}
	sel, err := selection.Parse(raw, topOptions)
	return sel, err == nil
}
