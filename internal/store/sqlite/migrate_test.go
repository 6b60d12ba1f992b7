package sqlite

import (
	"bytes"
	"database/sql"
	"io/fs"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pressly/goose/v3"
)

// TestBodiesMigration opens a database left at schema 3 (bodies in a
// WITHOUT ROWID table) holding a body: after Open, the body is still there,
// in a rowid table, and the migration goes down and up again.
func TestBodiesMigration(t *testing.T) {
	ctx := t.Context()
	path := filepath.Join(t.TempDir(), FileName)
	raw, err := sql.Open("sqlite", dsn(path, false))
	if err != nil {
		t.Fatal(err)
	}
	fsys, err := fs.Sub(migrations, "migrations")
	if err != nil {
		t.Fatal(err)
	}
	p, err := goose.NewProvider(goose.DialectSQLite3, raw, fsys, goose.WithDisableGlobalRegistry(true))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.UpTo(ctx, 3); err != nil {
		t.Fatal(err)
	}
	body := bytes.Repeat([]byte("utterance "), 50_000)
	if _, err := raw.ExecContext(ctx, `INSERT INTO bodies (account_id, hash, body) VALUES ('a1', x'01', ?)`, body); err != nil {
		t.Fatal(err)
	}
	if !withoutRowID(t, raw) {
		t.Fatal("schema 3 should hold bodies WITHOUT ROWID")
	}
	raw.Close()

	db, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if withoutRowID(t, db.W) {
		t.Fatal("after Open, bodies is still WITHOUT ROWID")
	}
	var got []byte
	if err := db.W.QueryRowContext(ctx, `SELECT body FROM bodies WHERE account_id = 'a1' AND hash = x'01'`).Scan(&got); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, body) {
		t.Fatalf("body changed in the migration: %d bytes, want %d", len(got), len(body))
	}
	// The key stays unique.
	if _, err := db.W.ExecContext(ctx, `INSERT INTO bodies (account_id, hash, body) VALUES ('a1', x'01', x'00')`); err == nil {
		t.Fatal("a second body with the same key was accepted")
	}

	p, err = goose.NewProvider(goose.DialectSQLite3, db.W, fsys, goose.WithDisableGlobalRegistry(true))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.DownTo(ctx, 3); err != nil {
		t.Fatal(err)
	}
	if !withoutRowID(t, db.W) {
		t.Fatal("down to 3: bodies is not WITHOUT ROWID again")
	}
	if _, err := p.Up(ctx); err != nil {
		t.Fatal(err)
	}
	if err := db.W.QueryRowContext(ctx, `SELECT body FROM bodies WHERE account_id = 'a1' AND hash = x'01'`).Scan(&got); err != nil || !bytes.Equal(got, body) {
		t.Fatalf("after down and up: %v, %d bytes", err, len(got))
	}
}

func withoutRowID(t *testing.T, db *sql.DB) bool {
	t.Helper()
	var ddl string
	if err := db.QueryRowContext(t.Context(), `SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'bodies'`).Scan(&ddl); err != nil {
		t.Fatal(err)
	}
	return strings.Contains(strings.ToUpper(ddl), "WITHOUT ROWID")
}
