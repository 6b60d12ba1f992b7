package sqlstore

import (
	"cmp"
	"context"
	"database/sql"
	"fmt"
	"slices"

	"github.com/botport/botport/internal/store"
)

const botColumns = `id, account_id, ref_id, name, purpose, type, default_language, description, icon, color,
	created_on, created_by, current_vid, version, updated_on, published_vid, published_on`

func scanBot(row interface{ Scan(...any) error }) (*store.Bot, error) {
	var b store.Bot
	var created, updated, published int64
	if err := row.Scan(&b.ID, &b.AccountID, &b.RefID, &b.Name, &b.Purpose, &b.Type, &b.DefaultLanguage, &b.Description,
		&b.Icon, &b.Color, &created, &b.CreatedBy, &b.VersionID, &b.Version, &updated, &b.PublishedVersionID, &published); err != nil {
		return nil, notFound(err)
	}
	b.CreatedOn, b.UpdatedOn, b.PublishedOn = fromMS(created), fromMS(updated), fromMS(published)
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

const versionColumns = `id, bot_id, account_id, num, staged_kind, staged_id, layout, content_hash, created_on, committed_on`

func scanVersion(row interface{ Scan(...any) error }) (*store.Version, error) {
	var v store.Version
	var num sql.NullInt64
	var created int64
	var committed sql.NullInt64
	if err := row.Scan(&v.ID, &v.BotID, &v.AccountID, &num, &v.StagedBy.Kind, &v.StagedBy.ID, &v.Layout, &v.ContentHash, &created, &committed); err != nil {
		return nil, notFound(err)
	}
	v.Number = int(num.Int64)
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

// VersionSize implements store.Store. Both engines read a body's length
// without its bytes (SQLite's length() of a blob column, PostgreSQL's of a
// bytea from its header).
func (db *DB) VersionSize(ctx context.Context, accountID, versionID string) (int64, error) {
	var n int64
	err := db.R.QueryRowContext(ctx, `SELECT COALESCE(sum(length(b.body)), 0) FROM records r
		JOIN bodies b ON b.account_id = r.account_id AND b.hash = r.hash WHERE r.vid = $1 AND r.account_id = $2`, versionID, accountID).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("version size: %w", err)
	}
	return n, nil
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
