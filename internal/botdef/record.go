// Package botdef is botport's model of a Kore.ai bot export: it parses
// botDefinition.json and config.json as streams into records (the unit
// botport stores), collects the facts that validation and the import
// pipeline need, validates them with located problems, and writes records
// back out as the platform's bytes.
//
// It knows nothing of HTTP, SQL or jobs.
package botdef

import (
	"encoding/json"
	"fmt"
)

// File names inside an export.
const (
	FileDefinition = "botDefinition.json"
	FileConfig     = "config.json"
	FileIcon       = "icon.png"
)

// Record kinds. Array members of the definition have one kind per member;
// every other member is a KindSetting record.
const (
	KindSetting         = "setting"
	KindDialog          = "dialog"
	KindComponent       = "component"
	KindForm            = "form"
	KindWidget          = "widget"
	KindPanel           = "panel"
	KindWidgetTheme     = "widgetTheme"
	KindKnowledgeGraph  = "knowledgeGraph"
	KindSmallTalk       = "smallTalk"
	KindUtterances      = "utterances"
	KindPattern         = "pattern"
	KindStandardResp    = "standardResponse"
	KindContentVariable = "contentVariable"
	KindEnvVariable     = "envVariable"
	KindNamespace       = "namespace"
	KindIdpConfig       = "idpConfiguration"
	KindCustomTemplate  = "customTemplate"
	KindScene           = "scene"
	KindSceneComponent  = "sceneComponent"
	KindMLParams        = "mlParams"
	KindNLSetting       = "nlSetting"
	KindTrait           = "trait"
	KindEvent           = "event"
	KindIcon            = "icon"
	KindBotFunction     = "botFunction"
	KindOther           = "element" // an element of an array member botport does not interpret
)

// collections maps the definition's array members to their record kinds.
var collections = map[string]string{
	"dialogs":            KindDialog,
	"dialogComponents":   KindComponent,
	"forms":              KindForm,
	"widgets":            KindWidget,
	"panels":             KindPanel,
	"widgetThemes":       KindWidgetTheme,
	"knowledgeTasks":     KindKnowledgeGraph,
	"smallTalk":          KindSmallTalk,
	"sentences":          KindUtterances,
	"patterns":           KindPattern,
	"koraResponses":      KindStandardResp,
	"contentVariables":   KindContentVariable,
	"namespaces":         KindNamespace,
	"idpConfigurations":  KindIdpConfig,
	"customTemplates":    KindCustomTemplate,
	"scenes":             KindScene,
	"sceneComponents":    KindSceneComponent,
	"mlParams":           KindMLParams,
	"advancedNLSettings": KindNLSetting,
	"traits":             KindTrait,
	"actions":            KindOther,
	"alerts":             KindOther,
	"botSentimentEvents": KindOther,
	"unexportedTasks":    KindOther,
	"customDashboards":   KindOther,
	"paramMaps":          KindOther,
	"taskDgParamMaps":    KindOther,
}

// CollectionKind returns the record kind of a definition member that is an
// array of elements, or "" for a member stored as one setting.
func CollectionKind(member string) string { return collections[member] }

// Record is one stored unit of a bot: a top-level member of a file, one
// element of an array member, a run of elements (utterances are stored in
// chunks), or a whole file (icon, bot functions).
type Record struct {
	File   string
	Member string
	Seq    int    // position among the records of Member
	Kind   string // one of the Kind constants
	Ident  string // identity used to match records between versions
	RefID  string
	Name   string // display name, for status entries and listings
	Count  int    // array elements in Body; 0 for a plain value or a file
	Body   []byte // compact JSON, or the file's bytes
}

// Shape says how a member is rebuilt from its records.
type Shape string

// Member shapes.
const (
	ShapeValue  Shape = "v" // one KindSetting record
	ShapeArray  Shape = "a" // records whose bodies are elements (or runs of them)
	ShapeObject Shape = "o" // records whose Ident is the member name, body the value
)

// Member is one top-level member of a file, in file order.
type Member struct {
	Name  string
	Shape Shape
}

// MarshalJSON writes a member as a two-element array, keeping layouts small.
func (m Member) MarshalJSON() ([]byte, error) {
	return json.Marshal([2]string{m.Name, string(m.Shape)})
}

// UnmarshalJSON reads the form MarshalJSON writes.
func (m *Member) UnmarshalJSON(b []byte) error {
	var a [2]string
	if err := json.Unmarshal(b, &a); err != nil {
		return err
	}
	switch Shape(a[1]) {
	case ShapeValue, ShapeArray, ShapeObject:
	default:
		return fmt.Errorf("member %q: unknown shape %q", a[0], a[1])
	}
	m.Name, m.Shape = a[0], Shape(a[1])
	return nil
}

// Layout is the member order of botDefinition.json and config.json, which
// records alone do not carry.
type Layout struct {
	Definition []Member `json:"botDefinition.json"`
	Config     []Member `json:"config.json"`
}
