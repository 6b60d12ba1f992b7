package postgres_test

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/botport/botport/internal/kore"
	"github.com/botport/botport/internal/store"
	"github.com/botport/botport/internal/store/postgres"
	"github.com/botport/botport/internal/store/storetest"
)

// databaseURL is the test database, from BOTPORT_TEST_DATABASE. Without it
// the tests skip, except under CI=true, where a missing database fails.
func databaseURL(t *testing.T) string {
	u := os.Getenv("BOTPORT_TEST_DATABASE")
	if u == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("BOTPORT_TEST_DATABASE is not set: CI must start PostgreSQL (.ci/pg)")
		}
		t.Skip("BOTPORT_TEST_DATABASE is not set; start one with .ci/pg start DIR PORT")
	}
	return u
}

// freshSchema creates an empty schema and returns a URL whose connections
// use it, so that every test has a database of its own.
func freshSchema(t *testing.T, base string) string {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, base)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	schema := "t_" + kore.NewHexID()
	if _, err := conn.Exec(ctx, "CREATE SCHEMA "+schema); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		c, err := pgx.Connect(context.Background(), base)
		if err == nil {
			c.Exec(context.Background(), "DROP SCHEMA "+schema+" CASCADE")
			c.Close(context.Background())
		}
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

func TestConformance(t *testing.T) {
	base := databaseURL(t)
	storetest.Run(t, func(t *testing.T) store.Store {
		db, err := postgres.Open(t.Context(), freshSchema(t, base))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		return db
	})
}

// TestConcurrentOpen: replicas starting together migrate once.
func TestConcurrentOpen(t *testing.T) {
	u := freshSchema(t, databaseURL(t))
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
