package variables

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"unicode/utf8"

	"github.com/botport/botport/internal/botdef"
	"github.com/botport/botport/internal/botversion"
	"github.com/botport/botport/internal/kore"
	"github.com/botport/botport/internal/store"
)

// Scopes a variable may have.
var scopes = map[string]bool{"prePopulated": true, "askOnInstall": true, "hidden": true}

// maxKey bounds a key's length, as the definition parser bounds identities.
const maxKey = 1000

// Item is one variable of an import, checked: the fields it gave, as raw
// JSON in their stored form, and which of them it gave.
type Item struct {
	Key  string
	Type string // TypeEnv or TypeLocale
	// fields are the members to write, in the order a new variable gets
	// them; members the item left out are absent.
	fields []botdef.Field
}

// ItemError says which item of an import is refused and why, without its
// values. The HTTP answer is 412; the text is for logs and tests.
type ItemError struct {
	Index int
	Field string
	Why   string
}

func (e *ItemError) Error() string {
	if e.Index < 0 {
		return "variables import: " + e.Why
	}
	return fmt.Sprintf("variables import: item %d: %s %s", e.Index, e.Field, e.Why)
}

// ParseItems reads an import body: a JSON array of variables, or an object
// whose botVariables member is one. Each item needs key, variableType (env
// or locale) and scope (prePopulated, askOnInstall or hidden), value (a
// string) for env and localeData (an object of objects) for locale; hint,
// audioTag and group must be strings, propagateValue and isSecured
// booleans, vNameSpace an array of namespace refIds or {name, refId}
// objects. Errors: an *ItemError for the first bad item or a body of
// another shape (nothing is written).
func ParseItems(body []byte) ([]Item, error) {
	var list []json.RawMessage
	trimmed := bytes.TrimLeft(body, " \t\r\n")
	if len(trimmed) > 0 && trimmed[0] == '{' {
		var wrapped struct {
			BotVariables *[]json.RawMessage `json:"botVariables"`
		}
		if err := json.Unmarshal(body, &wrapped); err != nil || wrapped.BotVariables == nil {
			return nil, &ItemError{Index: -1, Why: "the body must be an array of variables or {\"botVariables\": [...]}"}
		}
		list = *wrapped.BotVariables
	} else if err := json.Unmarshal(body, &list); err != nil || list == nil {
		return nil, &ItemError{Index: -1, Why: "the body must be an array of variables or {\"botVariables\": [...]}"}
	}
	if len(list) == 0 {
		return nil, &ItemError{Index: -1, Why: "no variables"}
	}
	items := make([]Item, 0, len(list))
	for i, raw := range list {
		it, err := parseItem(i, raw)
		if err != nil {
			return nil, err
		}
		items = append(items, it)
	}
	return items, nil
}

// itemJSON is an item as sent; every member is checked for its type.
type itemJSON struct {
	Key            *json.RawMessage `json:"key"`
	VariableType   *json.RawMessage `json:"variableType"`
	Scope          *json.RawMessage `json:"scope"`
	Value          *json.RawMessage `json:"value"`
	LocaleData     *json.RawMessage `json:"localeData"`
	Hint           *json.RawMessage `json:"hint"`
	AudioTag       *json.RawMessage `json:"audioTag"`
	Group          *json.RawMessage `json:"group"`
	PropagateValue *json.RawMessage `json:"propagateValue"`
	VNameSpace     *json.RawMessage `json:"vNameSpace"`
	IsSecured      *json.RawMessage `json:"isSecured"`
}

