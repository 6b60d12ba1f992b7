package main

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/riverqueue/river"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/botport/botport/internal/auth"
	"github.com/botport/botport/internal/blob"
	"github.com/botport/botport/internal/cli"
	"github.com/botport/botport/internal/database"
	"github.com/botport/botport/internal/exporter"
	"github.com/botport/botport/internal/exportzip"
	"github.com/botport/botport/internal/httpapi"
	"github.com/botport/botport/internal/importer"
	"github.com/botport/botport/internal/killpoint"
	"github.com/botport/botport/internal/metrics"
	"github.com/botport/botport/internal/publish"
	"github.com/botport/botport/internal/queue"
	"github.com/botport/botport/internal/ratelimit"
	"github.com/botport/botport/internal/replica"
	"github.com/botport/botport/internal/upload"
	"github.com/botport/botport/internal/variables"
	"github.com/botport/botport/internal/webhook"
)

// wrapHandler, when set, wraps the API's handler. Only the tests set it:
// they check every answer against the OpenAPI document
// (openapi_validate_test.go), without linking a validator into the binary.
var wrapHandler func(http.Handler) http.Handler

// serveConfig is everything serve reads from flags and environment.
type serveConfig struct {
	addr, data, blobURL   string
	logFormat, logLevel   string
	uploadLimit, bodyLim  int64
	workers, maxProblems  int64
	zipEntries, zipRatio  int64
	zipTotal              int64
	fileTTL, retention    time.Duration
	leeway, importTimeout time.Duration
	shutdownGrace         time.Duration
	publicURL             string
	downloadTTL           time.Duration
	exportWait            time.Duration
	database              string
	rescueAfter           time.Duration
	pollInterval          time.Duration
	replicaName           string
	replicaLease          time.Duration
	accountImports        int64
	keyFile, secretKey    string // secretKey: BOTPORT_SECRET_KEY, never a flag
	maxConns, maxRequests int64
	ioGrace               time.Duration
	minRate               int64
	rateLimit             string
	rateRules             [3]string // per level, in ratelimit.Levels order
	rules                 map[ratelimit.Level]ratelimit.Rule
	metricsAddr           string
	webhookAllowPrivate   bool
}

func serveCmd(getenv env, stdout, stderr io.Writer) *cobra.Command {
	var c serveConfig
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Run the API server on the embedded store (SQLite and local files)",
		Args:  cli.NoArgs,
	}
	s := &settings{fs: cmd.Flags(), getenv: getenv}
	bindServeFlags(s, &c)
	cmd.RunE = func(cmd *cobra.Command, _ []string) error {
		if err := s.err(); err != nil {
			return err
		}
		if err := c.check(); err != nil {
			return cli.Usage(err)
		}
		if _, err := newLogger(io.Discard, c.logFormat, c.logLevel); err != nil {
			return cli.Usage(err)
		}
		return serve(cmd.Context(), c, stdout, stderr)
	}
	return cmd
}

// check refuses settings serve cannot honour, before anything starts.
func (c *serveConfig) check() error {
	if c.publicURL != "" {
		u, err := url.Parse(c.publicURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
			return fmt.Errorf("--public-url %q: want an absolute http or https URL such as https://bots.example.com", c.publicURL)
		}
		c.publicURL = strings.TrimRight(c.publicURL, "/")
	}
	if c.downloadTTL <= 0 {
		return fmt.Errorf("--download-ttl %v: must be positive", c.downloadTTL)
	}
	if c.importTimeout <= 0 {
		return fmt.Errorf("--import-timeout %v: must be positive", c.importTimeout)
	}
	if c.replicaLease < time.Second {
		return fmt.Errorf("--replica-lease %v: must be at least 1s", c.replicaLease)
	}
	if err := killpoint.Check(); err != nil {
		return err
	}
	// River retries a job running longer than rescue-after elsewhere: it
	// must outlast the import timeout, or live imports would run twice.
	if c.rescueAfter != 0 && c.rescueAfter <= c.importTimeout {
		return fmt.Errorf("--rescue-after %v must be longer than --import-timeout %v", c.rescueAfter, c.importTimeout)
	}
	return c.checkLimits()
}

