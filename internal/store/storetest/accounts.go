package storetest

import (
	"bytes"
	"slices"
	"sync"
	"testing"

	"github.com/botport/botport/internal/kore"
	"github.com/botport/botport/internal/store"
)

// testAccounts covers EnsureAccount and Account.
func testAccounts(t *testing.T, open opener) {
	t.Run("EnsureAccountCreatesOnce", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		a, err := s.EnsureAccount(t.Context(), "default")
		must(t, err, "EnsureAccount")
		if a.ID == "" || a.Name != "default" || a.CreatedOn.IsZero() {
			t.Errorf("EnsureAccount = %+v, want an id, the name and a creation time", a)
		}
		b, err := s.EnsureAccount(t.Context(), "default")
		must(t, err, "EnsureAccount again")
		if b.ID != a.ID || !b.CreatedOn.Equal(a.CreatedOn) {
			t.Errorf("second EnsureAccount = %+v, want the first account %+v", b, a)
		}
		c, err := s.EnsureAccount(t.Context(), "other")
		must(t, err, "EnsureAccount other")
		if c.ID == a.ID {
			t.Errorf("accounts %q and %q share id %s", "default", "other", a.ID)
		}
	})

	t.Run("EnsureAccountConcurrent", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		ids := make([]string, 8)
		var wg sync.WaitGroup
		for i := range ids {
			wg.Go(func() {
				a, err := s.EnsureAccount(t.Context(), "racy")
				if err != nil {
					t.Errorf("EnsureAccount: %v", err)
					return
				}
				ids[i] = a.ID
			})
		}
		wg.Wait()
		for _, id := range ids {
			if id != ids[0] {
				t.Fatalf("concurrent EnsureAccount returned different ids: %v", ids)
			}
		}
	})

	t.Run("AccountByIDAndName", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		a, err := s.EnsureAccount(t.Context(), "acme")
		must(t, err, "EnsureAccount")
		newAccount(t, s) // a second account that must not be found instead
		for _, key := range []string{a.ID, "acme"} {
			got, err := s.Account(t.Context(), key)
			must(t, err, "Account "+key)
			if got.ID != a.ID || got.Name != a.Name || !got.CreatedOn.Equal(a.CreatedOn) {
				t.Errorf("Account(%q) = %+v, want %+v", key, got, a)
			}
		}
	})

	t.Run("AccountNotFound", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		newAccount(t, s)
		for _, key := range []string{kore.NewHexID(), "nobody", ""} {
			_, err := s.Account(t.Context(), key)
			wantErrIs(t, err, store.ErrNotFound, "Account "+key)
		}
	})
}

// newApp returns an app of accountID with every field set.
func newApp(accountID string) *store.App {
	return &store.App{
		ID: kore.NewAppID(), AccountID: accountID, Name: "app", Secret: "s3cret-" + kore.NewHexID(),
		Algorithm: "HS256", Scopes: []string{"bot:import", "admin", "bot:export"}, UserID: kore.NewUserID(),
		Disabled: true, EnforceJTI: true, Admin: true, CreatedOn: base,
	}
}

// wantApp reports every field of got that differs from want.
func wantApp(t *testing.T, got, want *store.App) {
	t.Helper()
	if got.ID != want.ID || got.AccountID != want.AccountID || got.Name != want.Name ||
		got.Secret != want.Secret || got.Algorithm != want.Algorithm || got.UserID != want.UserID ||
		got.Disabled != want.Disabled || got.EnforceJTI != want.EnforceJTI || got.Admin != want.Admin {
		t.Errorf("app = %+v, want %+v", got, want)
	}
	if !slices.Equal(got.Scopes, want.Scopes) {
		t.Errorf("app %s scopes = %q, want %q (order kept)", want.ID, got.Scopes, want.Scopes)
	}
	wantTime(t, "app CreatedOn", got.CreatedOn, want.CreatedOn)
}

