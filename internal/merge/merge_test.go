package merge_test

import (
	"bytes"
	"encoding/json"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/botport/botport/internal/botdef"
	"github.com/botport/botport/internal/merge"
	"github.com/botport/botport/internal/selection"
)

// The target of most cases: dialog A (refId ra) uses c1 and c3, dialog B
// uses c2; one utterance per component; patterns for c1 and c2.
const (
	targetDef = `{"_id":"st-t","defaultLanguage":"en",
	"localeData":{"en":{"name":"Target","synonyms":{"car":["auto"],"~fruit":["apple"]},"confidenceConfigs":{"threshold":1}},"de":{"name":"Ziel","synonyms":{"auto":["wagen"]}}},
	"isNLEnabled":true,
	"dialogs":[
		{"_id":"dg-a","refId":"ra","lname":"a","nodes":[{"nodeId":"n1","type":"intent","componentId":"dc-1"},{"nodeId":"n2","type":"message","componentId":"dc-3"}]},
		{"_id":"dg-b","refId":"rb","lname":"b","nodes":[{"nodeId":"n1","type":"intent","componentId":"dc-2"}]}],
	"dialogComponents":[
		{"_id":"dc-1","refId":"c1","name":"c1","type":"intent"},
		{"_id":"dc-2","refId":"c2","name":"c2","type":"intent"},
		{"_id":"dc-3","refId":"c3","name":"c3","type":"message"}],
	"sentences":[
		{"_id":"u1","taskId":"dc-1","language":"en","sentence":"hello"},
		{"_id":"u2","taskId":"dc-2","language":"en","sentence":"bye"},
		{"_id":"u3","taskId":"dc-3","language":"en","sentence":"yo"}],
	"patterns":[{"refId":"c1","localeData":{"en":{"patterns":[{"value":"hi"}]}}},{"refId":"c2","localeData":{"en":{}}}],
	"koraResponses":[{"Key":"greet","language":"en","text":"target"}],
	"contentVariables":[{"key":"k1","value":"t1"},{"key":"k2","value":"t2"}]}`
	targetCfg = `{"name":"Target","envVariables":[{"key":"e1","value":"t1"},{"key":"e2","value":"t2"}]}`
)

// TestDialogsAndComponents: dialogs match by refId (replaced in place, new
// ones follow, the target's others stay); the components the imported
// dialogs use are written; a target component goes only when a replaced
// dialog used it and no dialog of the result does.
func TestDialogsAndComponents(t *testing.T) {
	target := bot(t, targetDef, targetCfg)
	file := bot(t, `{"dialogs":[
		{"_id":"dg-a2","refId":"ra","lname":"a2","nodes":[{"nodeId":"n1","type":"intent","componentId":"dc-1"}]},
		{"_id":"dg-c","refId":"rc","lname":"c","nodes":[{"nodeId":"n1","type":"intent","componentId":"dc-4"}]}],
	"dialogComponents":[
		{"_id":"dc-1","refId":"c1","name":"c1","type":"intent","v":2},
		{"_id":"dc-4","refId":"c4","name":"c4","type":"intent"},
		{"_id":"dc-9","refId":"c9","name":"unused","type":"intent"}]}`, "")
	o := run(t, target, file, tasks("botTask"), false)
	eq(t, "dialogs", o.field(t, "dialogs", "lname"), []string{"a2", "b", "c"})
	eq(t, "components", o.field(t, "dialogComponents", "name"), []string{"c1", "c2", "c4"})
	if got := string(o.def["dialogComponents"]); !strings.Contains(got, `"v": 2`) {
		t.Errorf("c1 is not the file's: %s", got)
	}
	// Tasks without NLP data keep the target's utterances of the
	// components that survive (c3 is gone).
	eq(t, "utterances", o.field(t, "sentences", "sentence"), []string{"hello", "bye"})
	eq(t, "patterns", o.field(t, "patterns", "refId"), []string{"c1", "c2"})
	// Links: the kept dialog's stay, the replaced one's are the pipeline's
	// to write.
	for _, l := range o.res.Links {
		if l.FromKind == botdef.KindDialog && l.FromIdent == "ra" {
			t.Errorf("link of the replaced dialog kept: %+v", l)
		}
	}
	if !slices.Contains(o.res.Links, botdef.Link{FromKind: botdef.KindDialog, FromIdent: "rb", ToKind: botdef.KindComponent, ToIdent: "c2"}) {
		t.Errorf("link of the kept dialog lost: %+v", o.res.Links)
	}
	// Taken over unchanged: references, not new bodies.
	if r, ok := o.recordOf("dialogs", "rb"); !ok || r.Body != nil {
		t.Errorf("dialog rb: %+v, want a reference", r)
	}
}

