package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/botport/botport/internal/store"
)

// CancelImport implements store.Store. It holds the import's row, as a
// commit does (lockPendingImport), so that a cancel and a commit of one
// import never both succeed: the one that comes second finds the other's
// work (the import ended, or its cancel requested).
func (db *DB) CancelImport(ctx context.Context, accountID, id string, stop store.StopJob,
	cancelled func([]byte) ([]byte, error), at time.Time) (bool, error) {
	ended := false
	err := db.tx(ctx, func(tx *sql.Tx) error {
		var status string
		var doc []byte
		err := tx.QueryRowContext(ctx, `SELECT status, doc FROM imports WHERE id = $1 AND account_id = $2`+db.ForUpdate,
			id, accountID).Scan(&status, &doc)
		if err != nil {
			return fmt.Errorf("import %s: %w", id, notFound(err))
		}
		if status != store.StatusPending {
			return fmt.Errorf("import %s: %w", id, store.ErrNotPending)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE imports SET cancel_requested = $2 WHERE id = $1`, id, true); err != nil {
			return fmt.Errorf("request the cancel: %w", err)
		}
		// Without a slot (an import accepted before fair sharing) the job
		// is unknown: its run finds the cancel at its start.
		var jobID int64
		err = tx.QueryRowContext(ctx, `SELECT job_id FROM import_slots WHERE import_id = $1`, id).Scan(&jobID)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("import slot: %w", err)
		}
		if jobID == 0 {
			return nil
		}
		stopped, err := stop(ctx, tx, jobID)
		if err != nil || !stopped {
			return err
		}
		final, err := cancelled(doc)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE imports SET status = $2, doc = $3, finished_on = $4, rev = rev + 1 WHERE id = $1`,
			id, store.StatusFailure, bytesArg(final), ms(at)); err != nil {
			return fmt.Errorf("end the cancelled import: %w", err)
		}
		ended = true
		return outbox(ctx, tx, "imports", id, store.EventImportCancelled, at)
	})
	return ended, err
}

// FinishCancelled implements store.Store.
func (db *DB) FinishCancelled(ctx context.Context, id string, doc []byte, at time.Time) error {
	ended := false
	err := db.tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE imports SET status = $4, doc = $2, finished_on = $3, rev = rev + 1
			WHERE id = $1 AND status = 'pending' AND cancel_requested`, id, bytesArg(doc), ms(at), store.StatusFailure)
		if err != nil {
			return fmt.Errorf("finish cancelled import: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return nil
		}
		ended = true
		return outbox(ctx, tx, "imports", id, store.EventImportCancelled, at)
	})
	if err != nil {
		return err
	}
	if !ended {
		err := db.importEnded(ctx, id)
		if !errors.Is(err, store.ErrNotPending) && !errors.Is(err, store.ErrNotFound) {
			err = fmt.Errorf("no cancel was requested (%v)", err)
		}
		return fmt.Errorf("finish cancelled import %s: %w", id, err)
	}
	return nil
}

// listWhere builds the WHERE clause of a list over table alias t, with
// args from $1 on.
func listWhere(t string, f store.ListFilter) (string, []any) {
	var conds []string
	var args []any
	add := func(cond string, arg any) {
		args = append(args, arg)
		conds = append(conds, strings.ReplaceAll(cond, "?", "$"+strconv.Itoa(len(args))))
	}
	add(t+".account_id = ?", f.AccountID)
	if f.BotID != "" {
		add(t+".bot_id = ?", f.BotID)
	}
	if f.Status != "" {
		add(t+".status = ?", f.Status)
	}
	if !f.Since.IsZero() {
		add(t+".created_on >= ?", f.Since.UnixMilli())
	}
	if !f.Until.IsZero() {
		add(t+".created_on < ?", f.Until.UnixMilli())
	}
	if f.Before > 0 {
		add(t+".seq < ?", f.Before)
	}
	args = append(args, max(f.Limit, 0))
	return strings.Join(conds, " AND ") + " ORDER BY " + t + ".seq DESC LIMIT $" + strconv.Itoa(len(args)), args
}

// ListImports implements store.Store.
func (db *DB) ListImports(ctx context.Context, f store.ListFilter) ([]*store.ImportItem, error) {
	where, args := listWhere("i", f)
	rows, err := db.R.QueryContext(ctx, `SELECT i.seq, i.id, i.bot_id, i.new_bot, i.bot_name, i.status, i.dry_run, i.cancel_requested,
		i.created_on, i.finished_on FROM imports i WHERE `+where, args...)
	if err != nil {
		return nil, fmt.Errorf("list imports: %w", err)
	}
	defer rows.Close()
	var out []*store.ImportItem
	for rows.Next() {
		var it store.ImportItem
		var created int64
		var finished sql.NullInt64
		if err := rows.Scan(&it.Seq, &it.ID, &it.BotID, &it.NewBot, &it.BotName, &it.Status, &it.DryRun, &it.Cancelled,
			&created, &finished); err != nil {
			return nil, err
		}
		// A pending import whose cancel was requested is not cancelled yet.
		it.Cancelled = it.Cancelled && it.Status == store.StatusFailure
		it.CreatedOn, it.FinishedOn = fromMS(created), fromMS(finished.Int64)
		out = append(out, &it)
	}
	return out, rows.Err()
}

// ListExports implements store.Store.
func (db *DB) ListExports(ctx context.Context, f store.ListFilter) ([]*store.ExportItem, error) {
	where, args := listWhere("e", f)
	rows, err := db.R.QueryContext(ctx, `SELECT e.seq, e.id, e.bot_id, coalesce(b.name, ''), e.export_type, e.status,
		e.created_on, e.finished_on FROM exports e LEFT JOIN bots b ON b.id = e.bot_id WHERE `+where, args...)
	if err != nil {
		return nil, fmt.Errorf("list exports: %w", err)
	}
	defer rows.Close()
	var out []*store.ExportItem
	for rows.Next() {
		var it store.ExportItem
		var created int64
		var finished sql.NullInt64
		if err := rows.Scan(&it.Seq, &it.ID, &it.BotID, &it.BotName, &it.ExportType, &it.Status, &created, &finished); err != nil {
			return nil, err
		}
		it.CreatedOn, it.FinishedOn = fromMS(created), fromMS(finished.Int64)
		out = append(out, &it)
	}
	return out, rows.Err()
}
