package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"
	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/botport/botport/internal/httpapi"
)

// Every answer a server started by the end-to-end tests gives passes
// through answerCheck, which validates it against the OpenAPI document the
// server serves (httpapi.OpenAPI) with kin-openapi: the status must be
// documented for the operation, the Content-Type one of its media types,
// documented headers well formed, and a JSON body must match its schema.
// An answer to a path or method the document does not have must be the
// Kore error envelope. A mismatch is recorded under the host the request
// reached, and the test that started that server fails with it
// (claimOpenAPIFailures, called as the server stops); what no test claims
// fails TestMain.
//
// A server in a child process (startProcEnv) appends its mismatches to the
// file named by $BOTPORT_OPENAPI_FAILURES, which the parent reads.

const openAPIFailuresEnv = "BOTPORT_OPENAPI_FAILURES"

// maxCheckedBody is the most of an answer's body kept for validation; a
// longer one (a large export zip) has its status, type and headers checked.
const maxCheckedBody = 8 << 20

func init() {
	wrapHandler = func(h http.Handler) http.Handler { return answerCheck().wrap(h) }
}

var answerCheck = sync.OnceValue(func() *openAPIChecker {
	c := &openAPIChecker{failures: map[string][]string{}, file: os.Getenv(openAPIFailuresEnv)}
	c.doc, c.err = openapi3.NewLoader().LoadFromData(httpapi.OpenAPI)
	if c.err == nil {
		c.err = c.doc.Validate(context.Background())
	}
	if c.err == nil {
		c.router, c.err = gorillamux.NewRouter(c.doc)
	}
	if c.err == nil {
		c.err = c.loadSchemas()
	}
	for _, name := range []string{"Error", "WebhookEvent"} {
		if c.err == nil && c.doc.Components.Schemas[name] == nil {
			c.err = errors.New("no schema " + name)
		}
	}
	return c
})

type openAPIChecker struct {
	doc    *openapi3.T
	router routers.Router
	err    error // the document does not load: every answer fails

	// Bodies are validated by santhosh-tekuri/jsonschema (the JSON Schema
	// 2020-12 validator kin-openapi itself uses for 3.1) with each schema
	// compiled once: kin-openapi's ValidateResponse compiles the schema
	// on every call, 2.5 ms an answer (BenchmarkOpenAPICheck), which
	// thousands of answers on two shared cores should not pay.
	raw      map[string]any
	compiler *jsonschema.Compiler
	schemaMu sync.Mutex
	schemas  map[string]*jsonschema.Schema // by JSON pointer into the document

	checked atomic.Int64 // answers checked, for -v

	mu       sync.Mutex
	failures map[string][]string // by the host the request reached
	file     string
}

func (c *openAPIChecker) wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rw := &recordingWriter{ResponseWriter: w}
		// A panic (http.ErrAbortHandler: an answer cut off on purpose)
		// skips the check: the client sees no whole answer.
		next.ServeHTTP(rw, r)
		rw.snapshot()
		c.checked.Add(1)
		if reason := c.check(r, rw); reason != "" {
			c.record(r.Host, fmt.Sprintf("%s %s -> %d %s: %s", r.Method, r.URL.Path, rw.status, rw.header.Get("Content-Type"), reason))
		}
	})
}

// check returns why the answer does not match the document, or "".
func (c *openAPIChecker) check(r *http.Request, rw *recordingWriter) string {
	if c.err != nil {
		return "openapi.json: " + c.err.Error()
	}
	if r.Method == http.MethodHead {
		return ""
	}
	// The web dashboard (/ui/) is pages for a browser, not the API: the
	// document leaves it out and its own tests check it.
	if p := r.URL.Path; p == "/ui" || strings.HasPrefix(p, "/ui/") {
		return ""
	}
	// The server tolerates one trailing slash (contract 1.1); the
	// document names each path once.
	req := r.Clone(context.Background())
	if p := req.URL.Path; len(p) > 1 && strings.HasSuffix(p, "/") {
		req.URL.Path = strings.TrimSuffix(p, "/")
		req.URL.RawPath = ""
	}
	route, params, err := c.router.FindRoute(req)
	if err != nil {
		// No such path or method in the document: the server must have
		// refused it in the envelope.
		if rw.status < 400 {
			return fmt.Sprintf("no operation in openapi.json (%v), yet status %d", err, rw.status)
		}
		return c.isEnvelope(rw)
	}
	// kin-openapi checks the status is documented for the operation, and
	// the documented headers; the body is checked below.
	err = openapi3filter.ValidateResponse(context.Background(), &openapi3filter.ResponseValidationInput{
		RequestValidationInput: &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route},
		Status:                 rw.status,
		Header:                 rw.header,
		Body:                   io.NopCloser(bytes.NewReader(nil)),
		Options:                &openapi3filter.Options{IncludeResponseStatus: true, ExcludeResponseBody: true},
	})
	if err != nil {
		return shorten(err.Error())
	}
	if rw.status == http.StatusNotModified {
		return ""
	}
	return c.checkBody(route, rw)
}

