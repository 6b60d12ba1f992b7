package sqlstore

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"time"

	"github.com/botport/botport/internal/store"
)

// CreateImport implements store.Store. The account's row is held while
// its slots are counted, so that replicas accepting imports of one account
// at once cannot both take its last slot.
func (db *DB) CreateImport(ctx context.Context, imp *store.Import, limit int, enqueue store.Enqueue) error {
	return db.tx(ctx, func(tx *sql.Tx) error {
		admitted, parked, err := db.lockSlots(ctx, tx, imp.AccountID)
		if err != nil {
			return err
		}
		park := parked > 0 || limit > 0 && admitted >= limit
		err = tx.QueryRowContext(ctx, `INSERT INTO imports (id, account_id, app_id, created_by, bot_id, new_bot,
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
		jobID, err := enqueue(ctx, tx, park)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO import_slots (import_id, account_id, job_id, seq, admitted) VALUES ($1, $2, $3, $4, $5)`,
			imp.ID, imp.AccountID, jobID, imp.Seq, !park); err != nil {
			return fmt.Errorf("insert import slot: %w", err)
		}
		return nil
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

// ImportDoc implements store.Store. A final document costs one row read;
// a pending one's queue state comes from the same statement, whose
// subqueries run for pending imports only.
func (db *DB) ImportDoc(ctx context.Context, accountID, id string) ([]byte, string, error) {
	var doc []byte
	var status string
	var parkedAhead, botAhead int
	var orphan bool
	err := db.R.QueryRowContext(ctx, `SELECT i.doc, i.status,
		CASE WHEN i.status <> 'pending' THEN -1 ELSE coalesce((SELECT CASE WHEN s.admitted THEN -1 ELSE
			(SELECT count(*) FROM import_slots p WHERE p.account_id = s.account_id AND NOT p.admitted AND p.seq < s.seq) END
			FROM import_slots s WHERE s.import_id = i.id), -1) END,
		CASE WHEN i.status <> 'pending' OR i.new_bot THEN 0 ELSE
			(SELECT count(*) FROM imports b WHERE b.bot_id = i.bot_id AND b.status = 'pending' AND b.seq < i.seq) END,
		CASE WHEN i.status <> 'pending' OR i.run_by = '' THEN FALSE ELSE NOT EXISTS
			(SELECT 1 FROM replicas r WHERE r.id = i.run_by AND r.expires_on > `+db.NowMS+`) END
		FROM imports i WHERE i.id = $1 AND i.account_id = $2`, id, accountID).Scan(&doc, &status, &parkedAhead, &botAhead, &orphan)
	if err != nil {
		return nil, "", notFound(err)
	}
	switch {
	case parkedAhead >= 0:
		doc = withQueue(doc, store.QueueAccount, parkedAhead)
	case botAhead > 0:
		doc = withQueue(doc, store.QueueBot, botAhead)
	case orphan:
		doc = withQueue(doc, store.QueueRecovery, -1)
	}
	return doc, status, nil
}

// withQueue appends the member "queue" to a document (a JSON object):
// {"state": state} and, when ahead >= 0, "ahead". A document that does not
// end its object is left as it is.
func withQueue(doc []byte, state string, ahead int) []byte {
	doc = bytes.TrimRight(doc, " \t\r\n")
	if len(doc) < 2 || doc[len(doc)-1] != '}' {
		return doc
	}
	out := make([]byte, 0, len(doc)+48)
	out = append(out, doc[:len(doc)-1]...)
	if len(bytes.TrimSpace(doc[1:len(doc)-1])) > 0 {
		out = append(out, ',')
	}
	out = append(out, `"queue":{"state":"`...)
	out = append(out, state...)
	out = append(out, '"')
	if ahead >= 0 {
		out = append(out, `,"ahead":`...)
		out = strconv.AppendInt(out, int64(ahead), 10)
	}
	return append(out, "}}"...)
}

// StartImportRun implements store.Store.
func (db *DB) StartImportRun(ctx context.Context, id, replica string) error {
	res, err := db.W.ExecContext(ctx, `UPDATE imports SET run_by = $2 WHERE id = $1 AND status = 'pending'`, id, replica)
	if err != nil {
		return fmt.Errorf("start import run: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("start import run %s: %w", id, db.ended(ctx, "imports", id))
	}
	return nil
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
			if _, err := tx.ExecContext(ctx, `DELETE FROM import_slots WHERE import_id = $1`, id); err != nil {
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
