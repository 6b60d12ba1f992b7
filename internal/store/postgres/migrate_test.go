package postgres

import (
	"database/sql"
	"io/fs"
	"testing"

	"github.com/pressly/goose/v3"

	"github.com/botport/botport/internal/store"
	"github.com/botport/botport/internal/store/postgres/pgtest"
)

// TestStagedByMigration opens a database left at schema 3, whose versions
// say who staged them in import_id prefixes: after Open, each version's
// StagedBy says it in columns of its own, and the migration goes down
// (giving the prefixes back) and up again.
func TestStagedByMigration(t *testing.T) {
	ctx := t.Context()
	url := pgtest.URL(t)
	raw, err := sql.Open("pgx", url)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	fsys, err := fs.Sub(migrations, "migrations")
	if err != nil {
		t.Fatal(err)
	}
	p, err := goose.NewProvider(goose.DialectPostgres, raw, fsys, goose.WithDisableGlobalRegistry(true))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.UpTo(ctx, 3); err != nil {
		t.Fatal(err)
	}
	legacy := map[string]any{ // version id -> import_id as schema 3 kept it
		"v-import": "bir-2f0c1a52-5b7e-4c55-9a53-3d1b1c3c0a11", "v-fn": "fn-v-fn", "v-restore": "restore-v-restore", "v-none": nil,
	}
	for id, importID := range legacy {
		if _, err := raw.ExecContext(ctx, `INSERT INTO versions (id, bot_id, account_id, num, import_id, layout, content_hash, created_on)
			VALUES ($1, 'st-1', 'a1', NULL, $2, '\x7b7d', '', 1)`, id, importID); err != nil {
			t.Fatal(err)
		}
	}

	db, err := Open(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	want := map[string]store.StagedBy{
		"v-import":  {Kind: store.StagedByImport, ID: "bir-2f0c1a52-5b7e-4c55-9a53-3d1b1c3c0a11"},
		"v-fn":      {Kind: store.StagedByFunctions, ID: "v-fn"},
		"v-restore": {Kind: store.StagedByRestore, ID: "v-restore"},
		"v-none":    {},
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
	if _, err := p.DownTo(ctx, 3); err != nil {
		t.Fatal(err)
	}
	for id, importID := range legacy {
		var got sql.NullString
		if err := raw.QueryRowContext(ctx, `SELECT import_id FROM versions WHERE id = $1`, id).Scan(&got); err != nil {
			t.Fatal(err)
		}
		if w, _ := importID.(string); got.String != w || got.Valid != (importID != nil) {
			t.Errorf("down to 3: version %s import_id %v, want %v", id, got, importID)
		}
	}
	if _, err := p.Up(ctx); err != nil {
		t.Fatal(err)
	}
	if v, err := db.Version(ctx, "a1", "v-restore"); err != nil || v.StagedBy != want["v-restore"] {
		t.Errorf("after down and up: %+v, %v", v, err)
	}
}
