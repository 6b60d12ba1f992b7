package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"testing"

	"github.com/botport/botport/client"
	"github.com/botport/botport/internal/fixture"
)

// docBound is the most bytes a status document or a Get Bots page may take
// whatever the names it carries.
const docBound = 64 << 10

// hostile is n characters that each take 6 bytes in JSON (\u001b, \u2028)
// and would move a terminal's cursor.
func hostile(n int) string { return strings.Repeat("\x1b\u2028", n/2) + strings.Repeat("\x1b", n%2) }

// editJSON decodes the JSON file at path, lets edit change it, and writes it
// to a new file, whose path it returns.
func editJSON(t *testing.T, path, name string, edit func(m map[string]any)) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var m map[string]any
	if err := dec.Decode(&m); err != nil {
		t.Fatal(err)
	}
	edit(m)
	var out bytes.Buffer
	enc := json.NewEncoder(&out)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(m); err != nil {
		t.Fatal(err)
	}
	return writeTemp(t, name, out.Bytes())
}

// docSizes follows an import to its end and returns the sizes of its
// status document while pending and at the end.
func docSizes(t *testing.T, c *client.Client, bir string) (pending, final int, st *client.Status) {
	t.Helper()
	raw, err := c.ImportStatusRaw(context.Background(), bir)
	if err != nil {
		t.Fatal(err)
	}
	st = wait(t, c, bir)
	done, err := c.ImportStatusRaw(context.Background(), bir)
	if err != nil {
		t.Fatal(err)
	}
	return len(raw), len(done), st
}

