package auth_test

import (
	"context"
	"errors"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/botport/botport/internal/auth"
	"github.com/botport/botport/internal/kore"
	"github.com/botport/botport/internal/store"
	"github.com/botport/botport/internal/store/sqlite"
	"github.com/botport/botport/internal/store/sqlstore"
)

// openAdmin is an AppAdmin over a real SQLite store with a fixed clock.
func openAdmin(t *testing.T) (*auth.AppAdmin, *sqlstore.DB) {
	t.Helper()
	st, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "botport.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	at := time.Date(2026, 12, 2, 8, 0, 0, 0, time.FixedZone("CET", 3600))
	return &auth.AppAdmin{Store: st, Now: func() time.Time { return at }}, st
}

func countAccounts(t *testing.T, st *sqlstore.DB) int {
	t.Helper()
	var n int
	if err := st.W.QueryRowContext(context.Background(), `SELECT count(*) FROM accounts`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestAppAdminCreate(t *testing.T) {
	admin, st := openAdmin(t)
	ctx := context.Background()
	app, acct, err := admin.Create(ctx, "team", "  deploy ", "HS512", []string{auth.ScopeImport, "bot_publish"})
	if err != nil {
		t.Fatal(err)
	}
	if acct.Name != "team" || app.AccountID != acct.ID || app.Name != "deploy" || app.Algorithm != "HS512" ||
		!kore.IsAppID(app.ID) || !kore.HasUUID(app.UserID, kore.PrefixUser) || len(app.Secret) < 40 ||
		len(app.Scopes) != 2 || app.Scopes[1] != "bot_publish" || app.Disabled {
		t.Errorf("app %+v in %+v", app, acct)
	}
	if want := time.Date(2026, 12, 2, 7, 0, 0, 0, time.UTC); !app.CreatedOn.Equal(want) || app.CreatedOn.Location() != time.UTC {
		t.Errorf("created %v, want %v in UTC", app.CreatedOn, want)
	}
	stored, err := admin.App(ctx, app.ID)
	if err != nil || stored.Secret != app.Secret {
		t.Fatalf("stored app %+v: %v", stored, err)
	}

	// The account by name again, then by its id: no new account.
	_, again, err := admin.Create(ctx, "team", "ci", "HS256", nil)
	if err != nil || again.ID != acct.ID {
		t.Fatalf("same name: %+v %v", again, err)
	}
	_, byID, err := admin.Create(ctx, acct.ID, "ops", "HS256", nil)
	if err != nil || byID.ID != acct.ID {
		t.Fatalf("by id: %+v %v", byID, err)
	}
	// 24 hex that names no account is a new account's name.
	hex := kore.NewHexID()
	_, other, err := admin.Create(ctx, hex, "x", "HS256", nil)
	if err != nil || other.ID == acct.ID || other.Name != hex {
		t.Fatalf("unknown hex: %+v %v", other, err)
	}
	if n := countAccounts(t, st); n != 2 {
		t.Errorf("%d accounts, want 2", n)
	}

	for name, c := range map[string][2]string{"blank name": {" ", "HS256"}, "RS256": {"x", "RS256"}, "none": {"x", "none"}} {
		if _, _, err := admin.Create(ctx, "team", c[0], c[1], nil); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

// TestAppAdminCreateLookupFault: a database error while looking an account
// id up is returned; it never creates an account named after the id (the
// reads fail here because the reader pool is closed; writes still work).
func TestAppAdminCreateLookupFault(t *testing.T) {
	admin, st := openAdmin(t)
	ctx := context.Background()
	_, acct, err := admin.Create(ctx, "team", "deploy", "HS256", nil)
	if err != nil {
		t.Fatal(err)
	}
	st.R.Close()
	if _, _, err := admin.Create(ctx, acct.ID, "ci", "HS256", nil); err == nil || errors.Is(err, store.ErrNotFound) {
		t.Fatalf("Create during a read fault: %v, want the fault", err)
	}
	if n := countAccounts(t, st); n != 1 {
		t.Errorf("%d accounts after the fault, want 1", n)
	}
}

func TestAppAdminFirstStart(t *testing.T) {
	admin, _ := openAdmin(t)
	ctx := context.Background()
	app, acct, err := admin.FirstStart(ctx)
	if err != nil || app == nil {
		t.Fatalf("first start: %v", err)
	}
	if acct.Name != "default" || app.Name != "default" || app.Algorithm != "HS256" ||
		!slices.Equal(app.Scopes, []string{auth.ScopeImport, auth.ScopeExport, auth.ScopePublish, auth.ScopeVariables}) {
		t.Errorf("default app %+v in %+v", app, acct)
	}
	if app, acct, err := admin.FirstStart(ctx); app != nil || acct != nil || err != nil {
		t.Errorf("second start created %+v %+v (%v)", app, acct, err)
	}
}

func TestAppAdminManage(t *testing.T) {
	admin, _ := openAdmin(t)
	ctx := context.Background()
	app, acct, err := admin.Create(ctx, "team", "deploy", "HS256", []string{auth.ScopeImport})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := admin.Create(ctx, "elsewhere", "other", "HS256", nil); err != nil {
		t.Fatal(err)
	}
	got, apps, err := admin.List(ctx, "team")
	if err != nil || got.ID != acct.ID || len(apps) != 1 || apps[0].ID != app.ID {
		t.Fatalf("list: %+v %v %v", got, apps, err)
	}
	if _, _, err := admin.List(ctx, "nobody"); !errors.Is(err, auth.ErrUnknownAccount) {
		t.Errorf("list of an unknown account: %v", err)
	}

	rotated, racct, err := admin.RotateSecret(ctx, app.ID)
	if err != nil || rotated.Secret == app.Secret || racct.Name != "team" {
		t.Fatalf("rotate: %+v %+v %v", rotated, racct, err)
	}
	if stored, _ := admin.App(ctx, app.ID); stored.Secret != rotated.Secret {
		t.Error("the new secret was not stored")
	}
	for _, disabled := range []bool{true, false} {
		a, _, err := admin.SetDisabled(ctx, app.ID, disabled)
		if err != nil || a.Disabled != disabled {
			t.Fatalf("SetDisabled(%v): %+v %v", disabled, a, err)
		}
		if stored, _ := admin.App(ctx, app.ID); stored.Disabled != disabled {
			t.Errorf("stored disabled %v, want %v", stored.Disabled, disabled)
		}
	}
	unknown := kore.NewAppID()
	if _, err := admin.App(ctx, unknown); !errors.Is(err, auth.ErrUnknownApp) {
		t.Errorf("App: %v", err)
	}
	if _, _, err := admin.RotateSecret(ctx, unknown); !errors.Is(err, auth.ErrUnknownApp) {
		t.Errorf("RotateSecret: %v", err)
	}
	if _, _, err := admin.SetDisabled(ctx, unknown, true); !errors.Is(err, auth.ErrUnknownApp) {
		t.Errorf("SetDisabled: %v", err)
	}
}
