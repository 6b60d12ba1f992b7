package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os/exec"

	"github.com/botport/botport/client"
	"github.com/botport/botport/internal/bench"
	"github.com/botport/botport/internal/database"
	"github.com/botport/botport/internal/kore"
)

// buildBotport builds the botport command of this module into out: the
// bench measures a binary, as deployed, not this process.
func buildBotport(ctx context.Context, out string, stderr io.Writer) error {
	fmt.Fprintln(stderr, "botport-bench: building botport (go build ./cmd/botport)")
	c := exec.CommandContext(ctx, "go", "build", "-o", out, "github.com/botport/botport/cmd/botport")
	c.Stdout, c.Stderr = stderr, stderr
	if err := c.Run(); err != nil {
		return fmt.Errorf("go build of botport: %w (run from the repository, or give --botport)", err)
	}
	return nil
}

// benchServer starts a server under test, opens its store beside it and
// creates an app of its own, in an account of its own, for the bench (a
// PostgreSQL database may already hold apps and bots), with botport apps
// create, as an operator would.
func benchServer(ctx context.Context, exe, data, dbURL string, dbArgs []string) (*bench.Server, *client.Client, *database.DB, string, error) {
	srv, err := bench.StartServer(exe, data, dbArgs...)
	if err != nil {
		return nil, nil, nil, "", err
	}
	app, err := createApp(ctx, exe, data, dbArgs)
	if err != nil {
		srv.Stop()
		return nil, nil, nil, "", err
	}
	db, err := database.Open(ctx, data, dbURL)
	if err != nil {
		srv.Stop()
		return nil, nil, nil, "", err
	}
	srv.AppID, srv.Secret = app.ClientID, app.ClientSecret
	return srv, client.New(srv.URL, app.ClientID, app.ClientSecret), db, app.AccountID, nil
}

type appCreds struct {
	ClientID     string `json:"clientId"`
	ClientSecret string `json:"clientSecret"`
	AccountID    string `json:"accountId"`
}

func createApp(ctx context.Context, exe, data string, dbArgs []string) (appCreds, error) {
	args := append([]string{"apps", "create", "--data", data, "--account", "bench-" + kore.NewHexID(), "--name", "bench",
		"--scope", "bot_import", "--scope", "bot_export", "--json"}, dbArgs...)
	out, err := exec.CommandContext(ctx, exe, args...).Output()
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return appCreds{}, fmt.Errorf("botport apps create: %w: %s", err, ee.Stderr)
	}
	if err != nil {
		return appCreds{}, fmt.Errorf("botport apps create: %w", err)
	}
	var app appCreds
	if err := json.Unmarshal(out, &app); err != nil || app.ClientID == "" || app.AccountID == "" {
		return appCreds{}, fmt.Errorf("botport apps create printed %q: %v", out, err)
	}
	return app, nil
}

func target(srv *bench.Server, cl *client.Client, db *database.DB, acct string) bench.Target {
	return bench.Target{Client: cl, Pipeline: srv.Pipeline, Store: db, AccountID: acct, Settle: db.Settle}
}
