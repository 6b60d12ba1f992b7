package botdef_test

import (
	"bytes"
	"encoding/json"
	"os"
	"testing"

	"github.com/botport/botport/internal/botdef"
	"github.com/botport/botport/internal/fixture"
	"github.com/botport/botport/internal/selection"
)

func elements(t *testing.T, fixtureName, member string) []json.RawMessage {
	t.Helper()
	b, err := os.ReadFile(fixture.Get(t, fixtureName).File("botDefinition.json"))
	if err != nil {
		t.Fatal(err)
	}
	var def map[string]json.RawMessage
	if err := json.Unmarshal(b, &def); err != nil {
		t.Fatal(err)
	}
	var out []json.RawMessage
	if err := json.Unmarshal(def[member], &out); err != nil {
		t.Fatal(err)
	}
	return out
}

func compact(t *testing.T, b []byte) string {
	t.Helper()
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatal(err)
	}
	out, _ := json.Marshal(v) // normalizes key order too, so compare key order separately
	return string(out)
}

// TestStubsMatchThePlatform: stubbing demobot1-all's dialogs and components
// gives exactly the stubs of demobot1-nlp-only, the platform's own export of
// the same bot without tasks.
func TestStubsMatchThePlatform(t *testing.T) {
	for _, m := range []struct {
		member string
		stub   func([]byte) ([]byte, error)
	}{{"dialogs", botdef.DialogStub}, {"dialogComponents", botdef.ComponentStub}} {
		full, want := elements(t, "demobot1-all", m.member), elements(t, "demobot1-nlp-only", m.member)
		if len(full) != len(want) {
			t.Fatalf("%s: %d vs %d elements", m.member, len(full), len(want))
		}
		for i := range full {
			got, err := m.stub(full[i])
			if err != nil {
				t.Fatal(err)
			}
			if compact(t, got) != compact(t, want[i]) {
				t.Errorf("%s[%d]: stub\n%s\nwant\n%s", m.member, i, got, want[i])
			}
			gf, _ := botdef.Fields(got)
			wf, _ := botdef.Fields(want[i])
			for k := range gf {
				if k >= len(wf) || gf[k].Name != wf[k].Name {
					t.Errorf("%s[%d]: member order differs at %d", m.member, i, k)
					break
				}
			}
			if !botdef.IsDialogStub(want[i]) && m.member == "dialogs" {
				t.Errorf("%s[%d]: not recognized as a stub", m.member, i)
			}
		}
	}
}

// TestSettingsMembers: the members an export without settings drops are
// exactly those botport assigns to the settings groups.
func TestSettingsMembers(t *testing.T) {
	keys := func(name string) []string {
		b, _ := os.ReadFile(fixture.Get(t, name).File("botDefinition.json"))
		dec := json.NewDecoder(bytesReader(b))
		dec.Token()
		var out []string
		for dec.More() {
			k, _ := dec.Token()
			out = append(out, k.(string))
			var skip json.RawMessage
			dec.Decode(&skip)
		}
		return out
	}
	without := map[string]bool{}
	for _, k := range keys("demobot1-without-settings") {
		without[k] = true
	}
	for _, k := range keys("demobot1-all") {
		g := botdef.MemberGroup(k)
		settings := g == botdef.GroupBotSettings || g == botdef.GroupIVRSettings || g == botdef.GroupGenAI || g == botdef.GroupBotVariables
		switch {
		case !without[k] && !settings:
			t.Errorf("%s is dropped without settings but is in group %q", k, g)
		case without[k] && settings && k != "namespaces" && k != "idpConfigurations" && k != "contentVariables":
			t.Errorf("%s is kept without settings but is in group %q", k, g)
		}
	}
}

func bytesReader(b []byte) *bytes.Reader { return bytes.NewReader(b) }

// TestSelectionFiles: the vocabulary names the files as botdef does.
func TestSelectionFiles(t *testing.T) {
	if selection.FileDefinition != botdef.FileDefinition || selection.FileConfig != botdef.FileConfig {
		t.Error("selection and botdef name the files differently")
	}
}
