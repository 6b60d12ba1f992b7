package sqlstore

import (
	"cmp"
	"context"
	"database/sql"
	"fmt"
	"slices"

	"github.com/botport/botport/internal/store"
)

// StageVersion implements store.Store.
func (db *DB) StageVersion(ctx context.Context, v *store.Version) error {
	_, err := db.W.ExecContext(ctx, `INSERT INTO versions (id, bot_id, account_id, import_id, layout, content_hash, created_on)
		VALUES ($1, $2, $3, $4, $5, '', $6)`, v.ID, v.BotID, v.AccountID, v.ImportID, bytesArg(v.Layout), ms(v.CreatedOn))
	if err != nil {
		return fmt.Errorf("stage version: %w", err)
	}
	return nil
}

// DiscardStaged implements store.Store.
func (db *DB) DiscardStaged(ctx context.Context, importID string) error {
	if importID == "" {
		return nil
	}
	return db.tx(ctx, func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, `SELECT id FROM versions WHERE import_id = $1 AND num IS NULL`, importID)
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
			for _, q := range []string{`DELETE FROM records WHERE vid = $1`, `DELETE FROM links WHERE vid = $1`, `DELETE FROM versions WHERE id = $1`} {
				if _, err := tx.ExecContext(ctx, q, id); err != nil {
					return fmt.Errorf("discard staged version: %w", err)
				}
			}
		}
		return nil
	})
}

// PutRecords implements store.Store. Bodies are content-addressed per
// account, so a body shared by many versions is stored once.
func (db *DB) PutRecords(ctx context.Context, accountID, versionID string, recs []store.Record) error {
	if len(recs) == 0 {
		return nil
	}
	return db.tx(ctx, func(tx *sql.Tx) error {
		body, err := tx.PrepareContext(ctx, `INSERT INTO bodies (account_id, hash, body) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING`)
		if err != nil {
			return err
		}
		defer body.Close()
		rec, err := tx.PrepareContext(ctx, `INSERT INTO records (vid, file, member, seq, account_id, kind, ident, ref_id, name, n, hash)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`)
		if err != nil {
			return err
		}
		defer rec.Close()
		for i := range recs {
			r := &recs[i]
			if _, err := body.ExecContext(ctx, accountID, r.Hash, bytesArg(r.Body)); err != nil {
				return fmt.Errorf("put body: %w", err)
			}
			if _, err := rec.ExecContext(ctx, versionID, r.File, r.Member, r.Seq, accountID, r.Kind, r.Ident, r.RefID, r.Name, r.Count, r.Hash); err != nil {
				return fmt.Errorf("put record %s %s[%d]: %w", r.File, r.Member, r.Seq, err)
			}
		}
		return nil
	})
}

// PutRecordRefs implements store.Store.
func (db *DB) PutRecordRefs(ctx context.Context, accountID, versionID string, recs []store.Record) error {
	if len(recs) == 0 {
		return nil
	}
	return db.tx(ctx, func(tx *sql.Tx) error {
		rec, err := tx.PrepareContext(ctx, `INSERT INTO records (vid, file, member, seq, account_id, kind, ident, ref_id, name, n, hash)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`)
		if err != nil {
			return err
		}
		defer rec.Close()
		for i := range recs {
			r := &recs[i]
			if _, err := rec.ExecContext(ctx, versionID, r.File, r.Member, r.Seq, accountID, r.Kind, r.Ident, r.RefID, r.Name, r.Count, r.Hash); err != nil {
				return fmt.Errorf("put record %s %s[%d]: %w", r.File, r.Member, r.Seq, err)
			}
		}
		return nil
	})
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
		for _, q := range []string{`DELETE FROM records WHERE vid = $1`, `DELETE FROM links WHERE vid = $1`, `DELETE FROM versions WHERE id = $1`} {
			if _, err := tx.ExecContext(ctx, q, versionID); err != nil {
				return fmt.Errorf("discard version: %w", err)
			}
		}
		return nil
	})
}

