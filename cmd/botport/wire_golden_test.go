package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/botport/botport/internal/fixture"
)

// TestWireGolden pins the bytes botport answers on the wire: one scenario
// through every endpoint (uploads, a new-bot import, an incremental import,
// a dry run, a failed import, bot functions, Get Bots, an export and its
// status, versions, and a row of error answers). Ids, timestamps and
// signatures are replaced by numbered placeholders in order of first
// appearance; everything else, field order included, must match
// testdata/golden/wire exactly. -update rewrites the file.
func TestWireGolden(t *testing.T) {
	ts := startServer(t)
	c := ts.client()
	tok := mustToken(t, c)
	w := &wireLog{t: t, base: ts.URL, tok: tok}

	e := fixture.Get(t, "demobot1-full")
	def := w.upload(e.File("botDefinition.json"), "json")
	cfg := w.upload(e.File("config.json"), "json")
	icon := w.upload(e.File("icon.png"), "png")

	start := w.call("import new", "POST", "/api/public/bot/import", fmt.Sprintf(`{"botDefinition":%q,"configInfo":%q,"icon":%q}`, def, cfg, icon))
	bir := jsonString(t, start, "_id")
	final := w.waitImport(bir)
	bot := jsonString(t, final, "streamId")

	w.call("get bots", "GET", "/api/public/bots?limit=5", "")

	inc := w.call("import incremental", "POST", "/api/public/bot/"+bot+"/import",
		fmt.Sprintf(`{"botDefinition":%q,"configInfo":%q,"importOptions":{"nlpData":["utterances"],"settings":["botVariables"]}}`, def, cfg))
	w.waitImport(jsonString(t, inc, "_id"))

	dry := w.call("import dry run", "POST", "/api/public/bot/"+bot+"/import",
		fmt.Sprintf(`{"botDefinition":%q,"configInfo":%q,"dryRun":true}`, def, cfg))
	w.waitImport(jsonString(t, dry, "_id"))

	broken := w.upload(writeTemp(t, "botDefinition.json", []byte(`{"dialogs": [`)), "json")
	bad := w.call("import failing", "POST", "/api/public/bot/"+bot+"/import", fmt.Sprintf(`{"botDefinition":%q,"configInfo":%q}`, broken, cfg))
	w.waitImport(jsonString(t, bad, "_id"))

	script := w.upload(writeTemp(t, "Functions.js", []byte("function hello() { return 1; }\n")), "js")
	w.call("bot functions", "POST", "/api/public/bot/"+bot+"/import/botfunctions", fmt.Sprintf(`[{"fileName":"Functions.js","fileId":%q}]`, script))

	w.call("export start", "POST", "/api/public/bot/"+bot+"/export", `{"exportType":"latest"}`)
	w.waitExport(bot)

	w.call("versions", "GET", "/api/botport/bots/"+bot+"/versions", "")

	// Error answers, in the contract's order of checks.
	w.raw("no token", "GET", "/api/public/bots", nil, "")
	w.raw("not a jwt", "GET", "/api/public/bots", map[string]string{"auth": "abc"}, "")
	w.raw("unknown route", "GET", "/api/public/nothing", map[string]string{"auth": tok}, "")
	w.raw("wrong method", "DELETE", "/api/public/bots", map[string]string{"auth": tok}, "")
	w.call("bad body", "POST", "/api/public/bot/import", `{"botDefinition":`)
	w.call("unknown file", "POST", "/api/public/bot/import", `{"botDefinition":"0123456789abcdef01234567","configInfo":"0123456789abcdef01234567","icon":"0123456789abcdef01234567"}`)
	w.call("unknown bot", "POST", "/api/public/bot/st-00000000-0000-0000-0000-000000000000/import", fmt.Sprintf(`{"botDefinition":%q,"configInfo":%q}`, def, cfg))
	w.call("no component", "POST", "/api/public/bot/"+bot+"/import", fmt.Sprintf(`{"botDefinition":%q,"configInfo":%q,"importOptions":{"tasks":["bogus"]}}`, def, cfg))
	w.call("unknown bir", "GET", "/api/public/bot/import/status/bir-x", "")
	w.call("bad export type", "POST", "/api/public/bot/"+bot+"/export", `{"exportType":"nope"}`)
	w.call("unknown version", "POST", "/api/botport/bots/"+bot+"/versions/99/restore", "")

	got := w.normalized()
	path := filepath.Join("testdata", "golden", "wire", "scenario.txt")
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
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

// wireLog records each exchange as "name", "METHOD path", "status", the
// headers clients read, and the body as sent.
type wireLog struct {
	t    *testing.T
	base string
	tok  string
	out  strings.Builder
}

func (w *wireLog) call(name, method, path, body string) []byte {
	h := map[string]string{"auth": w.tok}
	if body != "" {
		h["Content-Type"] = "application/json"
	}
	return w.raw(name, method, path, h, body)
}

func (w *wireLog) raw(name, method, path string, h map[string]string, body string) []byte {
	w.t.Helper()
	// Distinct events get distinct millisecond timestamps, so that the
	// numbering of placeholders does not depend on the machine's speed.
	time.Sleep(3 * time.Millisecond)
	resp, b := rawRequest(w.t, method, w.base+path, h, strings.NewReader(body))
	w.record(name, method, path, resp, b)
	return b
}

func (w *wireLog) record(name, method, path string, resp *http.Response, b []byte) {
	fmt.Fprintf(&w.out, "### %s\n%s %s\n%d %s\n", name, method, path, resp.StatusCode, resp.Header.Get("Content-Type"))
	for _, k := range []string{"Allow", "Retry-After", "Cache-Control", "Content-Disposition"} {
		if v := resp.Header.Get(k); v != "" {
			fmt.Fprintf(&w.out, "%s: %s\n", k, v)
		}
	}
	w.out.Write(b)
	w.out.WriteString("\n\n")
}

// upload posts one file as a deploy script does and returns its id.
func (w *wireLog) upload(path, ext string) string {
	w.t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	fw, _ := mw.CreateFormFile("file", filepath.Base(path))
	f, err := os.Open(path)
	if err != nil {
		w.t.Fatal(err)
	}
	io.Copy(fw, f)
	f.Close()
	mw.WriteField("fileContext", "bulkImport")
	mw.WriteField("fileExtension", ext)
	mw.Close()
	time.Sleep(3 * time.Millisecond)
	resp, b := rawRequest(w.t, "POST", w.base+"/api/public/uploadfile",
		map[string]string{"auth": w.tok, "Content-Type": mw.FormDataContentType()}, &body)
	w.record("upload "+filepath.Base(path), "POST", "/api/public/uploadfile", resp, b)
	return jsonString(w.t, b, "fileId")
}

// waitImport polls an import to its end and records the final document.
func (w *wireLog) waitImport(bir string) []byte {
	w.t.Helper()
	deadline := time.Now().Add(time.Minute)
	for {
		resp, b := rawRequest(w.t, "GET", w.base+"/api/public/bot/import/status/"+bir, map[string]string{"auth": w.tok}, nil)
		if st := jsonString(w.t, b, "status"); st != "pending" || time.Now().After(deadline) {
			w.record("import status", "GET", "/api/public/bot/import/status/"+bir, resp, b)
			return b
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// waitExport polls a bot's export to its end and records the final document.
func (w *wireLog) waitExport(bot string) []byte {
	w.t.Helper()
	deadline := time.Now().Add(time.Minute)
	for {
		resp, b := rawRequest(w.t, "GET", w.base+"/api/public/bot/"+bot+"/export/status", map[string]string{"auth": w.tok}, nil)
		if st := jsonString(w.t, b, "status"); st != "pending" || time.Now().After(deadline) {
			w.record("export status", "GET", "/api/public/bot/"+bot+"/export/status", resp, b)
			return b
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// Values that differ between runs, each replaced by <kind-n>, numbered by
// first appearance: the same id keeps its placeholder wherever it recurs.
var wireVolatile = []struct {
	kind string
	re   *regexp.Regexp
}{
	{"url", regexp.MustCompile(`http://127\.0\.0\.1:\d+`)},
	{"bir", regexp.MustCompile(`bir-[0-9a-f-]{36}`)},
	{"ber", regexp.MustCompile(`ber-[0-9a-f-]{36}`)},
	{"st", regexp.MustCompile(`st-[0-9a-f-]{36}`)},
	{"u", regexp.MustCompile(`u-[0-9a-f-]{36}`)},
	{"uuid", regexp.MustCompile(`[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}`)},
	{"time", regexp.MustCompile(`\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z`)},
	{"expires", regexp.MustCompile(`expires=\d+`)},
	{"sig", regexp.MustCompile(`sig=[0-9a-f]{64}`)},
	{"hash", regexp.MustCompile(`"contentHash":"[0-9a-f]+"`)},
	{"id", regexp.MustCompile(`\b[0-9a-f]{24}\b`)},
	{"size", regexp.MustCompile(`"fileSize":"\d+"`)},
}

func (w *wireLog) normalized() []byte {
	s := w.out.String()
	for _, v := range wireVolatile {
		seen := map[string]string{}
		s = v.re.ReplaceAllStringFunc(s, func(m string) string {
			if p, ok := seen[m]; ok {
				return p
			}
			p := fmt.Sprintf("<%s-%d>", v.kind, len(seen)+1)
			seen[m] = p
			return p
		})
	}
	return []byte(s)
}

func jsonString(t testing.TB, b []byte, key string) string {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("%s: %v", b, err)
	}
	s, _ := m[key].(string)
	return s
}

// lineDiff lists the lines that differ, for a readable failure.
func lineDiff(want, got string) string {
	wl, gl := strings.Split(want, "\n"), strings.Split(got, "\n")
	var b strings.Builder
	for i := 0; i < max(len(wl), len(gl)); i++ {
		var a, c string
		if i < len(wl) {
			a = wl[i]
		}
		if i < len(gl) {
			c = gl[i]
		}
		if a != c {
			fmt.Fprintf(&b, "line %d\n- %s\n+ %s\n", i+1, a, c)
		}
	}
	return b.String()
}