// bindServeFlags binds serve's flags, with defaults from BOTPORT_* variables.
func bindServeFlags(s *settings, c *serveConfig) {
	s.str(&c.addr, "addr", defaultAddr, "listen address")
	dataFlag(s, &c.data)
	databaseFlag(s, &c.database)
	s.str(&c.blobURL, "blob", "", "blob store URL (default: file://DATA/blobs)")
	s.str(&c.logFormat, "log-format", "text", "log format: text or json")
	s.str(&c.logLevel, "log-level", "info", "log level: debug, info, warn, error")
	s.integer(&c.uploadLimit, "upload-limit", 256<<20, "largest uploaded file, bytes")
	s.integer(&c.bodyLim, "body-limit", 1<<20, "largest request body other than uploads, bytes")
	s.integer(&c.workers, "workers", 4, "imports run at once")
	s.integer(&c.maxProblems, "max-problems", 100, "problems listed per status entry")
	s.integer(&c.zipEntries, "zip-max-entries", 1000, "most entries in an export zip")
	s.integer(&c.zipTotal, "zip-max-bytes", 1<<30, "most bytes of one import's files (a zip's uncompressed entries, or the uploads)")
	s.integer(&c.zipRatio, "zip-max-ratio", 200, "highest compression ratio of any zip entry")
	s.duration(&c.fileTTL, "file-ttl", 24*time.Hour, "how long an uploaded file id stays valid")
	s.duration(&c.retention, "retention", 30*24*time.Hour, "how long finished import and export requests are kept")
	s.duration(&c.leeway, "jwt-leeway", 60*time.Second, "clock tolerance on exp, nbf and iat")
	s.duration(&c.importTimeout, "import-timeout", 10*time.Minute, "time limit of one import run")
	s.duration(&c.pollInterval, "poll-interval", 0, "how often idle workers look for jobs (default: 10ms on SQLite, 200ms on PostgreSQL)")
	s.duration(&c.rescueAfter, "rescue-after", 0, "last resort: a job running this long on a live replica is retried elsewhere (default: import timeout + 1m)")
	s.str(&c.replicaName, "replica-name", "", "this replica's name (default: the host name); a restart under the same name resumes the imports its predecessor left at once")
	s.duration(&c.replicaLease, "replica-lease", replica.DefaultLease, "how long a replica's lease lasts without renewal: the jobs of a dead replica are handed back within it")
	s.integer(&c.accountImports, "account-imports", 0, "most imports one account runs at once, all replicas together (0: half the live replicas' workers, at least 1; -1: no limit)")
	s.duration(&c.shutdownGrace, "shutdown-grace", 30*time.Second, "time running imports get to finish on shutdown")
	s.str(&c.publicURL, "public-url", "", "scheme and host of export download links (default: the address the status request reached)")
	s.duration(&c.downloadTTL, "download-ttl", time.Hour, "lifetime of an export download link")
	s.duration(&c.exportWait, "export-wait", exporter.DefaultShortWait, "an export expected to take less is finished before its POST is answered (negative: never wait)")
	bindLimitFlags(s, c)
	bindOperateFlags(s, c)
}

// defaultServeConfig is serve's configuration with every default, for demo.
func defaultServeConfig() serveConfig {
	var c serveConfig
	bindServeFlags(&settings{fs: pflag.NewFlagSet("defaults", pflag.ContinueOnError), getenv: func(string) string { return "" }}, &c)
	_ = c.checkLimits() // the defaults parse
	return c
}

func newLogger(w io.Writer, format, level string) (*slog.Logger, error) {
	var lv slog.Level
	if err := lv.UnmarshalText([]byte(level)); err != nil {
		return nil, fmt.Errorf("--log-level %q: %v", level, err)
	}
	opts := &slog.HandlerOptions{Level: lv}
	switch format {
	case "text":
		return slog.New(slog.NewTextHandler(w, opts)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(w, opts)), nil
	}
	return nil, fmt.Errorf("--log-format %q: use text or json", format)
}

