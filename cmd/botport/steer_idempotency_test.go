package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptrace"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/botport/botport/client"
	"github.com/botport/botport/internal/fixture"
)

// TestIdempotencyKeys: Idempotency-Key on every POST that creates
// something, on SQLite and PostgreSQL: a repeat replays the first answer
// (the same _id, Idempotent-Replayed: true) and creates nothing more; the
// same key with another body is 422; a bad key is 412; without a key
// nothing changes.
func TestIdempotencyKeys(t *testing.T) {
	for _, be := range backends {
		t.Run(be.name, func(t *testing.T) {
			ts := startServer(t, be.extra(t)...)
			c := ts.client()
			ctx := context.Background()
			e := fixture.Get(t, "demobot1-full")

			// Uploads: the Go client builds a new form (another boundary)
			// for each call; the replay still matches.
			key := client.NewIdempotencyKey()
			up1, err := c.UploadFile(ctx, e.File("botDefinition.json"), nil, client.WithIdempotencyKey(key))
			if err != nil {
				t.Fatal(err)
			}
			up2, err := c.UploadFile(ctx, e.File("botDefinition.json"), nil, client.WithIdempotencyKey(key))
			if err != nil || *up2 != *up1 {
				t.Fatalf("upload replayed as %+v (%v), first %+v", up2, err, up1)
			}
			if _, err := c.UploadFile(ctx, e.File("config.json"), nil, client.WithIdempotencyKey(key)); !client.IsStatus(err, 422) {
				t.Errorf("another file under the same key: %v, want 422", err)
			}
			req := uploadExport(t, c, e)

			// Imports: the replay is the first answer, byte for byte, and
			// only one import exists.
			body := fmt.Sprintf(`{"botDefinition":%q,"configInfo":%q,"icon":%q}`, req.BotDefinition, req.ConfigInfo, req.Icon)
			post := func(path, key, body string) (*http.Response, []byte) {
				return call(t, c, "POST", ts.URL+path, map[string]string{"Content-Type": "application/json", "Idempotency-Key": key},
					strings.NewReader(body))
			}
			key = client.NewIdempotencyKey()
			r1, b1 := post("/api/public/bot/import", key, body)
			r2, b2 := post("/api/public/bot/import", key, body)
			if r1.StatusCode != 200 || r2.StatusCode != 200 || !bytes.Equal(b1, b2) || jsonField(t, b1, "_id") == "" {
				t.Fatalf("import and its replay: %d %s / %d %s", r1.StatusCode, b1, r2.StatusCode, b2)
			}
			if r1.Header.Get("Idempotent-Replayed") != "" || r2.Header.Get("Idempotent-Replayed") != "true" ||
				r2.Header.Get("Content-Type") != r1.Header.Get("Content-Type") {
				t.Errorf("headers: first %v, replay %v", r1.Header, r2.Header)
			}
			bir := jsonField(t, b1, "_id")
			final := watch(t, c, bir)
			page, err := c.ListImports(ctx, client.ListOptions{})
			if err != nil || len(page.Imports) != 1 || page.Imports[0].ID != bir {
				t.Fatalf("imports after a replay: %+v, %v", page, err)
			}
			// Later, still the first answer (the pending start document).
			if r3, b3 := post("/api/public/bot/import", key, body); r3.StatusCode != 200 || !bytes.Equal(b3, b1) {
				t.Errorf("replay after the import ended: %d %s", r3.StatusCode, b3)
			}
			r4, b4 := post("/api/public/bot/import", key, strings.Replace(body, "}", `,"name":"Other"}`, 1))
			if r4.StatusCode != 422 || string(b4) != envelope("This Idempotency-Key was used with a different request", 422) {
				t.Errorf("another body: %d %s", r4.StatusCode, b4)
			}
			// The key belongs to the request: the same key on another route is another request.
			if r5, b5 := post("/api/public/bot/"+final.StreamID+"/import", key, body); r5.StatusCode != 422 {
				t.Errorf("the key on another path: %d %s", r5.StatusCode, b5)
			}
			for _, bad := range []string{strings.Repeat("k", 256), "caf\u00e9", `""`} {
				r, b := post("/api/public/bot/import", bad, body)
				if r.StatusCode != 412 || string(b) != envelope("Invalid Idempotency-Key: 1 to 255 printable ASCII characters", 412) {
					t.Errorf("key %q: %d %s", bad, r.StatusCode, b)
				}
			}

			// The client's calls with a key: import into a bot, bot
			// functions, export.
			bot := final.StreamID
			into := req
			into.Icon = ""
			k := client.WithIdempotencyKey(client.NewIdempotencyKey())
			i1, err := c.ImportInto(ctx, bot, into, k)
			if err != nil {
				t.Fatal(err)
			}
			i2, err := c.ImportInto(ctx, bot, into, k)
			if err != nil || i2.ID != i1.ID {
				t.Errorf("import into a bot replayed as %v, %v (first %s)", i2, err, i1.ID)
			}
			watch(t, c, i1.ID)
			script := uploadPath(t, c, writeTemp(t, "Functions.js", []byte("function hello() { return 1; }\n")))
			k = client.WithIdempotencyKey(client.NewIdempotencyKey())
			fns := []client.Function{{FileName: "Functions.js", FileID: script}}
			f1, err := c.ImportFunctions(ctx, bot, fns, k)
			if err != nil {
				t.Fatal(err)
			}
			f2, err := c.ImportFunctions(ctx, bot, fns, k)
			if err != nil || *f2 != *f1 {
				t.Errorf("bot functions replayed as %+v, %v (first %+v)", f2, err, f1)
			}
			vs, err := c.Versions(ctx, bot)
			if err != nil || len(vs) != 3 {
				t.Errorf("versions after a replayed bot-functions write: %d, %v; want 3", len(vs), err)
			}
			k = client.WithIdempotencyKey(client.NewIdempotencyKey())
			x1, err := c.Export(ctx, bot, client.ExportRequest{ExportType: "latest"}, k)
			if err != nil {
				t.Fatal(err)
			}
			x2, err := c.Export(ctx, bot, client.ExportRequest{ExportType: "latest"}, k)
			if err != nil || x2.ID != x1.ID {
				t.Errorf("export replayed as %+v, %v (first %s)", x2, err, x1.ID)
			}
			if ex, err := c.ListExports(ctx, client.ListOptions{}); err != nil || len(ex.Exports) != 1 {
				t.Errorf("exports after a replay: %+v, %v", ex, err)
			}
			// Without a key, a repeat is another request.
			n1, err := c.ImportNew(ctx, req)
			if err != nil {
				t.Fatal(err)
			}
			n2, err := c.ImportNew(ctx, req)
			if err != nil || n2.ID == n1.ID {
				t.Errorf("two imports without a key: %s and %v (%v)", n1.ID, n2, err)
			}
			watch(t, c, n1.ID)
			watch(t, c, n2.ID)
		})
	}
}

