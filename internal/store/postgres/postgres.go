// Package postgres opens botport's shared store: a PostgreSQL database that
// several replicas use at once, with botport's schema (goose) and River's
// (rivermigrate) applied on open under one advisory lock, so replicas that
// start together migrate once.
package postgres

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"io/fs"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/pressly/goose/v3"
	"github.com/riverqueue/river/riverdriver/riverdatabasesql"
	"github.com/riverqueue/river/rivermigrate"

	"github.com/botport/botport/internal/store/sqlstore"
)

//go:embed migrations/*.sql
var migrations embed.FS

// migrationLock is the advisory lock key held while migrating.
const migrationLock = 0x626f74706f7274 // "botport"

// DB is the store with the pools River needs.
type DB struct {
	*sqlstore.DB
	Pool *pgxpool.Pool // for River's LISTEN connections
}

// Open connects to the database at url (postgres://…) and migrates it.
func Open(ctx context.Context, url string) (*DB, error) {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("database URL: %w", err)
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("connect: %w", err)
	}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("connect to %s:%d: %w", cfg.ConnConfig.Host, cfg.ConnConfig.Port, err)
	}
	db := stdlib.OpenDBFromPool(pool)
	if err := migrate(ctx, pool, db); err != nil {
		db.Close()
		pool.Close()
		return nil, fmt.Errorf("migrate: %w", err)
	}
	st := sqlstore.New(db, db)
	st.ForUpdate = " FOR UPDATE"
	st.LockBodies = "LOCK TABLE bodies IN SHARE ROW EXCLUSIVE MODE"
	st.NowMS = sqlstore.PostgresNowMS
	st.OnClose = func() error { pool.Close(); return nil }
	return &DB{DB: st, Pool: pool}, nil
}

func migrate(ctx context.Context, pool *pgxpool.Pool, db *sql.DB) error {
	conn, err := pool.Acquire(ctx)
	if err != nil {
		return err
	}
	defer conn.Release()
	if _, err := conn.Exec(ctx, `SELECT pg_advisory_lock($1)`, int64(migrationLock)); err != nil {
		return err
	}
	defer conn.Exec(context.WithoutCancel(ctx), `SELECT pg_advisory_unlock($1)`, int64(migrationLock))
	fsys, err := fs.Sub(migrations, "migrations")
	if err != nil {
		return err
	}
	p, err := goose.NewProvider(goose.DialectPostgres, db, fsys, goose.WithDisableGlobalRegistry(true))
	if err != nil {
		return err
	}
	if _, err := p.Up(ctx); err != nil {
		return err
	}
	m, err := rivermigrate.New(riverdatabasesql.New(db), nil)
	if err != nil {
		return err
	}
	_, err = m.Migrate(ctx, rivermigrate.DirectionUp, nil)
	return err
}
