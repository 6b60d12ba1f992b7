package botdef

import (
	"errors"
	"strconv"

	"github.com/go-json-experiment/json/jsontext"
)

// str decodes a JSON string and treats every other JSON value as "": fields
// botport only reads (names, ids) vary in type between exports, and reading
// them must never fail an import.
type str string

func (s *str) UnmarshalJSON(b []byte) error {
	if len(b) > 0 && b[0] == '"' {
		v, err := jsontext.AppendUnquote(nil, b)
		if err != nil {
			return err
		}
		*s = str(v)
	}
	return nil
}

// ident decodes an identity (refId, _id, an utterance's taskId): a string,
// or null for none. Any other type is refused: read as "", it would quietly
// give the element another identity.
type ident string

var errIdentType = errors.New("an identity must be a string")

func (s *ident) UnmarshalJSON(b []byte) error {
	switch {
	case len(b) > 0 && b[0] == '"':
		var v str
		err := v.UnmarshalJSON(b)
		*s = ident(v)
		return err
	case string(b) == "null":
		return nil
	}
	return errIdentType
}

// text decodes a string's content or any other scalar's literal text.
type text string

func (t *text) UnmarshalJSON(b []byte) error {
	if len(b) > 0 && b[0] == '"' {
		var s str
		err := s.UnmarshalJSON(b)
		*t = text(s)
		return err
	}
	if len(b) > 0 && b[0] != '{' && b[0] != '[' {
		*t = text(b)
	}
	return nil
}

// flag decodes JSON true as true and everything else as false.
type flag bool

func (f *flag) UnmarshalJSON(b []byte) error {
	*f = string(b) == "true"
	return nil
}

// strs decodes an array of strings, skipping non-strings; a non-array is empty.
type strs []string

func (s *strs) UnmarshalJSON(b []byte) error {
	*s = nil
	if len(b) == 0 || b[0] != '[' {
		return nil
	}
	var raw []jsontext.Value
	if err := unmarshal(b, &raw); err != nil {
		return err
	}
	for _, v := range raw {
		var x str
		_ = x.UnmarshalJSON(v)
		if len(v) > 0 && v[0] == '"' {
			*s = append(*s, string(x))
		}
	}
	return nil
}

// names decodes localeData-like objects {lang: {name: ...}}, tolerating any
// other shape.
type names map[string]string

func (n *names) UnmarshalJSON(b []byte) error {
	*n = nil
	if len(b) == 0 || b[0] != '{' {
		return nil
	}
	var m map[string]struct {
		Name   str `json:"name"`
		Intent str `json:"intent"`
	}
	if err := unmarshal(b, &m); err != nil {
		return nil
	}
	*n = make(names, len(m))
	for lang, v := range m {
		(*n)[lang] = string(v.Name)
	}
	return nil
}

// Dialog is what botport reads of one dialogs[] element.
type Dialog struct {
	Index int
	ID    string
	RefID string
	LName string
	Names map[string]string // localeData.<lang>.name
	Name  string            // display name, resolved once the default language is known
	Stub  bool              // no nodes member (NLP-only exports)
	Nodes []Node
	NS    []string // vNameSpace
}

// Ident is the dialog's identity: its refId, else its _id.
func (d *Dialog) Ident() string { return firstOf(d.RefID, d.ID, "dialogs#"+strconv.Itoa(d.Index)) }

// Node is a dialog node, or a botAction sub-node.
type Node struct {
	NodeID      string
	Type        string
	ComponentID string
	FlowTaskID  string
	DialogRefID string
	Transitions []Transition
	Nodes       []Node // botAction sub-flow
}

// Transition is one edge out of a node.
type Transition struct {
	Target    *string // default or then
	IfField   *string
	IfIntent  *string
	targetKey string // "default" or "then", for pointers
}

type nodeJSON struct {
	NodeID      str              `json:"nodeId"`
	Type        str              `json:"type"`
	ComponentID str              `json:"componentId"`
	FlowTaskID  str              `json:"flowTaskId"`
	DialogRefID str              `json:"dialogRefId"`
	Transitions []transitionJSON `json:"transitions"`
	Nodes       []nodeJSON       `json:"nodes"`
}

type transitionJSON struct {
	Default *str `json:"default"`
	Then    *str `json:"then"`
	If      *struct {
		Field  *str `json:"field"`
		Intent *str `json:"intent"`
	} `json:"if"`
}

