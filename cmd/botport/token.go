package main

import (
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
	var data, dbURL, appID, sub string
	var ttl time.Duration
	cmd := &cobra.Command{
		Use:     "token",
		Short:   "Print a signed JWT for an app, for the auth header",
		Example: `  curl -H "auth: $(botport token --app cs-...)" http://127.0.0.1:8080/api/public/bots`,
		Args:    cli.NoArgs,
	}
	s := &settings{fs: cmd.Flags(), getenv: getenv}
	dataFlag(s, &data)
	databaseFlag(s, &dbURL)
	cmd.Flags().StringVar(&appID, "app", "", "client app id (cs-...) (required)")
	cmd.Flags().DurationVar(&ttl, "ttl", time.Hour, "lifetime (exp claim); 0 signs a token without exp")
	cmd.Flags().StringVar(&sub, "sub", "botport-cli", "sub claim")
	_ = cmd.MarkFlagRequired("app")
	cmd.RunE = func(cmd *cobra.Command, _ []string) error {
		if err := s.err(); err != nil {
			return err
		}
		st, err := openDatabase(cmd.Context(), data, dbURL)
		if err != nil {
			return err
		}
		defer st.Close()
		app, err := st.App(cmd.Context(), appID)
		if errors.Is(err, store.ErrNotFound) {
			return fmt.Errorf("no app %q in %s", appID, data)
		}
		if err != nil {
			return err
		}
		tok, err := auth.Sign(app, sub, time.Now(), ttl)
		if err != nil {
			return err
		}
		_, err = fmt.Fprintln(stdout, tok)
		return err
	}
	return cmd
}
