package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/botport/botport/internal/store"
)

// ClaimIdempotencyKey implements store.Store. One statement claims a new
// key or takes over a lapsed one, so that two replicas claiming one key at
// once cannot both hold it; when it claims nothing, the key's row is read.
// A row deleted between the two (released, or expired and cleaned up) is
// claimed again.
func (db *DB) ClaimIdempotencyKey(ctx context.Context, k *store.IdempotencyKey, now time.Time) (*store.IdempotencyKey, error) {
	for range 3 {
		var token string
		err := db.W.QueryRowContext(ctx, `INSERT INTO idempotency_keys (app_id, idem_key, token, done, fingerprint, status, header, body,
			created_on, expires_on, lease_until) VALUES ($1, $2, $3, $4, '', 0, $5, $5, $6, $7, $8)
			ON CONFLICT (app_id, idem_key) DO UPDATE SET token = excluded.token, done = excluded.done, fingerprint = '', status = 0,
				header = excluded.header, body = excluded.body, created_on = excluded.created_on,
				expires_on = excluded.expires_on, lease_until = excluded.lease_until
			WHERE idempotency_keys.expires_on <= $9 OR (NOT idempotency_keys.done AND idempotency_keys.lease_until <= $9)
			RETURNING token`,
			k.AppID, k.Key, k.Token, false, []byte{}, ms(k.CreatedOn), ms(k.ExpiresOn), ms(k.LeaseUntil), ms(now)).Scan(&token)
		if err == nil {
			return nil, nil
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return nil, fmt.Errorf("claim idempotency key: %w", err)
		}
		held, err := db.idempotencyKey(ctx, k.AppID, k.Key)
		if errors.Is(err, store.ErrNotFound) {
			continue
		}
		return held, err
	}
	return nil, errors.New("claim idempotency key: the key changed three times during the claim")
}

// idempotencyKey reads a key's row.
func (db *DB) idempotencyKey(ctx context.Context, appID, key string) (*store.IdempotencyKey, error) {
	k := store.IdempotencyKey{AppID: appID, Key: key}
	var created, expires, lease int64
	err := db.W.QueryRowContext(ctx, `SELECT token, done, fingerprint, status, header, body, created_on, expires_on, lease_until
		FROM idempotency_keys WHERE app_id = $1 AND idem_key = $2`, appID, key).
		Scan(&k.Token, &k.Done, &k.Fingerprint, &k.Status, &k.Header, &k.Body, &created, &expires, &lease)
	if err != nil {
		return nil, notFound(err)
	}
	k.CreatedOn, k.ExpiresOn, k.LeaseUntil = fromMS(created), fromMS(expires), fromMS(lease)
	return &k, nil
}

// RenewIdempotencyKey implements store.Store.
func (db *DB) RenewIdempotencyKey(ctx context.Context, appID, key, token string, until time.Time) error {
	res, err := db.W.ExecContext(ctx, `UPDATE idempotency_keys SET lease_until = $4
		WHERE app_id = $1 AND idem_key = $2 AND token = $3 AND NOT done`, appID, key, token, ms(until))
	if err != nil {
		return fmt.Errorf("renew idempotency key: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("renew idempotency key: %w", store.ErrNotFound)
	}
	return nil
}

// CompleteIdempotencyKey implements store.Store.
func (db *DB) CompleteIdempotencyKey(ctx context.Context, k *store.IdempotencyKey) error {
	res, err := db.W.ExecContext(ctx, `UPDATE idempotency_keys SET done = $4, fingerprint = $5, status = $6, header = $7, body = $8,
		lease_until = 0 WHERE app_id = $1 AND idem_key = $2 AND token = $3 AND NOT done`,
		k.AppID, k.Key, k.Token, true, k.Fingerprint, k.Status, bytesArg(k.Header), bytesArg(k.Body))
	if err != nil {
		return fmt.Errorf("complete idempotency key: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("complete idempotency key: %w", store.ErrNotFound)
	}
	return nil
}

// ReleaseIdempotencyKey implements store.Store.
func (db *DB) ReleaseIdempotencyKey(ctx context.Context, appID, key, token string) error {
	if _, err := db.W.ExecContext(ctx, `DELETE FROM idempotency_keys WHERE app_id = $1 AND idem_key = $2 AND token = $3 AND NOT done`,
		appID, key, token); err != nil {
		return fmt.Errorf("release idempotency key: %w", err)
	}
	return nil
}

// DeleteExpiredIdempotencyKeys implements store.Store.
func (db *DB) DeleteExpiredIdempotencyKeys(ctx context.Context, now time.Time, limit int) (int, error) {
	res, err := db.W.ExecContext(ctx, `DELETE FROM idempotency_keys WHERE (app_id, idem_key) IN
		(SELECT app_id, idem_key FROM idempotency_keys WHERE expires_on <= $1 AND (done OR lease_until <= $1) LIMIT $2)`,
		ms(now), limit)
	if err != nil {
		return 0, fmt.Errorf("delete expired idempotency keys: %w", err)
	}
	n, _ := res.RowsAffected()
	return int(n), nil
}
