// Package diff is botport's semantic diff: it compares two bots by what
// they mean, not by their bytes. A bot becomes items matched by kind and
// identity (dialogs and components by refId, variables by key, FAQs by
// refId within their graph, utterances as the set of each intent's), each
// hashed in canonical JSON (canonjson), so key order, string escaping and
// the order of keyed elements do not count. Compare reports what was
// added, removed and changed, by name, with a short description of each
// change that never quotes a variable's value; Records is the same
// comparison over stored record lists, for the server's dry run;
// Fingerprint hashes a whole bot.
//
// The package knows nothing of HTTP or SQL: its callers read the bots
// (an export's files, a stored version's records).
package diff

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"

	"github.com/botport/botport/internal/botdef"
	"github.com/botport/botport/internal/canonjson"
)

// Item kinds of the semantic model: botdef's record kinds, except that
// knowledge graphs are split into their FAQs and the rest of the graph,
// and utterances are grouped by intent.
const (
	KindDialog          = botdef.KindDialog
	KindComponent       = botdef.KindComponent
	KindForm            = botdef.KindForm
	KindWidget          = botdef.KindWidget
	KindPanel           = botdef.KindPanel
	KindFAQ             = "faq"
	KindKnowledgeGraph  = botdef.KindKnowledgeGraph
	KindUtterances      = botdef.KindUtterances
	KindPattern         = botdef.KindPattern
	KindEvent           = botdef.KindEvent
	KindEnvVariable     = botdef.KindEnvVariable
	KindContentVariable = botdef.KindContentVariable
	KindSetting         = botdef.KindSetting
	KindIcon            = botdef.KindIcon
	KindBotFunction     = botdef.KindBotFunction
)

// Provenance lists the definition's members that say where an export comes
// from rather than what the bot is: the source bot's id and refId, the
// platform's hash and the export's own options. They differ between two
// hosts holding the same bot, so the diff and the fingerprint leave them out.
var Provenance = []string{"_id", "refId", "encryptedHash", "exportOptions"}

// Item is one comparable unit of a bot.
type Item struct {
	Kind  string
	Ident string
	Name  string
	Body  []byte   // canonical JSON; the bytes themselves for the icon and scripts
	Sum   [32]byte // SHA-256 of Body
	Count int      // utterances in an utterances item
}

type key struct{ kind, ident string }

// Bot is a bot as the diff sees it.
type Bot struct {
	Items []*Item
	byKey map[key]*Item
	// users maps a component's identity to the dialogs that use it (their
	// nodes, or the nodes of a botAction component they use).
	users map[string][]string
}

// Item returns the item of that kind and identity, or nil.
func (b *Bot) Item(kind, ident string) *Item { return b.byKey[key{kind, ident}] }

// Parse reads an export's files into a Bot: botDefinition.json and
// config.json (config may be nil), the icon (nil: none) and bot-functions
// scripts by file name. It fails when a file cannot be parsed.
func Parse(definition, config io.Reader, icon []byte, functions map[string][]byte) (*Bot, error) {
	var recs []*botdef.Record
	emit := func(r *botdef.Record) error { recs = append(recs, r); return nil }
	ps := &botdef.Problems{}
	if config != nil {
		if _, err := botdef.ParseConfig(config, emit, ps); err != nil {
			return nil, err
		}
	}
	if _, err := botdef.ParseDefinition(definition, emit, ps, botdef.Options{}); err != nil {
		return nil, err
	}
	if ps.ErrorCount() > 0 {
		return nil, fmt.Errorf("the export cannot be read: %s", botdef.Summary(ps.Errors(), ps.ErrorCount()))
	}
	if icon != nil {
		recs = append(recs, &botdef.Record{File: botdef.FileIcon, Kind: botdef.KindIcon, Ident: "icon", Name: botdef.FileIcon, Body: icon})
	}
	names := make([]string, 0, len(functions))
	for n := range functions {
		names = append(names, n)
	}
	slices.Sort(names)
	for _, n := range names {
		recs = append(recs, &botdef.Record{File: n, Kind: botdef.KindBotFunction, Ident: n, Name: n, Body: functions[n]})
	}
	return FromRecords(recs)
}

