package postgres_test

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/botport/botport/internal/keyring"
	"github.com/botport/botport/internal/kore"
	"github.com/botport/botport/internal/store"
	"github.com/botport/botport/internal/store/postgres"
	"github.com/botport/botport/internal/store/postgres/pgtest"
	"github.com/botport/botport/internal/store/storetest"
)

// testKeys seal the conformance suite's secrets.
var testKeys, _ = keyring.New(bytes.Repeat([]byte{7}, keyring.KeySize))

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store {
		db, err := postgres.Open(t.Context(), pgtest.URL(t))
		if err != nil {
			t.Fatal(err)
		}
		db.Keys = testKeys
		t.Cleanup(func() { db.Close() })
		return db
	})
}

// TestSecretsSealedAtRest: the apps table and the settings table hold no
// secret in clear.
func TestSecretsSealedAtRest(t *testing.T) {
	ctx := t.Context()
	db, err := postgres.Open(ctx, pgtest.URL(t))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	db.Keys = testKeys
	acct, err := db.EnsureAccount(ctx, "a")
	if err != nil {
		t.Fatal(err)
	}
	app := &store.App{ID: kore.NewAppID(), AccountID: acct.ID, Name: "a", Secret: "s3cret-" + kore.NewHexID(),
		Algorithm: "HS256", UserID: kore.NewUserID(), CreatedOn: time.Now()}
	if err := db.CreateApp(ctx, app); err != nil {
		t.Fatal(err)
	}
	if _, err := db.PutSettingIfAbsent(ctx, "k", []byte("signing-"+app.Secret)); err != nil {
		t.Fatal(err)
	}
	var secret string
	var value []byte
	if err := db.W.QueryRowContext(ctx, `SELECT secret FROM apps WHERE id = $1`, app.ID).Scan(&secret); err != nil {
		t.Fatal(err)
	}
	if err := db.W.QueryRowContext(ctx, `SELECT value FROM settings WHERE key = 'k'`).Scan(&value); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(secret, app.Secret) || !keyring.IsSealed([]byte(secret)) {
		t.Errorf("apps.secret = %q: not sealed", secret)
	}
	if bytes.Contains(value, []byte(app.Secret)) || !keyring.IsSealed(value) {
		t.Errorf("settings.value = %q: not sealed", value)
	}
	got, err := db.App(ctx, app.ID)
	if err != nil || got.Secret != app.Secret {
		t.Fatalf("App = %+v, %v", got, err)
	}
}

// TestConcurrentOpen: replicas starting together migrate once.
func TestConcurrentOpen(t *testing.T) {
	u := pgtest.URL(t)
	errs := make(chan error, 4)
	for range 4 {
		go func() {
			db, err := postgres.Open(context.Background(), u)
			if err == nil {
				db.Close()
			}
			errs <- err
		}()
	}
	for range 4 {
		if err := <-errs; err != nil {
			t.Error(fmt.Errorf("concurrent open: %w", err))
		}
	}
}
