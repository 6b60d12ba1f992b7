// Package exporter runs bot exports: it accepts requests (Start), and its
// River worker writes the export zip of the bot version the request
// snapshotted into the blob store. Status answers the bot's latest request
// with a signed download link, and Download serves the zip behind such a
// link without an app's credentials.
package exporter

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"sync"
	"time"

	"github.com/riverqueue/river"

	"github.com/botport/botport/internal/blob"
	"github.com/botport/botport/internal/kore"
	"github.com/botport/botport/internal/queue"
	"github.com/botport/botport/internal/store"
)

// RequestType is the export documents' requestType.
const RequestType = "Botexport"

// Config is the exporter's dependencies and limits.
type Config struct {
	Store  Store
	Blobs  *blob.Store
	Logger *slog.Logger
	Now    func() time.Time // defaults to time.Now

	LinkTTL     time.Duration // lifetime of a download link (default 1 hour)
	MaxAttempts int           // tries of an export job after faults (default 5)
	Timeout     time.Duration // an export run's time limit (default 10 minutes)
}

// Service accepts, runs and serves exports.
type Service struct {
	cfg  Config
	log  *slog.Logger
	jobs queue.Inserter

	keyMu sync.Mutex
	key   []byte // download-link signing key, loaded once from the store
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
	return &Service{cfg: cfg, log: cfg.Logger}
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

// startDoc is the answer of an accepted export (contract 4.6), in the
// platform's field order.
type startDoc struct {
	Status      string `json:"status"`
	StreamID    string `json:"streamId"`
	CreatedBy   string `json:"createdBy"`
	ExportType  string `json:"exportType"`
	RequestType string `json:"requestType"`
	ID          string `json:"_id"`
	CreatedOn   string `json:"createdOn"`
	V           int    `json:"__v"`
}

// Start accepts an export of botID. It makes the contract's checks in order
// (bot id, then component selection), snapshots the bot's current version,
// writes the request and its job in one transaction and returns the start
// document. Refusals are *kore.Error values.
func (s *Service) Start(ctx context.Context, app *store.App, botID string, req *Request) ([]byte, error) {
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
	stored, err := json.Marshal(req)
	if err != nil {
		return nil, err
	}
	exp := &store.Export{
		ID:         kore.NewExportID(),
		AccountID:  app.AccountID,
		BotID:      bot.ID,
		VersionID:  bot.VersionID, // later imports do not change what this export holds
		CreatedBy:  app.UserID,
		ExportType: req.ExportType,
		Options:    stored,
		Status:     store.StatusPending,
		CreatedOn:  s.cfg.Now(),
	}
	err = s.cfg.Store.CreateExport(ctx, exp, func(ctx context.Context, tx *sql.Tx) error {
		_, err := s.jobs.InsertTx(ctx, tx, ExportArgs{AccountID: exp.AccountID, ExportID: exp.ID},
			&river.InsertOpts{MaxAttempts: s.cfg.MaxAttempts})
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("accept export: %w", err)
	}
	s.log.InfoContext(ctx, "export accepted", "export", exp.ID, "bot", exp.BotID, "version", exp.VersionID,
		"subset", req.Options != nil || len(req.Dialogs) > 0, "app", app.ID)
	return encode(startDoc{
		Status: exp.Status, StreamID: exp.BotID, CreatedBy: exp.CreatedBy, ExportType: exp.ExportType,
		RequestType: RequestType, ID: exp.ID, CreatedOn: kore.FormatTime(exp.CreatedOn),
	}), nil
}

// statusDoc is the export status document (contract 4.7), in the
// platform's field order; the download fields come only on success, the
// message only on failure.
type statusDoc struct {
	ID          string     `json:"_id"`
	BotID       string     `json:"botId"`
	StreamID    string     `json:"streamId"`
	CreatedBy   string     `json:"createdBy"`
	ExportType  string     `json:"exportType"`
	RequestType string     `json:"requestType"`
	Status      string     `json:"status"`
	CreatedOn   string     `json:"createdOn"`
	V           int        `json:"__v"`
	DownloadURL string     `json:"downloadURL,omitempty"`
	FileID      string     `json:"fileId,omitempty"`
	Store       *storeInfo `json:"store,omitempty"`
	FileSize    string     `json:"fileSize,omitempty"` // a string, as the platform sends it
	Message     string     `json:"message,omitempty"`
}

type storeInfo struct {
	URLParams string `json:"urlParams"`
}

// Status returns the document of the bot's latest export request. On
// success it carries a download link under publicBase (scheme and host, no
// trailing slash), signed afresh on every call.
func (s *Service) Status(ctx context.Context, app *store.App, botID, publicBase string) ([]byte, error) {
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
	doc := statusDoc{
		ID: exp.ID, BotID: exp.BotID, StreamID: exp.BotID, CreatedBy: exp.CreatedBy, ExportType: exp.ExportType,
		RequestType: RequestType, Status: exp.Status, CreatedOn: kore.FormatTime(exp.CreatedOn),
	}
	switch exp.Status {
	case store.StatusSuccess:
		query, err := s.signedQuery(ctx, exp.ID, s.cfg.Now().Add(s.cfg.LinkTTL))
		if err != nil {
			return nil, err
		}
		doc.DownloadURL = publicBase + DownloadPath + exp.ID + "?" + query
		doc.FileID, doc.Store = exp.FileID, &storeInfo{URLParams: query}
		doc.FileSize = strconv.FormatInt(exp.FileSize, 10)
	case store.StatusFailure:
		doc.Message = exp.Message
	}
	return encode(doc), nil
}

// encode writes a document as clients receive it: no HTML escaping (links
// carry &), no trailing newline.
func encode(v any) []byte {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		panic(err) // documents hold only strings and ints
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n"))
}
