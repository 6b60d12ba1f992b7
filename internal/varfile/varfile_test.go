package varfile_test

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"os"
	"strings"
	"testing"

	"github.com/botport/botport/internal/varfile"
)

const canary = "CANARY-s3cr3t-value"

var resolver = varfile.Resolver{
	Getenv: func(k string) string {
		if k == "PROD_KEY" {
			return canary
		}
		return ""
	},
	ReadFile: func(p string) ([]byte, error) {
		if p == "/run/secrets/key" {
			return []byte(canary + "-file\n"), nil
		}
		return nil, os.ErrNotExist
	},
}

func TestParseEnv(t *testing.T) {
	for _, tc := range []struct {
		name, in string
		want     map[string]string
		err      string
	}{
		{"plain", "A=1\nB = two words \n", map[string]string{"A": "1", "B": "two words"}, ""},
		{"comments and export", "# c\n\nexport A=x # trailing\n", map[string]string{"A": "x"}, ""},
		{"double quotes", `A="a \"q\" \n ${PROD_KEY}"`, map[string]string{"A": "a \"q\" \n " + canary}, ""},
		{"single quotes are literal", `A='${PROD_KEY} @x'`, map[string]string{"A": "${PROD_KEY} @x"}, ""},
		{"env reference", "A=https://${PROD_KEY}/x", map[string]string{"A": "https://" + canary + "/x"}, ""},
		{"dollar escape", "A=$${PROD_KEY}", map[string]string{"A": "${PROD_KEY}"}, ""},
		{"file reference", "A=@/run/secrets/key", map[string]string{"A": canary + "-file"}, ""},
		{"at escape", "A=@@home", map[string]string{"A": "@home"}, ""},
		{"empty value", "A=", map[string]string{"A": ""}, ""},
		{"crlf", "A=1\r\nB=2\r\n", map[string]string{"A": "1", "B": "2"}, ""},
		{"unset", "A=${NOPE}", nil, "line 1: A: ${NOPE} is not set"},
		{"missing file", "A=@/nope", nil, "line 1: A: read the file it names"},
		{"no equals", "A\n", nil, "line 1: not KEY=value"},
		{"bad key", "1A=x", nil, "line 1: not KEY=value"},
		{"twice", "A=1\nA=2", nil, "line 2: A is set twice"},
		{"open quote", `A="x`, nil, "line 1: A: the double quote is not closed"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			es, err := varfile.Parse([]byte(tc.in), resolver)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("error %v, want %q", err, tc.err)
				}
				if strings.Contains(err.Error(), "s3cr3t") {
					t.Errorf("the error quotes a value: %v", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			got := map[string]string{}
			for _, e := range es {
				if e.Type != varfile.TypeEnv {
					t.Errorf("%s: type %s", e.Key, e.Type)
				}
				got[e.Key] = e.Value
			}
			if len(got) != len(tc.want) {
				t.Errorf("got %v, want %v", got, tc.want)
			}
			for k, v := range tc.want {
				if got[k] != v {
					t.Errorf("%s = %q, want %q", k, got[k], v)
				}
			}
		})
	}
}

func TestParseJSON(t *testing.T) {
	in := `{"botVariables":[{"key":"API","value":"${PROD_KEY}","variableType":"env","scope":"prePopulated","hint":"h"},
		{"key":"line","variableType":"locale","scope":"prePopulated","localeData":{"en":{"value":"@/run/secrets/key","hint":""}}}]}`
	es, err := varfile.Parse([]byte(in), resolver)
	if err != nil {
		t.Fatal(err)
	}
	if len(es) != 2 || es[0].Value != canary || string(es[0].Item["hint"]) != `"h"` || es[1].Type != varfile.TypeLocale ||
		!strings.Contains(string(es[1].Item["localeData"]), canary+"-file") {
		t.Errorf("entries: %+v", es)
	}
	for _, bad := range []struct{ in, want string }{
		{`[{"value":"x","variableType":"env"}]`, "item 1: no key"},
		{`[{"key":"K","value":"x","variableType":"other"}]`, "variableType must be env or locale"},
		{`[{"key":"K","value":5,"variableType":"env"}]`, "needs a string value"},
		{`[{"key":"K","variableType":"locale"}]`, "needs localeData"},
		{`[{"key":"K","value":"` + canary + `","variableType":"env"},]`, "syntax error at byte"},
		{`{"botVariables": "` + canary + `"}`, "wrong JSON type"},
	} {
		_, err := varfile.Parse([]byte(bad.in), resolver)
		if err == nil || !strings.Contains(err.Error(), bad.want) || strings.Contains(err.Error(), "s3cr3t") {
			t.Errorf("%s: error %v, want %q without the value", bad.in, err, bad.want)
		}
	}
}