// checkBody checks the answer's Content-Type is one its status documents
// and a JSON body against that media type's schema.
func (c *openAPIChecker) checkBody(route *routers.Route, rw *recordingWriter) string {
	ptr := "/paths/" + escapePointer(route.Path) + "/" + strings.ToLower(route.Method) + "/responses/"
	code := strconv.Itoa(rw.status)
	resp, _ := c.at(ptr + code).(map[string]any)
	if resp == nil {
		code = "default"
		resp, _ = c.at(ptr + code).(map[string]any)
	}
	ptr += code
	if ref, ok := resp["$ref"].(string); ok {
		ptr = strings.TrimPrefix(ref, "#")
		resp, _ = c.at(ptr).(map[string]any)
	}
	content, _ := resp["content"].(map[string]any)
	if len(content) == 0 {
		return "" // no body documented
	}
	ct := rw.header.Get("Content-Type")
	mt, _, err := mime.ParseMediaType(ct)
	key := ct
	if _, ok := content[key]; !ok {
		key = mt
	}
	media, ok := content[key].(map[string]any)
	if err != nil || !ok {
		return fmt.Sprintf("response Content-Type %q is not one of those documented for %d", ct, rw.status)
	}
	if _, ok := media["schema"]; !ok || rw.truncated || (mt != "application/json" && !strings.HasSuffix(mt, "+json")) {
		return ""
	}
	return c.validate(ptr+"/content/"+escapePointer(key)+"/schema", rw.body.Bytes())
}

// validate checks a JSON body against the schema at ptr in the document.
func (c *openAPIChecker) validate(ptr string, body []byte) string {
	sch, err := c.schemaAt(ptr)
	if err != nil {
		return "openapi.json: " + err.Error()
	}
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(body))
	if err != nil {
		return "response body is not JSON: " + err.Error()
	}
	if err := sch.Validate(v); err != nil {
		return "response body doesn't match schema: " + shorten(err.Error())
	}
	return ""
}

const openAPIURL = "https://botport.invalid/openapi.json"

func (c *openAPIChecker) loadSchemas() error {
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(httpapi.OpenAPI))
	if err != nil {
		return err
	}
	c.raw, _ = doc.(map[string]any)
	c.compiler = jsonschema.NewCompiler()
	c.compiler.DefaultDraft(jsonschema.Draft2020)
	c.schemas = map[string]*jsonschema.Schema{}
	return c.compiler.AddResource(openAPIURL, doc)
}

// schemaAt compiles the schema at ptr, once.
func (c *openAPIChecker) schemaAt(ptr string) (*jsonschema.Schema, error) {
	c.schemaMu.Lock()
	defer c.schemaMu.Unlock()
	if sch := c.schemas[ptr]; sch != nil {
		return sch, nil
	}
	sch, err := c.compiler.Compile(openAPIURL + "#" + ptr)
	if err != nil {
		return nil, err
	}
	c.schemas[ptr] = sch
	return sch, nil
}

// at is the value at a JSON pointer into the document, or nil.
func (c *openAPIChecker) at(ptr string) any {
	var v any = c.raw
	for _, tok := range strings.Split(strings.TrimPrefix(ptr, "/"), "/") {
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = m[strings.NewReplacer("~1", "/", "~0", "~").Replace(tok)]
	}
	return v
}

func escapePointer(s string) string {
	return strings.NewReplacer("~", "~0", "/", "~1").Replace(s)
}

func (c *openAPIChecker) isEnvelope(rw *recordingWriter) string {
	mt, _, err := mime.ParseMediaType(rw.header.Get("Content-Type"))
	if err != nil || mt != "application/json" {
		return "a refusal that is not the error envelope (Content-Type)"
	}
	if why := c.matches("Error", rw.body.Bytes()); why != "" {
		return "a refusal that is not the error envelope: " + why
	}
	return ""
}

// matches returns why body does not match the document's schema name, or "".
func (c *openAPIChecker) matches(name string, body []byte) string {
	if c.err != nil {
		return "openapi.json: " + c.err.Error()
	}
	return c.validate("/components/schemas/"+name, body)
}

func shorten(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > 600 {
		s = s[:600] + "…"
	}
	return s
}

func (c *openAPIChecker) record(host, failure string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.file != "" {
		f, err := os.OpenFile(c.file, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o600)
		if err == nil {
			fmt.Fprintln(f, failure)
			f.Close()
			return
		}
	}
	c.failures[host] = append(c.failures[host], failure)
}