// TestSharedComponentStays: a component a replaced dialog used stays when
// a dialog the import keeps still uses it.
func TestSharedComponentStays(t *testing.T) {
	target := bot(t, strings.Replace(targetDef, `"componentId":"dc-2"`, `"componentId":"dc-3"`, 1), targetCfg)
	file := bot(t, `{"dialogs":[{"_id":"dg-a","refId":"ra","lname":"a2","nodes":[{"nodeId":"n1","type":"intent","componentId":"dc-1"}]}],
		"dialogComponents":[{"_id":"dc-1","refId":"c1","name":"c1","type":"intent"}]}`, "")
	o := run(t, target, file, tasks("botTask"), false)
	eq(t, "components", o.field(t, "dialogComponents", "name"), []string{"c1", "c2", "c3"})
}

// TestStubsNeverOverwrite: a stub dialog (no nodes) changes nothing, even
// with tasks selected.
func TestStubsNeverOverwrite(t *testing.T) {
	target := bot(t, targetDef, targetCfg)
	file := bot(t, `{"dialogs":[{"_id":"dg-a","refId":"ra","lname":"stub"}],
		"dialogComponents":[{"_id":"dc-1","refId":"c1","name":"stub","type":"intent"}]}`, "")
	o := run(t, target, file, tasks("botTask"), false)
	eq(t, "dialogs", o.field(t, "dialogs", "lname"), []string{"a", "b"})
	eq(t, "components", o.field(t, "dialogComponents", "name"), []string{"c1", "c2", "c3"})
}

// TestUtterances covers append and replace, with and without tasks.
func TestUtterances(t *testing.T) {
	target := bot(t, targetDef, targetCfg)
	fileNLP := `{"dialogComponents":[
		{"_id":"dc-1","refId":"c1","name":"c1","type":"intent"},{"_id":"dc-2","refId":"c2","name":"c2","type":"intent"}],
		"dialogs":[{"_id":"dg-a","refId":"ra","lname":"a"},{"_id":"dg-b","refId":"rb","lname":"b"}],
		"sentences":[
		{"_id":"f1","taskId":"dc-1","language":"en","sentence":"hello"},
		{"_id":"f2","taskId":"dc-1","language":"en","sentence":"hey"},
		{"_id":"f3","taskId":"dc-2","language":"de","sentence":"tschuess"},
		{"_id":"f4","taskId":"dc-7","language":"en","sentence":"nowhere"}]}`
	replace := &selection.Selection{NLPData: []string{"utterances"}, ReplaceUtterances: true}
	for _, tt := range []struct {
		name string
		sel  *selection.Selection
		def  string
		want []string
	}{
		{"append: the file's new ones follow, one per (intent, language, text)", nlp("utterances"), fileNLP,
			[]string{"hello", "bye", "yo", "hey", "tschuess"}},
		{"replace: the file's only", replace, fileNLP, []string{"hello", "hey", "tschuess"}},
		{"replace with tasks: only the imported tasks' are replaced",
			&selection.Selection{Tasks: []string{"botTask"}, NLPData: []string{"utterances"}, ReplaceUtterances: true},
			`{"dialogs":[{"_id":"dg-b","refId":"rb","lname":"b2","nodes":[{"nodeId":"n1","type":"intent","componentId":"dc-2"}]}],
			"dialogComponents":[{"_id":"dc-2","refId":"c2","name":"c2","type":"intent"}],
			"sentences":[{"_id":"f3","taskId":"dc-2","language":"en","sentence":"ciao"}]}`,
			[]string{"hello", "yo", "ciao"}},
		{"replace with an empty file member keeps the target's", replace,
			`{"sentences":[]}`, []string{"hello", "bye", "yo"}},
		{"not selected: the target's", nlp("patterns"), fileNLP, []string{"hello", "bye", "yo"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			o := run(t, target, bot(t, tt.def, ""), tt.sel, false)
			eq(t, "utterances", o.field(t, "sentences", "sentence"), tt.want)
		})
	}
}

