// Package sqlstore implements store.Store over database/sql. The same SQL
// text runs on SQLite (modernc.org/sqlite) and PostgreSQL (pgx stdlib): both
// take $1 placeholders, ON CONFLICT and RETURNING. Times are stored as Unix
// milliseconds so that both engines compare them the same way.
//
// The sqlite and postgres packages open the connections and apply their
// dialect's migrations; this package holds the queries.
package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/botport/botport/internal/keyring"
	"github.com/botport/botport/internal/store"
)

// DB is a store.Store. W takes every write; R serves reads and may be the
// same pool (SQLite uses one writer connection and a separate reader pool).
type DB struct {
	W, R *sql.DB
	// ForUpdate ends a SELECT that holds the rows it reads to the end of
	// the transaction: " FOR UPDATE" on PostgreSQL; "" on SQLite, whose
	// write transactions are exclusive (BEGIN IMMEDIATE) already.
	ForUpdate string
	// LockBodies, when set, is the statement DeleteOrphanBodies starts
	// with to wait for, and then hold off, every transaction inserting
	// bodies: PostgreSQL's LOCK TABLE; "" on SQLite, whose writers run one
	// at a time.
	LockBodies string
	// NowMS is an SQL expression for the database's clock in Unix
	// milliseconds. Leases (replicas) are judged by it, so that replicas
	// whose clocks disagree still agree on which leases have expired.
	// New sets SQLite's; PostgreSQL's is PostgresNowMS.
	NowMS string
	// OnClose runs after both pools are closed.
	OnClose func() error
	// Keys seal the secrets the store keeps (apps' client secrets, settings'
	// values). Without keys, secrets are written as given: only tests open
	// stores so; every botport command sets them (database.DB.UseKeys)
	// before it reads or writes a secret.
	Keys *keyring.Keyring
}

var _ store.Store = (*DB)(nil)

// The database clock in Unix milliseconds, per engine (DB.NowMS).
const (
	SQLiteNowMS   = `CAST((julianday('now') - 2440587.5) * 86400000.0 AS INTEGER)`
	PostgresNowMS = `CAST(extract(epoch FROM clock_timestamp()) * 1000 AS BIGINT)`
)

// New returns a store over the writer and reader pools, with SQLite's
// dialect (see ForUpdate and NowMS for PostgreSQL's).
func New(w, r *sql.DB) *DB { return &DB{W: w, R: r, NowMS: SQLiteNowMS} }

// Close closes both pools.
func (db *DB) Close() error {
	err := db.W.Close()
	if db.R != db.W {
		err = errors.Join(err, db.R.Close())
	}
	if db.OnClose != nil {
		err = errors.Join(err, db.OnClose())
	}
	return err
}

// tx runs fn in a transaction on the writer, committing when fn returns nil.
func (db *DB) tx(ctx context.Context, fn func(*sql.Tx) error) (err error) {
	tx, err := db.W.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	defer func() {
		if err != nil {
			_ = tx.Rollback()
		}
	}()
	if err = fn(tx); err != nil {
		return err
	}
	if err = tx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

func ms(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMilli()
}

func fromMS(v int64) time.Time {
	if v == 0 {
		return time.Time{}
	}
	return time.UnixMilli(v).UTC()
}

// bytesArg passes b as a non-NULL value: a nil []byte would be written as
// NULL into NOT NULL columns.
func bytesArg(b []byte) []byte {
	if b == nil {
		return []byte{}
	}
	return b
}

// uniqueViolation reports a unique-key violation on either engine:
// PostgreSQL's SQLSTATE 23505, SQLite's constraint error.
func uniqueViolation(err error) bool {
	var st interface{ SQLState() string }
	if errors.As(err, &st) {
		return st.SQLState() == "23505"
	}
	return strings.Contains(err.Error(), "UNIQUE constraint failed")
}

// ended tells why a request's pending-only update matched no row:
// store.ErrNotPending when the row exists (it has ended), else
// store.ErrNotFound.
func (db *DB) ended(ctx context.Context, table, id string) error {
	var one int
	err := db.W.QueryRowContext(ctx, `SELECT 1 FROM `+table+` WHERE id = $1`, id).Scan(&one)
	switch {
	case err == nil:
		return store.ErrNotPending
	case errors.Is(err, sql.ErrNoRows):
		return store.ErrNotFound
	default:
		return err
	}
}

// notFound maps sql.ErrNoRows to store.ErrNotFound.
func notFound(err error) error {
	if errors.Is(err, sql.ErrNoRows) {
		return store.ErrNotFound
	}
	return err
}
