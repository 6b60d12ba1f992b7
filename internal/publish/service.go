// Package publish runs bot publishes (contract 4.9 and 4.10): Start
// accepts a publish and answers with the platform's per-resource results,
// its River job makes the bot's current version the published one when it
// runs, and Status reports the bot's latest publish.
//
// A publish is serialized with the imports into its bot, in acceptance
// order both ways (one order per bot, see store.Publish): it runs once
// every import accepted before it has ended, so it publishes what they
// committed, and an import accepted after it waits for it. The commit is
// one store transaction (botversion.Publish): a crash before it leaves the
// previous published version, and the job runs again from its start. It
// registers no route and writes no wire document: the HTTP layer does.
package publish

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/riverqueue/river"

	"github.com/botport/botport/internal/botversion"
	"github.com/botport/botport/internal/kore"
	"github.com/botport/botport/internal/queue"
	"github.com/botport/botport/internal/store"
)

// Store is what publishing needs of the store (store.Store has it all).
type Store interface {
	botversion.Store
	Records(ctx context.Context, accountID, versionID, file, member string, fn func(*store.Record) error) error

	CreatePublish(ctx context.Context, p *store.Publish, enqueue func(ctx context.Context, tx *sql.Tx) error) error
	Publish(ctx context.Context, accountID, id string) (*store.Publish, error)
	LatestPublish(ctx context.Context, accountID, botID string) (*store.Publish, error)
	PublishesAhead(ctx context.Context, botID string, after, seq int64) (int, error)
	ImportsAhead(ctx context.Context, botID string, seq int64) (int, error)
	FailPublish(ctx context.Context, id, message string, started, at time.Time) error
	DeleteFinishedPublishes(ctx context.Context, cutoff time.Time, limit int) (int, error)
}

// Config is the publisher's dependencies and limits.
type Config struct {
	Store       Store
	Logger      *slog.Logger
	Now         func() time.Time // defaults to time.Now
	MaxAttempts int              // tries of a publish job after faults (default 5)
	Timeout     time.Duration    // a publish run's time limit (default 1 minute)
}

// Service accepts, runs and reports publishes.
type Service struct {
	cfg      Config
	log      *slog.Logger
	jobs     queue.Inserter
	versions *botversion.Writer
}

// New returns a Service. Call SetJobs before Start.
func New(cfg Config) *Service {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.MaxAttempts <= 0 {
		cfg.MaxAttempts = 5
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = time.Minute
	}
	return &Service{cfg: cfg, log: cfg.Logger,
		versions: botversion.New(botversion.Config{Store: cfg.Store, Now: cfg.Now, Logger: cfg.Logger})}
}

// SetJobs sets the queue publishes are enqueued on. The River client is
// built with the publisher's workers, so it comes after New.
func (s *Service) SetJobs(j queue.Inserter) { s.jobs = j }

// PublishArgs is the River job of one publish.
type PublishArgs struct {
	AccountID string `json:"accountId"`
	PublishID string `json:"publishId"`
}

// Kind implements river.JobArgs.
func (PublishArgs) Kind() string { return "bot_publish" }

// MaxComment is the longest versionComment, in characters after trimming.
const MaxComment = 1000

// Request is an accepted publish request (contract 4.9).
type Request struct {
	Comment string // versionComment, trimmed: 1 to MaxComment characters
	Train   bool   // initiateTraining (default true): recorded, nothing to train
}

// CheckComment trims a versionComment and reports whether it is 1 to
// MaxComment characters: the field rule of contract 4.9.
func CheckComment(s string) (string, bool) {
	s = strings.TrimSpace(s)
	n := utf8.RuneCountInString(s)
	return s, n >= 1 && n <= MaxComment && utf8.ValidString(s)
}

// Accepted is an accepted publish, as its answer describes it.
type Accepted struct {
	ID          string
	BotID       string
	Comment     string
	PublishedOn time.Time // acceptance time: the platform's publishedOn
	Dialogs     []Dialog  // the bot's dialogs, in definition order
	Channels    []string  // the channel types the bot's definition enables
}

