package exporter

import (
	"encoding/json"

	"github.com/botport/botport/internal/selection"
)

// Export types: latest exports the bot's current version, published the
// version its last successful publish made live (contract 4.6). The
// request's type is echoed.
const (
	TypeLatest    = "latest"
	TypePublished = "published"
)

// Request is an accepted export request: the HTTP layer applied the field
// rules of contract 4.6. It is stored with the export, so a retried job
// builds exactly what was accepted.
type Request struct {
	ExportType string               `json:"exportType"`
	Options    *selection.Selection `json:"options,omitempty"` // nil: everything
	// Dialogs is subTasks.dialogs: names, dg- ids or refIds of the dialogs
	// to export. Empty: every dialog.
	Dialogs          []string `json:"dialogs,omitempty"`
	IncludeDependent bool     `json:"includeDependent,omitempty"`
	// Echo is the exportOptions member written into botDefinition.json;
	// nil keeps the stored one (an export of everything changes no byte).
	Echo json.RawMessage `json:"echo,omitempty"`
}
