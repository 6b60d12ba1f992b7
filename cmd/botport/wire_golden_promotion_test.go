package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"testing"
	"time"

	"github.com/botport/botport/internal/fixture"
)

// TestWireGoldenPromotion pins the bytes of the endpoints a promotion
// pipeline adds to an import (contract 4.9 to 4.11, 4.6 published, 3.3):
// a published export refused before any publish, publish and its status,
// a published export, the variables export and import, and their errors.
// Placeholders as in TestWireGolden; the two run times of a publish status
// (initiatedOn, lastModifiedOn) may or may not equal each other, so they
// are pinned as <run-time>. -update rewrites the file.
func TestWireGoldenPromotion(t *testing.T) {
	ts := startServer(t, "--export-wait", "1m")
	c := ts.client()
	tok := mustToken(t, c)
	w := &wireLog{t: t, base: ts.URL, tok: tok}
	none := mustToken(t, ts.createApp(t, "default"))

	e := fixture.Get(t, "demobot1-all")
	def := w.upload(e.File("botDefinition.json"), "json")
	cfg := w.upload(e.File("config.json"), "json")
	icon := w.upload(e.File("icon.png"), "png")
	start := w.call("import new", "POST", "/api/public/bot/import", fmt.Sprintf(`{"botDefinition":%q,"configInfo":%q,"icon":%q}`, def, cfg, icon))
	bot := jsonString(t, w.waitImport(jsonString(t, start, "_id")), "streamId")

	w.call("export published before any publish", "POST", "/api/public/bot/"+bot+"/export", `{"exportType":"published"}`)
	w.call("publish status before any publish", "GET", "/api/public/bot/"+bot+"/publish/status", "")
	w.call("publish without versionComment", "POST", "/api/public/bot/"+bot+"/publish", `{"initiateTraining":false}`)
	w.raw("publish without the scope", "POST", "/api/public/bot/"+bot+"/publish", map[string]string{"auth": none, "Content-Type": "application/json"}, `{"versionComment":"x"}`)
	w.call("publish", "POST", "/api/public/bot/"+bot+"/publish", `{"versionComment":"release 1"}`)
	w.waitPublish(bot)
	w.call("export published", "POST", "/api/public/bot/"+bot+"/export", `{"exportType":"published"}`)
	w.call("export status", "GET", "/api/public/bot/"+bot+"/export/status", "")

	vars := "/api/1.1/public/builder/bot/" + bot + "/variables/"
	w.call("variables export", "POST", vars+"export", "")
	w.call("variables import", "POST", vars+"import", `[{"key":"abc","value":"67890","variableType":"env","scope":"prePopulated"},`+
		`{"key":"greeting","variableType":"locale","scope":"prePopulated","localeData":{"en":{"value":"Hello","hint":"","audioTag":""}}}]`)
	w.call("variables export after the import", "POST", "/api/1.1/public/builder/stream/"+bot+"/variables/export", "")
	w.call("variables import with a bad item", "POST", vars+"import", `[{"key":"abc","variableType":"env","scope":"prePopulated"}]`)
	w.call("variables of an unknown bot", "POST", "/api/1.1/public/builder/bot/"+unknownBot+"/variables/export", "")
	w.raw("variables without the scope", "POST", vars+"export", map[string]string{"auth": none}, "")
	w.call("variables under another version", "POST", "/api/2.0/public/builder/bot/"+bot+"/variables/export", "")
	w.call("versions", "GET", "/api/botport/bots/"+bot+"/versions", "")

	got := w.normalized()
	path := filepath.Join("testdata", "golden", "wire", "promotion.txt")
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("wire answers differ from %s (run with -update after checking the diff):\n%s", path, lineDiff(string(want), string(got)))
	}
}

// runTimes are the fields of a publish status that the run sets.
var runTimes = regexp.MustCompile(`"(initiatedOn|lastModifiedOn)":"[^"]*"`)

// waitPublish polls the bot's publish status to its end and records the
// final document, its run times pinned as <run-time>.
func (w *wireLog) waitPublish(bot string) []byte {
	w.t.Helper()
	deadline := time.Now().Add(time.Minute)
	for {
		resp, b := rawRequest(w.t, "GET", w.base+"/api/public/bot/"+bot+"/publish/status", map[string]string{"auth": w.tok}, nil)
		if st := jsonString(w.t, b, "status"); st != "inprogress" || time.Now().After(deadline) {
			b = runTimes.ReplaceAll(b, []byte(`"$1":"<run-time>"`))
			w.record("publish status", "GET", "/api/public/bot/"+bot+"/publish/status", resp, b)
			return b
		}
		time.Sleep(20 * time.Millisecond)
	}
}