// CopyRecords implements store.Store.
func (db *DB) CopyRecords(ctx context.Context, fromID, toID string, drop []store.RecordKey) error {
	return db.tx(ctx, func(tx *sql.Tx) error {
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
	})
}

// PutLinks implements store.Store.
func (db *DB) PutLinks(ctx context.Context, versionID string, links []store.Link) error {
	if len(links) == 0 {
		return nil
	}
	return db.tx(ctx, func(tx *sql.Tx) error {
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
	})
}

// SetVersionLayout implements store.Store.
func (db *DB) SetVersionLayout(ctx context.Context, versionID string, layout []byte) error {
	_, err := db.W.ExecContext(ctx, `UPDATE versions SET layout = $2 WHERE id = $1 AND num IS NULL`, versionID, layout)
	return err
}

// CommitVersion implements store.Store.
func (db *DB) CommitVersion(ctx context.Context, c *store.Commit) error {
	return db.tx(ctx, func(tx *sql.Tx) error {
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
			var n int
			err := tx.QueryRowContext(ctx, `SELECT current_vid, version FROM bots WHERE id = $1 AND account_id = $2`, c.Bot.ID, c.Bot.AccountID).Scan(&cur, &n)
			if err != nil {
				return fmt.Errorf("bot %s: %w", c.Bot.ID, notFound(err))
			}
			if c.BaseVersionID != "" && cur != c.BaseVersionID {
				return store.ErrConflict
			}
			number = n + 1
			for _, kind := range c.CarryKinds {
				if err := carry(ctx, tx, cur, c.VersionID, kind); err != nil {
					return err
				}
			}
		}
		hash, err := contentHash(ctx, tx, c.VersionID, layout)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE versions SET num = $2, content_hash = $3, committed_on = $4 WHERE id = $1`,
			c.VersionID, number, hash, ms(c.At)); err != nil {
			if uniqueViolation(err) { // another commit took this number first
				return store.ErrConflict
			}
			return fmt.Errorf("commit version: %w", err)
		}
		b := c.Bot
		if c.NewBot {
			_, err = tx.ExecContext(ctx, `INSERT INTO bots (id, account_id, ref_id, name, purpose, type, default_language, description,
				icon, color, created_on, created_by, current_vid, version, updated_on)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)`,
				b.ID, b.AccountID, b.RefID, b.Name, b.Purpose, b.Type, b.DefaultLanguage, b.Description,
				b.Icon, b.Color, ms(c.At), b.CreatedBy, c.VersionID, number, ms(c.At))
		} else {
			// The name never changes; an empty icon keeps the current one.
			// The update holds only if the version read above is still
			// current: at read committed (PostgreSQL) a concurrent commit
			// may have moved it.
			var res sql.Result
			res, err = tx.ExecContext(ctx, `UPDATE bots SET purpose = $2, type = $3, default_language = $4, description = $5,
				icon = CASE WHEN $6 = '' THEN icon ELSE $6 END, color = $7, current_vid = $8, version = $9, updated_on = $10
				WHERE id = $1 AND current_vid = $11`,
				b.ID, b.Purpose, b.Type, b.DefaultLanguage, b.Description, b.Icon, b.Color, c.VersionID, number, ms(c.At), cur)
			if err == nil {
				if n, _ := res.RowsAffected(); n == 0 {
					return store.ErrConflict
				}
			}
		}
		if err != nil {
			if uniqueViolation(err) {
				return store.ErrConflict
			}
			return fmt.Errorf("write bot: %w", err)
		}
		b.VersionID, b.Version = c.VersionID, number
		if c.ImportID != "" {
			res, err := tx.ExecContext(ctx, `UPDATE imports SET status = 'success', doc = $2, finished_on = $3 WHERE id = $1 AND status = 'pending'`,
				c.ImportID, bytesArg(c.Doc), ms(c.At))
			if err != nil {
				return fmt.Errorf("finish import: %w", err)
			}
			if n, _ := res.RowsAffected(); n == 0 {
				return fmt.Errorf("finish import %s: %w", c.ImportID, store.ErrConflict)
			}
		}
		return nil
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
	if err != sql.ErrNoRows {
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

const botColumns = `id, account_id, ref_id, name, purpose, type, default_language, description, icon, color,
	created_on, created_by, current_vid, version, updated_on`

func scanBot(row interface{ Scan(...any) error }) (*store.Bot, error) {
	var b store.Bot
	var created, updated int64
	if err := row.Scan(&b.ID, &b.AccountID, &b.RefID, &b.Name, &b.Purpose, &b.Type, &b.DefaultLanguage, &b.Description,
		&b.Icon, &b.Color, &created, &b.CreatedBy, &b.VersionID, &b.Version, &updated); err != nil {
		return nil, notFound(err)
	}
	b.CreatedOn, b.UpdatedOn = fromMS(created), fromMS(updated)
	return &b, nil
}

// Bot implements store.Store.
func (db *DB) Bot(ctx context.Context, accountID, id string) (*store.Bot, error) {
	return scanBot(db.R.QueryRowContext(ctx, `SELECT `+botColumns+` FROM bots WHERE id = $1 AND account_id = $2`, id, accountID))
}

// Bots implements store.Store.
func (db *DB) Bots(ctx context.Context, accountID string, offset, limit int) ([]*store.Bot, int, error) {
	var total int
	if err := db.R.QueryRowContext(ctx, `SELECT count(*) FROM bots WHERE account_id = $1`, accountID).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("count bots: %w", err)
	}
	rows, err := db.R.QueryContext(ctx, `SELECT `+botColumns+` FROM bots WHERE account_id = $1 ORDER BY created_on, id LIMIT $2 OFFSET $3`,
		accountID, limit, offset)
	if err != nil {
		return nil, 0, fmt.Errorf("list bots: %w", err)
	}
	defer rows.Close()
	var bots []*store.Bot
	for rows.Next() {
		b, err := scanBot(rows)
		if err != nil {
			return nil, 0, err
		}
		bots = append(bots, b)
	}
	return bots, total, rows.Err()
}

const versionColumns = `id, bot_id, account_id, num, import_id, layout, content_hash, created_on, committed_on`

func scanVersion(row interface{ Scan(...any) error }) (*store.Version, error) {
	var v store.Version
	var num sql.NullInt64
	var importID sql.NullString
	var created int64
	var committed sql.NullInt64
	if err := row.Scan(&v.ID, &v.BotID, &v.AccountID, &num, &importID, &v.Layout, &v.ContentHash, &created, &committed); err != nil {
		return nil, notFound(err)
	}
	v.Number, v.ImportID = int(num.Int64), importID.String
	v.CreatedOn, v.CommittedOn = fromMS(created), fromMS(committed.Int64)
	return &v, nil
}

// Version implements store.Store.
func (db *DB) Version(ctx context.Context, accountID, versionID string) (*store.Version, error) {
	return scanVersion(db.R.QueryRowContext(ctx, `SELECT `+versionColumns+` FROM versions WHERE id = $1 AND account_id = $2`, versionID, accountID))
}

// Versions implements store.Store.
func (db *DB) Versions(ctx context.Context, accountID, botID string) ([]*store.Version, error) {
	rows, err := db.R.QueryContext(ctx, `SELECT `+versionColumns+` FROM versions WHERE bot_id = $1 AND account_id = $2 AND num IS NOT NULL ORDER BY num`, botID, accountID)
	if err != nil {
		return nil, fmt.Errorf("list versions: %w", err)
	}
	defer rows.Close()
	var out []*store.Version
	for rows.Next() {
		v, err := scanVersion(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

const recordPage = 256

// Records implements store.Store. It reads one page at a time so that no
// connection is held while fn runs (SQLite has a single writer connection).
func (db *DB) Records(ctx context.Context, accountID, versionID, file, member string, fn func(*store.Record) error) error {
	lastFile, lastMember, lastSeq := "", "", -1
	for {
		var rows *sql.Rows
		var err error
		if member == "*" {
			rows, err = db.R.QueryContext(ctx, `SELECT r.file, r.member, r.seq, r.kind, r.ident, r.ref_id, r.name, r.n, r.hash, b.body
				FROM records r JOIN bodies b ON b.account_id = r.account_id AND b.hash = r.hash
				WHERE r.vid = $1 AND r.account_id = $2 AND (r.file, r.member, r.seq) > ($3, $4, $5)
				ORDER BY r.file, r.member, r.seq LIMIT $6`, versionID, accountID, lastFile, lastMember, lastSeq, recordPage)
		} else {
			rows, err = db.R.QueryContext(ctx, `SELECT r.file, r.member, r.seq, r.kind, r.ident, r.ref_id, r.name, r.n, r.hash, b.body
				FROM records r JOIN bodies b ON b.account_id = r.account_id AND b.hash = r.hash
				WHERE r.vid = $1 AND r.account_id = $2 AND r.file = $3 AND r.member = $4 AND r.seq > $5
				ORDER BY r.seq LIMIT $6`, versionID, accountID, file, member, lastSeq, recordPage)
		}
		if err != nil {
			return fmt.Errorf("read records: %w", err)
		}
		page := make([]store.Record, 0, recordPage)
		for rows.Next() {
			var r store.Record
			if err := rows.Scan(&r.File, &r.Member, &r.Seq, &r.Kind, &r.Ident, &r.RefID, &r.Name, &r.Count, &r.Hash, &r.Body); err != nil {
				rows.Close()
				return err
			}
			page = append(page, r)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		for i := range page {
			if err := fn(&page[i]); err != nil {
				return err
			}
		}
		if len(page) < recordPage {
			return nil
		}
		last := page[len(page)-1]
		lastFile, lastMember, lastSeq = last.File, last.Member, last.Seq
	}
}

// RecordMeta implements store.Store.
func (db *DB) RecordMeta(ctx context.Context, accountID, versionID string) ([]store.Record, error) {
	rows, err := db.R.QueryContext(ctx, `SELECT file, member, seq, kind, ident, ref_id, name, n, hash FROM records
		WHERE vid = $1 AND account_id = $2`, versionID, accountID)
	if err != nil {
		return nil, fmt.Errorf("record meta: %w", err)
	}
	defer rows.Close()
	var recs []store.Record
	for rows.Next() {
		var r store.Record
		if err := rows.Scan(&r.File, &r.Member, &r.Seq, &r.Kind, &r.Ident, &r.RefID, &r.Name, &r.Count, &r.Hash); err != nil {
			return nil, err
		}
		recs = append(recs, r)
	}
	sortRecords(recs)
	return recs, rows.Err()
}

// Links implements store.Store.
func (db *DB) Links(ctx context.Context, versionID string) ([]store.Link, error) {
	rows, err := db.R.QueryContext(ctx, `SELECT from_kind, from_ident, to_kind, to_ident FROM links WHERE vid = $1`, versionID)
	if err != nil {
		return nil, fmt.Errorf("links: %w", err)
	}
	defer rows.Close()
	var out []store.Link
	for rows.Next() {
		var l store.Link
		if err := rows.Scan(&l.FromKind, &l.FromIdent, &l.ToKind, &l.ToIdent); err != nil {
			return nil, err
		}
		out = append(out, l)
	}
	slices.SortFunc(out, func(a, b store.Link) int {
		return cmp.Or(cmp.Compare(a.FromKind, b.FromKind), cmp.Compare(a.FromIdent, b.FromIdent),
			cmp.Compare(a.ToKind, b.ToKind), cmp.Compare(a.ToIdent, b.ToIdent))
	})
	return out, rows.Err()
}
