package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
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
			stream_ref_id, bot_name, status, request, doc, created_on, dry_run)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) RETURNING seq`,
			imp.ID, imp.AccountID, imp.AppID, imp.CreatedBy, imp.BotID, imp.NewBot,
			imp.StreamRefID, imp.BotName, imp.Status, bytesArg(imp.Request), bytesArg(imp.Doc), ms(imp.CreatedOn), imp.DryRun).Scan(&imp.Seq)
		if err != nil {
			return fmt.Errorf("insert import: %w", err)
		}
		imp.Rev = 1
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
		bot_name, status, request, doc, created_on, finished_on, dry_run, cancel_requested, rev
		FROM imports WHERE id = $1 AND account_id = $2`, id, accountID).
		Scan(&imp.ID, &imp.Seq, &imp.AccountID, &imp.AppID, &imp.CreatedBy, &imp.BotID, &imp.NewBot, &imp.StreamRefID,
			&imp.BotName, &imp.Status, &imp.Request, &imp.Doc, &created, &finished, &imp.DryRun, &imp.Cancelled, &imp.Rev)
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
	st, err := db.ImportState(ctx, accountID, id, 0)
	if err != nil {
		return nil, "", err
	}
	return st.Queue.AppendTo(st.Doc), st.Status, nil
}

// ImportState implements store.Store. Revisions start at 1, so haveRev 0
// always reads the document.
func (db *DB) ImportState(ctx context.Context, accountID, id string, haveRev int64) (*store.ImportState, error) {
	var st store.ImportState
	var parkedAhead, botAhead int
	var orphan bool
	err := db.R.QueryRowContext(ctx, `SELECT CASE WHEN i.rev = $3 THEN NULL ELSE i.doc END, i.status, i.rev,
		CASE WHEN i.status <> 'pending' THEN -1 ELSE coalesce((SELECT CASE WHEN s.admitted THEN -1 ELSE
			(SELECT count(*) FROM import_slots p WHERE p.account_id = s.account_id AND NOT p.admitted AND p.seq < s.seq) END
			FROM import_slots s WHERE s.import_id = i.id), -1) END,
		CASE WHEN i.status <> 'pending' OR i.new_bot THEN 0 ELSE
			(SELECT count(*) FROM imports b WHERE b.bot_id = i.bot_id AND b.status = 'pending' AND b.seq < i.seq) END,
		CASE WHEN i.status <> 'pending' OR i.run_by = '' THEN FALSE ELSE NOT EXISTS
			(SELECT 1 FROM replicas r WHERE r.id = i.run_by AND r.expires_on > `+db.NowMS+`) END
		FROM imports i WHERE i.id = $1 AND i.account_id = $2`, id, accountID, haveRev).
		Scan(&st.Doc, &st.Status, &st.Rev, &parkedAhead, &botAhead, &orphan)
	if err != nil {
		return nil, notFound(err)
	}
	switch {
	case parkedAhead >= 0:
		st.Queue = store.Queue{State: store.QueueAccount, Ahead: parkedAhead}
	case botAhead > 0:
		st.Queue = store.Queue{State: store.QueueBot, Ahead: botAhead}
	case orphan:
		st.Queue = store.Queue{State: store.QueueRecovery, Ahead: -1}
	}
	return &st, nil
}

// StartImportRun implements store.Store.
func (db *DB) StartImportRun(ctx context.Context, id, replica string) error {
	res, err := db.W.ExecContext(ctx, `UPDATE imports SET run_by = $2 WHERE id = $1 AND status = 'pending' AND NOT cancel_requested`, id, replica)
	if err != nil {
		return fmt.Errorf("start import run: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("start import run %s: %w", id, db.importEnded(ctx, id))
	}
	return nil
}

// SaveImportDoc implements store.Store.
func (db *DB) SaveImportDoc(ctx context.Context, id string, doc []byte) error {
	res, err := db.W.ExecContext(ctx, `UPDATE imports SET doc = $2, rev = rev + 1 WHERE id = $1 AND status = 'pending' AND NOT cancel_requested`,
		id, bytesArg(doc))
	if err != nil {
		return fmt.Errorf("save import doc: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("save import doc %s: %w", id, db.importEnded(ctx, id))
	}
	return nil
}

// FinishImport implements store.Store.
func (db *DB) FinishImport(ctx context.Context, id, status string, doc []byte, at time.Time) error {
	if status != store.StatusSuccess && status != store.StatusFailure {
		return fmt.Errorf("finish import: status %q is not final", status)
	}
	ended := false
	err := db.tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE imports SET status = $4, doc = $2, finished_on = $3, rev = rev + 1
			WHERE id = $1 AND status = 'pending' AND NOT cancel_requested`, id, bytesArg(doc), ms(at), status)
		if err != nil {
			return fmt.Errorf("finish import: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return nil
		}
		ended = true
		typ := store.EventImportSucceeded
		if status == store.StatusFailure {
			typ = store.EventImportFailed
		}
		return outbox(ctx, tx, "imports", id, typ, at)
	})
	if err == nil && !ended {
		err = fmt.Errorf("finish import %s: %w", id, db.importEnded(ctx, id))
	}
	return err
}

// importEnded tells why a pending-only update of an import matched no
// row: store.ErrNotPending when it has ended, store.ErrCancelled when its
// cancel was requested, store.ErrNotFound when there is none.
func (db *DB) importEnded(ctx context.Context, id string) error {
	var status string
	var cancelled bool
	err := db.W.QueryRowContext(ctx, `SELECT status, cancel_requested FROM imports WHERE id = $1`, id).Scan(&status, &cancelled)
	switch {
	case err != nil:
		return notFound(err)
	case status != store.StatusPending:
		return store.ErrNotPending
	case cancelled:
		return store.ErrCancelled
	}
	return fmt.Errorf("import %s: the update found it pending", id)
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