// TestUtteranceIDs: utterances of another bot point at this bot's
// component _ids; an utterance whose _id the bot uses for another one gets
// a fresh _id, the same on every import of the file.
func TestUtteranceIDs(t *testing.T) {
	target := bot(t, targetDef, targetCfg)
	file := bot(t, `{"dialogComponents":[
		{"_id":"dc-X1","refId":"c1","name":"c1","type":"intent"},{"_id":"dc-X2","refId":"c2","name":"c2","type":"entity"}],
		"sentences":[
		{"_id":"u1","taskId":"dc-X1","language":"en","sentence":"hello again","entities":[{"entityId":"dc-X2","value":"x"}]},
		{"_id":"u9","taskId":"dc-X1","language":"en","sentence":"hello"}]}`, "")
	o := run(t, target, file, nlp("utterances"), false)
	var got []struct {
		ID       string `json:"_id"`
		TaskID   string `json:"taskId"`
		Sentence string `json:"sentence"`
		Entities []struct {
			EntityID string `json:"entityId"`
		} `json:"entities"`
	}
	if err := json.Unmarshal(o.def["sentences"], &got); err != nil {
		t.Fatal(err)
	}
	if len(got) != 4 {
		t.Fatalf("%d utterances, want 4 (hello is already there): %+v", len(got), got)
	}
	again := got[3]
	if again.Sentence != "hello again" || again.TaskID != "dc-1" || len(again.Entities) != 1 || again.Entities[0].EntityID != "dc-2" {
		t.Errorf("ids not rewritten to the bot's: %+v", again)
	}
	if again.ID == "u1" || !regexp.MustCompile(`^[0-9a-f]{24}$`).MatchString(again.ID) {
		t.Errorf("taken _id u1 became %q, want a fresh 24-hex id", again.ID)
	}
	if o2 := run(t, target, file, nlp("utterances"), false); string(o2.def["sentences"]) != string(o.def["sentences"]) {
		t.Error("a second import of the same file gives other _ids")
	}
	if got[0].ID != "u1" || got[0].TaskID != "dc-1" {
		t.Errorf("the bot's utterance changed: %+v", got[0])
	}
}

