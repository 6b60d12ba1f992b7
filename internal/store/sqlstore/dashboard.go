package sqlstore

import (
	"context"
	"fmt"
	"time"

	"github.com/botport/botport/internal/store"
)

// CreateSession implements store.Store.
func (db *DB) CreateSession(ctx context.Context, s *store.Session) error {
	_, err := db.W.ExecContext(ctx, `INSERT INTO ui_sessions (id_sha256, app_id, account_id, csrf, secret_tag, created_on, expires_on)
		VALUES ($1, $2, $3, $4, $5, $6, $7)`, s.IDHash, s.AppID, s.AccountID, s.CSRF, s.SecretTag, ms(s.CreatedOn), ms(s.ExpiresOn))
	if err != nil {
		return fmt.Errorf("create session: %w", err)
	}
	return nil
}

// Session implements store.Store. Sessions are read from the writer: a
// sign-in followed at once by a page must find its session on SQLite's
// reader pool too, and a sign-out must be seen at once.
func (db *DB) Session(ctx context.Context, idHash string, now time.Time) (*store.Session, error) {
	var s store.Session
	var created, expires int64
	err := db.W.QueryRowContext(ctx, `SELECT id_sha256, app_id, account_id, csrf, secret_tag, created_on, expires_on
		FROM ui_sessions WHERE id_sha256 = $1 AND expires_on > $2`, idHash, ms(now)).
		Scan(&s.IDHash, &s.AppID, &s.AccountID, &s.CSRF, &s.SecretTag, &created, &expires)
	if err != nil {
		return nil, notFound(err)
	}
	s.CreatedOn, s.ExpiresOn = fromMS(created), fromMS(expires)
	return &s, nil
}

// DeleteSession implements store.Store.
func (db *DB) DeleteSession(ctx context.Context, idHash string) error {
	if _, err := db.W.ExecContext(ctx, `DELETE FROM ui_sessions WHERE id_sha256 = $1`, idHash); err != nil {
		return fmt.Errorf("delete session: %w", err)
	}
	return nil
}

// DeleteExpiredSessions implements store.Store.
func (db *DB) DeleteExpiredSessions(ctx context.Context, now time.Time, limit int) (int, error) {
	res, err := db.W.ExecContext(ctx, `DELETE FROM ui_sessions WHERE id_sha256 IN
		(SELECT id_sha256 FROM ui_sessions WHERE expires_on <= $1 LIMIT $2)`, ms(now), limit)
	if err != nil {
		return 0, fmt.Errorf("delete expired sessions: %w", err)
	}
	n, err := res.RowsAffected()
	return int(n), err
}

// SaveImportTimes implements store.Store.
func (db *DB) SaveImportTimes(ctx context.Context, id string, times []byte) error {
	res, err := db.W.ExecContext(ctx, `UPDATE imports SET stage_times = $2 WHERE id = $1`, id, bytesArg(times))
	if err != nil {
		return fmt.Errorf("save import times: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return store.ErrNotFound
	}
	return nil
}

// ImportTimes implements store.Store.
func (db *DB) ImportTimes(ctx context.Context, accountID, id string) ([]byte, error) {
	var b []byte
	err := db.R.QueryRowContext(ctx, `SELECT stage_times FROM imports WHERE id = $1 AND account_id = $2`, id, accountID).Scan(&b)
	if err != nil {
		return nil, notFound(err)
	}
	return b, nil
}