// heldUpload is an upload whose body the test writes: the request is in
// flight, its key claimed, from the moment the server asks for the body
// (100-continue) until the test closes it.
type heldUpload struct {
	pw       *io.PipeWriter
	rest     []byte
	answered chan *http.Response
}

// startHeldUpload sends an upload of content under key to base and returns
// once the server reads its body (the key is claimed by then).
func startHeldUpload(t *testing.T, c *client.Client, base, key string, content []byte) *heldUpload {
	t.Helper()
	var form bytes.Buffer
	mw := multipart.NewWriter(&form)
	mw.WriteField("fileContext", "bulkImport")
	mw.WriteField("fileExtension", "json")
	fw, _ := mw.CreateFormFile("file", "botDefinition.json")
	fw.Write(content)
	mw.Close()
	pr, pw := io.Pipe()
	continued := make(chan struct{})
	trace := &httptrace.ClientTrace{Got100Continue: func() { close(continued) }}
	req, err := http.NewRequestWithContext(httptrace.WithClientTrace(context.Background(), trace), "POST", base+"/api/public/uploadfile", pr)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("auth", mustToken(t, c))
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Idempotency-Key", key)
	req.Header.Set("Expect", "100-continue")
	req.ContentLength = int64(form.Len())
	tr := &http.Transport{ExpectContinueTimeout: time.Minute}
	t.Cleanup(tr.CloseIdleConnections)
	u := &heldUpload{pw: pw, rest: form.Bytes(), answered: make(chan *http.Response, 1)}
	go func() {
		resp, err := tr.RoundTrip(req)
		if err != nil {
			t.Errorf("slow upload: %v", err)
			u.answered <- nil
			return
		}
		u.answered <- resp
	}()
	select {
	case <-continued:
	case <-time.After(time.Minute):
		t.Fatal("the server never asked for the body")
	}
	return u
}