// TestPatterns: per component and language, append adds the values the
// target lacks, replace takes the file's; a list neither side has stays
// absent.
func TestPatterns(t *testing.T) {
	target := bot(t, targetDef, targetCfg)
	file := bot(t, `{"patterns":[
		{"refId":"c1","localeData":{"en":{"patterns":[{"value":"hey"}],"negativePatterns":[{"value":"no"}]}}},
		{"refId":"c2","localeData":{"en":{}}},
		{"refId":"c3","localeData":{"en":{"patterns":[{"value":"yo"}]}}},
		{"refId":"c8","localeData":{"en":{"patterns":[{"value":"gone"}]}}}]}`, "")
	for _, tt := range []struct {
		name string
		sel  *selection.Selection
		want string
	}{
		{"append", nlp("patterns"),
			`[{"refId":"c1","localeData":{"en":{"patterns":[{"value":"hi"},{"value":"hey"}],"negativePatterns":[{"value":"no"}]}}},` +
				`{"refId":"c2","localeData":{"en":{}}},{"refId":"c3","localeData":{"en":{"patterns":[{"value":"yo"}]}}}]`},
		{"replace", &selection.Selection{NLPData: []string{"patterns"}, ReplacePatterns: true},
			`[{"refId":"c1","localeData":{"en":{"patterns":[{"value":"hey"}],"negativePatterns":[{"value":"no"}]}}},` +
				`{"refId":"c2","localeData":{"en":{}}},{"refId":"c3","localeData":{"en":{"patterns":[{"value":"yo"}]}}}]`},
		{"not selected", nlp("utterances"),
			`[{"refId":"c1","localeData":{"en":{"patterns":[{"value":"hi"}]}}},{"refId":"c2","localeData":{"en":{}}}]`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			o := run(t, target, file, tt.sel, false)
			if got := compact(t, o.def["patterns"]); got != tt.want {
				t.Errorf("patterns\n got %s\nwant %s", got, tt.want)
			}
		})
	}
	// Replace with tasks: the imported tasks' entries are the file's, even
	// none; the others' stay.
	f1 := bot(t, `{"dialogs":[{"_id":"dg-b","refId":"rb","lname":"b2","nodes":[{"nodeId":"n1","type":"intent","componentId":"dc-2"},
		{"nodeId":"n2","type":"entity","componentId":"dc-4"}]}],
		"dialogComponents":[{"_id":"dc-2","refId":"c2","name":"c2","type":"intent"},{"_id":"dc-4","refId":"c4","name":"c4","type":"entity"}],
		"patterns":[{"refId":"c4","localeData":{"en":{"patterns":[{"value":"four"}]}}}]}`, "")
	o1 := run(t, target, f1, &selection.Selection{Tasks: []string{"botTask"}, NLPData: []string{"patterns"}, ReplacePatterns: true}, false)
	eq(t, "patterns of replaced tasks", o1.field(t, "patterns", "refId"), []string{"c1", "c4"})
	// Append keeps the target's values and order: hi first.
	t2 := bot(t, strings.Replace(targetDef, `[{"value":"hi"}]`, `[{"value":"b"},{"value":"a"}]`, 1), targetCfg)
	f2 := bot(t, `{"patterns":[{"refId":"c1","localeData":{"en":{"patterns":[{"value":"a"},{"value":"c"}]},"de":{"patterns":[{"value":"d"}]}}}]}`, "")
	o := run(t, t2, f2, nlp("patterns"), false)
	if got, want := compact(t, o.def["patterns"]), `[{"refId":"c1","localeData":{"en":{"patterns":[{"value":"b"},{"value":"a"},{"value":"c"}]},"de":{"patterns":[{"value":"d"}]}}},{"refId":"c2","localeData":{"en":{}}}]`; got != want {
		t.Errorf("append\n got %s\nwant %s", got, want)
	}
}

// TestLocaleData: synonyms replace the word keys, concepts the ~ keys,
// nlpSettings the confidence settings, per language the target has; the
// rest of localeData is the bot's.
func TestLocaleData(t *testing.T) {
	target := bot(t, targetDef, targetCfg)
	file := bot(t, `{"localeData":{"en":{"name":"File","synonyms":{"bike":["cycle"],"~veg":["leek"]},"confidenceConfigs":{"threshold":2}},`+
		`"fr":{"name":"Fichier","synonyms":{"velo":["bicyclette"]}}}}`, "")
	const (
		tEn = `"name":"Target"`
		tDe = `"de":{"name":"Ziel","synonyms":{"auto":["wagen"]}}`
	)
	for _, tt := range []struct {
		name string
		sel  *selection.Selection
		want string
	}{
		{"synonyms", nlp("synonyms"), `{"en":{` + tEn + `,"synonyms":{"~fruit":["apple"],"bike":["cycle"]},"confidenceConfigs":{"threshold":1}},` + tDe + `}`},
		{"concepts", nlp("concepts"), `{"en":{` + tEn + `,"synonyms":{"car":["auto"],"~veg":["leek"]},"confidenceConfigs":{"threshold":1}},` + tDe + `}`},
		{"bot_synonyms and concepts", nlp("synonyms", "concepts"), `{"en":{` + tEn + `,"synonyms":{"bike":["cycle"],"~veg":["leek"]},"confidenceConfigs":{"threshold":1}},` + tDe + `}`},
		{"nlpSettings", nlp("nlpSettings"), `{"en":{` + tEn + `,"synonyms":{"car":["auto"],"~fruit":["apple"]},"confidenceConfigs":{"threshold":2}},` + tDe + `}`},
		{"none", nlp("utterances"), `{"en":{` + tEn + `,"synonyms":{"car":["auto"],"~fruit":["apple"]},"confidenceConfigs":{"threshold":1}},` + tDe + `}`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			o := run(t, target, file, tt.sel, false)
			if got := compact(t, o.def["localeData"]); got != tt.want {
				t.Errorf("localeData\n got %s\nwant %s", got, tt.want)
			}
		})
	}
}

