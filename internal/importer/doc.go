package importer

import (
	"encoding/json"
	"time"

	"github.com/botport/botport/internal/botdef"
	"github.com/botport/botport/internal/kore"
	"github.com/botport/botport/internal/selection"
)

// Stage names (taskType values of contract 5.3) the pipeline writes
// itself; the rows between Bot Definition and importBot, in their order,
// are selection's table (selection.Rows).
const (
	TaskImportRequest = selection.RowImportRequest
	TaskBotDefinition = selection.RowBotDefinition
	TaskDialog        = selection.RowDialog
	TaskImportBot     = selection.RowImportBot
)

// RequestType is the status document's requestType.
const RequestType = "Botimport"

// Doc is the import status document (contract section 5). Field order is
// the platform's; botport's additions come last and are omitted when empty.
type Doc struct {
	ID            string         `json:"_id"`
	Status        string         `json:"status"`
	StreamRefID   string         `json:"streamRefId"`
	StatusLogs    []LogEntry     `json:"statusLogs"`
	CreatedBy     string         `json:"createdBy"`
	RequestType   string         `json:"requestType"`
	CreatedOn     string         `json:"createdOn"`
	V             int            `json:"__v"`
	StreamID      string         `json:"streamId,omitempty"`
	Message       string         `json:"message,omitempty"`
	Summary       *Summary       `json:"summary,omitempty"`
	DryRun        bool           `json:"dryRun,omitempty"`
	Cancelled     bool           `json:"cancelled,omitempty"`
	Changes       []Change       `json:"changes,omitempty"`
	ChangeSummary *ChangeSummary `json:"changeSummary,omitempty"`
}

// LogEntry is one statusLogs element.
type LogEntry struct {
	TaskType string            `json:"taskType"`
	TaskName string            `json:"taskName"`
	Status   string            `json:"status"`
	Message  string            `json:"message,omitempty"`
	Errors   []*botdef.Problem `json:"errors,omitempty"`
	Warnings []*botdef.Problem `json:"warnings,omitempty"`
}

// Summary counts the problems found in the upload (botport addition).
type Summary struct {
	Errors   int `json:"errors"`
	Warnings int `json:"warnings"`
}

// Change is one line of a dry run's preview (botport addition).
type Change struct {
	Kind   string `json:"kind"`
	Ident  string `json:"ident"`
	Name   string `json:"name,omitempty"`
	Action string `json:"action"` // create, update, delete, unchanged
	Detail string `json:"detail,omitempty"`
}

// newDoc is the document of an accepted import: pending, with only the
// importRequest entry (and streamId for an existing bot).
func newDoc(id, streamRefID, createdBy, botName, streamID string, created time.Time) *Doc {
	return &Doc{
		ID:          id,
		Status:      "pending",
		StreamRefID: streamRefID,
		StatusLogs:  []LogEntry{{TaskType: TaskImportRequest, TaskName: botName, Status: "success"}},
		CreatedBy:   createdBy,
		RequestType: RequestType,
		CreatedOn:   kore.FormatTime(created),
		StreamID:    streamID,
	}
}

// Encode writes the document as clients receive it: no HTML escaping, no
// trailing newline.
func (d *Doc) Encode() []byte { return kore.Encode(d) }

// DecodeDoc reads a stored document.
func DecodeDoc(b []byte) (*Doc, error) {
	var d Doc
	if err := json.Unmarshal(b, &d); err != nil {
		return nil, err
	}
	return &d, nil
}
