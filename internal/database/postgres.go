package database

import (
	"context"
	"fmt"
	"time"

	"github.com/riverqueue/river/riverdriver/riverdatabasesql"

	"github.com/botport/botport/internal/queue"
	"github.com/botport/botport/internal/store/postgres"
)

// PostgresPollInterval is how often idle workers look for jobs on
// PostgreSQL: LISTEN/NOTIFY wakes them, so polling is only a fallback.
const PostgresPollInterval = 200 * time.Millisecond

// OpenPostgres connects to the database at dbURL and migrates it. It is
// shared: any number of replicas work it at once.
func OpenPostgres(ctx context.Context, dbURL string) (*DB, error) {
	st, err := postgres.Open(ctx, dbURL)
	if err != nil {
		return nil, fmt.Errorf("database %s: %w", Redact(dbURL), err)
	}
	return &DB{
		Store:  st,
		sql:    st.DB,
		Driver: riverdatabasesql.NewWithPgxListener(st.W, st.Pool),
		Queue:  queue.Config{PollInterval: PostgresPollInterval},
		Name:   Redact(dbURL),
		// CHECKPOINT needs pg_checkpoint or superuser; without them,
		// PostgreSQL's own checkpoints are left to run.
		settle: func(ctx context.Context) error {
			_, _ = st.W.ExecContext(ctx, `CHECKPOINT`)
			return nil
		},
	}, nil
}
