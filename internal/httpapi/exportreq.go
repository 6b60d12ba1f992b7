package httpapi

import (
	"bytes"
	"encoding/json"
	"strings"

	"github.com/botport/botport/internal/botdef"
	"github.com/botport/botport/internal/exporter"
	"github.com/botport/botport/internal/kore"
	"github.com/botport/botport/internal/selection"
)

// exportFields is an export request's fields as read from the body, before
// the field rules of contract 4.6 are applied.
type exportFields struct {
	ExportType            string
	ExportOptions         json.RawMessage // a JSON object, or nil when absent
	SubTasks              json.RawMessage // a JSON object, or nil when absent
	IncludeDependentTasks *bool           // nil when absent
}

// readExportFields reads the fields of POST /bot/{botId}/export. allTasks
// only has to be a boolean: every dialog is exported unless subTasks names
// some. customDashboards and AgentAssist are ignored.
func readExportFields(f *fields) (exportFields, error) {
	var in exportFields
	var err error
	if in.ExportType, err = f.str("exportType"); err != nil {
		return in, err
	}
	if in.ExportOptions, err = f.object("exportOptions"); err != nil {
		return in, err
	}
	if in.SubTasks, err = f.object("subTasks"); err != nil {
		return in, err
	}
	if in.IncludeDependentTasks, err = f.optBool("IncludeDependentTasks"); err != nil {
		return in, err
	}
	if _, err := f.boolean("allTasks"); err != nil {
		return in, err
	}
	return in, nil
}

// exportRequest applies the field rules of contract 4.6; a broken rule is
// kore.ErrValidation (412). The option lists are read by
// selection.Parse. Options that select nothing are not refused here:
// the bot id is checked first (contract 1.6), so the exporter refuses them.
//
// subTasks and IncludeDependentTasks are read at the top level, where the
// platform's docs put them, and also inside exportOptions, where the
// platform's export files echo them (a client may send that object back);
// the top level wins.
func exportRequest(in exportFields) (*exporter.Request, error) {
	req := &exporter.Request{}
	switch t := strings.ToLower(strings.TrimSpace(in.ExportType)); t {
	case exporter.TypeLatest, exporter.TypePublished:
		req.ExportType = t
	default:
		return nil, kore.ErrValidation
	}
	var inner map[string]json.RawMessage
	if in.ExportOptions != nil {
		if err := json.Unmarshal(in.ExportOptions, &inner); err != nil || inner == nil {
			return nil, kore.ErrValidation
		}
		// The same vocabulary as importOptions: unknown values are dropped,
		// and options that select nothing are refused by the exporter.
		opts, err := selection.Parse(in.ExportOptions, nil)
		if err != nil {
			return nil, kore.ErrValidation
		}
		req.Options = opts
	}
	subTasks := in.SubTasks
	if subTasks == nil && !isNull(inner["subTasks"]) {
		subTasks = inner["subTasks"]
	}
	if subTasks != nil {
		dialogs, err := parseSubTasks(subTasks)
		if err != nil {
			return nil, err
		}
		req.Dialogs = dialogs
	}
	dependent := in.IncludeDependentTasks
	if dependent == nil && !isNull(inner["IncludeDependentTasks"]) {
		var b bool
		if err := json.Unmarshal(inner["IncludeDependentTasks"], &b); err != nil {
			return nil, kore.ErrValidation
		}
		dependent = &b
	}
	req.IncludeDependent = dependent != nil && *dependent
	req.Echo = exportEcho(in)
	return req, nil
}

// parseSubTasks checks subTasks and returns its dialogs. alerts, actions
// and forms are checked but not used: alerts and actions are empty in every
// known export, and the platform's frm- form ids match no form.
func parseSubTasks(raw json.RawMessage) ([]string, error) {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(raw, &m); err != nil || m == nil {
		return nil, kore.ErrValidation
	}
	for _, k := range []string{"alerts", "actions", "forms"} {
		if _, err := stringList(m[k]); err != nil {
			return nil, err
		}
	}
	dialogs, err := stringList(m["dialogs"])
	if err != nil {
		return nil, err
	}
	var out []string
	for _, d := range dialogs {
		if d = strings.TrimSpace(d); d != "" {
			out = append(out, d)
		}
	}
	return out, nil
}

// exportEcho builds the exportOptions member of the export: the request's
// exportOptions as sent, in its order, with the top-level subTasks and
// IncludeDependentTasks added (the platform's files carry them there).
// Nothing to echo gives nil.
func exportEcho(in exportFields) json.RawMessage {
	if in.ExportOptions == nil && in.SubTasks == nil && in.IncludeDependentTasks == nil {
		return nil
	}
	var fields []botdef.Field
	if in.ExportOptions != nil {
		f, err := botdef.Fields(in.ExportOptions)
		if err != nil {
			return nil // exportRequest already decoded it
		}
		fields = f
	}
	if in.SubTasks != nil {
		fields = botdef.Set(fields, "subTasks", bytes.TrimSpace(in.SubTasks))
	}
	if in.IncludeDependentTasks != nil {
		v := []byte("false")
		if *in.IncludeDependentTasks {
			v = []byte("true")
		}
		fields = botdef.Set(fields, "IncludeDependentTasks", v)
	}
	return botdef.Object(fields)
}

// stringList decodes an array of strings; absent or null is nil, anything
// else is kore.ErrValidation.
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

// isNull reports whether raw is absent or JSON null.
func isNull(raw json.RawMessage) bool {
	raw = bytes.TrimSpace(raw)
	return len(raw) == 0 || string(raw) == "null"
}
