package cli

import (
	"bytes"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/botport/botport/internal/exportzip"
)

// TestRepack: two export zips of the same files made at different times
// repack to the same bytes (the upload's Idempotency-Key and body).
func TestRepack(t *testing.T) {
	zipAt := func(at time.Time) []byte {
		var b bytes.Buffer
		err := exportzip.Write(&b, []exportzip.File{exportzip.Bytes("botDefinition.json", at, []byte(`{"dialogs":[]}`)),
			exportzip.Bytes("config.json", at, []byte(`{"name":"B","envVariables":[]}`)), exportzip.Bytes("icon.png", at, []byte("png")),
			exportzip.Bytes("b.js", at, []byte("b")), exportzip.Bytes("a.js", at, []byte("a"))})
		if err != nil {
			t.Fatal(err)
		}
		return b.Bytes()
	}
	z1, z2 := zipAt(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)), zipAt(time.Date(2026, 5, 1, 0, 0, 7, 0, time.UTC))
	if bytes.Equal(z1, z2) {
		t.Fatal("the two zips are equal: the test proves nothing")
	}
	var out [2][]byte
	for i, z := range [][]byte{z1, z2} {
		e, err := unzip(z)
		if err != nil {
			t.Fatal(err)
		}
		if out[i], err = repack(e); err != nil {
			t.Fatal(err)
		}
	}
	if !bytes.Equal(out[0], out[1]) {
		t.Errorf("repacked zips differ")
	}
	e, err := unzip(out[0])
	if err != nil || string(e.Definition) != `{"dialogs":[]}` || len(e.Functions) != 2 || e.Functions[0].Name != "a.js" {
		t.Errorf("repacked zip: %v %+v", err, e)
	}
}

func TestParseSide(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct {
		in                 string
		path, profile, bot string
		version            int
		typ                string
		err                string
	}{
		{in: dir, path: dir},
		{in: "dev:Billing", profile: "dev", bot: "Billing", typ: "latest"},
		{in: "dev:Coder Review Bot@published", profile: "dev", bot: "Coder Review Bot", typ: "published"},
		{in: "prod:Billing@12", profile: "prod", bot: "Billing", version: 12, typ: "latest"},
		{in: ":st-6f1c2a9e-3b7d-4c1e-9a52-0d8e4f7b1c30@latest", bot: "st-6f1c2a9e-3b7d-4c1e-9a52-0d8e4f7b1c30", typ: "latest"},
		{in: "dev:Bot@Home", profile: "dev", bot: "Bot@Home", typ: "latest"},
		{in: "dev:Bot@0", profile: "dev", bot: "Bot@0", typ: "latest"},
		{in: "nothing-here", err: "not PROFILE:BOT"},
		{in: "dev:", err: "not PROFILE:BOT"},
	} {
		s, err := parseSide(tc.in)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) || ExitCode(err) != ExitUsage {
				t.Errorf("%q: error %v, want %q", tc.in, err, tc.err)
			}
			continue
		}
		if err != nil || s.path != tc.path || s.profile != tc.profile || s.bot != tc.bot || s.version != tc.version || s.typ != tc.typ {
			t.Errorf("%q: %+v %v", tc.in, s, err)
		}
	}
}

func TestParseComponents(t *testing.T) {
	o, err := parseComponents([]string{"tasks", "utterances", "BOTVARIABLES", "training_data"}, false)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(o.Tasks, []string{"botTask", "knowledgeGraph", "smallTalk", "forms"}) || !slices.Equal(o.NLPData, []string{"utterances"}) ||
		!slices.Equal(o.Settings, []string{"botVariables"}) || !o.Options.Utterances.Replace || o.Options.Patterns.Append {
		t.Errorf("options %+v %+v", o, o.Options.Utterances)
	}
	if o, _ := parseComponents(nil, false); o != nil {
		t.Errorf("no components: %+v, want a full import", o)
	}
	if _, err := parseComponents([]string{"dialogs"}, false); err == nil || ExitCode(err) != ExitUsage {
		t.Errorf("an unknown component: %v", err)
	}
	if _, err := parseComponents(nil, true); err == nil {
		t.Errorf("--append without --components was accepted")
	}
	only := selectedItems(o)
	for _, tc := range []struct {
		kind, ident string
		want        bool
	}{
		{"dialog", "x", true}, {"component", "x", true}, {"form", "x", true}, {"faq", "x", true}, {"utterances", "x", true},
		{"envVariable", "K", true}, {"contentVariable", "K", true}, {"pattern", "x", false}, {"setting", "color", false},
		{"setting", "name", false}, {"icon", "icon", false},
	} {
		if got := only(tc.kind, tc.ident); got != tc.want {
			t.Errorf("selected(%s %s) = %v", tc.kind, tc.ident, got)
		}
	}
	nlp, _ := parseComponents([]string{"nlpSettings"}, true)
	if only := selectedItems(nlp); !only("setting", "isNLEnabled") || !only("event", "WELCOME_MESSAGE_EVENT") || only("dialog", "x") {
		t.Errorf("nlpSettings selects the NLU settings and events only")
	}
}
