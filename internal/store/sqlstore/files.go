package sqlstore

import (
	"context"
	"fmt"
	"time"

	"github.com/botport/botport/internal/store"
)

const fileColumns = `id, account_id, blob_key, name, context, extension, size, sha1, created_on, expires_on`

func scanFile(row interface{ Scan(...any) error }) (*store.File, error) {
	var f store.File
	var created, expires int64
	if err := row.Scan(&f.ID, &f.AccountID, &f.BlobKey, &f.Name, &f.Context, &f.Extension, &f.Size, &f.SHA1, &created, &expires); err != nil {
		return nil, notFound(err)
	}
	f.CreatedOn, f.ExpiresOn = fromMS(created), fromMS(expires)
	return &f, nil
}

// CreateFile implements store.Store.
func (db *DB) CreateFile(ctx context.Context, f *store.File) error {
	_, err := db.W.ExecContext(ctx, `INSERT INTO files (`+fileColumns+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
		f.ID, f.AccountID, f.BlobKey, f.Name, f.Context, f.Extension, f.Size, f.SHA1, ms(f.CreatedOn), ms(f.ExpiresOn))
	if err != nil {
		return fmt.Errorf("create file: %w", err)
	}
	return nil
}

// File implements store.Store. Expiry is the caller's decision.
func (db *DB) File(ctx context.Context, accountID, id string) (*store.File, error) {
	return scanFile(db.R.QueryRowContext(ctx, `SELECT `+fileColumns+` FROM files WHERE id = $1 AND account_id = $2`, id, accountID))
}

// ExpiredFiles implements store.Store.
func (db *DB) ExpiredFiles(ctx context.Context, now time.Time, limit int) ([]*store.File, error) {
	rows, err := db.R.QueryContext(ctx, `SELECT `+fileColumns+` FROM files f WHERE expires_on < $1
		AND NOT EXISTS (SELECT 1 FROM import_files x JOIN imports i ON i.id = x.import_id
		                WHERE x.file_id = f.id AND i.status = 'pending')
		ORDER BY expires_on LIMIT $2`, ms(now), limit)
	if err != nil {
		return nil, fmt.Errorf("expired files: %w", err)
	}
	defer rows.Close()
	var out []*store.File
	for rows.Next() {
		f, err := scanFile(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, f)
	}
	return out, rows.Err()
}

// DeleteFile implements store.Store.
func (db *DB) DeleteFile(ctx context.Context, id string) error {
	_, err := db.W.ExecContext(ctx, `DELETE FROM files WHERE id = $1`, id)
	return err
}
