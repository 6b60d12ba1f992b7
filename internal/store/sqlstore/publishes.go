package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/botport/botport/internal/store"
)

const publishColumns = `seq, id, account_id, bot_id, app_id, created_by, after_import, comment, train, status,
	version_id, version, detail, message, created_on, started_on, finished_on`

func scanPublish(row interface{ Scan(...any) error }) (*store.Publish, error) {
	var p store.Publish
	var created, started int64
	var finished sql.NullInt64
	if err := row.Scan(&p.Seq, &p.ID, &p.AccountID, &p.BotID, &p.AppID, &p.CreatedBy, &p.After, &p.Comment, &p.Train, &p.Status,
		&p.VersionID, &p.Version, &p.Detail, &p.Message, &created, &started, &finished); err != nil {
		return nil, notFound(err)
	}
	p.CreatedOn, p.StartedOn, p.FinishedOn = fromMS(created), fromMS(started), fromMS(finished.Int64)
	return &p, nil
}

// CreatePublish implements store.Store. The bot's row is held while the
// publish takes its place after the imports accepted so far: publishes of
// one bot are accepted one after another, so that After grows with Seq and
// the order of a bot's work is one sequence. An import whose seq was drawn
// but not yet committed when the publish read After (PostgreSQL draws
// sequence values at insert) counts as accepted after it, unless a later
// import was already visible; either way both sides agree on the order.
func (db *DB) CreatePublish(ctx context.Context, p *store.Publish, enqueue func(context.Context, *sql.Tx) error) error {
	return db.tx(ctx, func(tx *sql.Tx) error {
		if _, err := db.lockBot(ctx, tx, p.AccountID, p.BotID); err != nil {
			return err
		}
		if err := tx.QueryRowContext(ctx, `SELECT COALESCE(max(seq), 0) FROM imports WHERE bot_id = $1`, p.BotID).Scan(&p.After); err != nil {
			return fmt.Errorf("last import of the bot: %w", err)
		}
		err := tx.QueryRowContext(ctx, `INSERT INTO publishes (id, account_id, bot_id, app_id, created_by, after_import, comment, train, status, created_on)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING seq`,
			p.ID, p.AccountID, p.BotID, p.AppID, p.CreatedBy, p.After, p.Comment, p.Train, p.Status, ms(p.CreatedOn)).Scan(&p.Seq)
		if err != nil {
			return fmt.Errorf("insert publish: %w", err)
		}
		return enqueue(ctx, tx)
	})
}

// Publish implements store.Store.
func (db *DB) Publish(ctx context.Context, accountID, id string) (*store.Publish, error) {
	return scanPublish(db.R.QueryRowContext(ctx, `SELECT `+publishColumns+` FROM publishes WHERE id = $1 AND account_id = $2`, id, accountID))
}

// LatestPublish implements store.Store.
func (db *DB) LatestPublish(ctx context.Context, accountID, botID string) (*store.Publish, error) {
	return scanPublish(db.R.QueryRowContext(ctx, `SELECT `+publishColumns+` FROM publishes WHERE account_id = $1 AND bot_id = $2
		ORDER BY seq DESC LIMIT 1`, accountID, botID))
}

// PublishesAhead implements store.Store. It reads from the writer, which
// sees every commit at once.
func (db *DB) PublishesAhead(ctx context.Context, botID string, after, seq int64) (int, error) {
	var n int
	err := db.W.QueryRowContext(ctx, `SELECT count(*) FROM publishes WHERE bot_id = $1 AND status = 'pending'
		AND (after_import < $2 OR (after_import = $2 AND seq < $3))`, botID, after, seq).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("publishes ahead: %w", err)
	}
	return n, nil
}

// CommitPublish implements store.Store. Locks are taken in the order the
// other writers use: the request's row, then the bot's.
func (db *DB) CommitPublish(ctx context.Context, c *store.PublishCommit) (*store.Publish, error) {
	var out *store.Publish
	err := db.tx(ctx, func(tx *sql.Tx) error {
		p, err := scanPublish(tx.QueryRowContext(ctx, `SELECT `+publishColumns+` FROM publishes WHERE id = $1 AND account_id = $2`+db.ForUpdate,
			c.PublishID, c.AccountID))
		if err != nil {
			return fmt.Errorf("publish %s: %w", c.PublishID, err)
		}
		if p.Status != store.StatusPending {
			return fmt.Errorf("publish %s: %w", c.PublishID, store.ErrNotPending)
		}
		if p.BotID != c.BotID {
			return fmt.Errorf("publish %s is of bot %s, not %s: %w", c.PublishID, p.BotID, c.BotID, store.ErrNotFound)
		}
		lock, err := db.lockBot(ctx, tx, c.AccountID, c.BotID)
		if err != nil {
			return err
		}
		if c.Base != "" && lock.current != c.Base {
			return store.ErrConflict
		}
		if _, err := tx.ExecContext(ctx, `UPDATE bots SET published_vid = $2, published_on = $3 WHERE id = $1`,
			c.BotID, lock.current, ms(c.At)); err != nil {
			return fmt.Errorf("publish bot: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE publishes SET status = 'success', version_id = $2, version = $3, detail = $4,
			started_on = $5, finished_on = $6 WHERE id = $1`,
			c.PublishID, lock.current, lock.number, bytesArg(c.Detail), ms(c.StartedOn), ms(c.At)); err != nil {
			return fmt.Errorf("finish publish: %w", err)
		}
		if err := outbox(ctx, tx, "publishes", c.PublishID, store.EventPublishSucceeded, c.At); err != nil {
			return err
		}
		p.Status, p.VersionID, p.Version, p.Detail = store.StatusSuccess, lock.current, lock.number, c.Detail
		p.StartedOn, p.FinishedOn = fromMS(ms(c.StartedOn)), fromMS(ms(c.At))
		out = p
		return nil
	})
	return out, err
}

// FailPublish implements store.Store.
func (db *DB) FailPublish(ctx context.Context, id, message string, started, at time.Time) error {
	ended := false
	err := db.tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE publishes SET status = 'failure', message = $2, started_on = $3, finished_on = $4
			WHERE id = $1 AND status = 'pending'`, id, message, ms(started), ms(at))
		if err != nil {
			return fmt.Errorf("fail publish: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return nil
		}
		ended = true
		return outbox(ctx, tx, "publishes", id, store.EventPublishFailed, at)
	})
	if err == nil && !ended {
		err = fmt.Errorf("fail publish %s: %w", id, db.ended(ctx, "publishes", id))
	}
	return err
}

// DeleteFinishedPublishes implements store.Store.
func (db *DB) DeleteFinishedPublishes(ctx context.Context, cutoff time.Time, limit int) (int, error) {
	res, err := db.W.ExecContext(ctx, `DELETE FROM publishes WHERE seq IN (SELECT seq FROM publishes
		WHERE finished_on IS NOT NULL AND finished_on < $1 ORDER BY finished_on LIMIT $2)`, ms(cutoff), limit)
	if err != nil {
		return 0, fmt.Errorf("delete finished publishes: %w", err)
	}
	n, err := res.RowsAffected()
	return int(n), err
}
