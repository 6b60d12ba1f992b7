package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/spf13/cobra"

	"github.com/botport/botport/client"
	"github.com/botport/botport/internal/bench"
	"github.com/botport/botport/internal/cli"
	"github.com/botport/botport/internal/demo"
)

func benchCmd(getenv env, stdout, stderr io.Writer) *cobra.Command {
	var workers, rounds int
	var round time.Duration
	cmd := &cobra.Command{
		Use:   "bench",
		Short: "Measure botport against limits measured in the same run (status path, import cost, throughput)",
		Args:  cli.NoArgs,
	}
	f := cmd.Flags()
	f.IntVar(&workers, "workers", 32, "concurrent requests of the status load")
	f.IntVar(&rounds, "rounds", 3, "alternated rounds of the status load, per side")
	f.DurationVar(&round, "round", 3*time.Second, "length of one status load round")
	cmd.RunE = func(cmd *cobra.Command, _ []string) error {
		ctx := cmd.Context()
		dir, err := os.MkdirTemp("", "botport-bench-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(dir)
		log, _ := newLogger(io.Discard, "text", "info") // the default level; output discarded
		c := defaultServeConfig()
		c.data, c.addr = filepath.Join(dir, "data"), "127.0.0.1:0"
		r, err := start(ctx, c, log)
		if err != nil {
			return err
		}
		stop, cancel := context.WithCancel(context.Background())
		served := make(chan error, 1)
		go func() { served <- r.wait(stop) }()
		defer func() { cancel(); <-served }()

		cl := client.New(r.url, r.first.ClientID, r.first.ClientSecret)
		path, err := demo.WriteTo(dir)
		if err != nil {
			return err
		}
		env := cli.Env{Getenv: func(string) string { return "" }, Stdout: io.Discard, Stderr: stderr}
		st, err := cli.Import(ctx, env, cl, path, cli.ImportParams{Wait: true, Interval: 10 * time.Millisecond})
		if err != nil || st.Status != "success" {
			return fmt.Errorf("bench import: %v %v", err, st)
		}
		doc, err := cl.ImportStatusRaw(ctx, st.ID)
		if err != nil {
			return err
		}
		token, err := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.MapClaims{"appId": r.first.ClientID, "sub": "bench",
			"iat": time.Now().Unix(), "exp": time.Now().Add(time.Hour).Unix()}).SignedString([]byte(r.first.ClientSecret))
		if err != nil {
			return err
		}
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return err
		}
		bare := &http.Server{Handler: bench.BareHandler(doc)}
		go bare.Serve(ln)
		defer bare.Close()
		fmt.Fprintf(stdout, "status read path: %d workers, %d alternated rounds of %v per side\n", workers, rounds, round)
		cmp := bench.CompareStatus(r.url+"/api/public/bot/import/status/"+st.ID, http.Header{"auth": {token}},
			"http://"+ln.Addr().String()+"/", workers, rounds, round)
		fmt.Fprintf(stdout, "  bare     %8.0f req/s  p50 %-10v p99 %-10v success %.0f%%\n", cmp.Bare.Throughput, cmp.Bare.P50, cmp.Bare.P99, cmp.Bare.Success*100)
		fmt.Fprintf(stdout, "  botport  %8.0f req/s  p50 %-10v p99 %-10v success %.0f%%\n", cmp.Botport.Throughput, cmp.Botport.P50, cmp.Botport.P99, cmp.Botport.Success*100)
		fmt.Fprintf(stdout, "  ratio    throughput %.2f (target >= 0.80), p99 %.2f (target <= 1.50)\n", cmp.ThroughputRatio(), cmp.P99Ratio())
		return nil
	}
	return cmd
}
