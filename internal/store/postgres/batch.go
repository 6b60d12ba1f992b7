package postgres

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/botport/botport/internal/store"
)

// PostgreSQL takes a batch of staged rows in one statement per table, the
// columns as arrays (unnest): row by row, a batch of 500 records would be
// 1,000 round trips to the server. SQLite, in process, gains nothing from
// it and keeps sqlstore's prepared statements.

// PutRecords implements store.Store.
func (db *DB) PutRecords(ctx context.Context, accountID, versionID string, recs []store.Record) error {
	if len(recs) == 0 {
		return nil
	}
	hashes, bodies := make([][]byte, len(recs)), make([][]byte, len(recs))
	for i := range recs {
		hashes[i], bodies[i] = recs[i].Hash, recs[i].Body
		if bodies[i] == nil {
			bodies[i] = []byte{} // NOT NULL: an empty body is a body
		}
	}
	return db.inTx(ctx, func(tx *sql.Tx) error {
		// In hash order: two transactions inserting the same new bodies
		// then wait on each other in one order, never in a circle.
		if _, err := tx.ExecContext(ctx, `INSERT INTO bodies (account_id, hash, body)
			SELECT $1, h, b FROM unnest($2::bytea[], $3::bytea[]) AS t(h, b) ORDER BY h
			ON CONFLICT DO NOTHING`, accountID, hashes, bodies); err != nil {
			return fmt.Errorf("put bodies: %w", err)
		}
		return putRecordRows(ctx, tx, accountID, versionID, recs)
	})
}

// PutRecordRefs implements store.Store.
func (db *DB) PutRecordRefs(ctx context.Context, accountID, versionID string, recs []store.Record) error {
	if len(recs) == 0 {
		return nil
	}
	return db.inTx(ctx, func(tx *sql.Tx) error { return putRecordRows(ctx, tx, accountID, versionID, recs) })
}

func putRecordRows(ctx context.Context, tx *sql.Tx, accountID, versionID string, recs []store.Record) error {
	n := len(recs)
	files, members, kinds, idents, refs, names := make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n)
	seqs, counts := make([]int64, n), make([]int64, n)
	hashes := make([][]byte, n)
	for i := range recs {
		r := &recs[i]
		files[i], members[i], kinds[i], idents[i], refs[i], names[i] = r.File, r.Member, r.Kind, r.Ident, r.RefID, r.Name
		seqs[i], counts[i], hashes[i] = int64(r.Seq), int64(r.Count), r.Hash
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO records (vid, file, member, seq, account_id, kind, ident, ref_id, name, n, hash)
		SELECT $1, f, m, s, $2, k, i, r, nm, c, h
		FROM unnest($3::text[], $4::text[], $5::int8[], $6::text[], $7::text[], $8::text[], $9::text[], $10::int8[], $11::bytea[])
			AS t(f, m, s, k, i, r, nm, c, h)`,
		versionID, accountID, files, members, seqs, kinds, idents, refs, names, counts, hashes); err != nil {
		return fmt.Errorf("put records: %w", err)
	}
	return nil
}

// PutLinks implements store.Store.
func (db *DB) PutLinks(ctx context.Context, versionID string, links []store.Link) error {
	if len(links) == 0 {
		return nil
	}
	n := len(links)
	fk, fi, tk, ti := make([]string, n), make([]string, n), make([]string, n), make([]string, n)
	for i, l := range links {
		fk[i], fi[i], tk[i], ti[i] = l.FromKind, l.FromIdent, l.ToKind, l.ToIdent
	}
	if _, err := db.W.ExecContext(ctx, `INSERT INTO links (vid, from_kind, from_ident, to_kind, to_ident)
		SELECT $1, a, b, c, d FROM unnest($2::text[], $3::text[], $4::text[], $5::text[]) AS t(a, b, c, d)
		ON CONFLICT DO NOTHING`, versionID, fk, fi, tk, ti); err != nil {
		return fmt.Errorf("put links: %w", err)
	}
	return nil
}

func (db *DB) inTx(ctx context.Context, fn func(*sql.Tx) error) error {
	tx, err := db.W.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	if err := fn(tx); err != nil {
		_ = tx.Rollback()
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}
