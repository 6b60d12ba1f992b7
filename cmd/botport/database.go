package main

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"strings"

	"github.com/riverqueue/river/riverdriver"
	"github.com/riverqueue/river/riverdriver/riverdatabasesql"
	"github.com/riverqueue/river/riverdriver/riversqlite"

	"github.com/botport/botport/internal/store"
	"github.com/botport/botport/internal/store/postgres"
	"github.com/botport/botport/internal/store/sqlite"
)

// database is the store a command works on, and the River driver over it.
type database struct {
	store.Store
	driver riverdriver.Driver[*sql.Tx]
	// embedded is the SQLite file in the data directory: one server per
	// directory, so jobs left running at start belong to a dead process.
	embedded bool
	w        *sql.DB // the writer pool, for maintenance statements
}

// openDatabase opens PostgreSQL when url is set (postgres://…), else the
// SQLite file in the data directory.
func openDatabase(ctx context.Context, data, url string) (*database, error) {
	if url == "" {
		st, err := sqlite.Open(ctx, dbPath(data))
		if err != nil {
			return nil, err
		}
		return &database{Store: st, driver: riversqlite.New(st.W), embedded: true, w: st.W}, nil
	}
	if !strings.HasPrefix(url, "postgres://") && !strings.HasPrefix(url, "postgresql://") {
		return nil, fmt.Errorf("--database %q: only postgres:// URLs are supported (the default is SQLite in the data directory)", redactURL(url))
	}
	st, err := postgres.Open(ctx, url)
	if err != nil {
		return nil, fmt.Errorf("database %s: %w", redactURL(url), err)
	}
	return &database{Store: st, driver: riverdatabasesql.NewWithPgxListener(st.W, st.Pool), w: st.W}, nil
}

// databaseFlag binds --database (BOTPORT_DATABASE).
func databaseFlag(s *settings, p *string) {
	s.str(p, "database", "", "PostgreSQL URL (postgres://…) shared by replicas; default: SQLite in the data directory")
}

// redactURL hides the passwords of a database URL, in its user info and in
// its query (password=, sslpassword=), for messages and logs. What does not
// parse as a URL is not shown at all: it may be a key=value string holding
// a password.
func redactURL(u string) string {
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