// Start accepts a publish of botID: it reads the dialogs and channels of
// the bot's current version for the answer, then writes the request and its
// job in one transaction. Errors: kore.ErrStreamID (unknown bot, or another
// account's); kore.ErrValidation (a comment CheckComment refuses); faults.
func (s *Service) Start(ctx context.Context, app *store.App, botID string, req Request) (*Accepted, error) {
	comment, ok := CheckComment(req.Comment)
	if !ok {
		return nil, kore.ErrValidation
	}
	bot, err := s.cfg.Store.Bot(ctx, app.AccountID, botID)
	if errors.Is(err, store.ErrNotFound) {
		return nil, kore.ErrStreamID
	}
	if err != nil {
		return nil, err
	}
	v, err := s.read(ctx, app.AccountID, bot.VersionID)
	if err != nil {
		return nil, err
	}
	p := &store.Publish{
		ID: kore.NewPublishID(), AccountID: app.AccountID, BotID: bot.ID, AppID: app.ID, CreatedBy: app.UserID,
		Comment: comment, Train: req.Train, Status: store.StatusPending, CreatedOn: s.cfg.Now(),
	}
	err = s.cfg.Store.CreatePublish(ctx, p, func(ctx context.Context, tx *sql.Tx) error {
		_, err := s.jobs.InsertTx(ctx, tx, PublishArgs{AccountID: p.AccountID, PublishID: p.ID}, &river.InsertOpts{MaxAttempts: s.cfg.MaxAttempts})
		return err
	})
	if errors.Is(err, store.ErrNotFound) {
		return nil, kore.ErrStreamID
	}
	if err != nil {
		return nil, fmt.Errorf("accept publish: %w", err)
	}
	s.log.InfoContext(ctx, "publish accepted", "publish", p.ID, "bot", p.BotID, "after_import", p.After, "app", app.ID)
	return &Accepted{ID: p.ID, BotID: bot.ID, Comment: comment, PublishedOn: p.CreatedOn, Dialogs: v.Dialogs, Channels: v.Channels}, nil
}

// Status is a publish request as its status document describes it.
type Status struct {
	ID          string
	BotID       string
	CreatedBy   string
	State       string // store.StatusPending, StatusSuccess or StatusFailure
	RequestedOn time.Time
	StartedOn   time.Time // zero until a run ended it
	FinishedOn  time.Time // zero while pending
	Channels    []string  // on success: the published version's enabled channel types
	Message     string    // on failure
}

// Status returns the bot's latest publish. Errors: kore.ErrStreamID
// (unknown bot); kore.ErrRequestID (never published, or its latest publish
// is past retention); faults.
func (s *Service) Status(ctx context.Context, app *store.App, botID string) (*Status, error) {
	if _, err := s.cfg.Store.Bot(ctx, app.AccountID, botID); errors.Is(err, store.ErrNotFound) {
		return nil, kore.ErrStreamID
	} else if err != nil {
		return nil, err
	}
	p, err := s.cfg.Store.LatestPublish(ctx, app.AccountID, botID)
	if errors.Is(err, store.ErrNotFound) {
		return nil, kore.ErrRequestID
	}
	if err != nil {
		return nil, err
	}
	return StatusOf(p)
}

// StatusOf describes a publish request as its status document does.
// Errors: a stored detail that does not decode (a fault).
func StatusOf(p *store.Publish) (*Status, error) {
	st := &Status{ID: p.ID, BotID: p.BotID, CreatedBy: p.CreatedBy, State: p.Status, RequestedOn: p.CreatedOn,
		StartedOn: p.StartedOn, FinishedOn: p.FinishedOn, Message: p.Message}
	if p.Status == store.StatusSuccess {
		d, err := decodeDetail(p.Detail)
		if err != nil {
			return nil, fmt.Errorf("publish %s detail: %w", p.ID, err)
		}
		st.Channels = d.Channels
	}
	return st, nil
}
