package main

import (
	"archive/zip"
	"bytes"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/botport/botport/internal/fixture"
)

// TestPromotionPipeline runs a deployment pipeline's whole promotion loop
// against a running server with the CLI, on both backends: import an
// export into an existing bot and wait, import the target environment's
// variables, publish and follow the publish until successful, export the
// published version, and compare the downloaded zip with the imported
// export plus the new variables. Statuses are polled once a second on
// PostgreSQL.
func TestPromotionPipeline(t *testing.T) {
	forBackends(t, func(t *testing.T, b backend, ts *testServer) {
		interval := b.poll.String()
		cli := func(args ...string) string {
			t.Helper()
			out, errOut, code := runCLI(t, ts, args...)
			if code != 0 {
				t.Fatalf("botport %s: exit %d\n%s\n%s", strings.Join(args, " "), code, out, errOut)
			}
			return out
		}
		jsonOut := func(out string) map[string]any {
			t.Helper()
			var m map[string]any
			if err := json.Unmarshal([]byte(out), &m); err != nil {
				t.Fatalf("%v: %s", err, out)
			}
			return m
		}
		// The bot as the pipeline finds it: made earlier from another export.
		bot, _ := jsonOut(cli("import", fixture.Get(t, "demobot1-full").Dir, "--wait", "--interval", interval, "--json"))["streamId"].(string)
		if !strings.HasPrefix(bot, "st-") {
			t.Fatalf("no bot id")
		}

		// 1. Import the release into the existing bot, and wait.
		release := fixture.Get(t, "demobot1-all")
		st := jsonOut(cli("import", release.Dir, "--bot", bot, "--wait", "--interval", interval, "--json"))
		if st["status"] != "success" || st["streamId"] != bot {
			t.Fatalf("import into the bot: %v", st)
		}

		// 2. The target environment's variables: one replaced, one new of
		// each kind.
		vars := filepath.Join(t.TempDir(), "production.json")
		if err := os.WriteFile(vars, []byte(`[
			{"key":"abc","value":"prod-secret-value","variableType":"env","scope":"prePopulated"},
			{"key":"API_BASE","value":"https://api.example.com","variableType":"env","scope":"prePopulated","hint":"API base URL"},
			{"key":"support_line","variableType":"locale","scope":"prePopulated","localeData":{"en":{"value":"Call 555-0100","hint":"","audioTag":""}}}]`), 0o600); err != nil {
			t.Fatal(err)
		}
		if out := cli("variables", "import", bot, vars); !strings.Contains(out, "3 Variables imported/updated successfully.") {
			t.Errorf("variables import printed %q", out)
		}

		// 3. Publish, and follow it until it is successful.
		if out := cli("publish", bot, "--comment", "release 2026.12", "--interval", interval); !strings.Contains(out, "successful") {
			t.Errorf("publish printed %q", out)
		}

		// 4. Export the published version.
		zipPath := filepath.Join(t.TempDir(), "published.zip")
		cli("export", bot, "--type", "published", "-o", zipPath, "--interval", interval)
		got := zipFiles(t, zipPath)

		// 5. The zip is the release plus the new variables.
		if !bytes.Equal(got["icon.png"], readFile(t, release.File("icon.png"))) {
			t.Errorf("icon.png differs from the release's")
		}
		wantCfg := decodeOrdered(t, readFile(t, release.File("config.json")))
		env := wantCfg["envVariables"].([]any)
		env[0].(map[string]any)["value"] = "prod-secret-value"
		wantCfg["envVariables"] = append(env, map[string]any{"key": "API_BASE", "value": "https://api.example.com", "variableType": "env",
			"hint": "API base URL", "scope": "prePopulated", "group": "", "propagateValue": false, "vNameSpace": []any{}, "isSecured": false})
		sameDoc(t, "config.json", got["config.json"], wantCfg)
		wantDef := decodeOrdered(t, readFile(t, release.File("botDefinition.json")))
		wantDef["contentVariables"] = append(wantDef["contentVariables"].([]any), map[string]any{"group": "", "key": "support_line",
			"localeData":     map[string]any{"en": map[string]any{"value": "Call 555-0100", "hint": "", "audioTag": ""}},
			"propagateValue": false, "scope": "prePopulated", "vNameSpace": []any{}, "variableType": "locale"})
		sameDoc(t, "botDefinition.json", got["botDefinition.json"], wantDef)

		// The published zip imports as a new bot.
		out := jsonOut(cli("import", zipPath, "--wait", "--interval", interval, "--json"))
		if out["status"] != "success" {
			t.Errorf("import of the published zip: %v", out)
		}
		// Exported variables round-trip through the CLI too.
		exported := filepath.Join(t.TempDir(), "exported.json")
		cli("variables", "export", bot, "-o", exported)
		var vs []map[string]any
		if err := json.Unmarshal(readFile(t, exported), &vs); err != nil || len(vs) != 3 || vs[0]["value"] != "prod-secret-value" {
			t.Errorf("variables export wrote %d variables (%v)", len(vs), err)
		}
		if fi, err := os.Stat(exported); err != nil || fi.Mode().Perm() != 0o600 {
			t.Errorf("variables file mode: %v %v", fi.Mode(), err)
		}
		if strings.Contains(ts.logs.String(), "prod-secret-value") {
			t.Errorf("the server log shows a variable's value")
		}
	}, "--log-level", "debug")
}

func zipFiles(t *testing.T, path string) map[string][]byte {
	t.Helper()
	zr, err := zip.OpenReader(path)
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	out := map[string][]byte{}
	for _, f := range zr.File {
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		out[f.Name], _ = io.ReadAll(rc)
		rc.Close()
	}
	return out
}

func decodeOrdered(t *testing.T, b []byte) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

// sameDoc compares a JSON file with the document it must hold, as values
// (member order aside, which the unit tests of the variables pin).
func sameDoc(t *testing.T, name string, got []byte, want map[string]any) {
	t.Helper()
	wb, err := json.Marshal(want)
	if err != nil {
		t.Fatal(err)
	}
	if g, w := canonical(t, got), canonical(t, wb); g != w {
		var gm map[string]any
		_ = json.Unmarshal(got, &gm)
		for k := range want {
			if canonical(t, mustJSONRaw(t, gm[k])) != canonical(t, mustJSONRaw(t, want[k])) {
				t.Errorf("%s: member %s differs:\n got %s\nwant %s", name, k, mustJSONRaw(t, gm[k]), mustJSONRaw(t, want[k]))
			}
		}
		if len(gm) != len(want) {
			t.Errorf("%s: %d members, want %d", name, len(gm), len(want))
		}
	}
}

func mustJSONRaw(t *testing.T, v any) json.RawMessage {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
