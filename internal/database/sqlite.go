package database

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"syscall"
	"time"

	"github.com/riverqueue/river/riverdriver/riversqlite"

	"github.com/botport/botport/internal/queue"
	"github.com/botport/botport/internal/store/sqlite"
)

// SQLitePollInterval is how often idle workers look for jobs on SQLite.
// River's SQLite driver learns of new jobs only by polling, so it polls
// often: a job starts within about 10 ms; an idle server spends about 7% of
// a core on it (2% at 200 ms).
const SQLitePollInterval = 10 * time.Millisecond

// SQLitePath is the database file in a data directory.
func SQLitePath(data string) string { return filepath.Join(data, sqlite.FileName) }

// OpenSQLite opens (creating if needed) the embedded database in the data
// directory. It is exclusive: one server per directory, under the lock file
// serve.lock, which is what makes handing back jobs left running at start
// safe. Admin commands open it beside a running server (WAL allows it) and
// take no lock.
func OpenSQLite(ctx context.Context, data string) (*DB, error) {
	path := SQLitePath(data)
	st, err := sqlite.Open(ctx, path)
	if err != nil {
		return nil, err
	}
	return &DB{
		Store:     st,
		sql:       st,
		Driver:    riversqlite.New(st.W),
		Exclusive: true,
		// River's nightly reindexer knows only PostgreSQL's index names.
		Queue: queue.Config{PollInterval: SQLitePollInterval, SQLite: true},
		Name:  "sqlite " + path,
		lock:  func() (func(), error) { return lockDir(data) },
		// The WAL is checkpointed into the file and truncated.
		settle: func(ctx context.Context) error {
			_, err := st.W.ExecContext(ctx, `PRAGMA wal_checkpoint(TRUNCATE)`)
			return err
		},
	}, nil
}

// lockDir takes the data directory's lock file, without waiting.
func lockDir(dir string) (func(), error) {
	f, err := os.OpenFile(filepath.Join(dir, "serve.lock"), os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return nil, err
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		return nil, fmt.Errorf("another botport serve is using %s", dir)
	}
	return func() { f.Close() }, nil
}
