package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/botport/botport/client"
	"github.com/botport/botport/internal/cli"
	"github.com/botport/botport/internal/demo"
)

func demoCmd(getenv env, stdout, stderr io.Writer) *cobra.Command {
	var addr string
	var once, keep bool
	cmd := &cobra.Command{
		Use:   "demo",
		Short: "Start a server in a temporary directory and import a bundled real export",
		Long: `Start botport on a fresh temporary data directory, import the bundled Demobot1
export (a real Kore.ai export) with live progress, print the final status document
and ready curl lines, and keep serving until Ctrl-C (--once: stop right away).`,
		Args: cli.NoArgs,
	}
	cmd.Flags().StringVar(&addr, "addr", defaultAddr, "listen address (a free port is used when it is taken)")
	cmd.Flags().BoolVar(&once, "once", false, "exit after the import instead of serving")
	cmd.Flags().BoolVar(&keep, "keep", false, "keep the data directory when the demo ends")
	cmd.RunE = func(cmd *cobra.Command, _ []string) error {
		ctx := cmd.Context()
		dir, err := os.MkdirTemp("", "botport-demo-")
		if err != nil {
			return err
		}
		if !keep {
			defer os.RemoveAll(dir)
		}
		log, err := newLogger(stderr, "text", "warn")
		if err != nil {
			return err
		}
		c := defaultServeConfig()
		c.data, c.addr = dir+"/data", addr
		r, err := start(ctx, c, log)
		if err != nil && strings.Contains(err.Error(), "address already in use") {
			c.addr = "127.0.0.1:0"
			r, err = start(ctx, c, log)
		}
		if err != nil {
			return err
		}
		stop, cancel := context.WithCancel(context.Background())
		defer cancel()
		served := make(chan error, 1)
		go func() { served <- r.wait(stop) }()
		fail := func(err error) error {
			cancel()
			<-served
			return err
		}
		fmt.Fprintf(stdout, "botport demo: serving on %s (data in %s)\n\n", r.url, dir)

		path, err := demo.WriteTo(dir)
		if err != nil {
			return fail(err)
		}
		env := cli.Env{Getenv: func(string) string { return "" }, Stdout: stdout, Stderr: stderr, IsTerminal: cli.TerminalCheck}
		cl := client.New(r.url, r.first.ClientID, r.first.ClientSecret)
		st, err := cli.Import(ctx, env, cl, path, cli.ImportParams{Wait: true, Interval: 100 * time.Millisecond})
		if err != nil {
			return fail(err)
		}
		if err := cli.Report(env, st); err != nil {
			return fail(err)
		}
		fmt.Fprintln(stdout, "\nThe final status document:")
		if err := cli.PrintStatus(ctx, env, cl, st.ID); err != nil {
			return fail(err)
		}
		if once {
			fmt.Fprintln(stdout, "\n--once: the server stopped. Without --once it keeps serving, with ready curl lines.")
			cancel()
			return <-served
		}
		dataArg := " --data " + shellQuote(c.data)
		fmt.Fprintf(stdout, `
Try it, from the repository (clientId %s):
  TOKEN=$(go run ./cmd/botport token%s --app %s)
  curl -s -H "auth: $TOKEN" %s/api/public/bots
`, r.first.ClientID, dataArg, r.first.ClientID, r.url)
		fmt.Fprintf(stdout, "  curl -s -H \"auth: $TOKEN\" %s/api/public/bot/import/status/%s\n", r.url, st.ID)
		fmt.Fprintln(stdout, "\nServing until Ctrl-C.")
		select {
		case <-ctx.Done():
			cancel()
			return <-served
		case err := <-served:
			return err
		}
	}
	return cmd
}