func parseItem(i int, raw json.RawMessage) (Item, error) {
	bad := func(field, why string) (Item, error) { return Item{}, &ItemError{Index: i, Field: field, Why: why} }
	if t := bytes.TrimLeft(raw, " \t\r\n"); len(t) == 0 || t[0] != '{' {
		return bad("", "is not an object")
	}
	var in itemJSON
	if err := json.Unmarshal(raw, &in); err != nil {
		return bad("", "is not a valid object")
	}
	str := func(field string, v *json.RawMessage) (string, bool) {
		var s string
		if v == nil || json.Unmarshal(*v, &s) != nil || !utf8.ValidString(s) {
			return "", false
		}
		return s, true
	}
	key, ok := str("key", in.Key)
	if !ok || key == "" || len(key) > maxKey {
		return bad("key", "must be a string of 1 to 1000 bytes")
	}
	typ, ok := str("variableType", in.VariableType)
	if !ok || (typ != TypeEnv && typ != TypeLocale) {
		return bad("variableType", `must be "env" or "locale"`)
	}
	scope, ok := str("scope", in.Scope)
	if !ok || !scopes[scope] {
		return bad("scope", `must be "prePopulated", "askOnInstall" or "hidden"`)
	}
	it := Item{Key: key, Type: typ}
	put := func(name string, v any) {
		it.fields = append(it.fields, botdef.Field{Name: name, Value: marshal(v)})
	}
	optional := map[string]string{}
	for _, o := range []struct {
		name string
		v    *json.RawMessage
	}{{"hint", in.Hint}, {"audioTag", in.AudioTag}, {"group", in.Group}} {
		if o.v == nil {
			continue
		}
		s, ok := str(o.name, o.v)
		if !ok {
			return bad(o.name, "must be a string")
		}
		optional[o.name] = s
	}
	flags := map[string]bool{}
	for _, o := range []struct {
		name string
		v    *json.RawMessage
	}{{"propagateValue", in.PropagateValue}, {"isSecured", in.IsSecured}} {
		if o.v == nil {
			continue
		}
		var b bool
		if json.Unmarshal(*o.v, &b) != nil {
			return bad(o.name, "must be true or false")
		}
		flags[o.name] = b
	}
	var ns []string
	if in.VNameSpace != nil {
		var els []json.RawMessage
		if json.Unmarshal(*in.VNameSpace, &els) != nil || els == nil {
			return bad("vNameSpace", "must be an array")
		}
		ns = []string{}
		for k, el := range els {
			ref, ok := str("vNameSpace", &el)
			if !ok {
				var o struct {
					RefID *json.RawMessage `json:"refId"`
				}
				if json.Unmarshal(el, &o) == nil {
					ref, ok = str("vNameSpace", o.RefID)
				}
			}
			if !ok || ref == "" {
				return bad("vNameSpace/"+strconv.Itoa(k), "must be a namespace refId or an object with one")
			}
			ns = append(ns, ref)
		}
	}
	// Members in the order the platform's exports write them.
	if typ == TypeEnv {
		value, ok := str("value", in.Value)
		if !ok {
			return bad("value", "must be a string")
		}
		put("key", key)
		put("value", value)
		put("variableType", typ)
		for _, n := range []string{"hint", "audioTag"} {
			if s, ok := optional[n]; ok {
				put(n, s)
			}
		}
		put("scope", scope)
		if s, ok := optional["group"]; ok {
			put("group", s)
		}
		if b, ok := flags["propagateValue"]; ok {
			put("propagateValue", b)
		}
		if ns != nil {
			put("vNameSpace", ns)
		}
		if b, ok := flags["isSecured"]; ok {
			put("isSecured", b)
		}
		return it, nil
	}
	if in.LocaleData == nil || !localeData(*in.LocaleData) {
		return bad("localeData", "must be an object of languages, each an object whose value, hint and audioTag are strings")
	}
	if s, ok := optional["group"]; ok {
		put("group", s)
	}
	for _, n := range []string{"hint", "audioTag"} {
		if s, ok := optional[n]; ok {
			put(n, s)
		}
	}
	put("key", key)
	var compact bytes.Buffer
	_ = json.Compact(&compact, *in.LocaleData) // valid: localeData decoded it
	it.fields = append(it.fields, botdef.Field{Name: "localeData", Value: compact.Bytes()})
	if b, ok := flags["propagateValue"]; ok {
		put("propagateValue", b)
	}
	put("scope", scope)
	if ns != nil {
		put("vNameSpace", ns)
	}
	put("variableType", typ)
	if b, ok := flags["isSecured"]; ok {
		put("isSecured", b)
	}
	return it, nil
}

