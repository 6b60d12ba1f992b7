// Package variables exports and imports a bot's variables (contract 4.11):
// its environment variables (config.json envVariables) and content
// variables (botDefinition.json contentVariables). An import writes one new
// version in one transaction through botversion (staged by "variables"),
// so it is atomic and serialized with imports like a bot-functions write.
//
// Values are secrets as far as logs are concerned: nothing here logs or
// quotes a value, and refusals say which item and field is wrong, never
// what it holds.
package variables

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"time"

	"github.com/botport/botport/internal/botdef"
	"github.com/botport/botport/internal/botversion"
	"github.com/botport/botport/internal/kore"
	"github.com/botport/botport/internal/store"
)

// Variable types, as variableType spells them.
const (
	TypeEnv    = "env"    // an environment variable, in config.json
	TypeLocale = "locale" // a content variable, in botDefinition.json
)

// Store is what the variables APIs need of the store (store.Store has it).
type Store interface {
	botversion.Store
	Version(ctx context.Context, accountID, versionID string) (*store.Version, error)
	Records(ctx context.Context, accountID, versionID, file, member string, fn func(*store.Record) error) error
}

// Config is the service's dependencies.
type Config struct {
	Store  Store
	Logger *slog.Logger
	Now    func() time.Time // defaults to time.Now
	// BusyWait bounds how long an import of variables waits for a bot an
	// import holds before answering kore.ErrBusy (default 5 s).
	BusyWait time.Duration
}

// Service exports and imports bot variables.
type Service struct {
	cfg      Config
	log      *slog.Logger
	versions *botversion.Writer
}

// New returns a Service.
func New(cfg Config) *Service {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	return &Service{cfg: cfg, log: cfg.Logger,
		versions: botversion.New(botversion.Config{Store: cfg.Store, Now: cfg.Now, Logger: cfg.Logger, BusyWait: cfg.BusyWait})}
}

// Variable is one variable as the export answers it, in the platform's
// field order.
type Variable struct {
	Key            string          `json:"key"`
	Value          *string         `json:"value,omitempty"` // env variables only
	Hint           string          `json:"hint"`
	AudioTag       string          `json:"audioTag"`
	VariableType   string          `json:"variableType"`
	Scope          string          `json:"scope"`
	Group          string          `json:"group"`
	PropagateValue bool            `json:"propagateValue"`
	VNameSpace     *[]Namespace    `json:"vNameSpace,omitempty"` // when the bot has namespaces
	IsSecured      bool            `json:"isSecured"`
	LocaleData     json.RawMessage `json:"localeData,omitempty"` // content variables only, as stored
}

// Namespace names a namespace a variable belongs to.
type Namespace struct {
	Name  string `json:"name"`
	RefID string `json:"refId"`
}

// stored is what the export reads of a stored variable. Fields botport
// only reads tolerate other JSON types (a platform quirk must not fail an
// export); the value goes out exactly as stored.
type stored struct {
	Key            string          `json:"key"`
	Value          json.RawMessage `json:"value"`
	Hint           json.RawMessage `json:"hint"`
	AudioTag       json.RawMessage `json:"audioTag"`
	Scope          json.RawMessage `json:"scope"`
	Group          json.RawMessage `json:"group"`
	PropagateValue json.RawMessage `json:"propagateValue"`
	VNameSpace     json.RawMessage `json:"vNameSpace"`
	IsSecured      json.RawMessage `json:"isSecured"`
	LocaleData     json.RawMessage `json:"localeData"`
}

func text(raw json.RawMessage) string {
	var s string
	_ = json.Unmarshal(raw, &s)
	return s
}

func truth(raw json.RawMessage) bool {
	var b bool
	_ = json.Unmarshal(raw, &b)
	return b
}

// refs reads a stored vNameSpace: namespace refIds (or objects with one).
func refs(raw json.RawMessage) []string {
	var els []json.RawMessage
	_ = json.Unmarshal(raw, &els)
	out := []string{}
	for _, el := range els {
		var s string
		if json.Unmarshal(el, &s) != nil {
			var o struct {
				RefID string `json:"refId"`
			}
			_ = json.Unmarshal(el, &o)
			s = o.RefID
		}
		if s != "" {
			out = append(out, s)
		}
	}
	return out
}

// Export answers the bot's current variables: environment variables, then
// content variables, each in definition order. Values are returned as
// stored: the caller holds the bot_variables scope. Errors:
// kore.ErrStreamID (unknown bot, or another account's); faults.
func (s *Service) Export(ctx context.Context, app *store.App, botID string) ([]Variable, error) {
	bot, err := s.cfg.Store.Bot(ctx, app.AccountID, botID)
	if errors.Is(err, store.ErrNotFound) {
		return nil, kore.ErrStreamID
	}
	if err != nil {
		return nil, err
	}
	st := s.cfg.Store
	names := map[string]string{}
	hasNS := false
	err = st.Records(ctx, app.AccountID, bot.VersionID, botdef.FileDefinition, "namespaces", func(r *store.Record) error {
		var ns struct{ Name, RefID string }
		_ = json.Unmarshal(r.Body, &ns)
		names[ns.RefID], hasNS = ns.Name, true
		return nil
	})
	if err != nil {
		return nil, err
	}
	out := []Variable{}
	add := func(typ string) func(*store.Record) error {
		return func(r *store.Record) error {
			var v stored
			_ = json.Unmarshal(r.Body, &v) // a stored element is an object; its fields may vary in type
			out = append(out, s.variable(typ, &v, hasNS, names))
			return nil
		}
	}
	if err := st.Records(ctx, app.AccountID, bot.VersionID, botdef.FileConfig, "envVariables", add(TypeEnv)); err != nil {
		return nil, err
	}
	if err := st.Records(ctx, app.AccountID, bot.VersionID, botdef.FileDefinition, "contentVariables", add(TypeLocale)); err != nil {
		return nil, err
	}
	return out, nil
}

func (s *Service) variable(typ string, v *stored, hasNS bool, names map[string]string) Variable {
	out := Variable{Key: v.Key, Hint: text(v.Hint), AudioTag: text(v.AudioTag), VariableType: typ, Scope: text(v.Scope),
		Group: text(v.Group), PropagateValue: truth(v.PropagateValue), IsSecured: truth(v.IsSecured)}
	if typ == TypeEnv {
		val := text(v.Value)
		out.Value = &val
	} else {
		out.LocaleData = v.LocaleData
		if len(out.LocaleData) == 0 || out.LocaleData[0] != '{' {
			out.LocaleData = json.RawMessage(`{}`)
		}
	}
	if hasNS {
		ns := []Namespace{}
		for _, ref := range refs(v.VNameSpace) {
			ns = append(ns, Namespace{Name: names[ref], RefID: ref})
		}
		out.VNameSpace = &ns
	}
	return out
}
