package sqlite_test

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/botport/botport/internal/keyring"
	"github.com/botport/botport/internal/kore"
	"github.com/botport/botport/internal/store"
	"github.com/botport/botport/internal/store/sqlite"
	"github.com/botport/botport/internal/store/sqlstore"
	"github.com/botport/botport/internal/store/storetest"
)

// testKeys seal the conformance suite's secrets.
var testKeys, _ = keyring.New(bytes.Repeat([]byte{7}, keyring.KeySize))

// TestConformance runs the store conformance suite against a new SQLite
// file for every test.
func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store {
		db, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), sqlite.FileName))
		if err != nil {
			t.Fatalf("open sqlite store: %v", err)
		}
		db.Keys = testKeys
		t.Cleanup(func() {
			if err := db.Close(); err != nil {
				t.Errorf("close sqlite store: %v", err)
			}
		})
		return db
	})
}

// files returns the bytes of the database file and its WAL.
func files(t *testing.T, path string) []byte {
	t.Helper()
	var all []byte
	for _, p := range []string{path, path + "-wal"} {
		b, err := os.ReadFile(p)
		if err != nil && !os.IsNotExist(err) {
			t.Fatal(err)
		}
		all = append(all, b...)
	}
	return all
}

func newApp(accountID string) *store.App {
	return &store.App{ID: kore.NewAppID(), AccountID: accountID, Name: "a", Secret: "s3cret-" + kore.NewHexID() + kore.NewHexID(),
		Algorithm: "HS256", UserID: kore.NewUserID(), CreatedOn: time.Now()}
}

// TestSecretsSealedAtRest: with keys, neither the database file nor its WAL
// holds a client secret or the signing key in clear, and the app reads back
// whole.
func TestSecretsSealedAtRest(t *testing.T) {
	ctx := t.Context()
	path := filepath.Join(t.TempDir(), sqlite.FileName)
	db, err := sqlite.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	db.Keys = testKeys
	acct, err := db.EnsureAccount(ctx, "a")
	if err != nil {
		t.Fatal(err)
	}
	app := newApp(acct.ID)
	if err := db.CreateApp(ctx, app); err != nil {
		t.Fatal(err)
	}
	signing := []byte("signing-key-" + kore.NewHexID())
	if _, err := db.PutSettingIfAbsent(ctx, "k", signing); err != nil {
		t.Fatal(err)
	}
	got, err := db.App(ctx, app.ID)
	if err != nil || got.Secret != app.Secret {
		t.Fatalf("App = %+v, %v; want secret %q", got, err, app.Secret)
	}
	var raw string
	if err := db.W.QueryRowContext(ctx, `SELECT secret FROM apps WHERE id = $1`, app.ID).Scan(&raw); err != nil {
		t.Fatal(err)
	}
	if !keyring.IsSealed([]byte(raw)) {
		t.Errorf("stored secret %q is not sealed", raw)
	}
	all := files(t, path)
	if bytes.Contains(all, []byte(app.Secret)) || bytes.Contains(all, signing) {
		t.Error("the database or its WAL holds a secret in clear")
	}
}

