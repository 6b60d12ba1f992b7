package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/botport/botport/internal/auth"
	"github.com/botport/botport/internal/cli"
	"github.com/botport/botport/internal/keyring"
	"github.com/botport/botport/internal/store"
)

func appsCmd(getenv env, stdout io.Writer) *cobra.Command {
	cmd := &cobra.Command{Use: "apps", Short: "Manage client apps (the credentials clients sign tokens with)"}
	cmd.AddCommand(appsCreateCmd(getenv, stdout), appsListCmd(getenv, stdout), appsRotateCmd(getenv, stdout), appsDisableCmd(getenv, stdout),
		appsEnforceJTICmd(getenv, stdout), appsAdminCmd(getenv, stdout))
	return cmd
}

// storeFlags say which database an admin command works on, and its key.
type storeFlags struct {
	data, dbURL, keyFile string
	secretKey            string // BOTPORT_SECRET_KEY
}

// bindStoreFlags binds --data, --database and --key-file, and reads
// BOTPORT_SECRET_KEY.
func bindStoreFlags(s *settings, f *storeFlags) {
	dataFlag(s, &f.data)
	databaseFlag(s, &f.dbURL)
	keyFileFlag(s, &f.keyFile)
	f.secretKey = s.getenv(keyring.EnvVar)
}

// where names the store in messages.
func (f storeFlags) where() string { return f.data }

// withAdmin opens the database (--database, else the data directory's),
// with the key that seals its secrets, for an admin command.
func withAdmin(ctx context.Context, f storeFlags, fn func(*auth.AppAdmin) error) error {
	db, err := openDatabase(ctx, f.data, f.dbURL, f.keyFile, f.secretKey, nil)
	if err != nil {
		return err
	}
	defer db.Close()
	return fn(&auth.AppAdmin{Store: db})
}

func appsListCmd(getenv env, stdout io.Writer) *cobra.Command {
	var sf storeFlags
	var account string
	var asJSON bool
	cmd := &cobra.Command{Use: "list", Short: "List an account's apps (never their secrets)", Args: cli.NoArgs}
	s := &settings{fs: cmd.Flags(), getenv: getenv}
	bindStoreFlags(s, &sf)
	cmd.Flags().StringVar(&account, "account", "default", "account name or id")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	cmd.RunE = func(cmd *cobra.Command, _ []string) error {
		if err := s.err(); err != nil {
			return err
		}
		return withAdmin(cmd.Context(), sf, func(admin *auth.AppAdmin) error {
			acct, apps, err := admin.List(cmd.Context(), account)
			if errors.Is(err, auth.ErrUnknownAccount) {
				return cli.Usage(fmt.Errorf("no account %q in %s", account, sf.where()))
			}
			if err != nil {
				return err
			}
			out := make([]appJSON, 0, len(apps))
			for _, a := range apps {
				out = append(out, appJSON{ClientID: a.ID, AccountID: acct.ID, Account: acct.Name, Name: a.Name, Scopes: a.Scopes,
					Algorithm: a.Algorithm, UserID: a.UserID, Disabled: a.Disabled, EnforceJTI: a.EnforceJTI, Admin: a.Admin})
			}
			if asJSON {
				b, _ := json.Marshal(out)
				_, err := fmt.Fprintf(stdout, "%s\n", b)
				return err
			}
			tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "CLIENT ID\tNAME\tSCOPES\tALGORITHM\tSTATE")
			for _, a := range out {
				state := "enabled"
				if a.Disabled {
					state = "disabled"
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", a.ClientID, a.Name, strings.Join(a.Scopes, ","), a.Algorithm, state)
			}
			return tw.Flush()
		})
	}
	return cmd
}

// updateApp applies an admin change to an app and returns the app, and the
// app as `apps create --json` prints one, without its secret.
func updateApp(ctx context.Context, sf storeFlags, id string, change func(*auth.AppAdmin) (*store.App, *store.Account, error)) (*store.App, appJSON, error) {
	var app *store.App
	var out appJSON
	err := withAdmin(ctx, sf, func(admin *auth.AppAdmin) error {
		a, acct, err := change(admin)
		if errors.Is(err, auth.ErrUnknownApp) {
			return cli.Usage(fmt.Errorf("no app %q in %s", id, sf.where()))
		}
		if err != nil {
			return err
		}
		app = a
		out = appJSON{ClientID: a.ID, AccountID: a.AccountID, Account: acct.Name, Name: a.Name, Scopes: a.Scopes,
			Algorithm: a.Algorithm, UserID: a.UserID, Disabled: a.Disabled, EnforceJTI: a.EnforceJTI, Admin: a.Admin}
		return nil
	})
	return app, out, err
}