// FromRecords builds a Bot from a bot's records, as botdef parses them or
// the store keeps them. It fails only on a record whose body is not JSON.
func FromRecords(recs []*botdef.Record) (*Bot, error) {
	b := &builder{bot: &Bot{byKey: map[key]*Item{}, users: map[string][]string{}}, compByID: map[string]*Item{},
		compByRef: map[string]*Item{}, uses: map[string][]string{}, sub: map[string][]string{}}
	for _, r := range recs {
		if err := b.record(r); err != nil {
			return nil, fmt.Errorf("%s %s: %w", r.Kind, r.Ident, err)
		}
	}
	if err := b.finish(); err != nil {
		return nil, err
	}
	return b.bot, nil
}

type builder struct {
	bot        *Bot
	compByID   map[string]*Item    // component _id -> item
	compByRef  map[string]*Item    // component refId -> item
	uses       map[string][]string // dialog ident -> component _ids its nodes use
	sub        map[string][]string // component ident -> component _ids its nodes use (botAction)
	utterances [][]byte            // sentences elements, as stored
	patterns   []*Item
}

func (b *builder) add(kind, ident, name string, body []byte, raw bool) (*Item, error) {
	it := &Item{Kind: kind, Ident: ident, Name: name}
	if raw {
		it.Body = body
	} else {
		c, err := canonjson.Compact(body)
		if err != nil {
			return nil, err
		}
		it.Body = c
	}
	it.Sum = sha256.Sum256(it.Body)
	if positional(ident) {
		it.Ident = kind + "#" + hex.EncodeToString(it.Sum[:6])
	}
	first := it.Ident
	for n := 2; b.bot.byKey[key{kind, it.Ident}] != nil; n++ {
		it.Ident = first + "#" + strconv.Itoa(n)
	}
	b.bot.Items = append(b.bot.Items, it)
	b.bot.byKey[key{kind, it.Ident}] = it
	return it, nil
}

// positional reports an identity that is only a position ("actions#3"):
// such elements are matched by content instead.
func positional(ident string) bool {
	i := strings.LastIndexByte(ident, '#')
	if ident == "" {
		return true
	}
	if i < 0 {
		return false
	}
	_, err := strconv.Atoi(ident[i+1:])
	return err == nil && !strings.ContainsAny(ident[:i], "|/")
}

func (b *builder) record(r *botdef.Record) error {
	switch {
	case r.Kind == botdef.KindIcon || r.Kind == botdef.KindBotFunction:
		_, err := b.add(r.Kind, r.Ident, r.Name, r.Body, true)
		return err
	case r.File == botdef.FileConfig && r.Kind == botdef.KindSetting:
		if r.Member != "name" {
			_, err := b.add(KindSetting, "config.json:"+r.Member, r.Member+" (config.json)", r.Body, false)
			return err
		}
		_, err := b.add(KindSetting, "name", "name", r.Body, false)
		return err
	case r.Kind == botdef.KindSetting && slices.Contains(Provenance, r.Member):
		return nil
	case r.Kind == botdef.KindUtterances:
		return botdef.Elements(r, func(el []byte) error {
			b.utterances = append(b.utterances, bytes.Clone(el))
			return nil
		})
	case r.Kind == botdef.KindKnowledgeGraph:
		return b.graph(r)
	}
	it, err := b.add(r.Kind, r.Ident, r.Name, r.Body, false)
	if err != nil {
		return err
	}
	switch r.Kind {
	case botdef.KindComponent:
		var c struct {
			ID    string      `json:"_id"`
			RefID string      `json:"refId"`
			Nodes []nodeUsage `json:"nodes"`
		}
		_ = json.Unmarshal(r.Body, &c)
		if c.ID != "" {
			b.compByID[c.ID] = it
		}
		if c.RefID != "" {
			b.compByRef[c.RefID] = it
		}
		b.sub[it.Ident] = componentIDs(c.Nodes)
	case botdef.KindDialog:
		var d struct {
			Nodes []nodeUsage `json:"nodes"`
		}
		_ = json.Unmarshal(r.Body, &d)
		b.uses[it.Ident] = componentIDs(d.Nodes)
	case botdef.KindPattern:
		b.patterns = append(b.patterns, it)
	}
	return nil
}

// nodeUsage is what the diff reads of a dialog node: the component it
// runs, and a botAction's sub-nodes. Other types are tolerated.
type nodeUsage struct {
	ComponentID any         `json:"componentId"`
	Nodes       []nodeUsage `json:"nodes"`
}

func (n *nodeUsage) UnmarshalJSON(b []byte) error {
	type plain nodeUsage
	var p plain
	if json.Unmarshal(b, &p) != nil {
		return nil
	}
	*n = nodeUsage(p)
	return nil
}

