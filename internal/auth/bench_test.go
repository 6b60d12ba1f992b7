package auth_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/botport/botport/internal/auth"
	"github.com/botport/botport/internal/kore"
	"github.com/botport/botport/internal/store"
	"github.com/botport/botport/internal/store/sqlite"
)

// BenchmarkVerify measures token verification against a real SQLite store
// behind the app cache, as the server runs it:
//
//   - first: a token this verifier has not seen (decode, HMAC-SHA256, exact
//     time claims, then the token cache's insert);
//
//   - again: the same token once more (the status-polling case: hash,
//     cache hit, app check, time claims).
//
//     go test ./internal/auth -run '^$' -bench Verify -count 6 | benchstat -
func BenchmarkVerify(b *testing.B) {
	ctx := context.Background()
	db, err := sqlite.Open(ctx, filepath.Join(b.TempDir(), "botport.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	acct, err := db.EnsureAccount(ctx, "bench")
	if err != nil {
		b.Fatal(err)
	}
	app := &store.App{ID: kore.NewAppID(), AccountID: acct.ID, Name: "bench", Secret: auth.NewSecret(), Algorithm: "HS256",
		Scopes: []string{"bot_import"}, UserID: kore.NewUserID(), CreatedOn: time.Now()}
	if err := db.CreateApp(ctx, app); err != nil {
		b.Fatal(err)
	}
	apps := &auth.AppCache{Store: db}
	token, err := auth.Sign(app, "bench", time.Now(), time.Hour)
	if err != nil {
		b.Fatal(err)
	}
	check := func(got *store.App, err error) {
		if err != nil || got.ID != app.ID {
			b.Fatalf("verify: %v", err)
		}
	}
	b.Run("first", func(b *testing.B) {
		for b.Loop() {
			v := &auth.Verifier{Apps: apps, Leeway: time.Minute}
			check(v.Verify(ctx, token))
		}
	})
	b.Run("again", func(b *testing.B) {
		v := &auth.Verifier{Apps: apps, Leeway: time.Minute}
		check(v.Verify(ctx, token))
		for b.Loop() {
			check(v.Verify(ctx, token))
		}
	})
}
