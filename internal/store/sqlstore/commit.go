package sqlstore

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/botport/botport/internal/killpoint"
	"github.com/botport/botport/internal/store"
)

// Every write that changes a bot row reads it first with lockBot, which
// holds it to the end of the transaction (PostgreSQL: FOR UPDATE; SQLite's
// write transactions are exclusive already). Locks are taken in one order,
// the import row before the bot row, so two writers never wait on each
// other in a circle.

// botLock is what a write reads of the bot row it holds.
type botLock struct {
	current   string // current version id
	number    int    // current version number
	heldBy    string
	heldUntil int64 // ms
}

// lockBot reads and holds the account's bot row; ErrNotFound without one.
func (db *DB) lockBot(ctx context.Context, tx *sql.Tx, accountID, botID string) (*botLock, error) {
	var b botLock
	err := tx.QueryRowContext(ctx, `SELECT current_vid, version, held_by, held_until FROM bots WHERE id = $1 AND account_id = $2`+db.ForUpdate,
		botID, accountID).Scan(&b.current, &b.number, &b.heldBy, &b.heldUntil)
	if err != nil {
		return nil, fmt.Errorf("bot %s: %w", botID, notFound(err))
	}
	return &b, nil
}

// heldByOther reports whether a writer other than by holds the bot at now.
func (b *botLock) heldByOther(by string, now int64) bool {
	return b.heldBy != "" && b.heldBy != by && b.heldUntil > now
}

// CommitVersion implements store.Store.
func (db *DB) CommitVersion(ctx context.Context, c *store.Commit) error {
	return db.tx(ctx, func(tx *sql.Tx) error {
		holder := ""
		if c.ImportID != "" {
			if err := db.lockPendingImport(ctx, tx, c.ImportID); err != nil {
				return err
			}
			holder = store.StagedBy{Kind: store.StagedByImport, ID: c.ImportID}.String()
		}
		var layout []byte
		var botID string
		if err := tx.QueryRowContext(ctx, `SELECT layout, bot_id FROM versions WHERE id = $1 AND num IS NULL`, c.VersionID).Scan(&layout, &botID); err != nil {
			return fmt.Errorf("staged version %s: %w", c.VersionID, notFound(err))
		}
		if botID != c.Bot.ID {
			return fmt.Errorf("staged version %s belongs to bot %s, not %s", c.VersionID, botID, c.Bot.ID)
		}
		number := 1
		var cur string
		if !c.NewBot {
			lock, err := db.lockBot(ctx, tx, c.Bot.AccountID, c.Bot.ID)
			if err != nil {
				return err
			}
			cur = lock.current
			if c.BaseVersionID != "" && cur != c.BaseVersionID {
				return store.ErrConflict
			}
			number = lock.number + 1
			for _, kind := range c.CarryKinds {
				if err := carry(ctx, tx, cur, c.VersionID, kind); err != nil {
					return err
				}
			}
		}
		if _, err := seal(ctx, tx, c.VersionID, layout, number, c.At); err != nil {
			return err
		}
		b := c.Bot
		var err error
		if c.NewBot {
			_, err = tx.ExecContext(ctx, `INSERT INTO bots (id, account_id, ref_id, name, purpose, type, default_language, description,
				icon, color, created_on, created_by, current_vid, version, updated_on)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)`,
				b.ID, b.AccountID, b.RefID, b.Name, b.Purpose, b.Type, b.DefaultLanguage, b.Description,
				b.Icon, b.Color, ms(c.At), b.CreatedBy, c.VersionID, number, ms(c.At))
		} else {
			// The name never changes; an empty icon keeps the current one.
			// The commit releases the bot's hold if this import holds it.
			_, err = tx.ExecContext(ctx, `UPDATE bots SET purpose = $2, type = $3, default_language = $4, description = $5,
				icon = CASE WHEN $6 = '' THEN icon ELSE $6 END, color = $7, current_vid = $8, version = $9, updated_on = $10,
				held_until = CASE WHEN held_by <> '' AND held_by = $11 THEN 0 ELSE held_until END,
				held_by = CASE WHEN held_by <> '' AND held_by = $11 THEN '' ELSE held_by END
				WHERE id = $1`,
				b.ID, b.Purpose, b.Type, b.DefaultLanguage, b.Description, b.Icon, b.Color, c.VersionID, number, ms(c.At), holder)
		}
		if err != nil {
			if uniqueViolation(err) { // a new bot whose id is taken
				return store.ErrConflict
			}
			return fmt.Errorf("write bot: %w", err)
		}
		b.VersionID, b.Version = c.VersionID, number
		if c.ImportID != "" {
			if _, err := tx.ExecContext(ctx, `UPDATE imports SET status = 'success', doc = $2, finished_on = $3, rev = rev + 1 WHERE id = $1`,
				c.ImportID, bytesArg(c.Doc), ms(c.At)); err != nil {
				return fmt.Errorf("finish import: %w", err)
			}
			if err := outbox(ctx, tx, "imports", c.ImportID, store.EventImportSucceeded, c.At); err != nil {
				return err
			}
			// Crash tests stop here, every write done, before COMMIT.
			if err := killpoint.Reach(ctx, killpoint.Commit, "import "+c.ImportID, nil); err != nil {
				return err
			}
		}
		return nil
	})
}

