package sqlite_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/botport/botport/internal/store/sqlite"
)

func TestOpenTwice(t *testing.T) {
	p := filepath.Join(t.TempDir(), "x.db")
	for i := 0; i < 2; i++ {
		db, err := sqlite.Open(context.Background(), p)
		if err != nil {
			t.Fatal(err)
		}
		a, err := db.EnsureAccount(context.Background(), "default")
		if err != nil {
			t.Fatal(err)
		}
		t.Log(a.ID)
		db.Close()
	}
}