func (n nodeJSON) node() Node {
	out := Node{NodeID: string(n.NodeID), Type: string(n.Type), ComponentID: string(n.ComponentID),
		FlowTaskID: string(n.FlowTaskID), DialogRefID: string(n.DialogRefID)}
	for _, t := range n.Transitions {
		var tr Transition
		switch {
		case t.Default != nil:
			s := string(*t.Default)
			tr.Target, tr.targetKey = &s, "default"
		case t.Then != nil:
			s := string(*t.Then)
			tr.Target, tr.targetKey = &s, "then"
		}
		if t.If != nil {
			if t.If.Field != nil {
				s := string(*t.If.Field)
				tr.IfField = &s
			}
			if t.If.Intent != nil {
				s := string(*t.If.Intent)
				tr.IfIntent = &s
			}
		}
		out.Transitions = append(out.Transitions, tr)
	}
	for _, s := range n.Nodes {
		out.Nodes = append(out.Nodes, s.node())
	}
	return out
}

type dialogJSON struct {
	ID         ident       `json:"_id"`
	RefID      ident       `json:"refId"`
	LName      str         `json:"lname"`
	LocaleData names       `json:"localeData"`
	Nodes      *[]nodeJSON `json:"nodes"`
	NS         strs        `json:"vNameSpace"`
}

// Component is what botport reads of one dialogComponents[] element.
type Component struct {
	Index      int
	ID         string
	RefID      string
	Name       string
	Type       string
	DialogID   string
	ResourceID string
	Idp        string
	Nodes      []Node // botAction sub-flow
	NS         []string
}

// Ident is the component's identity: its refId, else its _id.
func (c *Component) Ident() string {
	return firstOf(c.RefID, c.ID, "dialogComponents#"+strconv.Itoa(c.Index))
}

type componentJSON struct {
	ID         ident      `json:"_id"`
	RefID      ident      `json:"refId"`
	Name       str        `json:"name"`
	Type       str        `json:"type"`
	DialogID   str        `json:"dialogId"`
	ResourceID str        `json:"resourceId"`
	Idp        str        `json:"idp"`
	Nodes      []nodeJSON `json:"nodes"`
	NS         strs       `json:"vNameSpace"`
}

// Named is a form, widget or panel: an element known by refId and name.
type Named struct {
	Index int
	RefID string
	Name  string
	Refs  []string // forms: integrations' dialog refIds; widgets: source dialog; panels: widget refIds
	Comps []string // forms: integrations' component refIds
}

type formJSON struct {
	RefID        ident `json:"refId"`
	Name         str   `json:"name"`
	DisplayName  str   `json:"displayName"`
	Integrations []struct {
		ResourceID   str `json:"resourceId"`
		ResourceMeta struct {
			ComponentID str `json:"componentId"`
		} `json:"resourceMeta"`
	} `json:"integrations"`
}

type widgetJSON struct {
	RefID  ident `json:"refId"`
	Name   str   `json:"name"`
	Source struct {
		Type     str `json:"type"`
		Resource str `json:"resource"`
	} `json:"source"`
}

type panelJSON struct {
	RefID   ident `json:"refId"`
	Name    str   `json:"name"`
	Widgets strs  `json:"widgets"`
}

// Event is one botEvents member.
type Event struct {
	Key     string
	Enabled bool
	Action  string
	Task    string
}

type eventJSON struct {
	Enabled flag `json:"enabled"`
	Action  str  `json:"action"`
	Task    str  `json:"task"`
}

type sentenceJSON struct {
	ID       str   `json:"_id"`
	TaskID   ident `json:"taskId"`
	Language str   `json:"language"`
	Entities []struct {
		EntityID *str `json:"entityId"`
	} `json:"entities"`
}

type graphJSON struct {
	RefID    ident `json:"refId"`
	Name     str   `json:"name"`
	Language str   `json:"language"`
	NS       strs  `json:"vNameSpace"`
	Taxonomy []struct {
		NodeID str  `json:"nodeId"`
		Parent strs `json:"parent"`
	} `json:"taxonomy"`
	Faqs struct {
		Faqs []struct {
			ResponseType str `json:"responseType"`
			DialogRefID  str `json:"dialogRefId"`
		} `json:"faqs"`
	} `json:"faqs"`
}

// identJSON reads the members that identify an element of a member botport
// does not otherwise interpret.
type identJSON struct {
	ID       str  `json:"_id"`
	RefID    str  `json:"refId"`
	Name     str  `json:"name"`
	Key      str  `json:"key"`
	KoreKey  str  `json:"Key"`
	Language str  `json:"language"`
	Type     text `json:"type"`
	NS       strs `json:"vNameSpace"`
	Groups   []struct {
		NS strs `json:"vNameSpace"`
	} `json:"groups"`
	DialogIntents strs `json:"dialogIntents"`
}

func firstOf(vals ...string) string {
	for _, v := range vals {
		if v != "" {
			return v
		}
	}
	return ""
}