// localeData reports whether raw is {"<lang>": {value, hint, audioTag}},
// each of those a string when present.
func localeData(raw json.RawMessage) bool {
	var langs map[string]map[string]json.RawMessage
	if json.Unmarshal(raw, &langs) != nil || langs == nil {
		return false
	}
	for lang, v := range langs {
		if lang == "" || v == nil {
			return false
		}
		for _, n := range []string{"value", "hint", "audioTag"} {
			if f, ok := v[n]; ok {
				var s string
				if json.Unmarshal(f, &s) != nil {
					return false
				}
			}
		}
	}
	return true
}

// defaults complete a new variable: the members an export always carries.
var defaults = map[string][]botdef.Field{
	TypeEnv: {{Name: "hint", Value: []byte(`""`)}, {Name: "group", Value: []byte(`""`)}, {Name: "propagateValue", Value: []byte(`false`)},
		{Name: "vNameSpace", Value: []byte(`[]`)}, {Name: "isSecured", Value: []byte(`false`)}},
	TypeLocale: {{Name: "group", Value: []byte(`""`)}, {Name: "propagateValue", Value: []byte(`false`)}, {Name: "vNameSpace", Value: []byte(`[]`)}},
}

// member is where variables of a type live.
func member(typ string) (file, name, kind string) {
	if typ == TypeEnv {
		return botdef.FileConfig, "envVariables", botdef.KindEnvVariable
	}
	return botdef.FileDefinition, "contentVariables", botdef.KindContentVariable
}

// body is the stored element of it: the existing variable's members with
// the item's replacing them (unknown members and the order kept), or, for a
// new variable, the item's members completed with the defaults.
func (it *Item) body(existing []byte) []byte {
	if existing != nil {
		if f, err := botdef.Fields(existing); err == nil {
			for _, n := range it.fields {
				f = botdef.Set(f, n.Name, n.Value)
			}
			return botdef.Object(f)
		}
	}
	f := append([]botdef.Field(nil), it.fields...)
	for _, d := range defaults[it.Type] {
		if botdef.Get(f, d.Name) == nil {
			f = insertDefault(f, d, it.Type)
		}
	}
	return botdef.Object(f)
}

// order is the member order of exported variables, by type.
var order = map[string][]string{
	TypeEnv:    {"key", "value", "variableType", "hint", "audioTag", "scope", "group", "propagateValue", "vNameSpace", "isSecured"},
	TypeLocale: {"group", "hint", "audioTag", "key", "localeData", "propagateValue", "scope", "vNameSpace", "variableType", "isSecured"},
}

// insertDefault puts d where the export order has it.
func insertDefault(f []botdef.Field, d botdef.Field, typ string) []botdef.Field {
	rank := map[string]int{}
	for i, n := range order[typ] {
		rank[n] = i
	}
	at := len(f)
	for i, x := range f {
		if r, ok := rank[x.Name]; ok && r > rank[d.Name] {
			at = i
			break
		}
	}
	return append(f[:at], append([]botdef.Field{d}, f[at:]...)...)
}

