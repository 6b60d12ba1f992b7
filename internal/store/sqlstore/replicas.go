package sqlstore

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/botport/botport/internal/store"
)

// JoinReplica implements store.Store.
func (db *DB) JoinReplica(ctx context.Context, r *store.Replica, ttl time.Duration) error {
	var now int64
	err := db.W.QueryRowContext(ctx, `INSERT INTO replicas (id, name, pid, workers, started_on, expires_on)
		VALUES ($1, $2, $3, $4, `+db.NowMS+`, `+db.NowMS+` + $5) RETURNING started_on`,
		r.ID, r.Name, r.PID, r.Workers, ttl.Milliseconds()).Scan(&now)
	if err != nil {
		return fmt.Errorf("join replica %s: %w", r.ID, err)
	}
	r.Started, r.Expires = fromMS(now), fromMS(now+ttl.Milliseconds())
	return nil
}

// RenewReplica implements store.Store.
func (db *DB) RenewReplica(ctx context.Context, id string, ttl time.Duration) (time.Time, error) {
	var exp int64
	err := db.W.QueryRowContext(ctx, `UPDATE replicas SET expires_on = `+db.NowMS+` + $2 WHERE id = $1 RETURNING expires_on`,
		id, ttl.Milliseconds()).Scan(&exp)
	if err != nil {
		return time.Time{}, fmt.Errorf("renew replica %s: %w", id, notFound(err))
	}
	return fromMS(exp), nil
}

// Replicas implements store.Store. It reads from the writer, which sees
// every renewal at once.
func (db *DB) Replicas(ctx context.Context) ([]*store.Replica, time.Time, error) {
	var now int64
	if err := db.W.QueryRowContext(ctx, `SELECT `+db.NowMS).Scan(&now); err != nil {
		return nil, time.Time{}, fmt.Errorf("database clock: %w", err)
	}
	rows, err := db.W.QueryContext(ctx, `SELECT id, name, pid, workers, started_on, expires_on FROM replicas ORDER BY id`)
	if err != nil {
		return nil, time.Time{}, fmt.Errorf("replicas: %w", err)
	}
	defer rows.Close()
	var out []*store.Replica
	for rows.Next() {
		var r store.Replica
		var started, expires int64
		if err := rows.Scan(&r.ID, &r.Name, &r.PID, &r.Workers, &started, &expires); err != nil {
			return nil, time.Time{}, err
		}
		r.Started, r.Expires = fromMS(started), fromMS(expires)
		out = append(out, &r)
	}
	return out, fromMS(now), rows.Err()
}

// DeleteReplicas implements store.Store.
func (db *DB) DeleteReplicas(ctx context.Context, ids ...string) error {
	if len(ids) == 0 {
		return nil
	}
	marks := make([]string, len(ids))
	args := make([]any, len(ids))
	for i, id := range ids {
		marks[i], args[i] = fmt.Sprintf("$%d", i+1), id
	}
	if _, err := db.W.ExecContext(ctx, `DELETE FROM replicas WHERE id IN (`+strings.Join(marks, ", ")+`)`, args...); err != nil {
		return fmt.Errorf("delete replicas: %w", err)
	}
	return nil
}
