package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/botport/botport/internal/kore"
	"github.com/botport/botport/internal/store"
)

// EnsureAccount implements store.Store.
func (db *DB) EnsureAccount(ctx context.Context, name string) (*store.Account, error) {
	a := &store.Account{ID: kore.NewHexID(), Name: name, CreatedOn: time.Now().UTC()}
	_, err := db.W.ExecContext(ctx,
		`INSERT INTO accounts (id, name, created_on) VALUES ($1, $2, $3) ON CONFLICT (name) DO NOTHING`,
		a.ID, a.Name, ms(a.CreatedOn))
	if err != nil {
		return nil, fmt.Errorf("ensure account %q: %w", name, err)
	}
	return db.accountBy(ctx, db.W, `name = $1`, name)
}

// Account implements store.Store.
func (db *DB) Account(ctx context.Context, idOrName string) (*store.Account, error) {
	a, err := db.accountBy(ctx, db.R, `id = $1`, idOrName)
	if errors.Is(err, store.ErrNotFound) {
		return db.accountBy(ctx, db.R, `name = $1`, idOrName)
	}
	return a, err
}

func (db *DB) accountBy(ctx context.Context, q *sql.DB, where string, arg any) (*store.Account, error) {
	var a store.Account
	var created int64
	err := q.QueryRowContext(ctx, `SELECT id, name, created_on FROM accounts WHERE `+where, arg).
		Scan(&a.ID, &a.Name, &created)
	if err != nil {
		return nil, notFound(err)
	}
	a.CreatedOn = fromMS(created)
	return &a, nil
}

const appColumns = `id, account_id, name, secret, algorithm, scopes, user_id, disabled, enforce_jti, created_on, admin`

// scanApp reads an app row, opening its sealed secret.
func (db *DB) scanApp(row interface{ Scan(...any) error }) (*store.App, error) {
	var a store.App
	var scopes string
	var secret []byte
	var created int64
	if err := row.Scan(&a.ID, &a.AccountID, &a.Name, &secret, &a.Algorithm, &scopes, &a.UserID,
		&a.Disabled, &a.EnforceJTI, &created, &a.Admin); err != nil {
		return nil, notFound(err)
	}
	plain, err := db.open(secret, appSecretPlace(a.ID))
	if err != nil {
		return nil, fmt.Errorf("app %s secret: %w", a.ID, err)
	}
	a.Secret = string(plain)
	a.Scopes = strings.Fields(scopes)
	a.CreatedOn = fromMS(created)
	return &a, nil
}

// bumpApps moves the apps generation, in the transaction that changes apps.
const bumpApps = `INSERT INTO generations (name, n) VALUES ('apps', 1) ON CONFLICT (name) DO UPDATE SET n = generations.n + 1`

// CreateApp implements store.Store.
func (db *DB) CreateApp(ctx context.Context, a *store.App) error {
	secret, err := db.seal([]byte(a.Secret), appSecretPlace(a.ID))
	if err != nil {
		return fmt.Errorf("create app: %w", err)
	}
	return db.tx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO apps (`+appColumns+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
			a.ID, a.AccountID, a.Name, string(secret), a.Algorithm, strings.Join(a.Scopes, " "), a.UserID,
			a.Disabled, a.EnforceJTI, ms(a.CreatedOn), a.Admin)
		if err == nil {
			_, err = tx.ExecContext(ctx, bumpApps)
		}
		if err != nil {
			return fmt.Errorf("create app: %w", err)
		}
		return nil
	})
}

// AppsGeneration implements store.Store.
func (db *DB) AppsGeneration(ctx context.Context) (int64, error) {
	var n int64
	err := db.R.QueryRowContext(ctx, `SELECT n FROM generations WHERE name = 'apps'`).Scan(&n)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	return n, err
}

// App implements store.Store.
func (db *DB) App(ctx context.Context, id string) (*store.App, error) {
	return db.scanApp(db.R.QueryRowContext(ctx, `SELECT `+appColumns+` FROM apps WHERE id = $1`, id))
}

// Apps implements store.Store.
func (db *DB) Apps(ctx context.Context, accountID string) ([]*store.App, error) {
	rows, err := db.R.QueryContext(ctx, `SELECT `+appColumns+` FROM apps WHERE account_id = $1 ORDER BY created_on, id`, accountID)
	if err != nil {
		return nil, fmt.Errorf("list apps: %w", err)
	}
	defer rows.Close()
	var apps []*store.App
	for rows.Next() {
		a, err := db.scanApp(rows)
		if err != nil {
			return nil, err
		}
		apps = append(apps, a)
	}
	return apps, rows.Err()
}

// UpdateApp implements store.Store: name, secret, algorithm, scopes and flags.
func (db *DB) UpdateApp(ctx context.Context, a *store.App) error {
	secret, err := db.seal([]byte(a.Secret), appSecretPlace(a.ID))
	if err != nil {
		return fmt.Errorf("update app: %w", err)
	}
	return db.tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE apps SET name = $2, secret = $3, algorithm = $4, scopes = $5, disabled = $6, enforce_jti = $7, admin = $8 WHERE id = $1`,
			a.ID, a.Name, string(secret), a.Algorithm, strings.Join(a.Scopes, " "), a.Disabled, a.EnforceJTI, a.Admin)
		if err != nil {
			return fmt.Errorf("update app: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return store.ErrNotFound
		}
		if _, err := tx.ExecContext(ctx, bumpApps); err != nil {
			return fmt.Errorf("update app: %w", err)
		}
		return nil
	})
}

// CountApps implements store.Store.
func (db *DB) CountApps(ctx context.Context) (int, error) {
	var n int
	err := db.R.QueryRowContext(ctx, `SELECT count(*) FROM apps`).Scan(&n)
	return n, err
}

// Setting implements store.Store. Settings hold secrets (signing keys):
// they are sealed at rest.
func (db *DB) Setting(ctx context.Context, key string) ([]byte, error) {
	var v []byte
	if err := db.R.QueryRowContext(ctx, `SELECT value FROM settings WHERE key = $1`, key).Scan(&v); err != nil {
		return nil, notFound(err)
	}
	return db.openSetting(key, v)
}

// PutSettingIfAbsent implements store.Store: the first value written wins and
// is returned, so replicas racing to create a key agree on it.
func (db *DB) PutSettingIfAbsent(ctx context.Context, key string, value []byte) ([]byte, error) {
	sealed, err := db.seal(value, settingPlace(key))
	if err != nil {
		return nil, fmt.Errorf("put setting: %w", err)
	}
	if _, err := db.W.ExecContext(ctx, `INSERT INTO settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING`, key, bytesArg(sealed)); err != nil {
		return nil, fmt.Errorf("put setting: %w", err)
	}
	var v []byte
	if err := db.W.QueryRowContext(ctx, `SELECT value FROM settings WHERE key = $1`, key).Scan(&v); err != nil {
		return nil, notFound(err)
	}
	return db.openSetting(key, v)
}

func (db *DB) openSetting(key string, stored []byte) ([]byte, error) {
	v, err := db.open(stored, settingPlace(key))
	if err != nil {
		return nil, fmt.Errorf("setting %s: %w", key, err)
	}
	return v, nil
}
