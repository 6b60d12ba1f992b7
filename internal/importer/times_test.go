package importer_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"os"
	"testing"

	"github.com/botport/botport/internal/fixture"
	"github.com/botport/botport/internal/importer"
	"github.com/botport/botport/internal/kore"
	"github.com/botport/botport/internal/store"
)

// TestStageTimes: a run records when it started and when each status entry
// ended, aligned with the entries, for a success and a failure; the
// document's bytes are the same as without the record (it is kept apart).
func TestStageTimes(t *testing.T) {
	fx := fixture.Get(t, "demobot1-full")
	def, err := os.ReadFile(fx.File("botDefinition.json"))
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name   string
		def    string // the definition's content
		status string
	}{
		{"success", string(def), store.StatusSuccess},
		{"failure", string(def[:len(def)/2]), store.StatusFailure},
	} {
		t.Run(tt.name, func(t *testing.T) {
			e := newStartEnv(t)
			ctx := context.Background()
			bir := startImport(t, e, writeFile(t, "botDefinition.json", tt.def), fx.File("config.json"))
			imp := e.run(t, bir)
			if imp.Status != tt.status {
				t.Fatalf("import ended %s, want %s: %s", imp.Status, tt.status, imp.Doc)
			}
			doc, err := importer.DecodeDoc(imp.Doc)
			if err != nil {
				t.Fatal(err)
			}
			raw, err := e.db.ImportTimes(ctx, e.app.AccountID, bir)
			if err != nil {
				t.Fatal(err)
			}
			st := importer.DecodeStageTimes(raw)
			if st == nil {
				t.Fatalf("no stage times recorded (%q)", raw)
			}
			if len(st.Ends) != len(doc.StatusLogs) {
				t.Fatalf("%d stage ends for %d entries", len(st.Ends), len(doc.StatusLogs))
			}
			if st.Ends[0] != imp.CreatedOn.UnixMilli() {
				t.Errorf("importRequest ended %d, want the acceptance %d", st.Ends[0], imp.CreatedOn.UnixMilli())
			}
			prev := st.Run
			for i, end := range st.Ends[1:] {
				if end < prev {
					t.Errorf("entry %d (%s) ended at %d, before the one before it (%d)", i+1, doc.StatusLogs[i+1].TaskType, end, prev)
				}
				prev = end
			}
			if last := st.Ends[len(st.Ends)-1]; last > imp.FinishedOn.UnixMilli() {
				t.Errorf("the last entry ended at %d, after the import (%d)", last, imp.FinishedOn.UnixMilli())
			}
			var members map[string]json.RawMessage
			_ = json.Unmarshal(imp.Doc, &members)
			for _, m := range []string{"times", "stageTimes", "ends"} {
				if _, ok := members[m]; ok {
					t.Errorf("the status document carries %q: the wire document must not change", m)
				}
			}
		})
	}
}

// TestOpenUpload: the dashboard reads an import's uploaded files back; an
// id of another account is an unknown one; files that are gone say so.
func TestOpenUpload(t *testing.T) {
	e := newStartEnv(t)
	ctx := context.Background()
	fx := fixture.Get(t, "demobot1-full")
	bir := startImport(t, e, fx.File("botDefinition.json"), fx.File("config.json"))
	b, err := e.svc.OpenUpload(ctx, e.app.AccountID, bir)
	if err != nil {
		t.Fatal(err)
	}
	rc, err := b.Definition.Open()
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(rc)
	rc.Close()
	b.Close()
	want, _ := os.ReadFile(fx.File("botDefinition.json"))
	if string(got) != string(want) {
		t.Errorf("OpenUpload's definition: %d bytes, want the %d uploaded", len(got), len(want))
	}
	other, err := e.db.EnsureAccount(ctx, "other")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.OpenUpload(ctx, other.ID, bir); !errors.Is(err, kore.ErrRequestID) {
		t.Errorf("another account's import: %v, want %v", err, kore.ErrRequestID)
	}
	imp, _ := e.db.Import(ctx, e.app.AccountID, bir)
	for _, id := range imp.FileIDs {
		if err := e.db.DeleteFile(ctx, id); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := e.svc.OpenUpload(ctx, e.app.AccountID, bir); !errors.Is(err, importer.ErrUploadGone) {
		t.Errorf("files deleted: %v, want %v", err, importer.ErrUploadGone)
	}
}

// startImport uploads a definition and a config and starts a new-bot
// import of them; it returns the import's id.
func startImport(t *testing.T, e *startEnv, def, cfg string) string {
	t.Helper()
	doc, err := e.svc.Start(context.Background(), e.app, "", &importer.Request{Mode: importer.ModeJSON,
		BotDefinition: e.upload(t, "botDefinition.json", def), ConfigInfo: e.upload(t, "config.json", cfg)})
	if err != nil {
		t.Fatal(err)
	}
	var started struct {
		ID string `json:"_id"`
	}
	if err := json.Unmarshal(doc, &started); err != nil {
		t.Fatal(err)
	}
	return started.ID
}