// claim takes the failures recorded for host.
func (c *openAPIChecker) claim(host string) []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	f := c.failures[host]
	delete(c.failures, host)
	return f
}

// unclaimed takes every failure left, as "host: failure".
func (c *openAPIChecker) unclaimed() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	var all []string
	for host, fs := range c.failures {
		for _, f := range fs {
			all = append(all, host+": "+f)
		}
	}
	clear(c.failures)
	slices.Sort(all)
	return all
}

// claimOpenAPIFailures fails t with the mismatches recorded for the server
// at baseURL (its answers to this test).
func claimOpenAPIFailures(t testing.TB, baseURL string) {
	t.Helper()
	reportOpenAPIFailures(t, answerCheck().claim(strings.TrimPrefix(baseURL, "http://")))
}

// claimOpenAPIFile fails t with the mismatches a child server appended to
// file.
func claimOpenAPIFile(t testing.TB, file string) {
	t.Helper()
	data, err := os.ReadFile(file)
	if err != nil {
		return // none
	}
	reportOpenAPIFailures(t, strings.Split(strings.TrimSpace(string(data)), "\n"))
}

func reportOpenAPIFailures(t testing.TB, failures []string) {
	t.Helper()
	for i, f := range failures {
		if i == 10 {
			t.Errorf("openapi: and %d more answers that do not match openapi.json", len(failures)-i)
			break
		}
		t.Errorf("openapi: answer does not match openapi.json: %s", f)
	}
}

// recordingWriter passes an answer on and keeps its status, headers (as
// they were when the status was written) and up to maxCheckedBody bytes of
// its body.
type recordingWriter struct {
	http.ResponseWriter
	status    int
	header    http.Header
	body      bytes.Buffer
	truncated bool
}

func (w *recordingWriter) WriteHeader(code int) {
	if w.status == 0 && code >= 200 {
		w.status = code
		w.header = w.ResponseWriter.Header().Clone()
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *recordingWriter) Write(p []byte) (int, error) {
	if w.status == 0 {
		w.WriteHeader(http.StatusOK)
	}
	if !w.truncated {
		if w.body.Len()+len(p) > maxCheckedBody {
			w.truncated = true
			w.body.Reset()
		} else {
			w.body.Write(p)
		}
	}
	return w.ResponseWriter.Write(p)
}

// snapshot records an answer the handler never wrote: 200, empty.
func (w *recordingWriter) snapshot() {
	if w.status == 0 {
		w.status = http.StatusOK
		w.header = w.ResponseWriter.Header().Clone()
	}
}

func (w *recordingWriter) Flush() {
	if f, ok := w.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

// Unwrap lets http.ResponseController reach the connection (deadlines).
func (w *recordingWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// TestOpenAPICheckCatchesDrift proves the check fails on answers that
// drifted from the document, and passes the ones that match it.
func TestOpenAPICheckCatchesDrift(t *testing.T) {
	t.Parallel()
	c := answerCheck()
	if c.err != nil {
		t.Fatal(c.err)
	}
	envelope := `{"errors":[{"msg":"Not Found","code":404}]}`
	status := `{"_id":"bir-1","status":"success","streamRefId":"st-1","statusLogs":[],"createdBy":"u-1","requestType":"Botimport","createdOn":"2026-01-01T00:00:00.000Z","__v":0}`
	for i, tc := range []struct {
		name, method, path string
		status             int
		contentType, body  string
		want               string // "" when the answer matches
	}{
		{"ProbeOK", "GET", "/healthz", 200, "application/json", `{"status":"ok"}`, ""},
		{"ProbeExtraMember", "GET", "/healthz", 200, "application/json", `{"status":"ok","load":1}`, "doesn't match schema"},
		{"StatusOK", "GET", "/api/public/bot/import/status/bir-1", 200, "application/json; charset=utf-8", status, ""},
		{"StatusMissingID", "GET", "/api/public/bot/import/status/bir-1", 200, "application/json", strings.Replace(status, `"_id":"bir-1",`, "", 1), "doesn't match schema"},
		{"StatusWrongType", "GET", "/api/public/bot/import/status/bir-1/", 200, "application/json", strings.Replace(status, `"__v":0`, `"__v":"0"`, 1), "doesn't match schema"},
		{"UndocumentedStatus", "GET", "/api/botport/webhooks", 418, "application/json", envelope, "status is not supported"},
		{"RefusalNotEnvelope", "GET", "/api/botport/webhooks", 401, "application/json", `{"error":"no"}`, "doesn't match schema"},
		{"ZipAsJSON", "GET", "/api/botport/bots/st-1/versions/1/export", 200, "application/json", `{}`, "Content-Type"},
		{"UnknownPathEnvelope", "GET", "/api/nowhere", 404, "application/json", envelope, ""},
		{"UnknownPathPlain", "GET", "/api/nowhere", 404, "text/plain", "404 page not found", "not the error envelope"},
		{"UnknownMethodOK", "PUT", "/healthz", 200, "application/json", `{"status":"ok"}`, "no operation"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			host := "drift-" + strconv.Itoa(i) + ".test"
			h := c.wrap(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", tc.contentType)
				w.WriteHeader(tc.status)
				io.WriteString(w, tc.body)
			}))
			r, err := http.NewRequest(tc.method, "http://"+host+tc.path, nil)
			if err != nil {
				t.Fatal(err)
			}
			h.ServeHTTP(discardWriter{http.Header{}}, r)
			got := c.claim(host)
			switch {
			case tc.want == "" && len(got) > 0:
				t.Errorf("a matching answer failed: %q", got)
			case tc.want != "" && len(got) != 1:
				t.Errorf("got %d failures %q, want 1 with %q", len(got), got, tc.want)
			case tc.want != "" && !strings.Contains(got[0], tc.want):
				t.Errorf("failure %q, want it to say %q", got[0], tc.want)
			}
		})
	}
}

