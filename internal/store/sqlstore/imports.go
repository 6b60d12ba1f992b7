package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/botport/botport/internal/store"
)

// CreateImport implements store.Store.
func (db *DB) CreateImport(ctx context.Context, imp *store.Import, enqueue func(context.Context, *sql.Tx) error) error {
	return db.tx(ctx, func(tx *sql.Tx) error {
		err := tx.QueryRowContext(ctx, `INSERT INTO imports (id, account_id, app_id, created_by, bot_id, new_bot,
			stream_ref_id, bot_name, status, request, doc, created_on)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING seq`,
			imp.ID, imp.AccountID, imp.AppID, imp.CreatedBy, imp.BotID, imp.NewBot,
			imp.StreamRefID, imp.BotName, imp.Status, bytesArg(imp.Request), bytesArg(imp.Doc), ms(imp.CreatedOn)).Scan(&imp.Seq)
		if err != nil {
			return fmt.Errorf("insert import: %w", err)
		}
		for _, id := range imp.FileIDs {
			if _, err := tx.ExecContext(ctx, `INSERT INTO import_files (import_id, file_id) VALUES ($1, $2) ON CONFLICT DO NOTHING`, imp.ID, id); err != nil {
				return fmt.Errorf("insert import file: %w", err)
			}
		}
		return enqueue(ctx, tx)
	})
}

// Import implements store.Store.
func (db *DB) Import(ctx context.Context, accountID, id string) (*store.Import, error) {
	var imp store.Import
	var created int64
	var finished sql.NullInt64
	err := db.R.QueryRowContext(ctx, `SELECT id, seq, account_id, app_id, created_by, bot_id, new_bot, stream_ref_id,
		bot_name, status, request, doc, created_on, finished_on FROM imports WHERE id = $1 AND account_id = $2`, id, accountID).
		Scan(&imp.ID, &imp.Seq, &imp.AccountID, &imp.AppID, &imp.CreatedBy, &imp.BotID, &imp.NewBot, &imp.StreamRefID,
			&imp.BotName, &imp.Status, &imp.Request, &imp.Doc, &created, &finished)
	if err != nil {
		return nil, notFound(err)
	}
	imp.CreatedOn = fromMS(created)
	imp.FinishedOn = fromMS(finished.Int64)
	rows, err := db.R.QueryContext(ctx, `SELECT file_id FROM import_files WHERE import_id = $1 ORDER BY file_id`, id)
	if err != nil {
		return nil, fmt.Errorf("import files: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var f string
		if err := rows.Scan(&f); err != nil {
			return nil, err
		}
		imp.FileIDs = append(imp.FileIDs, f)
	}
	return &imp, rows.Err()
}

// ImportDoc implements store.Store.
func (db *DB) ImportDoc(ctx context.Context, accountID, id string) ([]byte, string, error) {
	var doc []byte
	var status string
	err := db.R.QueryRowContext(ctx, `SELECT doc, status FROM imports WHERE id = $1 AND account_id = $2`, id, accountID).Scan(&doc, &status)
	if err != nil {
		return nil, "", notFound(err)
	}
	return doc, status, nil
}

// SaveImportDoc implements store.Store.
func (db *DB) SaveImportDoc(ctx context.Context, id string, doc []byte) error {
	res, err := db.W.ExecContext(ctx, `UPDATE imports SET doc = $2 WHERE id = $1 AND status = 'pending'`, id, bytesArg(doc))
	if err != nil {
		return fmt.Errorf("save import doc: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("save import doc %s: %w", id, db.ended(ctx, "imports", id))
	}
	return nil
}

// FinishImport implements store.Store.
func (db *DB) FinishImport(ctx context.Context, id, status string, doc []byte, at time.Time) error {
	if status != store.StatusSuccess && status != store.StatusFailure {
		return fmt.Errorf("finish import: status %q is not final", status)
	}
	res, err := db.W.ExecContext(ctx, `UPDATE imports SET status = $4, doc = $2, finished_on = $3 WHERE id = $1 AND status = 'pending'`,
		id, bytesArg(doc), ms(at), status)
	if err != nil {
		return fmt.Errorf("finish import: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("finish import %s: %w", id, db.ended(ctx, "imports", id))
	}
	return nil
}

// ImportsAhead implements store.Store. It reads from the writer, which
// sees every commit at once.
func (db *DB) ImportsAhead(ctx context.Context, botID string, seq int64) (int, error) {
	var n int
	err := db.W.QueryRowContext(ctx, `SELECT count(*) FROM imports WHERE bot_id = $1 AND status = 'pending' AND seq < $2`, botID, seq).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("imports ahead: %w", err)
	}
	return n, nil
}

// DeleteFinishedImports implements store.Store.
func (db *DB) DeleteFinishedImports(ctx context.Context, cutoff time.Time, limit int) (int, error) {
	var n int
	err := db.tx(ctx, func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, `SELECT id FROM imports WHERE finished_on IS NOT NULL AND finished_on < $1 ORDER BY finished_on LIMIT $2`, ms(cutoff), limit)
		if err != nil {
			return err
		}
		var ids []string
		for rows.Next() {
			var id string
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return err
			}
			ids = append(ids, id)
		}
		rows.Close()
		for _, id := range ids {
			if _, err := tx.ExecContext(ctx, `DELETE FROM import_files WHERE import_id = $1`, id); err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, `DELETE FROM imports WHERE id = $1`, id); err != nil {
				return err
			}
		}
		n = len(ids)
		return nil
	})
	return n, err
}