// lockPendingImport holds a pending import's row; ErrNotPending when it has
// ended, ErrCancelled when its cancel was requested, ErrNotFound when there
// is none. A cancel holds the same row, so a commit and a cancel of one
// import run one after the other: the later one finds what the earlier did.
func (db *DB) lockPendingImport(ctx context.Context, tx *sql.Tx, id string) error {
	var status string
	var cancelled bool
	if err := tx.QueryRowContext(ctx, `SELECT status, cancel_requested FROM imports WHERE id = $1`+db.ForUpdate, id).Scan(&status, &cancelled); err != nil {
		return fmt.Errorf("import %s: %w", id, notFound(err))
	}
	if status != store.StatusPending {
		return fmt.Errorf("import %s: %w", id, store.ErrNotPending)
	}
	if cancelled {
		return fmt.Errorf("import %s: %w", id, store.ErrCancelled)
	}
	return nil
}

// seal makes a staged version the committed version number, with its
// content hash, which it returns.
func seal(ctx context.Context, tx *sql.Tx, vid string, layout []byte, number int, at time.Time) (string, error) {
	hash, err := contentHash(ctx, tx, vid, layout)
	if err != nil {
		return "", err
	}
	if _, err := tx.ExecContext(ctx, `UPDATE versions SET num = $2, content_hash = $3, committed_on = $4 WHERE id = $1`,
		vid, number, hash, ms(at)); err != nil {
		if uniqueViolation(err) { // two commits creating one bot (an existing bot's row is held)
			return "", fmt.Errorf("commit version %d: %w", number, store.ErrConflict)
		}
		return "", fmt.Errorf("commit version: %w", err)
	}
	return hash, nil
}

