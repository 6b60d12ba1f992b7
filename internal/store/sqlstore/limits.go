package sqlstore

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"time"
)

// UseJTI implements store.Store: one statement, so two replicas presenting
// the same token at once cannot both see it fresh. A row whose expiry has
// passed is taken over (its token can no longer be accepted anyway).
func (db *DB) UseJTI(ctx context.Context, appID, jti string, expires, now time.Time) (bool, error) {
	sum := sha256.Sum256([]byte(jti))
	res, err := db.W.ExecContext(ctx,
		`INSERT INTO used_jtis (app_id, jti_sha256, expires_on) VALUES ($1, $2, $3)
		 ON CONFLICT (app_id, jti_sha256) DO UPDATE SET expires_on = excluded.expires_on WHERE used_jtis.expires_on < $4`,
		appID, hex.EncodeToString(sum[:]), ms(expires), ms(now))
	if err != nil {
		return false, fmt.Errorf("use jti: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("use jti: %w", err)
	}
	return n == 1, nil
}

// DeleteExpiredJTIs implements store.Store.
func (db *DB) DeleteExpiredJTIs(ctx context.Context, now time.Time, limit int) (int, error) {
	res, err := db.W.ExecContext(ctx,
		`DELETE FROM used_jtis WHERE (app_id, jti_sha256) IN
		 (SELECT app_id, jti_sha256 FROM used_jtis WHERE expires_on < $1 LIMIT $2)`, ms(now), limit)
	if err != nil {
		return 0, fmt.Errorf("delete expired jtis: %w", err)
	}
	n, err := res.RowsAffected()
	return int(n), err
}

// UpdateRateBucket implements store.Store. The bucket's row is created
// empty if needed, then read under its lock (FOR UPDATE on PostgreSQL;
// SQLite's write transactions are exclusive), so every replica's updates of
// one bucket run one after another.
func (db *DB) UpdateRateBucket(ctx context.Context, key string, fn func(state []byte) (next []byte, expires time.Time, write bool, err error)) error {
	return db.tx(ctx, func(tx *sql.Tx) error {
		var state []byte
		read := func() error {
			return tx.QueryRowContext(ctx, `SELECT state FROM rate_buckets WHERE key = $1`+db.ForUpdate, key).Scan(&state)
		}
		err := read()
		if errors.Is(err, sql.ErrNoRows) {
			if _, err = tx.ExecContext(ctx, `INSERT INTO rate_buckets (key, state, expires_on) VALUES ($1, $2, 0) ON CONFLICT (key) DO NOTHING`,
				key, []byte{}); err == nil {
				err = read()
			}
		}
		if err != nil {
			return fmt.Errorf("rate bucket: %w", err)
		}
		next, expires, write, err := fn(state)
		if err != nil || !write {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE rate_buckets SET state = $2, expires_on = $3 WHERE key = $1`,
			key, bytesArg(next), ms(expires)); err != nil {
			return fmt.Errorf("rate bucket: %w", err)
		}
		return nil
	})
}

// DeleteExpiredRateBuckets implements store.Store.
func (db *DB) DeleteExpiredRateBuckets(ctx context.Context, now time.Time, limit int) (int, error) {
	res, err := db.W.ExecContext(ctx,
		`DELETE FROM rate_buckets WHERE key IN (SELECT key FROM rate_buckets WHERE expires_on < $1 LIMIT $2)`, ms(now), limit)
	if err != nil {
		return 0, fmt.Errorf("delete expired rate buckets: %w", err)
	}
	n, err := res.RowsAffected()
	return int(n), err
}
