package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/spf13/cobra"

	"github.com/botport/botport/internal/auth"
	"github.com/botport/botport/internal/cli"
	"github.com/botport/botport/internal/store"
)

func tokenCmd(getenv env, stdout io.Writer) *cobra.Command {
	var sf storeFlags
	var appID, sub string
	var ttl time.Duration
	var asJSON bool
	cmd := &cobra.Command{
		Use:     "token",
		Short:   "Print a signed JWT for an app, for the auth header",
		Example: `  curl -H "auth: $(botport token --app cs-...)" http://127.0.0.1:8080/api/public/bots`,
		Args:    cli.NoArgs,
	}
	s := &settings{fs: cmd.Flags(), getenv: getenv}
	bindStoreFlags(s, &sf)
	cmd.Flags().StringVar(&appID, "app", "", "client app id, cs-… (env BOTPORT_APP; required)")
	cmd.Flags().DurationVar(&ttl, "ttl", time.Hour, "lifetime (exp claim), not negative; 0 signs a token without exp (not for apps that enforce JTI: they get a jti, and at most 1h)")
	cmd.Flags().StringVar(&sub, "sub", "botport-cli", "sub claim")
	cmd.Flags().BoolVar(&asJSON, "json", false, `print {"token", "appId", "expiresAt"}`)
	cmd.RunE = func(cmd *cobra.Command, _ []string) error {
		if err := s.err(); err != nil {
			return err
		}
		if !cmd.Flags().Changed("app") {
			appID = getenv("BOTPORT_APP") // as the client commands read it
		}
		if appID == "" {
			return cli.Usage(errors.New("give the app: --app cs-… (or BOTPORT_APP)"))
		}
		if ttl < 0 {
			return cli.Usage(fmt.Errorf("--ttl %v: must not be negative (0 signs a token without exp)", ttl))
		}
		var app *store.App
		err := withAdmin(cmd.Context(), sf, func(admin *auth.AppAdmin) (err error) {
			app, err = admin.App(cmd.Context(), appID)
			return err
		})
		if errors.Is(err, auth.ErrUnknownApp) {
			return cli.Usage(fmt.Errorf("no app %q in %s", appID, sf.where()))
		}
		if err != nil {
			return err
		}
		now := time.Now()
		tok, err := auth.Sign(app, sub, now, ttl)
		if err != nil {
			return err
		}
		if asJSON {
			out := struct {
				Token     string `json:"token"`
				AppID     string `json:"appId"`
				ExpiresAt string `json:"expiresAt,omitempty"` // absent: the token has no exp
			}{Token: tok, AppID: app.ID}
			if ttl > 0 {
				out.ExpiresAt = now.Add(ttl).UTC().Format(time.RFC3339)
			}
			b, _ := json.Marshal(out)
			_, err = fmt.Fprintf(stdout, "%s\n", b)
			return err
		}
		_, err = fmt.Fprintln(stdout, tok)
		return err
	}
	return cmd
}