func TestPlan(t *testing.T) {
	bot := []json.RawMessage{
		json.RawMessage(`{"key":"A","value":"old","hint":"keep","variableType":"env","scope":"prePopulated","isSecured":true}`),
		json.RawMessage(`{"key":"B","value":"same","variableType":"env","scope":"prePopulated"}`),
		json.RawMessage(`{"key":"C","variableType":"locale","scope":"prePopulated","localeData":{"en":{"value":"x"}}}`),
	}
	es, err := varfile.Parse([]byte("A=new\nB=same\nC=1\nTYPO=2\n"), resolver)
	if err != nil {
		t.Fatal(err)
	}
	send, keys := varfile.Plan(es, bot)
	want := []string{"A env set", "B env unchanged", "C env missing", "TYPO env missing"}
	if len(keys) != len(want) {
		t.Fatalf("keys %+v", keys)
	}
	for i, k := range keys {
		if got := k.Key + " " + k.Type + " " + k.Status; got != want[i] || !strings.HasPrefix(k.Hash, "sha256:") || len(k.Hash) != 19 {
			t.Errorf("key %d: %s %s, want %s", i, got, k.Hash, want[i])
		}
	}
	if len(send) != 1 {
		t.Fatalf("send %s", send)
	}
	// Only what names the variable and the value: the import keeps the rest.
	if got := string(send[0]); got != `{"key":"A","scope":"prePopulated","value":"new","variableType":"env"}` {
		t.Errorf("the item sent: %s", got)
	}
	sum := sha256.Sum256([]byte("botport-variable\x00A\x00v"))
	if varfile.Hash("A", "v") != "sha256:"+hex.EncodeToString(sum[:6]) || varfile.Hash("A", "v") == varfile.Hash("B", "v") {
		t.Errorf("Hash is not the documented keyed hash: %s", varfile.Hash("A", "v"))
	}
}

func TestCompare(t *testing.T) {
	bot := varfile.FromItems([]json.RawMessage{
		json.RawMessage(`{"key":"A","value":"1","variableType":"env","hint":"x"}`),
		json.RawMessage(`{"key":"B","value":"2","variableType":"env","hint":"x"}`),
		json.RawMessage(`{"key":"C","value":"3","variableType":"env"}`),
		json.RawMessage(`{"key":"L","variableType":"locale","localeData":{"en":{"value":"v","hint":"a"}}}`),
	})
	other := varfile.FromItems([]json.RawMessage{
		json.RawMessage(`{"key":"A","value":"1","variableType":"env","hint":"x"}`),
		json.RawMessage(`{"key":"B","value":"` + canary + `","variableType":"env","hint":"x"}`),
		json.RawMessage(`{"key":"D","value":"4","variableType":"env"}`),
		json.RawMessage(`{"key":"L","variableType":"locale","localeData":{"en":{"value":"v","hint":"b"}}}`),
	})
	got := varfile.Compare(bot, other)
	want := []string{"A same", "B value differs", "C only in A", "D only in B", "L fields differ"}
	if len(got) != len(want) {
		t.Fatalf("%+v", got)
	}
	for i, d := range got {
		if d.Key+" "+d.Status != want[i] {
			t.Errorf("%d: %s %s, want %s", i, d.Key, d.Status, want[i])
		}
		if strings.Contains(d.A+d.B, canary) {
			t.Errorf("a value shows")
		}
	}
	env, err := varfile.Parse([]byte("A=1\nB=2\n"), resolver)
	if err != nil {
		t.Fatal(err)
	}
	if got := varfile.Compare(env, bot); got[0].Status != varfile.Same || got[1].Status != varfile.Same {
		t.Errorf(".env against the bot: %+v", got)
	}
}
