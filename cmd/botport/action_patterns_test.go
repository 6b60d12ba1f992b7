package main

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/botport/botport/client"
	"github.com/botport/botport/internal/fixture"
)

// TestPatternsOfActionTask imports the edited Demobot1 whose patterns
// belong to a webservice action task (testdata/edited), as a real 9.1.7
// export does: the import succeeds, the export gives the files back byte for
// byte, and that zip imports again; the offline validator agrees.
func TestPatternsOfActionTask(t *testing.T) {
	ts := startServer(t)
	c := ts.client()
	ctx := context.Background()
	e := fixture.Export{Name: "demobot1-action-patterns", Dir: filepath.Join(fixture.Root(t), "edited", "demobot1-action-patterns")}
	bot := importBot(t, c, e)
	st := exportBot(t, c, bot, client.ExportRequest{ExportType: "latest"})
	zip, _ := download(t, ts, st.DownloadURL)
	files := unzip(t, zip)
	for _, name := range []string{"botDefinition.json", "config.json"} {
		if string(files[name]) != string(readFile(t, e.File(name))) {
			t.Errorf("exported %s differs from the imported one", name)
		}
	}
	again, err := c.ImportNew(ctx, client.ImportRequest{UploadMode: "ZIP", ZipInfo: uploadPath(t, c, writeTemp(t, "export.zip", zip))})
	if err != nil {
		t.Fatal(err)
	}
	if st := wait(t, c, again.ID); st.Status != "success" {
		t.Errorf("import of the export: %s", st.Message)
	}
	if out, _, code := runCLI(t, nil, "validate", e.Dir); code != 0 {
		t.Errorf("validate: exit %d\n%s", code, out)
	}
}