// Import writes items into the bot as one new version (staged by
// "variables"): each creates the variable or replaces the one with the
// same key and type, keeping the members the item leaves out; variables
// not named are kept. The version is built on the bot's current one in one
// transaction (botversion.Write), so it never interleaves with an import's
// commit. It returns how many items it wrote. Errors: kore.ErrStreamID
// (unknown bot, or another account's); kore.ErrBusy (an import held the
// bot past Config.BusyWait: nothing was written); faults.
func (s *Service) Import(ctx context.Context, app *store.App, botID string, items []Item) (int, error) {
	st := s.cfg.Store
	v, err := s.versions.Write(ctx, store.StagedByVariables, app.AccountID, botID, func(ctx context.Context, bot *store.Bot) (*store.VersionWrite, error) {
		cur, err := st.Version(ctx, bot.AccountID, bot.VersionID)
		if err != nil {
			return nil, err
		}
		ch := &store.VersionWrite{Base: bot.VersionID}
		var layout botdef.Layout
		if err := json.Unmarshal(cur.Layout, &layout); err != nil {
			return nil, fmt.Errorf("layout of version %s: %w", cur.ID, err)
		}
		if grown := withMembers(&layout, items); grown {
			if ch.Layout, err = json.Marshal(layout); err != nil {
				return nil, err
			}
		}
		for _, typ := range []string{TypeEnv, TypeLocale} {
			recs, drop, err := s.edit(ctx, bot, typ, items)
			if err != nil {
				return nil, err
			}
			ch.Records, ch.Drop = append(ch.Records, recs...), append(ch.Drop, drop...)
		}
		return ch, nil
	})
	switch {
	case errors.Is(err, botversion.ErrBusy):
		return 0, kore.ErrBusy
	case errors.Is(err, store.ErrNotFound):
		return 0, kore.ErrStreamID
	case err != nil:
		return 0, err
	}
	s.log.InfoContext(ctx, "bot variables imported", "bot", botID, "variables", len(items), "version", v.Number, "app", app.ID)
	return len(items), nil
}

// edit builds the records of one type's variables after the import, and
// the records they replace.
func (s *Service) edit(ctx context.Context, bot *store.Bot, typ string, items []Item) ([]store.Record, []store.RecordKey, error) {
	file, name, kind := member(typ)
	type old struct {
		seq  int
		body []byte
	}
	byKey := map[string]old{}
	next := 0
	err := s.cfg.Store.Records(ctx, bot.AccountID, bot.VersionID, file, name, func(r *store.Record) error {
		if r.Kind == kind {
			if _, dup := byKey[r.Ident]; !dup {
				byKey[r.Ident] = old{r.Seq, bytes.Clone(r.Body)}
			}
		}
		next = max(next, r.Seq+1)
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	var recs []store.Record
	var drop []store.RecordKey
	written := map[string]int{} // key -> index in recs: a later item of the same key wins
	for i := range items {
		it := &items[i]
		if it.Type != typ {
			continue
		}
		o, exists := byKey[it.Key]
		var base []byte
		if exists {
			base = o.body
		}
		if j, again := written[it.Key]; again {
			base = recs[j].Body
			recs[j] = record(file, name, recs[j].Seq, kind, it.Key, it.body(base))
			continue
		}
		seq := o.seq
		if exists {
			drop = append(drop, store.RecordKey{Kind: kind, Ident: it.Key})
		} else {
			seq, next = next, next+1
		}
		written[it.Key] = len(recs)
		recs = append(recs, record(file, name, seq, kind, it.Key, it.body(base)))
	}
	return recs, drop, nil
}

func record(file, name string, seq int, kind, key string, body []byte) store.Record {
	sum := sha256.Sum256(body)
	return store.Record{File: file, Member: name, Seq: seq, Kind: kind, Ident: key, Name: key, Count: 1, Hash: sum[:], Body: body}
}

// withMembers adds the variables' member to the layout of a bot that lacks
// it, and reports whether it did.
func withMembers(l *botdef.Layout, items []Item) bool {
	grown := false
	for _, typ := range []string{TypeEnv, TypeLocale} {
		needed := false
		for _, it := range items {
			needed = needed || it.Type == typ
		}
		file, name, _ := member(typ)
		members := &l.Definition
		if file == botdef.FileConfig {
			members = &l.Config
		}
		if !needed || hasMember(*members, name) {
			continue
		}
		*members = append(*members, botdef.Member{Name: name, Shape: botdef.ShapeArray})
		grown = true
	}
	return grown
}

func hasMember(ms []botdef.Member, name string) bool {
	for _, m := range ms {
		if m.Name == name {
			return true
		}
	}
	return false
}

// marshal encodes a string, boolean or string slice as the platform's
// exports write it: without HTML escaping (a value holding < stays <).
func marshal(v any) []byte {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v) // strings, booleans and string slices always encode
	return bytes.TrimSuffix(b.Bytes(), []byte("\n"))
}
