package sqlite

import (
	"bytes"
	"database/sql"
	"errors"
	"io/fs"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pressly/goose/v3"

	"github.com/botport/botport/internal/store"
)

// TestBodiesMigration opens a database left at schema 3 (bodies in a
// WITHOUT ROWID table) holding a body: after Open, the body is still there,
// in a rowid table, and the migration goes down and up again.
func TestBodiesMigration(t *testing.T) {
	ctx := t.Context()
	path, raw := databaseAt(t, 3)
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

	p := migrator(t, db.W)
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

// TestStagedByMigration opens a database left at schema 4, whose versions
// say who staged them in import_id prefixes: after Open, each version's
// StagedBy says it in columns of its own, and the migration goes down
// (giving the prefixes back) and up again.
func TestStagedByMigration(t *testing.T) {
	ctx := t.Context()
	path, raw := databaseAt(t, 4)
	legacy := map[string]any{ // version id -> import_id as schema 4 kept it
		"v-import": "bir-2f0c1a52-5b7e-4c55-9a53-3d1b1c3c0a11", "v-fn": "fn-v-fn", "v-restore": "restore-v-restore",
		"v-none": nil, "v-bench": "bench-v-bench",
	}
	for id, importID := range legacy {
		if _, err := raw.ExecContext(ctx, `INSERT INTO versions (id, bot_id, account_id, num, import_id, layout, content_hash, created_on)
			VALUES (?, 'st-1', 'a1', NULL, ?, x'7b7d', '', 1)`, id, importID); err != nil {
			t.Fatal(err)
		}
	}
	raw.Close()

	db, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	want := map[string]store.StagedBy{
		"v-import":  {Kind: store.StagedByImport, ID: "bir-2f0c1a52-5b7e-4c55-9a53-3d1b1c3c0a11"},
		"v-fn":      {Kind: store.StagedByFunctions, ID: "v-fn"},
		"v-restore": {Kind: store.StagedByRestore, ID: "v-restore"},
		"v-none":    {},
		"v-bench":   {ID: "bench-v-bench"},
	}
	for id, w := range want {
		v, err := db.Version(ctx, "a1", id)
		if err != nil {
			t.Fatal(err)
		}
		if v.StagedBy != w {
			t.Errorf("version %s: StagedBy %+v, want %+v", id, v.StagedBy, w)
		}
	}
	// The backfilled writers discard what they staged.
	if err := db.DiscardStaged(ctx, want["v-fn"]); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Version(ctx, "a1", "v-fn"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("version v-fn after DiscardStaged: %v", err)
	}

	p := migrator(t, db.W)
	if _, err := p.DownTo(ctx, 4); err != nil {
		t.Fatal(err)
	}
	delete(legacy, "v-fn")
	for id, importID := range legacy {
		var got sql.NullString
		if err := db.W.QueryRowContext(ctx, `SELECT import_id FROM versions WHERE id = ?`, id).Scan(&got); err != nil {
			t.Fatal(err)
		}
		if w, _ := importID.(string); got.String != w || got.Valid != (importID != nil) {
			t.Errorf("down to 4: version %s import_id %v, want %v", id, got, importID)
		}
	}
	if _, err := p.Up(ctx); err != nil {
		t.Fatal(err)
	}
	if v, err := db.Version(ctx, "a1", "v-restore"); err != nil || v.StagedBy != want["v-restore"] {
		t.Errorf("after down and up: %+v, %v", v, err)
	}
}

// TestOrphanBodiesMigration opens a database left at schema 5 holding a body
// a record refers to and one no record refers to (what failed imports left
// before the cleanup job collected them): after Open, DeleteOrphanBodies
// deletes the orphan and keeps the other, and the migration goes down and
// up again.
func TestOrphanBodiesMigration(t *testing.T) {
	ctx := t.Context()
	path, raw := databaseAt(t, 5)
	for _, q := range []string{
		`INSERT INTO bodies (account_id, hash, body) VALUES ('a1', x'01', 'kept'), ('a1', x'02', 'secret of a failed import')`,
		`INSERT INTO records (vid, file, member, seq, account_id, kind, ident, ref_id, name, n, hash)
			VALUES ('v1', 'botDefinition.json', 'dialogs', 0, 'a1', 'dialog', 'd', '', '', 1, x'01')`,
	} {
		if _, err := raw.ExecContext(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	raw.Close()

	db, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	examined, deleted, err := db.DeleteOrphanBodies(ctx, time.Now(), 10)
	if err != nil || examined != 1 || deleted != 1 {
		t.Fatalf("DeleteOrphanBodies after the migration: examined %d, deleted %d, %v; want 1, 1", examined, deleted, err)
	}
	var n int
	if err := db.W.QueryRowContext(ctx, `SELECT count(*) FROM bodies WHERE hash = x'01'`).Scan(&n); err != nil || n != 1 {
		t.Fatalf("the body a record refers to: %d rows, %v", n, err)
	}
	p := migrator(t, db.W)
	if _, err := p.DownTo(ctx, 5); err != nil {
		t.Fatal(err)
	}
	if _, err := p.Up(ctx); err != nil {
		t.Fatal(err)
	}
}

// migrator returns goose's provider of the SQLite migrations over db.
func migrator(t *testing.T, db *sql.DB) *goose.Provider {
	t.Helper()
	fsys, err := fs.Sub(migrations, "migrations")
	if err != nil {
		t.Fatal(err)
	}
	p, err := goose.NewProvider(goose.DialectSQLite3, db, fsys, goose.WithDisableGlobalRegistry(true))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// databaseAt creates a database file in the test's directory migrated up
// to schema version, and returns its path and a raw handle on it (no
// pragmas but the DSN's, no later migration).
func databaseAt(t *testing.T, version int64) (string, *sql.DB) {
	t.Helper()
	path := filepath.Join(t.TempDir(), FileName)
	raw, err := sql.Open("sqlite", dsn(path, false))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { raw.Close() })
	if _, err := migrator(t, raw).UpTo(t.Context(), version); err != nil {
		t.Fatal(err)
	}
	return path, raw
}
