package postgres_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/botport/botport/internal/store"
	"github.com/botport/botport/internal/store/postgres"
	"github.com/botport/botport/internal/store/postgres/pgtest"
	"github.com/botport/botport/internal/store/storetest"
)

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store {
		db, err := postgres.Open(t.Context(), pgtest.URL(t))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		return db
	})
}

// TestConcurrentOpen: replicas starting together migrate once.
func TestConcurrentOpen(t *testing.T) {
	u := pgtest.URL(t)
	errs := make(chan error, 4)
	for range 4 {
		go func() {
			db, err := postgres.Open(context.Background(), u)
			if err == nil {
				db.Close()
			}
			errs <- err
		}()
	}
	for range 4 {
		if err := <-errs; err != nil {
			t.Error(fmt.Errorf("concurrent open: %w", err))
		}
	}
}