// TestVariables: by key, the file's replace and join the target's, minus
// the ignored keys, which keep the target's value.
func TestVariables(t *testing.T) {
	target := bot(t, targetDef, targetCfg)
	file := bot(t, `{"contentVariables":[{"key":"k2","value":"f2"},{"key":"k3","value":"f3"}]}`,
		`{"name":"File","envVariables":[{"key":"e2","value":"f2"},{"key":"e3","value":"f3"}]}`)
	vars := func(raw json.RawMessage) string {
		var list []struct{ Key, Value string }
		json.Unmarshal(raw, &list)
		var out []string
		for _, v := range list {
			out = append(out, v.Key+"="+v.Value)
		}
		return strings.Join(out, " ")
	}
	for _, tt := range []struct {
		name         string
		sel          *selection.Selection
		env, content string
	}{
		{"by key", settings("botVariables"), "e1=t1 e2=f2 e3=f3", "k1=t1 k2=f2 k3=f3"},
		{"ignored keys", &selection.Selection{Settings: []string{"botVariables"}, IgnoreVariables: []string{"e2", "k3"}},
			"e1=t1 e2=t2 e3=f3", "k1=t1 k2=f2"},
		{"ignore environment variables", &selection.Selection{Settings: []string{"botVariables"}, IgnoreEnvironmentVariables: true},
			"e1=t1 e2=t2", "k1=t1 k2=f2 k3=f3"},
		{"not selected", settings("botSettings"), "e1=t1 e2=t2", "k1=t1 k2=t2"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			o := run(t, target, file, tt.sel, false)
			if got := vars(o.cfg["envVariables"]); got != tt.env {
				t.Errorf("env %s, want %s", got, tt.env)
			}
			if got := vars(o.def["contentVariables"]); got != tt.content {
				t.Errorf("content %s, want %s", got, tt.content)
			}
			if o.cfg["name"] == nil || compact(t, o.cfg["name"]) != `"Target"` {
				t.Errorf("config name %s: the bot's own", o.cfg["name"])
			}
		})
	}
}

// TestMembers: a selected group's members come from the file (replaced
// whole where that is the rule); members of groups not selected, and the
// bot's own, are the target's; the result is in a full export's order.
func TestMembers(t *testing.T) {
	target := bot(t, targetDef, targetCfg)
	file := bot(t, `{"koraResponses":[{"Key":"greet","language":"en","text":"file"}],"traits":[{"refId":"tr"}],
		"ivrSettings":{"on":true},"isNLEnabled":false,"_id":"st-f","purpose":"customer"}`, "")
	o := run(t, target, file, nlp("standardResponses"), false)
	if got := compact(t, o.def["koraResponses"]); got != `[{"Key":"greet","language":"en","text":"file"}]` {
		t.Errorf("standard responses %s", got)
	}
	// traits, ivrSettings and purpose are not in the target and not
	// selected (purpose is the bot's own): left out.
	eq(t, "members", o.members, []string{"_id", "defaultLanguage", "isNLEnabled", "localeData", "patterns", "dialogComponents", "dialogs",
		"sentences", "koraResponses", "contentVariables"})
	if compact(t, o.def["_id"]) != `"st-t"` || compact(t, o.def["isNLEnabled"]) != `true` {
		t.Errorf("the bot's own or unselected members changed: %s %s", o.def["_id"], o.def["isNLEnabled"])
	}
	o = run(t, target, file, &selection.Selection{NLPData: []string{"traits", "nlpSettings"}, Settings: []string{"ivrSettings"}}, false)
	eq(t, "members", o.members, []string{"_id", "defaultLanguage", "ivrSettings", "isNLEnabled", "localeData", "patterns", "dialogComponents",
		"dialogs", "sentences", "koraResponses", "contentVariables", "traits"})
	if compact(t, o.def["isNLEnabled"]) != `false` || compact(t, o.def["traits"]) != `[{"refId":"tr"}]` {
		t.Errorf("selected members not the file's: %s %s", o.def["isNLEnabled"], o.def["traits"])
	}
}

