// Command botport-bench measures botport against limits measured in the
// same run on the same machine, and prints the ratios. It is a command of
// its own so that the botport binary ships without the load generator.
//
//	go run ./cmd/botport-bench [--large] [--database postgres://…]
//
// The servers under test are child processes: botport (built from this
// module with go build, or --botport) and a bare net/http server (this
// binary's hidden bare-server command).
package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"slices"
	"sort"
	"strings"
	"syscall"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/spf13/cobra"

	"github.com/botport/botport/client"
	"github.com/botport/botport/internal/bench"
	"github.com/botport/botport/internal/botgen"
	"github.com/botport/botport/internal/demo"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "botport-bench:", err)
		os.Exit(1)
	}
}

// run is the whole program.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	cmd := benchCmd(stdout, stderr)
	cmd.AddCommand(bareServerCmd(stdout))
	cmd.SetArgs(args)
	cmd.SetOut(stdout)
	cmd.SetErr(stderr)
	return cmd.ExecuteContext(ctx)
}

func benchCmd(stdout, stderr io.Writer) *cobra.Command {
	var workers, rounds, importRounds, imports int
	var round time.Duration
	var fixtures, dbURL, botport string
	var large bool
	var skip []string
	cmd := &cobra.Command{
		Use:   "botport-bench",
		Short: "Measure botport against limits measured in the same run",
		Long: `Measure, side by side in one run on this machine:
  - the status read path (real JWT, real store) against a bare net/http handler
    writing the same bytes, same load generator and concurrency, alternated rounds;
  - each fixture's import, upload to success, against decoding the same files with
    the standard JSON decoder and writing their bytes once into the same store;
  - with --large, a generated export of 3,000 dialogs, 500,000 utterances and
    20,000 FAQs, with the server's peak RSS;
  - many imports submitted at once.
The server under test runs as a child process (botport serve) on a temporary
directory, on SQLite or on --database. Run it from the repository:
go run ./cmd/botport-bench.`,
		Args:          cobra.NoArgs,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	f := cmd.Flags()
	f.IntVar(&workers, "workers", 32, "concurrent requests of the status load")
	f.IntVar(&rounds, "rounds", 3, "alternated rounds of the status load, per side")
	f.DurationVar(&round, "round", 3*time.Second, "length of one status load round")
	f.IntVar(&importRounds, "import-rounds", 3, "alternated import/limit measurements per fixture (medians are kept)")
	f.IntVar(&imports, "imports", 500, "imports submitted at once for the throughput measurement")
	f.StringVar(&fixtures, "fixtures", "testdata/exports", "folder of export folders to import")
	f.BoolVar(&large, "large", false, "also import the generated large export (about 160 MB; takes a while)")
	f.StringVar(&dbURL, "database", "", "PostgreSQL URL to measure instead of SQLite")
	f.StringSliceVar(&skip, "skip", nil, "measurements to skip: status, imports, throughput")
	f.StringVar(&botport, "botport", "", "botport binary to measure (default: built from ./cmd/botport with go build)")
	cmd.RunE = func(cmd *cobra.Command, _ []string) error {
		ctx := cmd.Context()
		skipped := func(name string) bool {
			for _, s := range skip {
				if s == name {
					return true
				}
			}
			return false
		}
		var dirs []string
		if !skipped("imports") || !skipped("throughput") {
			var err error
			if dirs, err = exportDirs(fixtures); err != nil {
				return err
			}
		}
		self, err := os.Executable() // the bare server
		if err != nil {
			return err
		}
		dir, err := os.MkdirTemp("", "botport-bench-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(dir)
		exe := botport
		if exe == "" {
			exe = filepath.Join(dir, "botport")
			if err := buildBotport(ctx, exe, stderr); err != nil {
				return err
			}
		}
		var dbArgs []string
		storeName := "SQLite"
		if dbURL != "" {
			dbArgs, storeName = []string{"--database", dbURL}, "PostgreSQL"
		}
		fmt.Fprintf(stdout, "botport-bench: %s, %s/%s, %d CPUs (%s), store %s\n\n", runtime.Version(), runtime.GOOS, runtime.GOARCH,
			runtime.NumCPU(), cpuModel(), storeName)

		srv, cl, db, acct, err := benchServer(ctx, exe, filepath.Join(dir, "main"), dbURL, dbArgs)
		if err != nil {
			return err
		}
		defer srv.Stop()
		defer db.Close()

		if !skipped("status") {
			demoDir, err := demo.WriteTo(dir)
			if err != nil {
				return err
			}
			if _, _, err := bench.ImportOnce(ctx, cl, demoDir); err != nil {
				return err
			}
			bots, err := cl.Bots(ctx, 0, 1)
			if err != nil || len(bots.Bots) == 0 {
				return fmt.Errorf("no bot after the demo import: %v", err)
			}
			start, err := cl.ImportNew(ctx, mustRequest(ctx, cl, demoDir))
			if err != nil {
				return err
			}
			if _, err := cl.Wait(ctx, start.ID, 5*time.Millisecond, nil); err != nil {
				return err
			}
			doc, err := cl.ImportStatusRaw(ctx, start.ID)
			if err != nil {
				return err
			}
			token, err := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.MapClaims{"appId": srv.AppID, "sub": "bench",
				"iat": time.Now().Unix(), "exp": time.Now().Add(time.Hour).Unix()}).SignedString([]byte(srv.Secret))
			if err != nil {
				return err
			}
			body := filepath.Join(dir, "status.json")
			if err := os.WriteFile(body, doc, 0o600); err != nil {
				return err
			}
			bare, err := bench.StartBare(self, body)
			if err != nil {
				return err
			}
			cmp := bench.CompareStatus(srv.URL+"/api/public/bot/import/status/"+start.ID, http.Header{"auth": {token}},
				bare.URL+"/", workers, rounds, round)
			bare.Stop()
			fmt.Fprintf(stdout, "Status read path (GET /api/public/bot/import/status/{bir} of a finished import, %d-byte document)\n", len(doc))
			fmt.Fprintf(stdout, "  %d concurrent requests, %d alternated rounds of %v per side; both servers are child processes, vegeta in this one\n", workers, rounds, round)
			fmt.Fprintf(stdout, "  %-8s %10s %12s %12s %8s\n", "", "req/s", "p50", "p99", "ok")
			for _, row := range []struct {
				name string
				l    bench.Load
			}{{"bare", cmp.Bare}, {"botport", cmp.Botport}} {
				fmt.Fprintf(stdout, "  %-8s %10.0f %12v %12v %7.1f%%\n", row.name, row.l.Throughput, row.l.P50.Round(time.Microsecond), row.l.P99.Round(time.Microsecond), row.l.Success*100)
			}
			fmt.Fprintf(stdout, "  ratio: throughput %.2f (target >= 0.80, %s), p99 %.2f (target <= 1.50, %s)\n\n",
				cmp.ThroughputRatio(), verdict(cmp.ThroughputRatio() >= 0.8), cmp.P99Ratio(), verdict(cmp.P99Ratio() <= 1.5))
		}

		if !skipped("imports") {
			fmt.Fprintf(stdout, "Import cost: upload to success vs. limit (std JSON decode + one-transaction write of the same bytes), medians of %d\n", importRounds)
			fmt.Fprintf(stdout, "  import = 3 uploads + start + queue pickup + pipeline + polls every 2 ms (or 2%% of the time so far); pipeline = the worker's run, from the server's log\n")
			fmt.Fprintf(stdout, "  %-26s %10s %9s %9s %9s %7s %9s\n", "export", "definition", "import", "pipeline", "limit", "ratio", "pipeline")
			met := 0
			var outside []time.Duration
			for _, d := range dirs {
				c, err := bench.CompareImport(ctx, target(srv, cl, db, acct), filepath.Base(d), d, importRounds)
				if err != nil {
					return err
				}
				if c.Ratio() <= 3 {
					met++
				}
				outside = append(outside, c.Import-c.Pipeline)
				fmt.Fprintf(stdout, "  %-26s %10s %9v %9v %9v %7.2f %9.2f\n", c.Name, mb(c.Bytes), c.Import.Round(100*time.Microsecond),
					c.Pipeline.Round(100*time.Microsecond), c.Limit.Round(100*time.Microsecond), c.Ratio(), c.PipelineRatio())
			}
			slices.Sort(outside)
			fmt.Fprintf(stdout, "  target: ratio <= 3.00: met by %d of %d\n", met, len(dirs))
			fmt.Fprintf(stdout, "  outside the pipeline (HTTP, queue pickup, polls): median %v whatever the size; the limit has none of it\n\n",
				outside[len(outside)/2].Round(100*time.Microsecond))
		}

		if large {
			gen := filepath.Join(dir, "large")
			if err := botgen.WriteDir(gen, botgen.Large); err != nil {
				return err
			}
			// A server of its own, so that its peak RSS is this import's.
			lsrv, lcl, ldb, lacct, err := benchServer(ctx, exe, filepath.Join(dir, "large-data"), dbURL, dbArgs)
			if err != nil {
				return err
			}
			before, _ := lsrv.PeakRSS()
			c, err := bench.CompareImport(ctx, target(lsrv, lcl, ldb, lacct), "generated large", gen, 1)
			rss, _ := lsrv.PeakRSS()
			lsrv.Stop()
			ldb.Close()
			if err != nil {
				return err
			}
			fmt.Fprintf(stdout, "Large export (%d dialogs, %d utterances, %d FAQs)\n", botgen.Large.Dialogs, botgen.Large.Utterances, botgen.Large.FAQs)
			fmt.Fprintf(stdout, "  definition %s; import %v (pipeline %v), limit %v, ratio %.2f (target <= 3.00, %s)\n", mb(c.Bytes),
				c.Import.Round(time.Millisecond), c.Pipeline.Round(time.Millisecond), c.Limit.Round(time.Millisecond), c.Ratio(), verdict(c.Ratio() <= 3))
			fmt.Fprintf(stdout, "  server peak RSS %s (%s at start), %.2f x the file (target <= 3.00, %s)\n\n", mb(rss), mb(before),
				float64(rss)/float64(c.Bytes), verdict(float64(rss) <= 3*float64(c.Bytes)))
		}

		if !skipped("throughput") {
			t, err := bench.ManyImports(ctx, cl, dirs, imports)
			if err != nil {
				return err
			}
			fmt.Fprintf(stdout, "Throughput: %d imports of the %d fixtures submitted at once (4 workers)\n", t.Imports, len(dirs))
			fmt.Fprintf(stdout, "  %d succeeded, %d failed, in %v: %.1f imports/s on %s\n", t.Imports-t.Failed, t.Failed, t.Elapsed.Round(time.Millisecond), t.PerSecond(), storeName)
			if t.Failed > 0 {
				return fmt.Errorf("%d imports failed", t.Failed)
			}
		}
		return nil
	}
	return cmd
}

func mustRequest(ctx context.Context, cl *client.Client, dir string) client.ImportRequest {
	ids := map[string]string{}
	for _, f := range bench.ExportFiles {
		if up, err := cl.UploadFile(ctx, filepath.Join(dir, f), nil); err == nil {
			ids[f] = up.FileID
		}
	}
	return client.ImportRequest{BotDefinition: ids["botDefinition.json"], ConfigInfo: ids["config.json"], Icon: ids["icon.png"]}
}

func exportDirs(root string) ([]string, error) {
	entries, err := os.ReadDir(root)
	if err != nil {
		return nil, fmt.Errorf("--fixtures: %w (run from the repository, or point --fixtures at export folders)", err)
	}
	var out []string
	for _, e := range entries {
		if fi, err := os.Stat(filepath.Join(root, e.Name(), "botDefinition.json")); err == nil && fi.Mode().IsRegular() {
			out = append(out, filepath.Join(root, e.Name()))
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("--fixtures: no export folder (with a botDefinition.json) in %s", root)
	}
	sort.Strings(out)
	return out, nil
}

func mb(n int64) string { return fmt.Sprintf("%.1f MB", float64(n)/1e6) }

func verdict(ok bool) string {
	if ok {
		return "met"
	}
	return "NOT met"
}

func cpuModel() string {
	b, err := os.ReadFile("/proc/cpuinfo")
	if err != nil {
		return "unknown CPU"
	}
	for _, line := range strings.Split(string(b), "\n") {
		if name, ok := strings.CutPrefix(line, "model name"); ok {
			return strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(name), ":"))
		}
	}
	return "unknown CPU"
}