type discardWriter struct{ h http.Header }

func (d discardWriter) Header() http.Header         { return d.h }
func (d discardWriter) Write(p []byte) (int, error) { return len(p), nil }
func (d discardWriter) WriteHeader(int)             {}

// TestOpenAPICheckChildFile: a child server's mismatches reach the test
// that started it through the file, and fail it.
func TestOpenAPICheckChildFile(t *testing.T) {
	t.Parallel()
	file := t.TempDir() + "/openapi-failures"
	child := &openAPIChecker{failures: map[string][]string{}, file: file}
	child.record("127.0.0.1:1", "GET /healthz -> 200: drifted")
	child.record("127.0.0.1:1", "GET /readyz -> 200: drifted")
	if len(child.unclaimed()) != 0 {
		t.Fatal("a child recorded in memory, not in its file")
	}
	tb := &errorsTB{TB: t}
	claimOpenAPIFile(tb, file)
	if len(tb.errs) != 2 || !strings.Contains(tb.errs[1], "GET /readyz -> 200: drifted") {
		t.Errorf("claimed %q, want both failures", tb.errs)
	}
	tb = &errorsTB{TB: t}
	claimOpenAPIFile(tb, t.TempDir()+"/none")
	if len(tb.errs) != 0 {
		t.Errorf("no file: claimed %q", tb.errs)
	}
}

// errorsTB records Errorf instead of failing.
type errorsTB struct {
	testing.TB
	errs []string
}

func (e *errorsTB) Errorf(format string, args ...any) {
	e.errs = append(e.errs, fmt.Sprintf(format, args...))
}

// TestOpenAPIWebhookEventDrift: the check the webhook receivers make
// catches a drifted delivery body.
func TestOpenAPIWebhookEventDrift(t *testing.T) {
	t.Parallel()
	status := `{"_id":"bir-1","status":"success","streamRefId":"st-1","statusLogs":[],"createdBy":"u-1","requestType":"Botimport","createdOn":"2026-01-01T00:00:00.000Z","__v":0}`
	good := `{"type":"import.succeeded","timestamp":"2026-01-01T00:00:00.000Z","data":` + status + `}`
	for _, tc := range []struct {
		name, body string
		ok         bool
	}{
		{"OK", good, true},
		{"UnknownType", strings.Replace(good, "import.succeeded", "import.started", 1), false},
		{"DataMissingMember", strings.Replace(good, `"requestType":"Botimport",`, "", 1), false},
		{"ExtraMember", strings.Replace(good, `{"type"`, `{"id":"x","type"`, 1), false},
	} {
		if why := answerCheck().matches("WebhookEvent", []byte(tc.body)); (why == "") != tc.ok {
			t.Errorf("%s: matches = %q, want ok %v", tc.name, why, tc.ok)
		}
	}
}

// BenchmarkOpenAPICheck is the check's cost for one status document
// answer (the commonest), route lookup included.
func BenchmarkOpenAPICheck(b *testing.B) {
	c := answerCheck()
	body := []byte(`{"_id":"bir-1","status":"success","streamRefId":"st-1","statusLogs":[{"taskType":"botDefinition","taskName":"Bot Definition","status":"success"}],"createdBy":"u-1","requestType":"Botimport","createdOn":"2026-01-01T00:00:00.000Z","__v":0}`)
	r, _ := http.NewRequest("GET", "http://bench.test/api/public/bot/import/status/bir-1", nil)
	rw := &recordingWriter{ResponseWriter: discardWriter{http.Header{}}, status: 200, header: http.Header{"Content-Type": {"application/json"}}}
	rw.body.Write(body)
	for b.Loop() {
		if why := c.check(r, rw); why != "" {
			b.Fatal(why)
		}
	}
}