func serve(ctx context.Context, c serveConfig, stdout, stderr io.Writer) error {
	log, err := newLogger(stderr, c.logFormat, c.logLevel)
	if err != nil {
		return err
	}
	r, err := start(ctx, c, log)
	if err != nil {
		return err
	}
	if r.first != nil {
		printWelcome(stdout, r.first, r.url, c.data)
	}
	if r.metrics != "" {
		fmt.Fprintf(stdout, "botport metrics on http://%s/metrics\n", r.metrics)
	}
	// Last: scripts and tests wait for this line.
	fmt.Fprintf(stdout, "botport listening on %s (data: %s)\n", r.url, c.data)
	return r.wait(ctx)
}

// running is a started server: its API on url, its job queue, and what
// stopping it releases.
type running struct {
	url     string
	metrics string    // the address of --metrics-addr's listener, if any
	first   *firstApp // the default app, when this start created it
	log     *slog.Logger
	grace   time.Duration
	ready   *atomic.Bool
	srv     *http.Server
	served  chan error
	jobs    *river.Client[*sql.Tx]
	leave   func() // ends the replica's lease, after jobs stopped
	closers []func() error
}

// start opens the database and the blobs, wires the upload service, the
// importer, the exporter, the job queue and the HTTP API, and starts
// serving. It is the wiring of serve and demo; what differs between the
// database engines comes with the database (internal/database).
func start(ctx context.Context, c serveConfig, log *slog.Logger) (_ *running, err error) {
	r := &running{log: log, grace: c.shutdownGrace}
	defer func() {
		if err != nil {
			if r.jobs != nil {
				stopCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
				_ = r.jobs.StopAndCancel(stopCtx)
				cancel()
			}
			if r.leave != nil {
				r.leave()
			}
			r.close()
		}
	}()
	if err := os.MkdirAll(c.data, 0o700); err != nil {
		return nil, fmt.Errorf("data directory: %w", err)
	}
	// Earlier releases created files readable by all.
	if n, err := database.MakePrivate(c.data); err != nil {
		return nil, fmt.Errorf("data directory: %w", err)
	} else if n > 0 {
		log.Info("data directory made private to this user", "data", c.data, "changed", n)
	}
	st, err := openDatabase(ctx, c.data, c.database, c.keyFile, c.secretKey, log)
	if err != nil {
		return nil, err
	}
	r.closers = append(r.closers, st.Close)
	unlock, err := st.Lock()
	if err != nil {
		return nil, err
	}
	r.closers = append(r.closers, func() error { unlock(); return nil })
	if c.blobURL == "" {
		c.blobURL = filepath.Join(c.data, "blobs")
	}
	blobs, err := blob.Open(ctx, c.blobURL)
	if err != nil {
		return nil, err
	}
	r.closers = append(r.closers, blobs.Close)
	// Bind before creating anything: a start that cannot listen must not
	// create the default app, whose secret only a successful start prints.
	ln, err := net.Listen("tcp", c.addr)
	if err != nil {
		return nil, err
	}
	ln = httpapi.Listen(ln, int(c.maxConns))
	r.closers = append(r.closers, func() error { _ = ln.Close(); return nil })

	if app, acct, err := (&auth.AppAdmin{Store: st}).FirstStart(ctx); err != nil {
		return nil, err
	} else if app != nil {
		r.first = &firstApp{ClientID: app.ID, ClientSecret: app.Secret, AccountID: acct.ID}
	}

	uploads := &upload.Service{Files: st, Blobs: blobs, TTL: c.fileTTL, Logger: log}
	rep := newReplica(c, st, r)
	// The services that accept and end requests see the store through
	// the metrics' counters.
	m := metrics.New(prometheus.NewRegistry())
	counted := m.Store(st)
	imp := importer.New(importer.Config{
		ReplicaID: rep.ID(), AccountLimit: accountLimit(c.accountImports, rep),
		Store: counted, Blobs: blobs, Logger: log, Uploads: uploads, OnStage: m.Stage,
		MaxProblems: int(c.maxProblems),
		Zip:         exportzip.Limits{MaxEntries: int(c.zipEntries), MaxTotal: c.zipTotal, MaxRatio: int(c.zipRatio)},
		Timeout:     c.importTimeout,
	})
	exp := exporter.New(exporter.Config{
		Store: counted, Blobs: blobs, Logger: log,
		LinkTTL:   c.downloadTTL,
		Timeout:   c.importTimeout,
		ShortWait: c.exportWait,
	})
	pub := publish.New(publish.Config{Store: counted, Logger: log})
	vars := variables.New(variables.Config{Store: st, Logger: log})
	hooks := webhook.New(webhook.Config{Store: st, Documents: httpapi.EventDocuments{Store: st}, Logger: log,
		Destinations: webhook.Destinations{AllowPrivate: c.webhookAllowPrivate}, Observe: m.WebhookAttempt})
	workers := river.NewWorkers()
	river.AddWorker(workers, imp.Worker())
	river.AddWorker(workers, imp.CleanupWorker(c.retention))
	river.AddWorker(workers, exp.Worker())
	river.AddWorker(workers, exp.CleanupWorker(c.retention))
	river.AddWorker(workers, pub.Worker())
	river.AddWorker(workers, pub.CleanupWorker(c.retention))
	river.AddWorker(workers, uploads.CleanupWorker())
	river.AddWorker(workers, hooks.Worker())
	river.AddWorker(workers, hooks.CleanupWorker(c.retention))
	every := func(args river.JobArgs) *river.PeriodicJob {
		return river.NewPeriodicJob(river.PeriodicInterval(10*time.Minute),
			func() (river.JobArgs, *river.InsertOpts) { return args, nil },
			&river.PeriodicJobOpts{RunOnStart: true})
	}
	qc := st.Queue // the engine's poll interval and switches
	qc.ID, qc.Workers, qc.JobTimeout, qc.RescueAfter, qc.Logger = rep.ID(), int(c.workers), c.importTimeout, c.rescueAfter, log
	qc.Periodic = []*river.PeriodicJob{every(importer.CleanupArgs{}), every(exporter.CleanupArgs{}), every(upload.CleanupArgs{}),
		every(publish.CleanupArgs{}), every(webhook.CleanupArgs{})}
	qc.Queues = map[string]int{webhook.Queue: webhookWorkers}
	if c.pollInterval != 0 {
		qc.PollInterval = c.pollInterval
	}
	// The cooldown is the least time between two fetches: it also delays
	// the fetch a LISTEN/NOTIFY wake-up asks for, so it stays short (at
	// most 10 ms: 100 fetch queries a second per replica at the busiest).
	qc.Cooldown = min(max(qc.PollInterval/2, time.Millisecond), 10*time.Millisecond)
	jobs, err := queue.New(st.Driver, workers, qc)
	if err != nil {
		return nil, err
	}
	imp.SetJobs(jobs)
	exp.SetJobs(jobs)
	pub.SetJobs(jobs)
	hooks.SetJobs(jobs)
	m.Queue(jobs)
	// Jobs still running whose replica has stopped (on an exclusive
	// database: every one) go back to the queue before the client starts;
	// then the lease is renewed and the leader hands back the jobs of
	// replicas that die later (internal/replica).
	if err := joinReplica(ctx, r, rep, jobs, imp); err != nil {
		return nil, err
	}
	// Jobs keep running through shutdown's grace period, so they get their
	// own context; ctx only starts the stop.
	if err := jobs.Start(context.WithoutCancel(ctx)); err != nil {
		return nil, fmt.Errorf("start job queue: %w", err)
	}
	r.jobs = jobs
	startRelay(r, hooks)
	metricsAddr, err := serveMetrics(r, c.metricsAddr, m)
	if err != nil {
		return nil, err
	}
	r.metrics = metricsAddr
	var metricsHandler http.Handler
	if metricsAddr == "" {
		metricsHandler = m.Handler()
	}

	r.ready = &atomic.Bool{}
	var limiter *ratelimit.Limiter
	if c.rateLimitOn(st.Exclusive) {
		limiter = ratelimit.New(st, c.rules, nil, log)
	}
	apps := &auth.AppCache{Store: st}
	dash, stopDash, err := dashboard(ctx, dashboardDeps{store: st, apps: apps, importer: imp, exporter: exp, jobs: jobs, log: log, ready: r.ready,
		secure: strings.HasPrefix(c.publicURL, "https://")})
	if err != nil {
		return nil, err
	}
	r.closers = append(r.closers, func() error { stopDash(); return nil })
	handler := httpapi.NewServer(httpapi.Config{
		Store: st, Blobs: blobs, Importer: imp, Exporter: exp, Publisher: pub, Variables: vars, Logger: log, Ready: r.ready,
		Verifier: &auth.Verifier{Apps: apps, JTIs: st, Leeway: c.leeway}, UI: dash,
		Uploads: uploads, UploadLimit: c.uploadLimit, BodyLimit: c.bodyLim,
		PublicURL: c.publicURL,
		Limiter:   limiter, MaxInFlight: int(c.maxRequests),
		IO:       httpapi.IO{Grace: c.ioGrace, MinRate: c.minRate},
		Webhooks: hooks, Metrics: m, MetricsHandler: metricsHandler, Readiness: readiness(st, jobs),
	})
	// No server-wide read or write timeout: each request gets deadlines by
	// what it moves (httpapi.IO), so an upload of the largest file over a
	// slow link completes and a trickle does not. Headers must come within
	// 10 s, and an idle connection is closed after 2 minutes.
	if wrapHandler != nil {
		handler = wrapHandler(handler)
	}
	r.srv = &http.Server{Handler: handler, ReadHeaderTimeout: 10 * time.Second, MaxHeaderBytes: 64 << 10, IdleTimeout: 2 * time.Minute}
	r.served = make(chan error, 1)
	go func() { r.served <- r.srv.Serve(ln) }()
	r.url = "http://" + ln.Addr().String()
	r.ready.Store(true)
	log.Info("botport listening", "addr", ln.Addr().String(), "data", c.data, "database", st.Name, "blob", blob.Redact(c.blobURL),
		"rate_limits", limiter != nil, "metrics_addr", metricsAddr, "webhook_allow_private", c.webhookAllowPrivate)
	return r, nil
}