func appsRotateCmd(getenv env, stdout io.Writer) *cobra.Command {
	var sf storeFlags
	var id string
	var asJSON bool
	cmd := &cobra.Command{Use: "rotate-secret", Short: "Give an app a new client secret; the old one stops working within 200 ms", Args: cli.NoArgs}
	s := &settings{fs: cmd.Flags(), getenv: getenv}
	bindStoreFlags(s, &sf)
	cmd.Flags().StringVar(&id, "app", "", "client app id, cs-… (required)")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	_ = cmd.MarkFlagRequired("app")
	cmd.RunE = func(cmd *cobra.Command, _ []string) error {
		if err := s.err(); err != nil {
			return err
		}
		app, out, err := updateApp(cmd.Context(), sf, id, func(admin *auth.AppAdmin) (*store.App, *store.Account, error) {
			return admin.RotateSecret(cmd.Context(), id)
		})
		if err != nil {
			return err
		}
		if asJSON {
			out.ClientSecret = app.Secret
			b, _ := json.Marshal(out)
			_, err := fmt.Fprintf(stdout, "%s\n", b)
			return err
		}
		_, err = fmt.Fprintf(stdout, "clientId:     %s\nclientSecret: %s\n", app.ID, app.Secret)
		return err
	}
	return cmd
}

// appToggle is an apps command that turns one switch of an app on, or off
// again with its undo flag: disable (--enable), enforce-jti and admin (--off).
type appToggle struct {
	use, short     string
	undo, undoHelp string
	// set turns the switch on (on) or off and returns the app.
	set func(ctx context.Context, admin *auth.AppAdmin, id string, on bool) (*store.App, *store.Account, error)
	// state says what the app is now, after "app <id> ".
	state func(app *store.App) string
}

func appsDisableCmd(getenv env, stdout io.Writer) *cobra.Command {
	return appsToggleCmd(getenv, stdout, appToggle{
		use: "disable", short: "Disable an app: its tokens are refused within 200 ms (--enable undoes it)",
		undo: "enable", undoHelp: "enable the app again",
		set: func(ctx context.Context, admin *auth.AppAdmin, id string, on bool) (*store.App, *store.Account, error) {
			return admin.SetDisabled(ctx, id, on)
		},
		state: func(app *store.App) string {
			if app.Disabled {
				return "is disabled"
			}
			return "is enabled"
		},
	})
}

func appsEnforceJTICmd(getenv env, stdout io.Writer) *cobra.Command {
	return appsToggleCmd(getenv, stdout, appToggle{
		use: "enforce-jti", short: "Enforce JTI on an app's tokens (contract 2.3), within 200 ms (--off undoes it)",
		undo: "off", undoHelp: "stop enforcing JTI",
		set: func(ctx context.Context, admin *auth.AppAdmin, id string, on bool) (*store.App, *store.Account, error) {
			return admin.SetEnforceJTI(ctx, id, on)
		},
		state: func(app *store.App) string {
			if app.EnforceJTI {
				return "enforces JTI: tokens need a jti, an exp at most 1 h after iat, and are refused the second time"
			}
			return "does not enforce JTI"
		},
	})
}

func appsAdminCmd(getenv env, stdout io.Writer) *cobra.Command {
	return appsToggleCmd(getenv, stdout, appToggle{
		use: "admin", short: "Let an app open the dashboard's operator pages, River UI at /ui/jobs (--off undoes it)",
		undo: "off", undoHelp: "take the administrator flag away",
		set: func(ctx context.Context, admin *auth.AppAdmin, id string, on bool) (*store.App, *store.Account, error) {
			return admin.SetAdmin(ctx, id, on)
		},
		state: func(app *store.App) string {
			if app.Admin {
				return "is an administrator: it may open /ui/jobs"
			}
			return "is not an administrator"
		},
	})
}

// appsToggleCmd builds the command t describes.
func appsToggleCmd(getenv env, stdout io.Writer, t appToggle) *cobra.Command {
	var sf storeFlags
	var id string
	var undo, asJSON bool
	cmd := &cobra.Command{Use: t.use, Short: t.short, Args: cli.NoArgs}
	s := &settings{fs: cmd.Flags(), getenv: getenv}
	bindStoreFlags(s, &sf)
	cmd.Flags().StringVar(&id, "app", "", "client app id, cs-… (required)")
	cmd.Flags().BoolVar(&undo, t.undo, false, t.undoHelp)
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the app as JSON")
	_ = cmd.MarkFlagRequired("app")
	cmd.RunE = func(cmd *cobra.Command, _ []string) error {
		if err := s.err(); err != nil {
			return err
		}
		app, out, err := updateApp(cmd.Context(), sf, id, func(admin *auth.AppAdmin) (*store.App, *store.Account, error) {
			return t.set(cmd.Context(), admin, id, !undo)
		})
		if err != nil {
			return err
		}
		if asJSON {
			b, _ := json.Marshal(out)
			_, err := fmt.Fprintf(stdout, "%s\n", b)
			return err
		}
		_, err = fmt.Fprintf(stdout, "app %s %s\n", app.ID, t.state(app))
		return err
	}
	return cmd
}

