package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math"

	"github.com/botport/botport/internal/store"
)

// Fair sharing: an import of an account holds a row of import_slots from
// its acceptance until it ends; admitted rows count against the account's
// limit, parked rows wait in acceptance order. Every change to an
// account's slots holds the account's row first (PostgreSQL: FOR UPDATE;
// SQLite's write transactions are exclusive already), so that replicas
// admitting imports of one account at once never exceed its limit.

// lockSlots holds the account's row and counts its admitted and parked
// imports. (Requests of an account id without a row, which only tests
// make, are counted without the lock.)
func (db *DB) lockSlots(ctx context.Context, tx *sql.Tx, accountID string) (admitted, parked int, err error) {
	var id string
	err = tx.QueryRowContext(ctx, `SELECT id FROM accounts WHERE id = $1`+db.ForUpdate, accountID).Scan(&id)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return 0, 0, fmt.Errorf("account %s: %w", accountID, err)
	}
	return countSlots(ctx, tx, accountID)
}

// countSlots counts the account's admitted and parked imports.
func countSlots(ctx context.Context, tx *sql.Tx, accountID string) (admitted, parked int, err error) {
	err = tx.QueryRowContext(ctx, `SELECT
		coalesce(sum(CASE WHEN admitted THEN 1 ELSE 0 END), 0),
		coalesce(sum(CASE WHEN admitted THEN 0 ELSE 1 END), 0)
		FROM import_slots WHERE account_id = $1`, accountID).Scan(&admitted, &parked)
	if err != nil {
		return 0, 0, fmt.Errorf("count import slots: %w", err)
	}
	return admitted, parked, nil
}

// admit admits the account's oldest parked imports while it holds fewer
// than limit (all when limit <= 0), waking their jobs in tx. The caller
// holds the account (lockSlots).
func (db *DB) admit(ctx context.Context, tx *sql.Tx, accountID string, admitted, limit int, wake store.Wake) (int, error) {
	n := math.MaxInt32 // every parked import
	if limit > 0 {
		if n = limit - admitted; n <= 0 {
			return 0, nil
		}
	}
	rows, err := tx.QueryContext(ctx, `SELECT import_id, job_id FROM import_slots
		WHERE account_id = $1 AND NOT admitted ORDER BY seq LIMIT $2`, accountID, n)
	if err != nil {
		return 0, fmt.Errorf("parked imports: %w", err)
	}
	type parked struct {
		id  string
		job int64
	}
	var next []parked
	for rows.Next() {
		var p parked
		if err := rows.Scan(&p.id, &p.job); err != nil {
			rows.Close()
			return 0, err
		}
		next = append(next, p)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, err
	}
	for _, p := range next {
		if err := wake(ctx, tx, p.job); err != nil {
			return 0, fmt.Errorf("wake the job of import %s: %w", p.id, err)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE import_slots SET admitted = $2 WHERE import_id = $1`, p.id, true); err != nil {
			return 0, fmt.Errorf("admit import %s: %w", p.id, err)
		}
	}
	return len(next), nil
}

// ReleaseImport implements store.Store.
func (db *DB) ReleaseImport(ctx context.Context, id string, limit int, wake store.Wake) (int, error) {
	var accountID string
	err := db.R.QueryRowContext(ctx, `SELECT account_id FROM import_slots WHERE import_id = $1`, id).Scan(&accountID)
	if err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return 0, nil // no slot: admitted before fair sharing, or released
		}
		return 0, fmt.Errorf("import slot: %w", err)
	}
	woken := 0
	err = db.tx(ctx, func(tx *sql.Tx) error {
		if _, _, err := db.lockSlots(ctx, tx, accountID); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `DELETE FROM import_slots WHERE import_id = $1`, id)
		if err != nil {
			return fmt.Errorf("release import slot: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return nil // released already
		}
		admitted, _, err := countSlots(ctx, tx, accountID)
		if err != nil {
			return err
		}
		woken, err = db.admit(ctx, tx, accountID, admitted, limit, wake)
		return err
	})
	return woken, err
}

// AdmitImports implements store.Store.
func (db *DB) AdmitImports(ctx context.Context, limit int, wake store.Wake) (int, error) {
	if _, err := db.W.ExecContext(ctx, `DELETE FROM import_slots WHERE NOT EXISTS
		(SELECT 1 FROM imports i WHERE i.id = import_slots.import_id AND i.status = 'pending')`); err != nil {
		return 0, fmt.Errorf("free the slots of ended imports: %w", err)
	}
	rows, err := db.W.QueryContext(ctx, `SELECT DISTINCT account_id FROM import_slots WHERE NOT admitted`)
	if err != nil {
		return 0, fmt.Errorf("accounts with parked imports: %w", err)
	}
	var accounts []string
	for rows.Next() {
		var a string
		if err := rows.Scan(&a); err != nil {
			rows.Close()
			return 0, err
		}
		accounts = append(accounts, a)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, err
	}
	total := 0
	for _, a := range accounts {
		err := db.tx(ctx, func(tx *sql.Tx) error {
			admitted, _, err := db.lockSlots(ctx, tx, a)
			if err != nil {
				return err
			}
			n, err := db.admit(ctx, tx, a, admitted, limit, wake)
			total += n
			return err
		})
		if err != nil {
			return total, err
		}
	}
	return total, nil
}
