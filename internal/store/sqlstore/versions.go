package sqlstore

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/botport/botport/internal/store"
)

// StageVersion implements store.Store.
func (db *DB) StageVersion(ctx context.Context, v *store.Version) error {
	_, err := db.W.ExecContext(ctx, `INSERT INTO versions (id, bot_id, account_id, staged_kind, staged_id, layout, content_hash, created_on)
		VALUES ($1, $2, $3, $4, $5, $6, '', $7)`, v.ID, v.BotID, v.AccountID, v.StagedBy.Kind, v.StagedBy.ID, bytesArg(v.Layout), ms(v.CreatedOn))
	if err != nil {
		return fmt.Errorf("stage version: %w", err)
	}
	return nil
}

// DiscardStaged implements store.Store. A zero by names no writer: nothing
// is discarded.
func (db *DB) DiscardStaged(ctx context.Context, by store.StagedBy) error {
	if by == (store.StagedBy{}) {
		return nil
	}
	return db.tx(ctx, func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, `SELECT id FROM versions WHERE staged_kind = $1 AND staged_id = $2 AND num IS NULL`, by.Kind, by.ID)
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
			if err := deleteVersion(ctx, tx, id); err != nil {
				return fmt.Errorf("discard staged version: %w", err)
			}
		}
		return nil
	})
}

// deleteVersion deletes a staged version with its records and links; the
// bodies they referred to become candidates for DeleteOrphanBodies.
func deleteVersion(ctx context.Context, tx *sql.Tx, id string) error {
	if err := orphanCandidates(ctx, tx, id); err != nil {
		return err
	}
	for _, q := range []string{`DELETE FROM records WHERE vid = $1`, `DELETE FROM links WHERE vid = $1`, `DELETE FROM versions WHERE id = $1`} {
		if _, err := tx.ExecContext(ctx, q, id); err != nil {
			return err
		}
	}
	return nil
}

// PutRecords implements store.Store. Bodies are content-addressed per
// account, so a body shared by many versions is stored once.
func (db *DB) PutRecords(ctx context.Context, accountID, versionID string, recs []store.Record) error {
	if len(recs) == 0 {
		return nil
	}
	return db.tx(ctx, func(tx *sql.Tx) error { return putRecords(ctx, tx, accountID, versionID, recs, everyBody) })
}

// PutRecordRefs implements store.Store.
func (db *DB) PutRecordRefs(ctx context.Context, accountID, versionID string, recs []store.Record) error {
	if len(recs) == 0 {
		return nil
	}
	return db.tx(ctx, func(tx *sql.Tx) error { return putRecords(ctx, tx, accountID, versionID, recs, nil) })
}

// Which records' bodies putRecords writes: every one (a nil Body is the
// empty body), or those given (a nil Body refers to a body stored already).
var (
	everyBody   = func(*store.Record) bool { return true }
	givenBodies = func(r *store.Record) bool { return r.Body != nil }
)

// putRecords writes record rows, and the bodies of the records withBody
// selects (nil: none).
func putRecords(ctx context.Context, tx *sql.Tx, accountID, versionID string, recs []store.Record, withBody func(*store.Record) bool) error {
	var body *sql.Stmt
	if withBody != nil {
		var err error
		if body, err = tx.PrepareContext(ctx, `INSERT INTO bodies (account_id, hash, body) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING`); err != nil {
			return err
		}
		defer body.Close()
	}
	rec, err := tx.PrepareContext(ctx, `INSERT INTO records (vid, file, member, seq, account_id, kind, ident, ref_id, name, n, hash)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`)
	if err != nil {
		return err
	}
	defer rec.Close()
	for i := range recs {
		r := &recs[i]
		if withBody != nil && withBody(r) {
			if _, err := body.ExecContext(ctx, accountID, r.Hash, bytesArg(r.Body)); err != nil {
				return fmt.Errorf("put body: %w", err)
			}
		}
		if _, err := rec.ExecContext(ctx, versionID, r.File, r.Member, r.Seq, accountID, r.Kind, r.Ident, r.RefID, r.Name, r.Count, r.Hash); err != nil {
			return fmt.Errorf("put record %s %s[%d]: %w", r.File, r.Member, r.Seq, err)
		}
	}
	return nil
}

// DiscardVersion implements store.Store.
func (db *DB) DiscardVersion(ctx context.Context, versionID string) error {
	return db.tx(ctx, func(tx *sql.Tx) error {
		var one int
		err := tx.QueryRowContext(ctx, `SELECT 1 FROM versions WHERE id = $1 AND num IS NULL`, versionID).Scan(&one)
		if err == sql.ErrNoRows {
			return nil
		}
		if err != nil {
			return err
		}
		if err := deleteVersion(ctx, tx, versionID); err != nil {
			return fmt.Errorf("discard version: %w", err)
		}
		return nil
	})
}

// CopyRecords implements store.Store.
func (db *DB) CopyRecords(ctx context.Context, fromID, toID string, drop []store.RecordKey) error {
	return db.tx(ctx, func(tx *sql.Tx) error { return copyRecords(ctx, tx, fromID, toID, drop) })
}

func copyRecords(ctx context.Context, tx *sql.Tx, fromID, toID string, drop []store.RecordKey) error {
	if _, err := tx.ExecContext(ctx, `INSERT INTO records (vid, file, member, seq, account_id, kind, ident, ref_id, name, n, hash)
		SELECT $1, file, member, seq, account_id, kind, ident, ref_id, name, n, hash FROM records WHERE vid = $2`, toID, fromID); err != nil {
		return fmt.Errorf("copy records: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO links (vid, from_kind, from_ident, to_kind, to_ident)
		SELECT $1, from_kind, from_ident, to_kind, to_ident FROM links WHERE vid = $2`, toID, fromID); err != nil {
		return fmt.Errorf("copy links: %w", err)
	}
	for _, k := range drop {
		if _, err := tx.ExecContext(ctx, `DELETE FROM records WHERE vid = $1 AND kind = $2 AND ident = $3`, toID, k.Kind, k.Ident); err != nil {
			return fmt.Errorf("drop record: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM links WHERE vid = $1 AND from_kind = $2 AND from_ident = $3`, toID, k.Kind, k.Ident); err != nil {
			return fmt.Errorf("drop links: %w", err)
		}
	}
	return nil
}

// PutLinks implements store.Store.
func (db *DB) PutLinks(ctx context.Context, versionID string, links []store.Link) error {
	if len(links) == 0 {
		return nil
	}
	return db.tx(ctx, func(tx *sql.Tx) error { return putLinks(ctx, tx, versionID, links) })
}

func putLinks(ctx context.Context, tx *sql.Tx, versionID string, links []store.Link) error {
	st, err := tx.PrepareContext(ctx, `INSERT INTO links (vid, from_kind, from_ident, to_kind, to_ident) VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING`)
	if err != nil {
		return err
	}
	defer st.Close()
	for _, l := range links {
		if _, err := st.ExecContext(ctx, versionID, l.FromKind, l.FromIdent, l.ToKind, l.ToIdent); err != nil {
			return fmt.Errorf("put link: %w", err)
		}
	}
	return nil
}

// SetVersionLayout implements store.Store.
func (db *DB) SetVersionLayout(ctx context.Context, versionID string, layout []byte) error {
	_, err := db.W.ExecContext(ctx, `UPDATE versions SET layout = $2 WHERE id = $1 AND num IS NULL`, versionID, layout)
	return err
}
