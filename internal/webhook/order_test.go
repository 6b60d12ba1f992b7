package webhook_test

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/botport/botport/internal/store"
	"github.com/botport/botport/internal/store/sqlite"
	"github.com/botport/botport/internal/webhook"
)

// TestListOrderWithinAMillisecond: webhooks registered within one
// millisecond (here: a clock that stands still) are listed in the order
// they were registered, as the API promises (oldest first).
func TestListOrderWithinAMillisecond(t *testing.T) {
	db, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "botport.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	now := time.Date(2026, 12, 3, 12, 0, 0, 0, time.UTC)
	s := webhook.New(webhook.Config{Store: db, Destinations: webhook.Destinations{AllowPrivate: true},
		Now: func() time.Time { return now }})
	app := &store.App{ID: "cs-order", AccountID: "acc-order"}
	var want []string
	for range 20 {
		w, err := s.Create(t.Context(), app, "http://127.0.0.1/hooks", []string{"import.failed"})
		if err != nil {
			t.Fatal(err)
		}
		want = append(want, w.ID)
	}
	got, err := s.List(t.Context(), app)
	if err != nil {
		t.Fatal(err)
	}
	for i, w := range got {
		if i >= len(want) || w.ID != want[i] {
			t.Fatalf("listed #%d %s, want the registration order %v", i, w.ID, want)
		}
	}
	if len(got) != len(want) {
		t.Errorf("listed %d, want %d", len(got), len(want))
	}
}