// testApps covers CreateApp, App, Apps, UpdateApp and CountApps.
func testApps(t *testing.T, open opener) {
	t.Run("Generation", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		g0, err := s.AppsGeneration(t.Context())
		must(t, err, "AppsGeneration")
		a := newAccount(t, s)
		app := newApp(a.ID)
		must(t, s.CreateApp(t.Context(), app), "CreateApp")
		g1, _ := s.AppsGeneration(t.Context())
		app.Disabled = true
		must(t, s.UpdateApp(t.Context(), app), "UpdateApp")
		g2, _ := s.AppsGeneration(t.Context())
		if g0 == g1 || g1 == g2 {
			t.Errorf("apps generation did not move: %d, %d, %d", g0, g1, g2)
		}
		_ = s.UpdateApp(t.Context(), &store.App{ID: "cs-none"})
		if g3, _ := s.AppsGeneration(t.Context()); g3 != g2 {
			t.Errorf("a failed update moved the generation")
		}
	})
	t.Run("RoundTrip", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		acct := newAccount(t, s)
		flagged := newApp(acct.ID)
		plain := newApp(acct.ID)
		plain.Disabled, plain.EnforceJTI, plain.Admin, plain.Algorithm = false, false, false, "HS512"
		plain.Scopes = []string{"zeta", "alpha"}
		for _, a := range []*store.App{flagged, plain} {
			must(t, s.CreateApp(t.Context(), a), "CreateApp")
		}
		for _, want := range []*store.App{flagged, plain} {
			got, err := s.App(t.Context(), want.ID)
			must(t, err, "App")
			wantApp(t, got, want)
		}
		_, err := s.App(t.Context(), kore.NewAppID())
		wantErrIs(t, err, store.ErrNotFound, "App unknown")
	})

	t.Run("ListByAccount", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		a, b := newAccount(t, s), newAccount(t, s)
		var want []string
		for range 3 {
			app := newApp(a.ID)
			must(t, s.CreateApp(t.Context(), app), "CreateApp")
			want = append(want, app.ID)
		}
		must(t, s.CreateApp(t.Context(), newApp(b.ID)), "CreateApp other account")
		apps, err := s.Apps(t.Context(), a.ID)
		must(t, err, "Apps")
		var got []string
		for _, app := range apps {
			got = append(got, app.ID)
			if app.AccountID != a.ID {
				t.Errorf("Apps(%s) returned app %s of account %s", a.ID, app.ID, app.AccountID)
			}
		}
		if !sameSet(got, want) {
			t.Errorf("Apps = %v, want %v", got, want)
		}
		apps, err = s.Apps(t.Context(), newAccount(t, s).ID)
		must(t, err, "Apps empty")
		if len(apps) != 0 {
			t.Errorf("Apps of an account without apps = %d apps", len(apps))
		}
	})

	t.Run("Update", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		acct := newAccount(t, s)
		app, other := newApp(acct.ID), newApp(acct.ID)
		must(t, s.CreateApp(t.Context(), app), "CreateApp")
		must(t, s.CreateApp(t.Context(), other), "CreateApp other")
		upd := *app
		upd.Name, upd.Secret, upd.Algorithm = "renamed", "new-secret", "HS512"
		upd.Scopes = []string{"bot:export"}
		upd.Disabled, upd.EnforceJTI, upd.Admin = false, false, false
		must(t, s.UpdateApp(t.Context(), &upd), "UpdateApp")
		got, err := s.App(t.Context(), app.ID)
		must(t, err, "App")
		wantApp(t, got, &upd)
		got, err = s.App(t.Context(), other.ID)
		must(t, err, "App other")
		wantApp(t, got, other)
	})

	t.Run("UpdateUnknown", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		app := newApp(newAccount(t, s).ID)
		wantErrIs(t, s.UpdateApp(t.Context(), app), store.ErrNotFound, "UpdateApp unknown")
		_, err := s.App(t.Context(), app.ID)
		wantErrIs(t, err, store.ErrNotFound, "App after UpdateApp unknown")
	})

	t.Run("Count", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		n, err := s.CountApps(t.Context())
		must(t, err, "CountApps")
		if n != 0 {
			t.Errorf("CountApps on an empty store = %d", n)
		}
		a, b := newAccount(t, s), newAccount(t, s)
		for _, acct := range []string{a.ID, a.ID, b.ID} {
			must(t, s.CreateApp(t.Context(), newApp(acct)), "CreateApp")
		}
		n, err = s.CountApps(t.Context())
		must(t, err, "CountApps")
		if n != 3 {
			t.Errorf("CountApps = %d, want 3 (all accounts)", n)
		}
	})
}

// testSettings covers Setting and PutSettingIfAbsent.
func testSettings(t *testing.T, open opener) {
	t.Run("FirstValueWins", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		v, err := s.PutSettingIfAbsent(t.Context(), "jwt-key", []byte("first"))
		must(t, err, "PutSettingIfAbsent")
		if string(v) != "first" {
			t.Errorf("PutSettingIfAbsent = %q, want %q", v, "first")
		}
		v, err = s.PutSettingIfAbsent(t.Context(), "jwt-key", []byte("second"))
		must(t, err, "PutSettingIfAbsent again")
		if string(v) != "first" {
			t.Errorf("second PutSettingIfAbsent = %q, want the first value %q", v, "first")
		}
		v, err = s.Setting(t.Context(), "jwt-key")
		must(t, err, "Setting")
		if string(v) != "first" {
			t.Errorf("Setting = %q, want %q", v, "first")
		}
		v, err = s.PutSettingIfAbsent(t.Context(), "other-key", []byte("other"))
		must(t, err, "PutSettingIfAbsent other key")
		if string(v) != "other" {
			t.Errorf("PutSettingIfAbsent other key = %q, want %q", v, "other")
		}
	})

	t.Run("BinaryValue", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		val := []byte{0, 1, 2, 0xff, 0xfe, 0}
		_, err := s.PutSettingIfAbsent(t.Context(), "bin", val)
		must(t, err, "PutSettingIfAbsent")
		got, err := s.Setting(t.Context(), "bin")
		must(t, err, "Setting")
		if !bytes.Equal(got, val) {
			t.Errorf("Setting = %x, want %x", got, val)
		}
	})

	t.Run("Concurrent", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		vals := make([][]byte, 8)
		var wg sync.WaitGroup
		for i := range vals {
			wg.Go(func() {
				v, err := s.PutSettingIfAbsent(t.Context(), "racy", []byte{byte('a' + i)})
				if err != nil {
					t.Errorf("PutSettingIfAbsent: %v", err)
					return
				}
				vals[i] = v
			})
		}
		wg.Wait()
		for _, v := range vals {
			if !bytes.Equal(v, vals[0]) {
				t.Fatalf("racing PutSettingIfAbsent returned different values: %q", vals)
			}
		}
	})

	t.Run("NotFound", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		_, err := s.PutSettingIfAbsent(t.Context(), "present", []byte("x"))
		must(t, err, "PutSettingIfAbsent")
		_, err = s.Setting(t.Context(), "absent")
		wantErrIs(t, err, store.ErrNotFound, "Setting absent")
	})
}
