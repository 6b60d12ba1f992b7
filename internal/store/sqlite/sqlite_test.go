package sqlite_test

import (
	"path/filepath"
	"testing"

	"github.com/botport/botport/internal/store"
	"github.com/botport/botport/internal/store/sqlite"
	"github.com/botport/botport/internal/store/storetest"
)

// TestConformance runs the store conformance suite against a new SQLite
// file for every test.
func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store {
		db, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), sqlite.FileName))
		if err != nil {
			t.Fatalf("open sqlite store: %v", err)
		}
		t.Cleanup(func() {
			if err := db.Close(); err != nil {
				t.Errorf("close sqlite store: %v", err)
			}
		})
		return db
	})
}
