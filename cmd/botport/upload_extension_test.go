package main

import (
	"bytes"
	"context"
	"encoding/json"
	"mime/multipart"
	"testing"

	"github.com/botport/botport/client"
	"github.com/botport/botport/internal/fixture"
)

// TestUploadWithoutExtension uploads json, js, png and zip files without
// fileExtension, as Kore.ai's own API automation does (contract 4.1): the
// extension is taken from the file name, else from the content. One that
// is present and unknown stays 412; an empty one counts as absent.
func TestUploadWithoutExtension(t *testing.T) {
	ts := startServer(t)
	c := ts.client()
	tok := mustToken(t, c)
	demo := fixture.Get(t, "demobot1-all")
	def, icon, zip := readFile(t, demo.File("botDefinition.json")), readFile(t, demo.File("icon.png")), readFile(t, demo.Zip)
	script := []byte("function hello() {\n  return {\"a\": 1};\n}\n")
	// The damaged icon of code-review-bot is no PNG: by content it is a script.
	damaged := readFile(t, fixture.Get(t, "code-review-bot").File("icon.png"))

	st := openStore(t, ts)
	upload := func(name string, file []byte, ext *string) (int, string) {
		t.Helper()
		var body bytes.Buffer
		mw := multipart.NewWriter(&body)
		if name == "" {
			fw, _ := mw.CreatePart(map[string][]string{"Content-Disposition": {`form-data; name="file"`}})
			fw.Write(file)
		} else {
			fw, _ := mw.CreateFormFile("file", name)
			fw.Write(file)
		}
		mw.WriteField("fileContext", "bulkImport")
		if ext != nil {
			mw.WriteField("fileExtension", *ext)
		}
		mw.Close()
		resp, b := rawRequest(t, "POST", ts.URL+"/api/public/uploadfile", map[string]string{"auth": tok, "Content-Type": mw.FormDataContentType()}, &body)
		if resp.StatusCode != 200 {
			return resp.StatusCode, string(b)
		}
		var up struct{ FileID string }
		if err := json.Unmarshal(b, &up); err != nil {
			t.Fatal(err)
		}
		f, err := st.File(context.Background(), ts.AccountID, up.FileID)
		if err != nil {
			t.Fatal(err)
		}
		return 200, f.Extension
	}
	empty, unknown, dotted := "", "exe", ".PNG"
	for _, tt := range []struct {
		name     string
		fileName string
		file     []byte
		ext      *string
		want     string
	}{
		{"json by name", "botDefinition.json", def, nil, "json"},
		{"js by name", "BotFunctions.js", script, nil, "js"},
		{"png by name", "icon.png", icon, nil, "png"},
		{"zip by name", "Demobot1_user@example.com_1.zip", zip, nil, "zip"},
		{"json by content", "", def, nil, "json"},
		{"js by content", "", script, nil, "js"},
		{"png by content", "", icon, nil, "png"},
		{"zip by content", "", zip, nil, "zip"},
		{"json by content, unknown name extension", "export.txt", def, nil, "json"},
		{"zip by content, no name extension", "Demobot1", zip, nil, "zip"},
		{"damaged icon by name", "icon.png", damaged, nil, "png"},
		{"damaged icon by content", "", damaged, nil, "js"},
		{"name wins over content", "functions.js", def, nil, "js"},
		{"empty fileExtension counts as absent", "", icon, &empty, "png"},
		{"given fileExtension wins", "icon.png", def, &dotted, "png"},
	} {
		status, got := upload(tt.fileName, tt.file, tt.ext)
		if status != 200 || got != tt.want {
			t.Errorf("%s: %d %s, want extension %s", tt.name, status, got, tt.want)
		}
	}
	if status, body := upload("icon.png", icon, &unknown); status != 412 || body != ansInvalid {
		t.Errorf("an unknown fileExtension: %d %s", status, body)
	}

	// Files uploaded that way import: JSON mode and ZIP mode.
	ctx := context.Background()
	ids := map[string]string{}
	for _, name := range []string{"botDefinition.json", "config.json", "icon.png"} {
		var body bytes.Buffer
		mw := multipart.NewWriter(&body)
		fw, _ := mw.CreatePart(map[string][]string{"Content-Disposition": {`form-data; name="file"`}})
		fw.Write(readFile(t, demo.File(name)))
		mw.WriteField("fileContext", "bulkImport")
		mw.Close()
		resp, b := rawRequest(t, "POST", ts.URL+"/api/public/uploadfile", map[string]string{"auth": tok, "Content-Type": mw.FormDataContentType()}, &body)
		if resp.StatusCode != 200 {
			t.Fatalf("upload %s: %d %s", name, resp.StatusCode, b)
		}
		ids[name] = jsonString(t, b, "fileId")
	}
	start, err := c.ImportNew(ctx, clientImport(ids["botDefinition.json"], ids["config.json"], ids["icon.png"]))
	if err != nil {
		t.Fatal(err)
	}
	if got := wait(t, c, start.ID); got.Status != "success" {
		t.Errorf("import of files uploaded without fileExtension: %s", got.Message)
	}
}

func clientImport(def, cfg, icon string) client.ImportRequest {
	return client.ImportRequest{BotDefinition: def, ConfigInfo: cfg, Icon: icon}
}
