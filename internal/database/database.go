// Package database opens the database a botport command works on, SQLite
// in the data directory or a PostgreSQL shared by replicas, and says what
// running a server over it takes: the store, River's driver over the same
// database, whether one server holds it alone, the queue settings the
// engine decides, and how to bring it to rest for measurements. The engines
// differ only here; cmd/botport wires what it gets.
package database

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"strings"

	"github.com/riverqueue/river/riverdriver"

	"github.com/botport/botport/internal/keyring"
	"github.com/botport/botport/internal/queue"
	"github.com/botport/botport/internal/store"
	"github.com/botport/botport/internal/store/sqlstore"
)

// DB is an open database.
type DB struct {
	store.Store
	// Driver is River's driver over the same database, so a request row
	// and its job commit in one transaction.
	Driver riverdriver.Driver[*sql.Tx]
	// Exclusive is true when one server at a time works the database
	// (SQLite in its data directory, once Lock holds it): a job found
	// running at start belongs to a process that died and is handed back at
	// once. On shared databases replica leases tell (internal/replica).
	Exclusive bool
	// Queue holds the queue settings the engine decides (poll interval,
	// SQLite's reindexer switch); the caller adds workers, timeouts and
	// periodic jobs.
	Queue queue.Config
	// Name describes the database for logs, without credentials.
	Name string

	sql    *sqlstore.DB
	lock   func() (unlock func(), err error)
	settle func(ctx context.Context) error
}

// keyCheckSetting names the sealed value that tells a wrong key at once.
const keyCheckSetting = "key_check"

// UseKeys gives the store the keys that seal its secrets (client secrets,
// the download-link signing key), seals the values an older release stored
// in clear, and opens every sealed value once, so that a process given the
// wrong key stops here rather than on a client's request. It returns how
// many values it sealed. Every command that reads or writes apps or
// settings calls it first. Errors: a value sealed with a key the keyring
// lacks (keyring.ErrUnknownKey) or that does not open (keyring.ErrCorrupt);
// faults.
func (db *DB) UseKeys(ctx context.Context, k *keyring.Keyring) (int, error) {
	db.sql.Keys = k
	// A sealed check value, written by the first process that ever gave
	// the database keys, so that a process with another key fails here even
	// while the database holds no other secret.
	if _, err := db.sql.PutSettingIfAbsent(ctx, keyCheckSetting, []byte("botport")); err != nil && !errors.Is(err, keyring.ErrUnknownKey) {
		return 0, fmt.Errorf("secrets in %s: %w", db.Name, err)
	}
	n, err := db.sql.ResealSecrets(ctx, false)
	if err != nil {
		return 0, fmt.Errorf("secrets in %s: %w", db.Name, err)
	}
	if n > 0 {
		// SQLite: the WAL frames that held the values in clear are
		// checkpointed and the file truncated. Best effort: a reader
		// beside it may hold the WAL a moment longer.
		_ = db.settle(ctx)
	}
	return n, nil
}

// Open opens PostgreSQL when dbURL is set (postgres:// or postgresql://),
// else the SQLite file in the data directory, and migrates it. A URL of
// another scheme is refused before anything is opened.
func Open(ctx context.Context, data, dbURL string) (*DB, error) {
	if dbURL == "" {
		return OpenSQLite(ctx, data)
	}
	if !strings.HasPrefix(dbURL, "postgres://") && !strings.HasPrefix(dbURL, "postgresql://") {
		return nil, fmt.Errorf("--database %q: only postgres:// URLs are supported (the default is SQLite in the data directory)", Redact(dbURL))
	}
	return OpenPostgres(ctx, dbURL)
}

// Lock makes this process the only server of an exclusive database and
// returns the function that releases it; it fails when another process
// holds it. On a shared database it holds nothing and never fails.
func (db *DB) Lock() (unlock func(), err error) {
	if db.lock == nil {
		return func() {}, nil
	}
	return db.lock()
}

// Settle brings the database back to rest after a large write, so that a
// measurement starts from the same state each time.
func (db *DB) Settle(ctx context.Context) error { return db.settle(ctx) }

// Redact hides the passwords of a database URL, in its user info and in its
// query (password=, sslpassword=), for messages and logs. What does not
// parse as a URL is not shown at all: it may be a key=value string holding
// a password.
func Redact(u string) string {
	pu, err := url.Parse(u)
	if err != nil || pu.Scheme == "" {
		return "(not a URL)"
	}
	q := pu.Query()
	for k := range q {
		if strings.Contains(strings.ToLower(k), "password") {
			q.Set(k, "xxxxx")
		}
	}
	pu.RawQuery = q.Encode()
	return pu.Redacted()
}
