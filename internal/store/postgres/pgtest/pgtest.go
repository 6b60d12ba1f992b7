// Package pgtest gives tests a PostgreSQL database of their own: a fresh
// schema in the server at BOTPORT_TEST_DATABASE (which .ci/pg starts).
// Without it tests skip, except under CI=true, where it is a failure.
package pgtest

import (
	"context"
	"net/url"
	"os"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/botport/botport/internal/kore"
)

// BaseURL returns BOTPORT_TEST_DATABASE, or skips (fails under CI=true).
func BaseURL(t testing.TB) string {
	t.Helper()
	u := os.Getenv("BOTPORT_TEST_DATABASE")
	if u == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("BOTPORT_TEST_DATABASE is not set: CI must start PostgreSQL (.ci/pg)")
		}
		t.Skip("BOTPORT_TEST_DATABASE is not set; start one with .ci/pg start DIR PORT")
	}
	return u
}

// URL creates an empty schema, dropped when the test ends, and returns a
// database URL whose connections use it.
func URL(t testing.TB) string {
	t.Helper()
	base := BaseURL(t)
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
		if c, err := pgx.Connect(context.Background(), base); err == nil {
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
