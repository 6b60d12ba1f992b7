package main

import (
	"archive/zip"
	"bytes"
	"context"
	"os"
	"strings"
	"testing"

	"github.com/botport/botport/client"
	"github.com/botport/botport/internal/fixture"
)

// zipOf builds a zip from name -> content, in the given order.
func zipOf(t testing.TB, entries ...[2]string) []byte {
	t.Helper()
	var b bytes.Buffer
	zw := zip.NewWriter(&b)
	for _, e := range entries {
		w, err := zw.Create(e[0])
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write([]byte(e[1])); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// TestBadInput feeds broken uploads: each import ends in failure with a
// message that names the problem, and no bot is created.
func TestBadInput(t *testing.T) {
	ts := startServer(t)
	c := ts.client()
	ctx := context.Background()
	demo := fixture.Get(t, "demobot1-full")
	def, err := os.ReadFile(demo.File("botDefinition.json"))
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := os.ReadFile(demo.File("config.json"))
	if err != nil {
		t.Fatal(err)
	}
	good := uploadExport(t, c, demo)
	withDef := func(path string) client.ImportRequest {
		r := good
		r.BotDefinition = uploadPath(t, c, path)
		return r
	}
	withZip := func(data []byte) client.ImportRequest {
		return client.ImportRequest{UploadMode: "ZIP", ZipInfo: uploadPath(t, c, writeTemp(t, "export.zip", data))}
	}
	truncated := def[:len(def)/2]
	tests := []struct {
		name    string
		req     client.ImportRequest
		message string // the failure message contains this
		line    int    // the first error's line, when it must be located
	}{
		{"empty definition", withDef(fixture.Invalid(t, "empty-botDefinition.json")), "unexpected end of input", 2},
		{"Lex bot", withDef(fixture.Invalid(t, "lex-bot-not-kore.json")), "not a Kore.ai bot export", 1},
		{"truncated definition", withDef(writeTemp(t, "botDefinition.json", truncated)), "unexpected end of input", bytes.Count(truncated, []byte("\n")) + 1},
		{"icon given as the definition", withDef(demo.File("icon.png")), "invalid character", 1},
		{"invalid UTF-8", withDef(writeTemp(t, "botDefinition.json", bytes.Replace(def, []byte("Demobot1"), []byte("Demo\xffbot"), 1))), "UTF-8", 0},
		{"config is not JSON", func() client.ImportRequest {
			r := good
			r.ConfigInfo = uploadPath(t, c, writeTemp(t, "config.json", []byte("name: x")))
			return r
		}(), "config.json", 1},
		{"zip without botDefinition.json", withZip(zipOf(t, [2]string{"config.json", string(cfg)})), "no botDefinition.json", 0},
		{"zip without config.json", withZip(zipOf(t, [2]string{"botDefinition.json", string(def)})), "no config.json", 0},
		{"zip leaving the archive", withZip(zipOf(t, [2]string{"../botDefinition.json", string(def)}, [2]string{"config.json", string(cfg)})), "leaves the archive", 0},
		{"zip with an absolute path", withZip(zipOf(t, [2]string{"/etc/botDefinition.json", string(def)}, [2]string{"config.json", string(cfg)})), "absolute path", 0},
		{"zip bomb", withZip(zipOf(t, [2]string{"botDefinition.json", strings.Repeat(" ", 64<<20)}, [2]string{"config.json", string(cfg)})), "compressed more than 200:1", 0},
		{"not a zip", withZip([]byte("PK\x03\x04 this is not a zip")), "cannot be read", 0},
		{"zip nested too deep", withZip(zipOf(t, [2]string{"a/b/botDefinition.json", string(def)}, [2]string{"a/b/config.json", string(cfg)})), "nested too deep", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			start, err := c.ImportNew(ctx, tt.req)
			if err != nil {
				t.Fatal(err)
			}
			st := wait(t, c, start.ID)
			if st.Status != "failure" {
				t.Fatalf("status %s, want failure", st.Status)
			}
			last := st.StatusLogs[len(st.StatusLogs)-1]
			t.Logf("message: %s", st.Message)
			if last.TaskType != "Bot Definition" || last.Status != "failure" || st.StreamID != "" {
				t.Errorf("last entry %+v, streamId %q", last, st.StreamID)
			}
			if !strings.Contains(st.Message, tt.message) || st.Message != last.Message {
				t.Errorf("message %q, want it to contain %q (entry: %q)", st.Message, tt.message, last.Message)
			}
			if len(last.Errors) == 0 {
				t.Fatalf("no located errors")
			}
			if tt.line > 0 && last.Errors[0].Line != tt.line {
				t.Errorf("first error at line %d, want %d: %+v", last.Errors[0].Line, tt.line, last.Errors[0])
			}
		})
	}
	bots, err := c.AllBots(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(bots) != 0 {
		t.Errorf("failed imports created %d bots", len(bots))
	}
}