// TestFiles: the icon and the scripts are the request's, else the target's.
func TestFiles(t *testing.T) {
	target := bot(t, targetDef, targetCfg).withFile(botdef.KindIcon, botdef.FileIcon, "target-icon").
		withFile(botdef.KindBotFunction, "a.js", "target-a")
	plain := bot(t, `{}`, "")
	withIcon := bot(t, `{}`, "").withFile(botdef.KindIcon, botdef.FileIcon, "file-icon")
	files := func(o *outcome) map[string]string {
		m := map[string]string{}
		for _, r := range o.res.Records {
			if r.Kind == botdef.KindIcon || r.Kind == botdef.KindBotFunction {
				for _, s := range []*side{target, withIcon} {
					if b, ok := s.bodies[string(r.Hash)]; ok {
						m[r.File] = string(b)
					}
				}
			}
		}
		return m
	}
	for _, tt := range []struct {
		name      string
		file      *side
		functions bool
		want      map[string]string
	}{
		{"none in the request: the target's", plain, false, map[string]string{"icon.png": "target-icon", "a.js": "target-a"}},
		{"the request's icon", withIcon, false, map[string]string{"icon.png": "file-icon", "a.js": "target-a"}},
		{"the request's scripts (written after the merge)", plain, true, map[string]string{"icon.png": "target-icon"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got := files(run(t, target, tt.file, nlp("utterances"), tt.functions))
			if len(got) != len(tt.want) {
				t.Errorf("files %v, want %v", got, tt.want)
			}
			for k, v := range tt.want {
				if got[k] != v {
					t.Errorf("files %v, want %v", got, tt.want)
				}
			}
		})
	}
}

// TestNeeds: the merge asks only for the bodies its rules read.
func TestNeeds(t *testing.T) {
	target := bot(t, targetDef, targetCfg)
	file := bot(t, `{"sentences":[{"_id":"f1","taskId":"dc-1","language":"en","sentence":"x"}],"patterns":[],`+
		`"localeData":{"en":{"name":"File","synonyms":{}}}}`, "")
	for _, tt := range []struct {
		name string
		sel  *selection.Selection
		want merge.Needs
	}{
		{"utterances", nlp("utterances"), merge.Needs{TargetComponents: true, TargetUtterances: true, Utterances: true}},
		{"patterns, none in the file", nlp("patterns"), merge.Needs{TargetPatterns: true}},
		{"tasks without NLP data", tasks("botTask"), merge.Needs{TargetComponents: true, TargetUtterances: true, TargetPatterns: true}},
		{"synonyms", nlp("bot_synonyms", "synonyms"), merge.Needs{TargetLocale: true, Locale: true}},
		{"settings", settings("botSettings", "botVariables"), merge.Needs{}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			in := &merge.Input{Selection: tt.sel, Target: target.v, Source: file.v, File: file.def}
			if got := in.Needs(); got != tt.want {
				t.Errorf("needs %+v, want %+v", got, tt.want)
			}
		})
	}
}

// compact is raw without whitespace, members in the order written.
func compact(t *testing.T, raw json.RawMessage) string {
	t.Helper()
	var b bytes.Buffer
	if err := json.Compact(&b, raw); err != nil {
		t.Fatalf("%v: %s", err, raw)
	}
	return b.String()
}