// TestLegacySecretsSealed: a database written before secrets were sealed
// (a store without keys) is sealed by ResealSecrets, and after it neither
// the file nor the WAL holds the old plaintext.
func TestLegacySecretsSealed(t *testing.T) {
	ctx := t.Context()
	path := filepath.Join(t.TempDir(), sqlite.FileName)
	db, err := sqlite.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	acct, err := db.EnsureAccount(ctx, "a")
	if err != nil {
		t.Fatal(err)
	}
	app := newApp(acct.ID)
	if err := db.CreateApp(ctx, app); err != nil {
		t.Fatal(err)
	}
	if _, err := db.W.ExecContext(ctx, `PRAGMA wal_checkpoint(TRUNCATE)`); err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(files(t, path), []byte(app.Secret)) {
		t.Fatal("the legacy store does not hold the secret in clear: the test proves nothing")
	}
	db.Close()

	db, err = sqlite.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	db.Keys = testKeys
	n, err := db.ResealSecrets(ctx, false)
	if err != nil || n != 1 {
		t.Fatalf("ResealSecrets = %d, %v; want 1", n, err)
	}
	if _, err := db.W.ExecContext(ctx, `PRAGMA wal_checkpoint(TRUNCATE)`); err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(files(t, path), []byte(app.Secret)) {
		t.Error("after sealing, the database still holds the old secret in clear")
	}
	got, err := db.App(ctx, app.ID)
	if err != nil || got.Secret != app.Secret {
		t.Fatalf("App after sealing = %+v, %v", got, err)
	}

	// Another key cannot open what this one sealed, and says so.
	other, _ := keyring.New(bytes.Repeat([]byte{9}, keyring.KeySize))
	db.Keys = other
	if _, err := db.ResealSecrets(ctx, false); !errors.Is(err, keyring.ErrUnknownKey) {
		t.Errorf("ResealSecrets with another key: %v, want ErrUnknownKey", err)
	}
	if _, err := db.App(ctx, app.ID); !errors.Is(err, keyring.ErrUnknownKey) {
		t.Errorf("App with another key: %v, want ErrUnknownKey", err)
	}
	db.Keys = nil
	if _, err := db.App(ctx, app.ID); !errors.Is(err, sqlstore.ErrNoKeys) {
		t.Errorf("App without keys: %v, want ErrNoKeys", err)
	}
}

// TestFileModes: the database, its WAL and SHM are private to the user
// whatever the umask.
func TestFileModes(t *testing.T) {
	path := filepath.Join(t.TempDir(), sqlite.FileName)
	db, err := sqlite.Open(t.Context(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.EnsureAccount(t.Context(), "a"); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{path, path + "-wal", path + "-shm"} {
		fi, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode().Perm()&0o077 != 0 {
			t.Errorf("%s has mode %v, want no group or other bits", filepath.Base(p), fi.Mode().Perm())
		}
	}
}

// TestRotation: with the new key first and the old one second, a full
// reseal rewrites every value, after which the new key alone opens them.
func TestRotation(t *testing.T) {
	ctx := t.Context()
	db, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), sqlite.FileName))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	db.Keys = testKeys
	acct, err := db.EnsureAccount(ctx, "a")
	if err != nil {
		t.Fatal(err)
	}
	app := newApp(acct.ID)
	if err := db.CreateApp(ctx, app); err != nil {
		t.Fatal(err)
	}
	if _, err := db.PutSettingIfAbsent(ctx, "k", []byte("v")); err != nil {
		t.Fatal(err)
	}
	hook := &store.Webhook{ID: "wh-1", AccountID: acct.ID, URL: "https://example.com/", Events: store.EventTypes, Secret: "whsec_x"}
	if err := db.CreateWebhook(ctx, hook, 0); err != nil {
		t.Fatal(err)
	}
	newKey := bytes.Repeat([]byte{8}, keyring.KeySize)
	both, _ := keyring.New(newKey, bytes.Repeat([]byte{7}, keyring.KeySize))
	db.Keys = both
	if n, err := db.ResealSecrets(ctx, false); err != nil || n != 0 {
		t.Fatalf("ResealSecrets(false) = %d, %v; want 0: only a rotation reseals sealed values", n, err)
	}
	if n, err := db.ResealSecrets(ctx, true); err != nil || n != 3 {
		t.Fatalf("ResealSecrets(true) = %d, %v; want 3 (an app's, a webhook's and a setting's)", n, err)
	}
	db.Keys, _ = keyring.New(newKey)
	// ResealSecrets opens every sealed value: with the new key alone, it
	// fails unless all of them were sealed with it.
	if n, err := db.ResealSecrets(ctx, true); err != nil || n != 0 {
		t.Fatalf("ResealSecrets with the new key alone = %d, %v; want 0, nil", n, err)
	}
	got, err := db.App(ctx, app.ID)
	if err != nil || got.Secret != app.Secret {
		t.Fatalf("App with the new key alone = %+v, %v", got, err)
	}
	if v, err := db.Setting(ctx, "k"); err != nil || string(v) != "v" {
		t.Fatalf("Setting with the new key alone = %q, %v", v, err)
	}
}
