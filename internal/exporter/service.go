// Package exporter runs bot exports: it accepts requests (Start), and its
// River worker writes the export zip of the bot version the request
// snapshotted into the blob store. Status reports the bot's latest request
// with a freshly signed download link, and Download opens the zip such a
// link names, without an app's credentials. It registers no route and
// builds no URL: the HTTP layer writes the documents and the links.
package exporter

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/riverqueue/river"

	"github.com/botport/botport/internal/blob"
	"github.com/botport/botport/internal/kore"
	"github.com/botport/botport/internal/queue"
	"github.com/botport/botport/internal/store"
)

// Config is the exporter's dependencies and limits.
type Config struct {
	Store  Store
	Blobs  *blob.Store
	Logger *slog.Logger
	Now    func() time.Time // defaults to time.Now

	LinkTTL     time.Duration // lifetime of a download link (default 1 hour)
	MaxAttempts int           // tries of an export job after faults (default 5)
	Timeout     time.Duration // an export run's time limit (default 10 minutes)
	// ShortWait is the short-export bound (default 250 ms; negative: never
	// wait): Start answers only once an export it expects to finish within
	// it has finished, at most that long (see awaitShort).
	ShortWait time.Duration
}

// Service accepts, runs and serves exports.
type Service struct {
	cfg  Config
	log  *slog.Logger
	jobs queue.Inserter

	keyMu sync.Mutex
	key   []byte // download-link signing key, loaded once from the store

	short shortExports
}

// New returns a Service. Call SetJobs before Start.
func New(cfg Config) *Service {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.LinkTTL <= 0 {
		cfg.LinkTTL = time.Hour
	}
	if cfg.MaxAttempts <= 0 {
		cfg.MaxAttempts = 5
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 10 * time.Minute
	}
	if cfg.ShortWait == 0 {
		cfg.ShortWait = DefaultShortWait
	}
	return &Service{cfg: cfg, log: cfg.Logger, short: shortExports{waiting: map[string]*shortWait{}}}
}

// SetJobs sets the queue exports are enqueued on. The River client is built
// with the exporter's workers, so it comes after New.
func (s *Service) SetJobs(j queue.Inserter) { s.jobs = j }

// ExportArgs is the River job of one export.
type ExportArgs struct {
	AccountID string `json:"accountId"`
	ExportID  string `json:"exportId"`
}

// Kind implements river.JobArgs.
func (ExportArgs) Kind() string { return "bot_export" }

// Status is an export request as its start and status documents describe
// it (contract 4.6 and 4.7). The HTTP layer writes the documents; the
// download link's URL is its business too.
type Status struct {
	ID         string // the BER
	BotID      string
	CreatedBy  string
	ExportType string
	State      string // store.StatusPending, StatusSuccess or StatusFailure: the documents' status
	CreatedOn  time.Time

	// On success: the zip's id and size, and a link signed afresh.
	FileID   string
	FileSize int64
	Link     *Link

	// On failure: why.
	Message string
}

// Link is the signature of a download link: the link to the export is
// valid until Expires (Unix seconds), and Sig is Sign's signature of it.
type Link struct {
	Expires int64
	Sig     string
}

// Start accepts an export of botID. It makes the contract's checks in order
// (bot id, component selection, then a published version for exportType
// published), snapshots the version the type names (the current one, or
// the one the last publish made live), writes the request and its job in
// one transaction and returns the accepted request. An export expected to
// finish within Config.ShortWait is waited for first (awaitShort), so that
// a client reading the status once right after sees it ended. It refuses
// an unknown bot (kore.ErrStreamID), options that select nothing
// (kore.ErrNoComponent) and a published export of a bot never published
// (kore.ErrNotPublished); other errors are faults.
func (s *Service) Start(ctx context.Context, app *store.App, botID string, req *Request) (*Status, error) {
	bot, err := s.cfg.Store.Bot(ctx, app.AccountID, botID)
	if errors.Is(err, store.ErrNotFound) {
		return nil, kore.ErrStreamID
	}
	if err != nil {
		return nil, err
	}
	if req.Options.Empty() {
		return nil, kore.ErrNoComponent
	}
	vid := bot.VersionID // later imports do not change what this export holds
	if req.ExportType == TypePublished {
		if bot.PublishedVersionID == "" {
			return nil, kore.ErrNotPublished
		}
		vid = bot.PublishedVersionID
	}
	stored, err := json.Marshal(req)
	if err != nil {
		return nil, err
	}
	exp := &store.Export{
		ID:         kore.NewExportID(),
		AccountID:  app.AccountID,
		BotID:      bot.ID,
		VersionID:  vid,
		CreatedBy:  app.UserID,
		ExportType: req.ExportType,
		Options:    stored,
		Status:     store.StatusPending,
		CreatedOn:  s.cfg.Now(),
	}
	wait := s.shortExport(ctx, exp)
	defer wait.stop()
	err = s.cfg.Store.CreateExport(ctx, exp, func(ctx context.Context, tx *sql.Tx) error {
		_, err := s.jobs.InsertTx(ctx, tx, ExportArgs{AccountID: exp.AccountID, ExportID: exp.ID},
			&river.InsertOpts{MaxAttempts: s.cfg.MaxAttempts})
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("accept export: %w", err)
	}
	s.log.InfoContext(ctx, "export accepted", "export", exp.ID, "bot", exp.BotID, "version", exp.VersionID, "type", exp.ExportType,
		"subset", req.Options != nil || len(req.Dialogs) > 0, "content_bytes", wait.size, "wait", wait.bound, "app", app.ID)
	wait.await(ctx)
	return status(exp), nil
}

func status(exp *store.Export) *Status {
	return &Status{ID: exp.ID, BotID: exp.BotID, CreatedBy: exp.CreatedBy, ExportType: exp.ExportType, State: exp.Status,
		CreatedOn: exp.CreatedOn}
}

// Status returns the bot's latest export request. On success it carries a
// download link signed afresh, valid for the configured link lifetime. It
// refuses an unknown bot (kore.ErrStreamID) and a bot with no export, or
// none within retention (kore.ErrRequestID); other errors are faults.
func (s *Service) Status(ctx context.Context, app *store.App, botID string) (*Status, error) {
	st := s.cfg.Store
	if _, err := st.Bot(ctx, app.AccountID, botID); errors.Is(err, store.ErrNotFound) {
		return nil, kore.ErrStreamID
	} else if err != nil {
		return nil, err
	}
	exp, err := st.LatestExport(ctx, app.AccountID, botID)
	if errors.Is(err, store.ErrNotFound) {
		return nil, kore.ErrRequestID // never exported, or past retention
	}
	if err != nil {
		return nil, err
	}
	out := status(exp)
	switch exp.Status {
	case store.StatusSuccess:
		link, err := s.sign(ctx, exp.ID, s.cfg.Now().Add(s.cfg.LinkTTL))
		if err != nil {
			return nil, err
		}
		out.FileID, out.FileSize, out.Link = exp.FileID, exp.FileSize, link
	case store.StatusFailure:
		out.Message = exp.Message
	}
	return out, nil
}
