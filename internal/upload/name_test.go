package upload_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/botport/botport/internal/kore"
	"github.com/botport/botport/internal/upload"
)

// TestSaveNameBound: a file named with up to MaxName characters is saved;
// a longer name is refused as an out-of-range part, and nothing is recorded.
func TestSaveNameBound(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	for _, tt := range []struct {
		name string
		want error
	}{
		{strings.Repeat("n", upload.MaxName-5) + ".json", nil},
		{strings.Repeat("é", upload.MaxName-5) + ".json", nil}, // characters, not bytes
		{strings.Repeat("n", upload.MaxName-4) + ".json", kore.ErrValidation},
	} {
		file, err := f.svc.Write(ctx, f.acct, strings.NewReader("{}"))
		if err != nil {
			t.Fatal(err)
		}
		file.Name, file.Context, file.Extension = tt.name, "bulkImport", "json"
		if err := f.svc.Save(ctx, file); !errors.Is(err, tt.want) {
			t.Errorf("Save with a name of %d bytes: %v, want %v", len(tt.name), err, tt.want)
		}
		if _, err := f.svc.Usable(ctx, f.acct, file.ID, f.now); (err == nil) != (tt.want == nil) {
			t.Errorf("Usable after Save with a name of %d bytes: %v", len(tt.name), err)
		}
	}
}