func componentIDs(nodes []nodeUsage) []string {
	var out []string
	for _, n := range nodes {
		if s, ok := n.ComponentID.(string); ok && s != "" {
			out = append(out, s)
		}
		out = append(out, componentIDs(n.Nodes)...)
	}
	return out
}

// graph splits a knowledge graph into its FAQs (matched by refId within
// the graph) and the rest of the graph.
func (b *builder) graph(r *botdef.Record) error {
	var g map[string]json.RawMessage
	if err := json.Unmarshal(r.Body, &g); err != nil {
		_, err := b.add(KindKnowledgeGraph, r.Ident, r.Name, r.Body, false)
		return err
	}
	var faqs map[string]json.RawMessage
	var list []json.RawMessage
	if json.Unmarshal(g["faqs"], &faqs) == nil && json.Unmarshal(faqs["faqs"], &list) == nil {
		delete(faqs, "faqs")
		g["faqs"], _ = json.Marshal(faqs)
	} else {
		list = nil
	}
	rest, err := json.Marshal(g)
	if err != nil {
		return err
	}
	graphName := r.Name
	if _, err := b.add(KindKnowledgeGraph, r.Ident, graphName, rest, false); err != nil {
		return err
	}
	for _, faq := range list {
		var f struct {
			RefID    string `json:"refId"`
			Question string `json:"question"`
		}
		_ = json.Unmarshal(faq, &f)
		ident := r.Ident + "/" + f.RefID
		if f.RefID == "" {
			ident = r.Ident + "/question:" + f.Question
		}
		if _, err := b.add(KindFAQ, ident, f.Question, faq, false); err != nil {
			return err
		}
	}
	return nil
}

// finish resolves what needs the whole bot: utterances grouped by intent,
// patterns named after their component, the dialogs that use each
// component.
func (b *builder) finish() error {
	groups := map[string][][]byte{}
	names := map[string]string{}
	var order []string
	for _, el := range b.utterances {
		var u map[string]json.RawMessage
		if err := json.Unmarshal(el, &u); err != nil {
			return fmt.Errorf("utterance: %w", err)
		}
		var task string
		_ = json.Unmarshal(u["taskId"], &task)
		ident, name := "taskId:"+task, task
		if c := b.compByID[task]; c != nil {
			ident, name = c.Ident, c.Name
		}
		// Storage and copies, not meaning: the utterance's own id, the
		// intent's name as it was when the utterance was made; the intent
		// and the entities are named by identity.
		delete(u, "_id")
		delete(u, "taskId")
		delete(u, "taskName")
		if ents, ok := u["entities"]; ok {
			u["entities"] = b.entities(ents)
		}
		c, err := json.Marshal(u)
		if err != nil {
			return err
		}
		if c, err = canonjson.Compact(c); err != nil {
			return err
		}
		if _, seen := groups[ident]; !seen {
			order = append(order, ident)
		}
		groups[ident] = append(groups[ident], c)
		names[ident] = name
	}
	for _, ident := range order {
		us := groups[ident]
		slices.SortFunc(us, bytes.Compare)
		body := append([]byte{'['}, bytes.Join(us, []byte{','})...)
		it, err := b.add(KindUtterances, ident, names[ident], append(body, ']'), true)
		if err != nil {
			return err
		}
		it.Count = len(us)
	}
	for _, p := range b.patterns {
		if c := b.compByRef[p.Ident]; c != nil {
			p.Name = c.Name
		}
	}
	for dialog, ids := range b.uses {
		seen := map[string]bool{}
		var walk func(ids []string)
		walk = func(ids []string) {
			for _, id := range ids {
				c := b.compByID[id]
				if c == nil || seen[c.Ident] {
					continue
				}
				seen[c.Ident] = true
				b.bot.users[c.Ident] = append(b.bot.users[c.Ident], dialog)
				walk(b.sub[c.Ident])
			}
		}
		walk(ids)
	}
	for _, ds := range b.bot.users {
		slices.Sort(ds)
	}
	return nil
}

// entities names the entity components of an utterance's annotations by
// identity instead of _id.
func (b *builder) entities(raw json.RawMessage) json.RawMessage {
	var ents []map[string]json.RawMessage
	if json.Unmarshal(raw, &ents) != nil {
		return raw
	}
	for _, e := range ents {
		var id string
		if json.Unmarshal(e["entityId"], &id) == nil {
			if c := b.compByID[id]; c != nil {
				e["entityId"], _ = json.Marshal(c.Ident)
			}
		}
	}
	out, err := json.Marshal(ents)
	if err != nil {
		return raw
	}
	return out
}
