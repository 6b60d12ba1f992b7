package publish

import (
	"context"
	"encoding/json"

	"github.com/botport/botport/internal/botdef"
	"github.com/botport/botport/internal/store"
)

// Dialog is a dialog of the published version, as the publish answer names
// it.
type Dialog struct {
	ID   string // its dg- _id (its refId when it has none)
	Name string // display name
}

// version is what a publish reads of a version.
type version struct {
	Dialogs  []Dialog
	Channels []string
}

// detail is what a successful publish records (store.Publish.Detail).
type detail struct {
	Channels []string `json:"channels"`
}

func decodeDetail(b []byte) (*detail, error) {
	d := &detail{}
	if len(b) == 0 {
		return d, nil
	}
	return d, json.Unmarshal(b, d)
}

// read reads a version's dialogs and its enabled channels.
func (s *Service) read(ctx context.Context, accountID, vid string) (*version, error) {
	v := &version{Dialogs: []Dialog{}, Channels: []string{}}
	err := s.cfg.Store.Records(ctx, accountID, vid, botdef.FileDefinition, "dialogs", func(r *store.Record) error {
		var d struct {
			ID    string `json:"_id"`
			RefID string `json:"refId"`
		}
		_ = json.Unmarshal(r.Body, &d) // a dialog botport stored is an object; its ids may be absent
		id := d.ID
		if id == "" {
			id = d.RefID
		}
		v.Dialogs = append(v.Dialogs, Dialog{ID: id, Name: r.Name})
		return nil
	})
	if err != nil {
		return nil, err
	}
	err = s.cfg.Store.Records(ctx, accountID, vid, botdef.FileDefinition, "channels", func(r *store.Record) error {
		v.Channels = enabledChannels(r.Body)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return v, nil
}

// enabledChannels lists the types of the channels a definition's channels
// setting enables: each element's type, unless it says it is disabled.
// Any other shape enables none.
func enabledChannels(body []byte) []string {
	var els []map[string]json.RawMessage
	out := []string{}
	if json.Unmarshal(body, &els) != nil {
		return out
	}
	seen := map[string]bool{}
	for _, el := range els {
		var typ string
		if json.Unmarshal(el["type"], &typ) != nil || typ == "" || seen[typ] {
			continue
		}
		disabled := false
		for _, k := range []string{"enable", "enabled", "isEnabled"} {
			var on bool
			if raw, ok := el[k]; ok && json.Unmarshal(raw, &on) == nil && !on {
				disabled = true
			}
		}
		if !disabled {
			seen[typ] = true
			out = append(out, typ)
		}
	}
	return out
}