// WriteVersion implements store.Store.
func (db *DB) WriteVersion(ctx context.Context, w *store.VersionWrite) (*store.Version, error) {
	v := &store.Version{ID: w.VersionID, BotID: w.BotID, AccountID: w.AccountID, StagedBy: w.StagedBy,
		CreatedOn: fromMS(ms(w.At)), CommittedOn: fromMS(ms(w.At))}
	err := db.tx(ctx, func(tx *sql.Tx) error {
		lock, err := db.lockBot(ctx, tx, w.AccountID, w.BotID)
		if err != nil {
			return err
		}
		if lock.heldByOther(w.StagedBy.String(), ms(w.At)) {
			return store.ErrBusy
		}
		if w.Base != "" && lock.current != w.Base {
			return store.ErrConflict
		}
		from := cmp.Or(w.From, lock.current)
		var layout []byte
		err = tx.QueryRowContext(ctx, `SELECT layout FROM versions WHERE id = $1 AND bot_id = $2 AND account_id = $3 AND num IS NOT NULL`,
			from, w.BotID, w.AccountID).Scan(&layout)
		if err != nil {
			return fmt.Errorf("version %s: %w", from, notFound(err))
		}
		if w.Layout != nil {
			layout = w.Layout
		}
		v.Layout, v.Number = layout, lock.number+1
		if _, err := tx.ExecContext(ctx, `INSERT INTO versions (id, bot_id, account_id, staged_kind, staged_id, layout, content_hash, created_on)
			VALUES ($1, $2, $3, $4, $5, $6, '', $7)`, v.ID, v.BotID, v.AccountID, w.StagedBy.Kind, w.StagedBy.ID, bytesArg(layout), ms(w.At)); err != nil {
			return fmt.Errorf("stage version: %w", err)
		}
		if err := copyRecords(ctx, tx, from, v.ID, w.Drop); err != nil {
			return err
		}
		if err := putRecords(ctx, tx, w.AccountID, v.ID, w.Records, givenBodies); err != nil {
			return err
		}
		if err := putLinks(ctx, tx, v.ID, w.Links); err != nil {
			return err
		}
		if v.ContentHash, err = seal(ctx, tx, v.ID, layout, v.Number, w.At); err != nil {
			return err
		}
		if b := w.Bot; b != nil {
			_, err = tx.ExecContext(ctx, `UPDATE bots SET purpose = $2, type = $3, default_language = $4, description = $5,
				icon = CASE WHEN $6 = '' THEN icon ELSE $6 END, color = $7, current_vid = $8, version = $9, updated_on = $10 WHERE id = $1`,
				w.BotID, b.Purpose, b.Type, b.DefaultLanguage, b.Description, b.Icon, b.Color, v.ID, v.Number, ms(w.At))
		} else {
			_, err = tx.ExecContext(ctx, `UPDATE bots SET current_vid = $2, version = $3, updated_on = $4 WHERE id = $1`,
				w.BotID, v.ID, v.Number, ms(w.At))
		}
		if err != nil {
			return fmt.Errorf("write bot: %w", err)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return v, nil
}

// HoldBot implements store.Store.
func (db *DB) HoldBot(ctx context.Context, accountID, botID string, by store.StagedBy, now, until time.Time) error {
	return db.tx(ctx, func(tx *sql.Tx) error {
		lock, err := db.lockBot(ctx, tx, accountID, botID)
		if err != nil {
			return err
		}
		holder := by.String()
		if until.IsZero() {
			if lock.heldBy == holder {
				_, err = tx.ExecContext(ctx, `UPDATE bots SET held_by = '', held_until = 0 WHERE id = $1`, botID)
			}
			return err
		}
		if lock.heldByOther(holder, ms(now)) {
			return store.ErrBusy
		}
		_, err = tx.ExecContext(ctx, `UPDATE bots SET held_by = $2, held_until = $3 WHERE id = $1`, botID, holder, ms(until))
		return err
	})
}

// carry copies the records of kind from version from into version to, when
// to has none of that kind.
func carry(ctx context.Context, tx *sql.Tx, from, to, kind string) error {
	var one int
	err := tx.QueryRowContext(ctx, `SELECT 1 FROM records WHERE vid = $1 AND kind = $2 LIMIT 1`, to, kind).Scan(&one)
	if err == nil {
		return nil
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return err
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO records (vid, file, member, seq, account_id, kind, ident, ref_id, name, n, hash)
		SELECT $1, file, member, seq, account_id, kind, ident, ref_id, name, n, hash FROM records WHERE vid = $2 AND kind = $3`, to, from, kind)
	if err != nil {
		return fmt.Errorf("carry %s records: %w", kind, err)
	}
	return nil
}

// contentHash hashes a version's layout and record metadata, sorted in Go so
// that the result does not depend on the database's collation.
func contentHash(ctx context.Context, tx *sql.Tx, vid string, layout []byte) (string, error) {
	rows, err := tx.QueryContext(ctx, `SELECT file, member, seq, kind, ident, hash FROM records WHERE vid = $1`, vid)
	if err != nil {
		return "", err
	}
	defer rows.Close()
	var recs []store.Record
	for rows.Next() {
		var r store.Record
		if err := rows.Scan(&r.File, &r.Member, &r.Seq, &r.Kind, &r.Ident, &r.Hash); err != nil {
			return "", err
		}
		recs = append(recs, r)
	}
	if err := rows.Err(); err != nil {
		return "", err
	}
	sortRecords(recs)
	h := store.NewContentHasher(layout)
	for i := range recs {
		h.Add(&recs[i])
	}
	return h.Sum(), nil
}

func sortRecords(recs []store.Record) {
	slices.SortFunc(recs, func(a, b store.Record) int {
		return cmp.Or(cmp.Compare(a.File, b.File), cmp.Compare(a.Member, b.Member), cmp.Compare(a.Seq, b.Seq))
	})
}
