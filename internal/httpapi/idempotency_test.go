package httpapi

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"mime/multipart"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/botport/botport/internal/kore"
)

func TestParseIdempotencyKey(t *testing.T) {
	long := strings.Repeat("k", 255)
	for _, tt := range []struct {
		vals []string
		want string
		ok   bool
	}{
		{[]string{"8e03978e-40d5-43e8-bc93-6894a57f9324"}, "8e03978e-40d5-43e8-bc93-6894a57f9324", true},
		{[]string{`"8e03978e-40d5"`}, "8e03978e-40d5", true}, // the draft's sf-string
		{[]string{`"a \"quoted\" key\\"`}, `a "quoted" key\`, true},
		{[]string{"with space"}, "with space", true},
		{[]string{long}, long, true},
		{[]string{`"` + long + `"`}, long, true},
		{[]string{long + "k"}, "", false},
		{[]string{""}, "", false},
		{[]string{`""`}, "", false},
		{[]string{"a", "b"}, "", false}, // sent twice
		{[]string{"caf\u00e9"}, "", false},
		{[]string{"tab\there"}, "", false},
		{[]string{`"bad \n escape"`}, "", false},
		{[]string{`"in"side"`}, "", false},
		{[]string{`"unterminated \"`}, "", false},
	} {
		got, ok := parseIdempotencyKey(tt.vals)
		if got != tt.want || ok != tt.ok {
			t.Errorf("parseIdempotencyKey(%q) = %q, %v; want %q, %v", tt.vals, got, ok, tt.want, tt.ok)
		}
	}
}

// form builds a multipart upload of content with boundary.
func form(t *testing.T, boundary, content string) (string, []byte) {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	if err := mw.SetBoundary(boundary); err != nil {
		t.Fatal(err)
	}
	mw.WriteField("fileContext", "bulkImport")
	fw, _ := mw.CreateFormFile("file", "botDefinition.json")
	io.WriteString(fw, content)
	mw.Close()
	return mw.FormDataContentType(), buf.Bytes()
}

// fingerprintOf hashes a request's body written in random chunks.
func fingerprintOf(method, target, contentType string, body []byte, rng *rand.Rand) string {
	r := httptest.NewRequest(method, target, nil)
	r.Header.Set("Content-Type", contentType)
	f := newFingerprint(r)
	for len(body) > 0 {
		n := min(len(body), 1+rng.IntN(90))
		if rng.IntN(20) == 0 {
			n = min(len(body), 40000) // a read longer than the hashing chunk
		}
		f.Write(body[:n])
		body = body[n:]
	}
	return f.sum()
}

// TestFingerprint: the same form built with another boundary, or read in
// other chunks, has the same fingerprint; another content, path, query or
// method has another.
func TestFingerprint(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	content := strings.Repeat(`{"dialogs":[]} `, 5000) // crosses the hashing chunks
	ct1, b1 := form(t, "boundaryAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", content)
	ct2, b2 := form(t, "zz-other-boundary-of-another-length", content)
	ref := fingerprintOf("POST", "/api/public/uploadfile", ct1, b1, rng)
	for i := range 20 {
		if got := fingerprintOf("POST", "/api/public/uploadfile", ct1, b1, rng); got != ref {
			t.Fatalf("chunking %d changed the fingerprint", i)
		}
		if got := fingerprintOf("POST", "/api/public/uploadfile", ct2, b2, rng); got != ref {
			t.Fatalf("another boundary changed the fingerprint (chunking %d)", i)
		}
	}
	ct3, b3 := form(t, "boundaryAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", content[:len(content)-1]+"!")
	json := []byte(`{"botDefinition":"a","configInfo":"b","icon":"c"}`)
	jsonFP := fingerprintOf("POST", "/api/public/bot/import", "application/json", json, rng)
	for name, got := range map[string]string{
		"other content": fingerprintOf("POST", "/api/public/uploadfile", ct3, b3, rng),
		"other path":    fingerprintOf("POST", "/api/public/uploadfil", ct1, b1, rng),
		"a query":       fingerprintOf("POST", "/api/public/uploadfile?dryRun=true", ct1, b1, rng),
		"json":          jsonFP,
	} {
		if got == ref {
			t.Errorf("%s: same fingerprint", name)
		}
	}
	for name, got := range map[string]string{
		"json again":     fingerprintOf("POST", "/api/public/bot/import", "application/json; charset=utf-8", json, rng),
		"other method":   fingerprintOf("PUT", "/api/public/bot/import", "application/json", json, rng),
		"one more space": fingerprintOf("POST", "/api/public/bot/import", "application/json", append(json, ' '), rng),
	} {
		if (got == jsonFP) != (name == "json again") {
			t.Errorf("%s: fingerprint equal %v", name, got == jsonFP)
		}
	}
}

// TestHashingBodyDrain: the rest of a body is hashed up to the bound; past
// it, 413; a broken body, 412.
func TestHashingBodyDrain(t *testing.T) {
	for _, tt := range []struct {
		size, limit int64
		broken      bool
		want        string
	}{
		{100, 100, false, ""},
		{101, 100, false, "413"},
		{50, 100, true, "412"},
	} {
		var body io.Reader = bytes.NewReader(make([]byte, tt.size))
		if tt.broken {
			body = io.MultiReader(body, errReader{})
		}
		r := httptest.NewRequest("POST", "/x", nil)
		b := &hashingBody{rc: io.NopCloser(body), fp: newFingerprint(r)}
		buf := make([]byte, 10)
		b.Read(buf)
		err := b.drain(tt.limit)
		got := ""
		var ke *kore.Error
		if errors.As(err, &ke) {
			got = fmt.Sprint(answers[ke.Code].status)
		} else if err != nil {
			got = err.Error()
		}
		if got != tt.want {
			t.Errorf("size %d limit %d broken %v: %q (%v), want %q", tt.size, tt.limit, tt.broken, got, err, tt.want)
		}
	}
}

type errReader struct{}

func (errReader) Read([]byte) (int, error) { return 0, fmt.Errorf("connection reset") }
