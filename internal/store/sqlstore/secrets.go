package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/botport/botport/internal/keyring"
)

// ErrNoKeys is the answer for a sealed value read by a store that was given
// no keys: the secret exists but this process cannot open it.
var ErrNoKeys = errors.New("store: the value is sealed and this store has no keys")

// Places a sealed value is bound to (GCM additional data): a value copied
// into another row does not open there.
func appSecretPlace(appID string) string { return "apps.secret:" + appID }
func settingPlace(key string) string     { return "settings.value:" + key }

// seal returns what is stored for a secret: sealed with the store's keys,
// or the value itself when the store has none (stores opened by tests; every
// botport command gives the store its keys before touching a secret).
func (db *DB) seal(plain []byte, place string) ([]byte, error) {
	if db.Keys == nil {
		return plain, nil
	}
	return db.Keys.Seal(plain, place)
}

// open returns the secret a stored value holds. A value written before
// values were sealed is returned as is (ResealSecrets seals it at start).
func (db *DB) open(stored []byte, place string) ([]byte, error) {
	if !keyring.IsSealed(stored) {
		return stored, nil
	}
	if db.Keys == nil {
		return nil, ErrNoKeys
	}
	return db.Keys.Open(stored, place)
}

// ResealSecrets implements store.Store: it seals every secret stored in
// clear and, when all is set, seals again with the first key every value
// sealed with another. It opens every sealed value on the way, so a
// process given the wrong key learns it here, at start, rather than on a
// client's request. One transaction: a crash leaves every value as it was,
// or every value resealed.
func (db *DB) ResealSecrets(ctx context.Context, all bool) (int, error) {
	if db.Keys == nil {
		return 0, ErrNoKeys
	}
	n := 0
	err := db.tx(ctx, func(tx *sql.Tx) error {
		n = 0
		apps, err := readPairs(ctx, tx, `SELECT id, secret FROM apps`)
		if err != nil {
			return fmt.Errorf("read app secrets: %w", err)
		}
		for _, a := range apps {
			next, changed, err := db.reseal(a.value, appSecretPlace(a.key), all)
			if err != nil {
				return fmt.Errorf("app %s: %w", a.key, err)
			}
			if changed {
				if _, err := tx.ExecContext(ctx, `UPDATE apps SET secret = $2 WHERE id = $1`, a.key, string(next)); err != nil {
					return fmt.Errorf("reseal app %s: %w", a.key, err)
				}
				n++
			}
		}
		hooks, err := readPairs(ctx, tx, `SELECT id, secret FROM webhooks`)
		if err != nil {
			return fmt.Errorf("read webhook secrets: %w", err)
		}
		for _, h := range hooks {
			next, changed, err := db.reseal(h.value, webhookSecretPlace(h.key), all)
			if err != nil {
				return fmt.Errorf("webhook %s: %w", h.key, err)
			}
			if changed {
				if _, err := tx.ExecContext(ctx, `UPDATE webhooks SET secret = $2 WHERE id = $1`, h.key, next); err != nil {
					return fmt.Errorf("reseal webhook %s: %w", h.key, err)
				}
				n++
			}
		}
		settings, err := readPairs(ctx, tx, `SELECT key, value FROM settings`)
		if err != nil {
			return fmt.Errorf("read settings: %w", err)
		}
		for _, s := range settings {
			next, changed, err := db.reseal(s.value, settingPlace(s.key), all)
			if err != nil {
				return fmt.Errorf("setting %s: %w", s.key, err)
			}
			if changed {
				if _, err := tx.ExecContext(ctx, `UPDATE settings SET value = $2 WHERE key = $1`, s.key, next); err != nil {
					return fmt.Errorf("reseal setting %s: %w", s.key, err)
				}
				n++
			}
		}
		return nil
	})
	return n, err
}

// reseal decides what one stored value becomes.
func (db *DB) reseal(stored []byte, place string, all bool) ([]byte, bool, error) {
	plain, err := db.open(stored, place)
	if err != nil {
		return nil, false, err
	}
	if keyring.IsSealed(stored) && (!all || db.Keys.Current(stored)) {
		return stored, false, nil
	}
	next, err := db.Keys.Seal(plain, place)
	return next, err == nil, err
}

type pair struct {
	key   string
	value []byte
}

func readPairs(ctx context.Context, tx *sql.Tx, query string) ([]pair, error) {
	rows, err := tx.QueryContext(ctx, query)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []pair
	for rows.Next() {
		var p pair
		if err := rows.Scan(&p.key, &p.value); err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, rows.Err()
}
