package main

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"net/http"
	"sync/atomic"

	"github.com/riverqueue/river"
	"riverqueue.com/riverui"

	"github.com/botport/botport/internal/exporter"
	"github.com/botport/botport/internal/importer"
	"github.com/botport/botport/internal/ui"
)

// dashboardDeps is what the web dashboard is wired from.
type dashboardDeps struct {
	store    ui.Store
	apps     ui.Apps
	importer *importer.Service
	exporter *exporter.Service
	jobs     *river.Client[*sql.Tx]
	log      *slog.Logger
	ready    *atomic.Bool
	secure   bool // the cookies are Secure whatever the request's scheme
}

// dashboard builds the web dashboard served at /ui/, with River UI at
// /ui/jobs for administrator apps. River UI's background services run
// until stop is called.
func dashboard(ctx context.Context, d dashboardDeps) (h http.Handler, stop func(), err error) {
	jobsUI, err := riverui.NewHandler(&riverui.HandlerOpts{
		Endpoints: riverui.NewEndpoints(d.jobs, nil),
		Logger:    d.log.With("component", "riverui"),
		Prefix:    "/ui/jobs",
	})
	if err != nil {
		return nil, nil, fmt.Errorf("river ui: %w", err)
	}
	uiCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	if err := jobsUI.Start(uiCtx); err != nil {
		cancel()
		return nil, nil, fmt.Errorf("river ui: %w", err)
	}
	h, err = ui.New(ui.Config{
		Store: d.store, Apps: d.apps, Importer: d.importer, Exporter: d.exporter,
		Differ: ui.RecordsDiffer{Store: d.store}, Jobs: jobsUI, Logger: d.log, Ready: d.ready, SecureCookies: d.secure,
	})
	if err != nil {
		cancel()
		return nil, nil, err
	}
	return h, cancel, nil
}
