package main

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver"
	"github.com/riverqueue/river/rivertype"

	"github.com/botport/botport/internal/database"
	"github.com/botport/botport/internal/metrics"
	"github.com/botport/botport/internal/webhook"
)

// This file wires what operators watch and what tells other systems:
// metrics, readiness, and webhooks.

// webhookWorkers is how many deliveries one replica sends at once.
const webhookWorkers = 8

// bindOperateFlags binds the metrics and webhook flags.
func bindOperateFlags(s *settings, c *serveConfig) {
	s.str(&c.metricsAddr, "metrics-addr", "", "serve GET /metrics on this address only (default: on the API's address)")
	s.boolean(&c.webhookAllowPrivate, "webhook-allow-private", false,
		"let webhooks reach loopback, private and link-local addresses (tests, closed networks)")
}

// boolean binds a flag whose default comes from a BOTPORT_* variable
// (true, false, 1, 0).
func (s *settings) boolean(p *bool, flag string, def bool, usage string) {
	if v := s.getenv(s.envName(flag)); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			s.errs = append(s.errs, fmt.Errorf("%s=%q: %v", s.envName(flag), v, err))
		} else {
			def = b
		}
	}
	s.fs.BoolVar(p, flag, def, usage+" (env "+s.envName(flag)+")")
}

// startRelay runs the webhook relay until the server closes.
func startRelay(r *running, hooks *webhook.Service) {
	ctx, stop := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); hooks.Relay(ctx) }()
	r.closers = append(r.closers, func() error { stop(); <-done; return nil })
}

// serveMetrics serves GET /metrics on its own address, when one is set;
// it returns the address it listens on ("" when none).
func serveMetrics(r *running, addr string, m *metrics.Metrics) (string, error) {
	if addr == "" {
		return "", nil
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return "", fmt.Errorf("--metrics-addr: %w", err)
	}
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", m.Handler())
	var h http.Handler = mux
	if wrapHandler != nil {
		h = wrapHandler(h) // the tests' OpenAPI check (serve.go)
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			r.log.Warn("metrics server stopped", "error", err)
		}
	}()
	r.closers = append(r.closers, func() error {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		return srv.Shutdown(ctx)
	})
	return ln.Addr().String(), nil
}

// readiness tells whether the store and the queue answer: a read of the
// store, and a count of available jobs through River's driver.
func readiness(st *database.DB, jobs *river.Client[*sql.Tx]) func(ctx context.Context) error {
	return func(ctx context.Context) error {
		if _, err := st.AppsGeneration(ctx); err != nil {
			return fmt.Errorf("store: %w", err)
		}
		if _, err := jobs.Driver().GetExecutor().JobCountByState(ctx,
			&riverdriver.JobCountByStateParams{State: rivertype.JobStateAvailable}); err != nil {
			return fmt.Errorf("queue: %w", err)
		}
		return nil
	}
}