// wait serves until ctx ends, then shuts down: requests finish, running
// imports get the grace period, and what is still running then is
// cancelled and stays queued (the next start runs it again).
func (r *running) wait(ctx context.Context) error {
	defer r.close()
	select {
	case err := <-r.served:
		return err
	case <-ctx.Done():
	}
	r.log.Info("shutting down: finishing requests and running imports", "grace", r.grace)
	r.ready.Store(false)
	shutCtx, cancel := context.WithTimeout(context.Background(), r.grace)
	defer cancel()
	if err := r.srv.Shutdown(shutCtx); err != nil {
		r.log.Warn("http shutdown", "error", err)
	}
	if err := r.jobs.Stop(shutCtx); err != nil {
		r.log.Warn("imports still running at the end of the grace period: handing them back", "error", err)
		stopCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = r.jobs.StopAndCancel(stopCtx)
	}
	r.leave()
	if err := <-r.served; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	r.log.Info("stopped")
	return nil
}

func (r *running) close() {
	for i := len(r.closers) - 1; i >= 0; i-- {
		_ = r.closers[i]()
	}
	r.closers = nil
}

// firstApp is the default account and app created on first start.
type firstApp struct {
	ClientID, ClientSecret, AccountID string
}

func printWelcome(w io.Writer, a *firstApp, base, data string) {
	dataArg := ""
	if data != defaultData {
		dataArg = " --data " + shellQuote(data)
	}
	fmt.Fprintf(w, `
First start: created account "default" and app "default" (scopes %s).
  clientId:     %s
  clientSecret: %s
  accountId:    %s
The secret is shown once. More apps: botport apps create%s --name NAME --scope bot_import

Try it:
  TOKEN=$(botport token%s --app %s)
  curl -s -H "auth: $TOKEN" %s/api/public/bots

`, strings.Join(auth.Scopes, ", "), a.ClientID, a.ClientSecret, a.AccountID, dataArg, dataArg, a.ClientID, base)
}

func shellQuote(s string) string {
	if s != "" && !strings.ContainsAny(s, " \t\n'\"\\$`!*?[]{}()<>|&;#~") {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