// finish sends the rest of the body and returns the answer.
func (u *heldUpload) finish(t *testing.T) (*http.Response, []byte) {
	t.Helper()
	go func() {
		u.pw.Write(u.rest)
		u.pw.Close()
	}()
	resp := <-u.answered
	if resp == nil {
		t.FailNow()
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, b
}

// TestIdempotencyInFlightAndReplicas: a request with a key still in
// flight makes a repeat 409 (with Retry-After), on the same server and on
// another replica of the same PostgreSQL database; once it answered, both
// replicas replay its answer.
func TestIdempotencyInFlightAndReplicas(t *testing.T) {
	for _, be := range backends {
		t.Run(be.name, func(t *testing.T) {
			// Replicas share the key that seals the database's secrets.
			extra := append(be.extra(t), "--key-file", filepath.Join(t.TempDir(), "secret.key"))
			a := startServer(t, extra...)
			c := a.client()
			other := a // SQLite: one server per data directory
			if be.name == "PostgreSQL" {
				other = startServer(t, extra...) // a second replica of the same database
			}
			b := client.New(other.URL, a.AppID, a.Secret)
			content := []byte(strings.Repeat(" ", 1000) + `{"dialogs":[]}`)
			key := "upload-" + client.NewIdempotencyKey()

			slow := startHeldUpload(t, c, a.URL, key, content)
			for _, base := range []string{a.URL, other.URL} {
				var form bytes.Buffer
				mw := multipart.NewWriter(&form)
				mw.WriteField("fileContext", "bulkImport")
				mw.WriteField("fileExtension", "json")
				fw, _ := mw.CreateFormFile("file", "botDefinition.json")
				fw.Write(content)
				mw.Close()
				resp, body := call(t, c, "POST", base+"/api/public/uploadfile",
					map[string]string{"Content-Type": mw.FormDataContentType(), "Idempotency-Key": key}, &form)
				want := envelope("A request with this Idempotency-Key is still being processed; retry shortly", 409)
				if resp.StatusCode != 409 || string(body) != want || resp.Header.Get("Retry-After") != "1" {
					t.Errorf("repeat on %s while in flight: %d %s (Retry-After %q)", base, resp.StatusCode, body, resp.Header.Get("Retry-After"))
				}
			}
			resp, first := slow.finish(t)
			if resp.StatusCode != 200 || jsonField(t, first, "fileId") == "" {
				t.Fatalf("the slow upload: %d %s", resp.StatusCode, first)
			}
			for _, cl := range []*client.Client{c, b} {
				up, err := cl.UploadFile(context.Background(), writeTemp(t, "botDefinition.json", content), nil, client.WithIdempotencyKey(key))
				if err != nil || up.FileID != jsonField(t, first, "fileId") {
					t.Errorf("replay on %s: %+v, %v; first %s", cl.BaseURL, up, err, first)
				}
			}
			// A key replayed on the other replica after an import.
			req := uploadExport(t, c, fixture.Get(t, "demobot1-full"))
			k := client.WithIdempotencyKey(client.NewIdempotencyKey())
			s1, err := c.ImportNew(context.Background(), req, k)
			if err != nil {
				t.Fatal(err)
			}
			s2, err := b.ImportNew(context.Background(), req, k)
			if err != nil || s2.ID != s1.ID {
				t.Errorf("import replayed on the other replica as %v, %v; first %s", s2, err, s1.ID)
			}
			watch(t, c, s1.ID)
		})
	}
}
