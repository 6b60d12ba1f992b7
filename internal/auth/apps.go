package auth

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/botport/botport/internal/kore"
	"github.com/botport/botport/internal/store"
)

// Errors of AppAdmin.
var (
	ErrUnknownAccount = errors.New("auth: no such account")
	ErrUnknownApp     = errors.New("auth: no such app")
)

// AdminStore is what AppAdmin reads and writes: accounts and apps.
type AdminStore interface {
	// EnsureAccount returns the account named name, creating it if needed.
	EnsureAccount(ctx context.Context, name string) (*store.Account, error)
	// Account returns the account with that id or name; store.ErrNotFound
	// when there is none.
	Account(ctx context.Context, idOrName string) (*store.Account, error)
	CreateApp(ctx context.Context, app *store.App) error
	// App returns an app by id; store.ErrNotFound when there is none.
	App(ctx context.Context, id string) (*store.App, error)
	Apps(ctx context.Context, accountID string) ([]*store.App, error)
	UpdateApp(ctx context.Context, app *store.App) error
	CountApps(ctx context.Context) (int, error)
}

// AppAdmin manages client apps for operators: the apps and token commands,
// and the default app of a first start. It works beside running servers,
// which see every change within their AppCache's recheck interval.
type AppAdmin struct {
	Store AdminStore
	Now   func() time.Time // default time.Now
}

// DefaultName names the account and the app a first start creates.
const DefaultName = "default"

// FirstStart creates the default account and app, with every scope that
// grants something (Scopes: a deploy pipeline imports, exports, sets
// variables and publishes), when the store holds no app at all; otherwise
// it returns nil values. Errors are the store's faults.
func (a *AppAdmin) FirstStart(ctx context.Context) (*store.App, *store.Account, error) {
	n, err := a.Store.CountApps(ctx)
	if err != nil || n > 0 {
		return nil, nil, err
	}
	return a.Create(ctx, DefaultName, DefaultName, "HS256", Scopes)
}

// Create creates an app in the named account, creating the account on
// first use; an account value of 24 hex naming an existing account's id
// selects that account. The app gets a new secret and user id. A blank
// name or an algorithm not in Algorithms is refused. Scopes follow
// AppScopes: the platform's ids become the scope they grant, other names
// are stored as given and grant nothing, none at all is allowed (contract
// 2.4); a name it refuses is an error. Store errors are returned, never
// taken for "no such account".
func (a *AppAdmin) Create(ctx context.Context, account, name, algorithm string, scopes []string) (*store.App, *store.Account, error) {
	name = strings.TrimSpace(name)
	if name == "" {
		return nil, nil, errors.New("auth: an app needs a name")
	}
	if !slices.Contains(Algorithms, algorithm) {
		return nil, nil, fmt.Errorf("auth: algorithm %q: use HS256 or HS512", algorithm)
	}
	scopes, err := AppScopes(scopes)
	if err != nil {
		return nil, nil, fmt.Errorf("auth: %w", err)
	}
	var acct *store.Account
	if kore.IsHexID(account) {
		found, err := a.Store.Account(ctx, account)
		switch {
		case err == nil:
			acct = found
		case !errors.Is(err, store.ErrNotFound):
			return nil, nil, fmt.Errorf("look up account %q: %w", account, err)
		}
	}
	if acct == nil {
		var err error
		if acct, err = a.Store.EnsureAccount(ctx, account); err != nil {
			return nil, nil, err
		}
	}
	app := &store.App{
		ID:        kore.NewAppID(),
		AccountID: acct.ID,
		Name:      name,
		Secret:    NewSecret(),
		Algorithm: algorithm,
		Scopes:    scopes,
		UserID:    kore.NewUserID(),
		CreatedOn: a.now().UTC(),
	}
	if err := a.Store.CreateApp(ctx, app); err != nil {
		return nil, nil, err
	}
	return app, acct, nil
}

// List returns the account with that id or name and its apps; an unknown
// account is ErrUnknownAccount.
func (a *AppAdmin) List(ctx context.Context, account string) (*store.Account, []*store.App, error) {
	acct, err := a.Store.Account(ctx, account)
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil, ErrUnknownAccount
	}
	if err != nil {
		return nil, nil, err
	}
	apps, err := a.Store.Apps(ctx, acct.ID)
	if err != nil {
		return nil, nil, err
	}
	return acct, apps, nil
}

// App returns an app by id; an unknown one is ErrUnknownApp.
func (a *AppAdmin) App(ctx context.Context, id string) (*store.App, error) {
	app, err := a.Store.App(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return nil, ErrUnknownApp
	}
	return app, err
}

// RotateSecret gives an app a new secret and returns it with its account;
// tokens signed with the old secret are refused from then on. An unknown
// app is ErrUnknownApp.
func (a *AppAdmin) RotateSecret(ctx context.Context, id string) (*store.App, *store.Account, error) {
	return a.update(ctx, id, func(app *store.App) { app.Secret = NewSecret() })
}

// SetDisabled disables an app (its tokens are refused) or enables it again,
// and returns it with its account. An unknown app is ErrUnknownApp.
func (a *AppAdmin) SetDisabled(ctx context.Context, id string, disabled bool) (*store.App, *store.Account, error) {
	return a.update(ctx, id, func(app *store.App) { app.Disabled = disabled })
}

// SetEnforceJTI turns the app's JTI enforcement (contract 2.3) on or off
// and returns the app with its account; servers apply it within their
// AppCache's recheck interval. An unknown app is ErrUnknownApp.
func (a *AppAdmin) SetEnforceJTI(ctx context.Context, id string, on bool) (*store.App, *store.Account, error) {
	return a.update(ctx, id, func(app *store.App) { app.EnforceJTI = on })
}

// SetAdmin flags the app as an administrator (it may open the dashboard's
// operator pages, River UI at /ui/jobs) or clears the flag, and returns the
// app with its account; servers apply it within their AppCache's recheck
// interval. An unknown app is ErrUnknownApp.
func (a *AppAdmin) SetAdmin(ctx context.Context, id string, on bool) (*store.App, *store.Account, error) {
	return a.update(ctx, id, func(app *store.App) { app.Admin = on })
}

func (a *AppAdmin) update(ctx context.Context, id string, change func(*store.App)) (*store.App, *store.Account, error) {
	app, err := a.App(ctx, id)
	if err != nil {
		return nil, nil, err
	}
	change(app)
	if err := a.Store.UpdateApp(ctx, app); err != nil {
		return nil, nil, err
	}
	acct, err := a.Store.Account(ctx, app.AccountID)
	if err != nil {
		return nil, nil, fmt.Errorf("app %s updated; its account: %w", app.ID, err)
	}
	return app, acct, nil
}

func (a *AppAdmin) now() time.Time {
	if a.Now != nil {
		return a.Now()
	}
	return time.Now()
}
