package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/botport/botport/internal/store"
)

const exportColumns = `seq, id, account_id, bot_id, version_id, created_by, export_type, options, status, file_id, blob_key,
	file_size, message, created_on, finished_on`

func scanExport(row interface{ Scan(...any) error }) (*store.Export, error) {
	var e store.Export
	var created int64
	var finished sql.NullInt64
	if err := row.Scan(&e.Seq, &e.ID, &e.AccountID, &e.BotID, &e.VersionID, &e.CreatedBy, &e.ExportType, &e.Options, &e.Status,
		&e.FileID, &e.BlobKey, &e.FileSize, &e.Message, &created, &finished); err != nil {
		return nil, notFound(err)
	}
	e.CreatedOn, e.FinishedOn = fromMS(created), fromMS(finished.Int64)
	return &e, nil
}

// CreateExport implements store.Store.
func (db *DB) CreateExport(ctx context.Context, e *store.Export, enqueue func(context.Context, *sql.Tx) error) error {
	return db.tx(ctx, func(tx *sql.Tx) error {
		err := tx.QueryRowContext(ctx, `INSERT INTO exports (id, account_id, bot_id, version_id, created_by, export_type, options, status, created_on)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING seq`,
			e.ID, e.AccountID, e.BotID, e.VersionID, e.CreatedBy, e.ExportType, bytesArg(e.Options), e.Status, ms(e.CreatedOn)).Scan(&e.Seq)
		if err != nil {
			return fmt.Errorf("insert export: %w", err)
		}
		return enqueue(ctx, tx)
	})
}

// Export implements store.Store.
func (db *DB) Export(ctx context.Context, accountID, id string) (*store.Export, error) {
	return scanExport(db.R.QueryRowContext(ctx, `SELECT `+exportColumns+` FROM exports WHERE id = $1 AND account_id = $2`, id, accountID))
}

// ExportByID implements store.Store.
func (db *DB) ExportByID(ctx context.Context, id string) (*store.Export, error) {
	return scanExport(db.R.QueryRowContext(ctx, `SELECT `+exportColumns+` FROM exports WHERE id = $1`, id))
}

// LatestExport implements store.Store.
func (db *DB) LatestExport(ctx context.Context, accountID, botID string) (*store.Export, error) {
	return scanExport(db.R.QueryRowContext(ctx, `SELECT `+exportColumns+` FROM exports WHERE account_id = $1 AND bot_id = $2
		ORDER BY seq DESC LIMIT 1`, accountID, botID))
}

// FinishExport implements store.Store.
func (db *DB) FinishExport(ctx context.Context, e *store.Export) error {
	if e.Status != store.StatusSuccess && e.Status != store.StatusFailure {
		return fmt.Errorf("finish export: status %q is not final", e.Status)
	}
	ended := false
	err := db.tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE exports SET status = $2, file_id = $3, blob_key = $4, file_size = $5, message = $6, finished_on = $7
			WHERE id = $1 AND status = 'pending'`, e.ID, e.Status, e.FileID, e.BlobKey, e.FileSize, e.Message, ms(e.FinishedOn))
		if err != nil {
			return fmt.Errorf("finish export: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return nil
		}
		ended = true
		typ := store.EventExportSucceeded
		if e.Status == store.StatusFailure {
			typ = store.EventExportFailed
		}
		return outbox(ctx, tx, "exports", e.ID, typ, e.FinishedOn)
	})
	if err == nil && !ended {
		err = fmt.Errorf("finish export %s: %w", e.ID, db.ended(ctx, "exports", e.ID))
	}
	return err
}

// ExportsAhead implements store.Store.
func (db *DB) ExportsAhead(ctx context.Context, botID string, seq int64) (int, error) {
	var n int
	err := db.W.QueryRowContext(ctx, `SELECT count(*) FROM exports WHERE bot_id = $1 AND status = 'pending' AND seq < $2`, botID, seq).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("exports ahead: %w", err)
	}
	return n, nil
}

// DeleteFinishedExports implements store.Store.
func (db *DB) DeleteFinishedExports(ctx context.Context, cutoff time.Time, limit int) ([]string, error) {
	var keys []string
	err := db.tx(ctx, func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, `SELECT id, blob_key FROM exports WHERE finished_on IS NOT NULL AND finished_on < $1 ORDER BY finished_on LIMIT $2`, ms(cutoff), limit)
		if err != nil {
			return err
		}
		var ids []string
		for rows.Next() {
			var id, key string
			if err := rows.Scan(&id, &key); err != nil {
				rows.Close()
				return err
			}
			ids = append(ids, id)
			if key != "" {
				keys = append(keys, key)
			}
		}
		rows.Close()
		for _, id := range ids {
			if _, err := tx.ExecContext(ctx, `DELETE FROM exports WHERE id = $1`, id); err != nil {
				return err
			}
		}
		return nil
	})
	return keys, err
}