// TestFinding5HostileNames: names from config.json, localeData, display
// names and the upload's file name were not capped: 8 MiB names gave 25 MB
// status documents on every poll and a 100 MB Get Bots page. Now bot names
// over 100 characters fail the import, located; status entries show names
// cut to 100 characters; upload names over 255 characters are refused; and
// every status document and Get Bots page stays within 64 KB, whatever the
// names (each character here takes 6 bytes of JSON).
func TestFinding5HostileNames(t *testing.T) {
	ts := startServer(t)
	c := ts.client()
	ctx := context.Background()
	e := fixture.Get(t, "demobot1-full")
	good := uploadExport(t, c, e)
	check := func(what string, pending, final int) {
		t.Helper()
		figure(t, "%s: status document %d bytes pending, %d at the end", what, pending, final)
		if pending > docBound || final > docBound {
			t.Errorf("%s: status documents of %d and %d bytes, want at most %d", what, pending, final, docBound)
		}
	}

	// An 8 MiB name in config.json.
	req := good
	req.ConfigInfo = uploadPath(t, c, editJSON(t, e.File("config.json"), "config.json", func(m map[string]any) { m["name"] = hostile(8 << 20) }))
	st, err := c.ImportNew(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	pending, final, done := docSizes(t, c, st.ID)
	check("8 MiB config.json name", pending, final)
	if done.Status != "failure" || !strings.Contains(done.Message, "config.json /name") {
		t.Errorf("8 MiB config.json name: %s %q, want a failure located at config.json /name", done.Status, done.Message)
	}

	// An 8 MiB default-language name in the definition, none in config.json.
	req = good
	req.ConfigInfo = uploadPath(t, c, editJSON(t, e.File("config.json"), "config.json", func(m map[string]any) { m["name"] = "" }))
	req.BotDefinition = uploadPath(t, c, editJSON(t, e.File("botDefinition.json"), "botDefinition.json", func(m map[string]any) {
		m["localeData"].(map[string]any)["en"].(map[string]any)["name"] = hostile(8 << 20)
	}))
	st, err = c.ImportNew(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	pending, final, done = docSizes(t, c, st.ID)
	check("8 MiB localeData name", pending, final)
	if done.Status != "failure" || !strings.Contains(done.Message, "/localeData/en/name") {
		t.Errorf("8 MiB localeData name: %s %q, want a failure located at /localeData/en/name", done.Status, done.Message)
	}

	// An upload named with 100,000 characters.
	_, err = c.Upload(ctx, func() (io.ReadCloser, error) { return os.Open(e.File("botDefinition.json")) },
		client.UploadOptions{FileName: strings.Repeat("n", 100_000) + ".json"})
	var ce *client.Error
	if !errors.As(err, &ce) || ce.StatusCode != 412 {
		t.Errorf("upload named with 100,000 characters: %v, want 412", err)
	}

	// Every dialog and form named with 1,000 such characters (the most an
	// identity or display name may have): a bot is made, its status entries
	// show the names cut.
	ce2 := fixture.Get(t, "candy-education")
	big := uploadExport(t, c, ce2)
	big.BotDefinition = uploadPath(t, c, editJSON(t, ce2.File("botDefinition.json"), "botDefinition.json", func(m map[string]any) {
		for _, d := range m["dialogs"].([]any) {
			for _, l := range d.(map[string]any)["localeData"].(map[string]any) {
				l.(map[string]any)["name"] = hostile(1000)
			}
		}
		for _, f := range m["forms"].([]any) {
			f.(map[string]any)["displayName"] = hostile(1000)
		}
	}))
	st, err = c.ImportNew(ctx, big)
	if err != nil {
		t.Fatal(err)
	}
	pending, final, done = docSizes(t, c, st.ID)
	check(fmt.Sprintf("%d entries named with 1,000 characters", len(done.StatusLogs)), pending, final)
	if done.Status != "success" {
		t.Errorf("hostile display names: %s %q, want success", done.Status, done.Message)
	}

	// A Get Bots page of 50 bots named with 100 such characters, the most a
	// bot name may have.
	req = good
	req.ConfigInfo = uploadPath(t, c, editJSON(t, e.File("config.json"), "config.json", func(m map[string]any) { m["name"] = hostile(100) }))
	for range 49 {
		st, err := c.ImportNew(ctx, req)
		if err != nil {
			t.Fatal(err)
		}
		if done := wait(t, c, st.ID); done.Status != "success" {
			t.Fatalf("bot named with 100 characters: %s %q", done.Status, done.Message)
		}
	}
	resp, body := rawRequest(t, "GET", ts.URL+"/api/public/bots?limit=50", map[string]string{"auth": mustToken(t, c)}, nil)
	figure(t, "Get Bots page of 50 bots with hostile names: %d bytes", len(body))
	if resp.StatusCode != 200 || len(body) > docBound {
		t.Errorf("Get Bots: %d, %d bytes; want 200 within %d bytes", resp.StatusCode, len(body), docBound)
	}
}

// TestFinding6FunctionNames: a script named botDefinition.json,
// config.json, .hidden.js or a:b.js made every later export of the bot
// fail, and icon.png answered 500. One name rule now holds for
// bot-functions requests (412), botFunctions uploads and zip entries
// (located failures), names match regardless of case, and every bot
// exports.
func TestFinding6FunctionNames(t *testing.T) {
	ts := startServer(t)
	c := ts.client()
	ctx := context.Background()
	e := fixture.Get(t, "demobot1-full")
	st, err := c.ImportNew(ctx, uploadExport(t, c, e))
	if err != nil {
		t.Fatal(err)
	}
	botID := wait(t, c, st.ID).StreamID
	script := uploadPath(t, c, writeTemp(t, "ok.js", []byte("function ok() {}\n")))
	tok := mustToken(t, c)
	for _, name := range []string{"botDefinition.json", "config.json", "CONFIG.JSON", "icon.png", "Icon.PNG", ".hidden.js", "a:b.js",
		"dir/x.js", `dir\x.js`, "x.txt", "x", ".js", "bell\a.js", strings.Repeat("n", 253) + ".js"} {
		body, _ := json.Marshal([]map[string]string{{"fileName": name, "fileId": script}})
		resp, got := rawRequest(t, "POST", ts.URL+"/api/public/bot/"+botID+"/import/botfunctions",
			map[string]string{"auth": tok, "Content-Type": "application/json"}, bytes.NewReader(body))
		if resp.StatusCode != 412 {
			t.Errorf("bot functions named %.40q: %d %s, want 412", name, resp.StatusCode, got)
		}
	}
	for _, name := range []string{"A.js", "a.js", strings.Repeat("n", 252) + ".js"} {
		if _, err := c.ImportFunctions(ctx, botID, []client.Function{{FileName: name, FileID: script}}); err != nil {
			t.Errorf("bot functions named %.40q: %v", name, err)
		}
	}
	scripts := scriptsOf(t, c, botID) // the export works
	if len(scripts) != 2 || scripts[0] != "a.js" && scripts[1] != "a.js" {
		t.Errorf("the export holds scripts %.60q, want a.js (which replaced A.js) and the long name", scripts)
	}

	// An import whose botFunctions upload is named icon.png.
	req := uploadExport(t, c, e)
	up, err := c.Upload(ctx, func() (io.ReadCloser, error) { return io.NopCloser(strings.NewReader("function f() {}\n")), nil },
		client.UploadOptions{FileName: "icon.png", Extension: "js"})
	if err != nil {
		t.Fatal(err)
	}
	req.BotFunctions = []string{up.FileID}
	st, err = c.ImportNew(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	done := wait(t, c, st.ID)
	if done.Status != "failure" || len(done.StatusLogs) < 2 || len(done.StatusLogs[1].Errors) == 0 ||
		done.StatusLogs[1].Errors[0].File != "icon.png" || done.StatusLogs[1].Errors[0].Code != "bad_file_name" {
		t.Errorf("import with a script named icon.png: %s %q, want a failure located at icon.png (bad_file_name)", done.Status, done.Message)
	}

	// A zip whose script name holds a control character.
	zipPath := writeZip(t, "export.zip", append(exportEntries(t, "demobot1-full"), bytesEntry("bell\a.js", []byte("function f() {}\n")))...)
	st, err = c.ImportNew(ctx, client.ImportRequest{UploadMode: "ZIP", ZipInfo: uploadPath(t, c, zipPath)})
	if err != nil {
		t.Fatal(err)
	}
	if done := wait(t, c, st.ID); done.Status != "failure" || !strings.Contains(done.Message, "control characters") {
		t.Errorf("zip with a script named with a control character: %s %q, want a failure", done.Status, done.Message)
	}
}
