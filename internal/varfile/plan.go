package varfile

import (
	"bytes"
	"encoding/json"
	"slices"
	"strings"

	"github.com/botport/botport/internal/canonjson"
)

// What a plan does with each key.
const (
	StatusSet       = "set"       // the bot gets the file's value
	StatusUnchanged = "unchanged" // the bot has it already
	StatusMissing   = "missing"   // the bot has no variable of that key and type: not applied
)

// KeyStatus is one key of a plan, as reports show it: never a value.
type KeyStatus struct {
	Key    string `json:"key"`
	Type   string `json:"type"`
	Status string `json:"status"`
	Hash   string `json:"hash"` // Hash of the file's value
}

// Plan matches a file's entries with the variables the bot has (as the
// variables export answers them) and returns the items to import, the
// variables whose value or fields differ, and the status of every key.
// A .env line sends only what identifies the variable (key, type and the
// bot's scope, which the import requires) and the value: the variables
// import keeps the members an item leaves out (hint, group, isSecured,
// namespaces), so the bot's variable changes by its value alone. A JSON
// item is sent as the file gives it. Keys the bot does not define are reported
// missing and not sent: a variables file shared between bots, or a typo,
// must not create variables nothing uses.
func Plan(entries []Entry, bot []json.RawMessage) (send []json.RawMessage, keys []KeyStatus) {
	type have struct {
		item map[string]json.RawMessage
	}
	byKey := map[string]have{}
	for _, raw := range bot {
		var it map[string]json.RawMessage
		if json.Unmarshal(raw, &it) != nil {
			continue
		}
		var key, typ string
		_ = json.Unmarshal(it["key"], &key)
		_ = json.Unmarshal(it["variableType"], &typ)
		byKey[typ+":"+key] = have{it}
	}
	for _, e := range entries {
		ks := KeyStatus{Key: e.Key, Type: e.Type, Hash: e.hash()}
		h, ok := byKey[e.Type+":"+e.Key]
		if !ok {
			ks.Status = StatusMissing
			keys = append(keys, ks)
			continue
		}
		want := e.Item
		if want == nil {
			want = map[string]json.RawMessage{"key": h.item["key"], "variableType": h.item["variableType"], "scope": h.item["scope"]}
			want["value"], _ = json.Marshal(e.Value)
		}
		ks.Status = StatusUnchanged
		for f, v := range want {
			if !sameJSON(v, h.item[f]) {
				ks.Status = StatusSet
				break
			}
		}
		if ks.Status == StatusSet {
			b, _ := json.Marshal(want)
			send = append(send, b)
		}
		keys = append(keys, ks)
	}
	return send, keys
}

// hash is the entry's value as reports show it.
func (e Entry) hash() string {
	if e.Type == TypeEnv {
		return Hash(e.Key, e.Value)
	}
	var ld map[string]struct {
		Value string `json:"value"`
	}
	_ = json.Unmarshal(e.Item["localeData"], &ld)
	langs := make([]string, 0, len(ld))
	for l := range ld {
		langs = append(langs, l)
	}
	slices.Sort(langs)
	var b strings.Builder
	for _, l := range langs {
		b.WriteString(l + "=" + ld[l].Value + "\x00")
	}
	return Hash(e.Key, b.String())
}

func clone(m map[string]json.RawMessage) map[string]json.RawMessage {
	out := make(map[string]json.RawMessage, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

func sameJSON(a, b []byte) bool {
	x, errx := canonjson.Compact(a)
	y, erry := canonjson.Compact(b)
	return errx == nil && erry == nil && bytes.Equal(x, y)
}
