package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/botport/botport/internal/store"
)

// Garbage collection of staged data. Bodies are shared by content within an
// account, so a body is deleted only once no record refers to it. Writers
// that add a record for an existing body do so in the transaction that
// inserts the body (INSERT … ON CONFLICT DO NOTHING, then the record), or
// refer to a body of a committed version (never deleted), or to one PutBody
// stored moments before (kept for a grace period). On SQLite writers run one
// at a time; on PostgreSQL DeleteOrphanBodies first takes a lock on bodies
// that waits for every transaction inserting into it (LockBodies), so a
// body re-inserted and referred to concurrently is never deleted under its
// new record.

// orphanCandidates records, as candidates for deletion, the bodies the
// records of version vid refer to (before they are deleted).
func orphanCandidates(ctx context.Context, tx *sql.Tx, vid string) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO orphan_bodies (account_id, hash, since)
		SELECT DISTINCT account_id, hash, 0 FROM records WHERE vid = $1
		ON CONFLICT (account_id, hash) DO NOTHING`, vid)
	if err != nil {
		return fmt.Errorf("record orphan candidates: %w", err)
	}
	return nil
}

// PutBody implements store.Store.
func (db *DB) PutBody(ctx context.Context, accountID string, hash, body []byte, at time.Time) error {
	return db.tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO bodies (account_id, hash, body) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING`,
			accountID, hash, bytesArg(body)); err != nil {
			return fmt.Errorf("put body: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO orphan_bodies (account_id, hash, since) VALUES ($1, $2, $3)
			ON CONFLICT (account_id, hash) DO UPDATE SET since = CASE WHEN excluded.since > orphan_bodies.since THEN excluded.since ELSE orphan_bodies.since END`,
			accountID, hash, ms(at)); err != nil {
			return fmt.Errorf("put body: %w", err)
		}
		return nil
	})
}

// DiscardAbandoned implements store.Store.
func (db *DB) DiscardAbandoned(ctx context.Context, before time.Time, limit int) (int, error) {
	var n int
	err := db.tx(ctx, func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, `SELECT id FROM versions v WHERE num IS NULL AND created_on < $1
			AND NOT (staged_kind = $2 AND EXISTS (SELECT 1 FROM imports i WHERE i.id = v.staged_id AND i.status = 'pending'))
			ORDER BY created_on LIMIT $3`, ms(before), store.StagedByImport, limit)
		if err != nil {
			return err
		}
		ids, err := scanIDs(rows)
		if err != nil {
			return err
		}
		for _, id := range ids {
			if err := deleteVersion(ctx, tx, id); err != nil {
				return fmt.Errorf("discard abandoned version: %w", err)
			}
		}
		n = len(ids)
		return nil
	})
	return n, err
}

// DeleteOrphanBodies implements store.Store.
func (db *DB) DeleteOrphanBodies(ctx context.Context, before time.Time, limit int) (examined, deleted int, err error) {
	err = db.tx(ctx, func(tx *sql.Tx) error {
		if db.LockBodies != "" {
			if _, err := tx.ExecContext(ctx, db.LockBodies); err != nil {
				return fmt.Errorf("lock bodies: %w", err)
			}
		}
		rows, err := tx.QueryContext(ctx, `SELECT account_id, hash FROM orphan_bodies WHERE since < $1 LIMIT $2`, ms(before), limit)
		if err != nil {
			return err
		}
		type key struct {
			account string
			hash    []byte
		}
		var keys []key
		for rows.Next() {
			var k key
			if err := rows.Scan(&k.account, &k.hash); err != nil {
				rows.Close()
				return err
			}
			keys = append(keys, k)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		for _, k := range keys {
			res, err := tx.ExecContext(ctx, `DELETE FROM bodies WHERE account_id = $1 AND hash = $2
				AND NOT EXISTS (SELECT 1 FROM records r WHERE r.hash = $2 AND r.account_id = $1)`, k.account, k.hash)
			if err != nil {
				return fmt.Errorf("delete orphan body: %w", err)
			}
			if d, _ := res.RowsAffected(); d > 0 {
				deleted++
			}
			if _, err := tx.ExecContext(ctx, `DELETE FROM orphan_bodies WHERE account_id = $1 AND hash = $2`, k.account, k.hash); err != nil {
				return fmt.Errorf("delete orphan candidate: %w", err)
			}
		}
		examined = len(keys)
		return nil
	})
	if err != nil {
		return 0, 0, err
	}
	return examined, deleted, nil
}

// scanIDs reads one string column and closes rows.
func scanIDs(rows *sql.Rows) ([]string, error) {
	defer rows.Close()
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}