// appJSON is an app as `apps create --json` prints it.
type appJSON struct {
	ClientID     string   `json:"clientId"`
	ClientSecret string   `json:"clientSecret,omitempty"`
	AccountID    string   `json:"accountId"`
	Account      string   `json:"account"`
	Name         string   `json:"name"`
	Scopes       []string `json:"scopes"`
	Algorithm    string   `json:"algorithm"`
	UserID       string   `json:"userId"`
	Disabled     bool     `json:"disabled"`
	EnforceJTI   bool     `json:"enforceJti,omitempty"`
	Admin        bool     `json:"admin,omitempty"`
}

func appsCreateCmd(getenv env, stdout io.Writer) *cobra.Command {
	var sf storeFlags
	var name, account, algorithm string
	var scopes []string
	var asJSON, enforceJTI, adminFlag bool
	cmd := &cobra.Command{
		Use:   "create",
		Short: "Create a client app and print its clientId and clientSecret",
		Long: `Create a client app in an account (created on first use) and print its
credentials. It works while a server runs on the same data directory.`,
		Args: cli.NoArgs,
	}
	s := &settings{fs: cmd.Flags(), getenv: getenv}
	bindStoreFlags(s, &sf)
	cmd.Flags().StringVar(&name, "name", "", "app name (required)")
	cmd.Flags().StringVar(&account, "account", "default", "account name (or id) the app belongs to")
	cmd.Flags().StringSliceVar(&scopes, "scope", nil, "scope to grant: "+strings.Join(auth.Scopes, ", ")+
		", or a platform id such as bot_publish:publish_request (repeatable; other names are stored and grant nothing)")
	cmd.Flags().StringVar(&algorithm, "algorithm", "HS256", "signing algorithm: HS256 or HS512")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print one JSON object")
	cmd.Flags().BoolVar(&enforceJTI, "enforce-jti", false, "refuse the app's tokens without a jti, living over 1 h, or used twice (contract 2.3)")
	cmd.Flags().BoolVar(&adminFlag, "admin", false, "let the app open the dashboard's operator pages (River UI at /ui/jobs)")
	_ = cmd.MarkFlagRequired("name")
	cmd.RunE = func(cmd *cobra.Command, _ []string) error {
		if err := s.err(); err != nil {
			return err
		}
		if strings.TrimSpace(name) == "" {
			return cli.Usage(fmt.Errorf("--name must not be empty"))
		}
		if !slices.Contains(auth.Algorithms, algorithm) {
			return cli.Usage(fmt.Errorf("--algorithm %q: use HS256 or HS512", algorithm))
		}
		// StringSlice splits on commas already; a scope may be given
		// several times. Names that grant nothing are kept (contract 2.4),
		// and an app may have none.
		granted, err := auth.AppScopes(scopes)
		if err != nil {
			return cli.Usage(fmt.Errorf("--scope: %w", err))
		}
		var app *store.App
		var acct *store.Account
		err = withAdmin(cmd.Context(), sf, func(admin *auth.AppAdmin) (err error) {
			app, acct, err = admin.Create(cmd.Context(), account, name, algorithm, granted)
			if err == nil && enforceJTI {
				// Before the secret is printed: an app that failed here has
				// a secret nobody knows.
				app, _, err = admin.SetEnforceJTI(cmd.Context(), app.ID, true)
			}
			if err == nil && adminFlag {
				app, _, err = admin.SetAdmin(cmd.Context(), app.ID, true)
			}
			return err
		})
		if err != nil {
			return err
		}
		out := appJSON{ClientID: app.ID, ClientSecret: app.Secret, AccountID: acct.ID, Account: acct.Name, Name: app.Name,
			Scopes: app.Scopes, Algorithm: app.Algorithm, UserID: app.UserID, EnforceJTI: app.EnforceJTI, Admin: app.Admin}
		if asJSON {
			b, _ := json.Marshal(out)
			_, err := fmt.Fprintf(stdout, "%s\n", b)
			return err
		}
		scopeList := strings.Join(out.Scopes, " ")
		if scopeList == "" {
			scopeList = "(none)"
		}
		_, err = fmt.Fprintf(stdout, "clientId:     %s\nclientSecret: %s\naccountId:    %s (%s)\nscopes:       %s\nalgorithm:    %s\n",
			out.ClientID, out.ClientSecret, out.AccountID, out.Account, scopeList, out.Algorithm)
		return err
	}
	return cmd
}
