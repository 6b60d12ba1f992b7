// Package importer runs bot imports: it accepts requests (Start), and its
// River worker runs each one through the platform's stages, writing the
// status document as stages finish and committing the new bot version
// atomically at the end.
package importer

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"path"
	"strings"
	"time"

	"github.com/riverqueue/river"

	"github.com/botport/botport/internal/blob"
	"github.com/botport/botport/internal/botdef"
	"github.com/botport/botport/internal/botversion"
	"github.com/botport/botport/internal/exportzip"
	"github.com/botport/botport/internal/kore"
	"github.com/botport/botport/internal/queue"
	"github.com/botport/botport/internal/store"
	"github.com/botport/botport/internal/upload"
)

// Store is what the importer needs of the store: import requests and the
// files they use, bots and their versions to read, and the version-write
// protocol's methods (botversion.Store). store.Store has them all.
type Store interface {
	botversion.Store

	File(ctx context.Context, accountID, id string) (*store.File, error)
	ExpiredFiles(ctx context.Context, now time.Time, limit int) ([]*store.File, error)
	DeleteFile(ctx context.Context, id string) error

	CreateImport(ctx context.Context, imp *store.Import, limit int, enqueue store.Enqueue) error
	Import(ctx context.Context, accountID, id string) (*store.Import, error)
	StartImportRun(ctx context.Context, id, replica string) error
	ImportDoc(ctx context.Context, accountID, id string) (doc []byte, status string, err error)
	ImportState(ctx context.Context, accountID, id string, haveRev int64) (*store.ImportState, error)
	CancelImport(ctx context.Context, accountID, id string, stop store.StopJob, cancelled func(doc []byte) ([]byte, error), at time.Time) (bool, error)
	FinishCancelled(ctx context.Context, id string, doc []byte, at time.Time) error
	DeleteExpiredIdempotencyKeys(ctx context.Context, now time.Time, limit int) (int, error)
	ReleaseImport(ctx context.Context, id string, limit int, wake store.Wake) (int, error)
	AdmitImports(ctx context.Context, limit int, wake store.Wake) (int, error)
	SaveImportDoc(ctx context.Context, id string, doc []byte) error
	SaveImportTimes(ctx context.Context, id string, times []byte) error
	FinishImport(ctx context.Context, id, status string, doc []byte, at time.Time) error
	ImportsAhead(ctx context.Context, botID string, seq int64) (int, error)
	PublishesAhead(ctx context.Context, botID string, after, seq int64) (int, error)
	DeleteFinishedImports(ctx context.Context, cutoff time.Time, limit int) (int, error)
	DiscardAbandoned(ctx context.Context, cutoff time.Time, limit int) (int, error)
	DeleteOrphanBodies(ctx context.Context, cutoff time.Time, limit int) (examined, deleted int, err error)

	Version(ctx context.Context, accountID, versionID string) (*store.Version, error)
	Versions(ctx context.Context, accountID, botID string) ([]*store.Version, error)
	Records(ctx context.Context, accountID, versionID, file, member string, fn func(*store.Record) error) error
	RecordMeta(ctx context.Context, accountID, versionID string) ([]store.Record, error)
	Links(ctx context.Context, versionID string) ([]store.Link, error)

	// Staging an import's version, between botversion's Stage and Commit.
	PutRecords(ctx context.Context, accountID, versionID string, recs []store.Record) error
	PutRecordRefs(ctx context.Context, accountID, versionID string, recs []store.Record) error
	PutBody(ctx context.Context, accountID string, hash, body []byte, at time.Time) error
	PutLinks(ctx context.Context, versionID string, links []store.Link) error
	SetVersionLayout(ctx context.Context, versionID string, layout []byte) error
	DiscardVersion(ctx context.Context, versionID string) error
}

// Uploads finds the uploaded files a request names (upload.Service).
type Uploads interface {
	// Usable returns the account's file id if it may be used at now, else
	// kore.ErrFileID.
	Usable(ctx context.Context, accountID, id string, now time.Time) (*store.File, error)
}

// Config is the importer's dependencies and limits.
type Config struct {
	Store  Store
	Blobs  *blob.Store
	Logger *slog.Logger
	Now    func() time.Time // defaults to time.Now
	// Uploads finds the uploaded files a request names (default: a service
	// over Store and Blobs).
	Uploads Uploads

	MaxProblems int              // problems kept per severity in a status entry (default 100)
	Zip         exportzip.Limits // export zip bounds
	MaxAttempts int              // tries of an import job after faults (default 5)
	Timeout     time.Duration    // an import run's time limit (default 10 minutes)
	SaveEvery   time.Duration    // least interval between progress writes (default 100 ms)
	// BusyWait bounds how long a bot-functions write or a restore waits for
	// a bot an import holds before answering ErrBusy (default 5 s).
	BusyWait time.Duration
	// CancelWait bounds how long Cancel waits for a running import to stop
	// (default 5 s).
	CancelWait time.Duration
	// ReplicaID names this server process (internal/replica): a pending
	// import records the replica that runs it, so that its status says when
	// it waits for recovery.
	ReplicaID string
	// AccountLimit returns the most imports one account may have admitted
	// (running or ready to run) at once, across replicas; <= 0, or a nil
	// func: no limit. Fair sharing: an account's further imports wait,
	// parked, until one of its own ends, so other accounts' imports find
	// free workers.
	AccountLimit func() int
	// OnStage, when set, is told how long each stage of a run took, by
	// its taskType, as the stage ends (metrics).
	OnStage func(taskType string, d time.Duration)
}

// ErrBusy answers a bot-functions write or a restore that waited
// Config.BusyWait for an import merging again into the same bot (botport
// extension: 409 with Retry-After). The write changed nothing; sending it
// again shortly succeeds.
var ErrBusy = kore.ErrBusy

// Service accepts and runs imports.
type Service struct {
	cfg      Config
	log      *slog.Logger
	jobs     queue.Admitter
	jobCtl   JobControl // nil: Cancel leaves every job to find its cancel when it runs
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
	if cfg.MaxProblems <= 0 {
		cfg.MaxProblems = 100
	}
	if cfg.MaxAttempts <= 0 {
		cfg.MaxAttempts = 5
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 10 * time.Minute
	}
	if cfg.SaveEvery <= 0 {
		cfg.SaveEvery = 100 * time.Millisecond
	}
	if cfg.CancelWait <= 0 {
		cfg.CancelWait = 5 * time.Second
	}
	if files, ok := cfg.Store.(upload.Files); ok && cfg.Uploads == nil {
		cfg.Uploads = &upload.Service{Files: files, Blobs: cfg.Blobs}
	}
	versions := botversion.New(botversion.Config{Store: cfg.Store, Now: cfg.Now, Logger: cfg.Logger, BusyWait: cfg.BusyWait})
	return &Service{cfg: cfg, log: cfg.Logger, versions: versions}
}

// SetJobs sets the queue imports are enqueued on. The River client is built
// with the importer's workers, so it comes after New. A queue that is also
// a JobControl (River's client is) lets Cancel end idle imports at once.
func (s *Service) SetJobs(j queue.Admitter) {
	s.jobs = j
	s.jobCtl, _ = j.(JobControl)
}

// ImportArgs is the River job of one import.
type ImportArgs struct {
	AccountID string `json:"accountId"`
	ImportID  string `json:"importId"`
}

// Kind implements river.JobArgs.
func (ImportArgs) Kind() string { return "bot_import" }

// Start accepts an import into botID ("" for a new bot). It makes the
// contract's checks in order (bot id, component selection, file ids, old
// Universal Bot), writes the request and its job in one transaction and
// returns the start document. Refusals are *kore.Error values.
func (s *Service) Start(ctx context.Context, app *store.App, botID string, req *Request) ([]byte, error) {
	st := s.cfg.Store
	var bot *store.Bot
	if botID != "" {
		b, err := st.Bot(ctx, app.AccountID, botID)
		if errors.Is(err, store.ErrNotFound) {
			return nil, kore.ErrStreamID
		}
		if err != nil {
			return nil, err
		}
		bot = b
	}
	if req.Options != nil && req.Options.Empty() {
		return nil, kore.ErrNoComponent
	}
	now := s.cfg.Now()
	files := map[string]*store.File{}
	for _, id := range req.FileIDs() {
		f, err := s.file(ctx, app.AccountID, id, now)
		if err != nil {
			return nil, err
		}
		files[id] = f
	}
	head, configName := s.peek(ctx, req, files)
	if head.UniversalBot {
		if bot != nil {
			return nil, kore.ErrUniversalBotExisting
		}
		return nil, kore.ErrUniversalBot
	}
	imp := &store.Import{
		ID:        kore.NewImportID(),
		AccountID: app.AccountID,
		AppID:     app.ID,
		CreatedBy: app.UserID,
		Status:    store.StatusPending,
		FileIDs:   req.FileIDs(),
		CreatedOn: now,
		DryRun:    req.DryRun,
	}
	streamID := ""
	if bot != nil {
		imp.BotID, imp.StreamRefID, imp.BotName = bot.ID, bot.RefID, taskName(bot.Name)
		streamID = bot.ID
	} else {
		imp.BotID, imp.StreamRefID, imp.NewBot = kore.NewBotID(), kore.NewUUID(), true
		// A name over botdef.MaxBotName fails the import (Bot Definition,
		// located); until then the status entries show it cut.
		imp.BotName = taskName(firstNonEmpty(req.Name, configName, head.Name, fallbackName(req, files)))
	}
	doc := newDoc(imp.ID, imp.StreamRefID, imp.CreatedBy, imp.BotName, streamID, now)
	doc.DryRun = req.DryRun
	imp.Doc = doc.Encode()
	var err error
	if imp.Request, err = json.Marshal(req); err != nil {
		return nil, err
	}
	err = st.CreateImport(ctx, imp, s.limit(), func(ctx context.Context, tx *sql.Tx, park bool) (int64, error) {
		res, err := s.jobs.InsertTx(ctx, tx, ImportArgs{AccountID: imp.AccountID, ImportID: imp.ID},
			&river.InsertOpts{MaxAttempts: s.cfg.MaxAttempts, Pending: park})
		if err != nil {
			return 0, err
		}
		return res.Job.ID, nil
	})
	if err != nil {
		return nil, fmt.Errorf("accept import: %w", err)
	}
	s.log.InfoContext(ctx, "import accepted", "import", imp.ID, "bot", imp.BotID, "new_bot", imp.NewBot,
		"mode", req.Mode, "dry_run", req.DryRun, "app", app.ID)
	return imp.Doc, nil
}

// limit is the account limit now (0: none).
func (s *Service) limit() int {
	if s.cfg.AccountLimit == nil {
		return 0
	}
	return s.cfg.AccountLimit()
}

// wake makes a parked import's job ready to run, in the store's
// transaction that admits it.
func (s *Service) wake(ctx context.Context, tx *sql.Tx, jobID int64) error {
	_, err := s.jobs.JobRetryTx(ctx, tx, jobID)
	return err
}

// release frees the slot of an import that has ended and admits its
// account's next parked imports. A failure is logged: Admit repairs it.
func (s *Service) release(ctx context.Context, args ImportArgs) {
	n, err := s.cfg.Store.ReleaseImport(ctx, args.ImportID, s.limit(), s.wake)
	if err != nil {
		s.log.WarnContext(ctx, "release the import's slot", "import", args.ImportID, "error", err)
		return
	}
	if n > 0 {
		s.log.DebugContext(ctx, "imports admitted", "after", args.ImportID, "admitted", n)
	}
}

// Admit repairs fair sharing: it frees the slots of imports that ended
// without releasing them (their process died in between) and admits
// parked imports up to the limit (which grows when replicas join). The
// leader replica calls it after each renewal. Errors: the store's.
func (s *Service) Admit(ctx context.Context) (int, error) {
	return s.cfg.Store.AdmitImports(ctx, s.limit(), s.wake)
}

// file returns an uploaded file the account may use now, or
// kore.ErrFileID (upload.Service.Usable).
func (s *Service) file(ctx context.Context, accountID, id string, now time.Time) (*store.File, error) {
	return s.cfg.Uploads.Usable(ctx, accountID, id, now)
}

// peek reads just enough of the upload to refuse an old Universal Bot and
// to name a new bot: a bounded amount whatever the files' sizes (a zip's
// directory within exportzip's bounds, the first botdef.PeekDefinition
// bytes of the definition, botdef.PeekConfig of config.json), so a start
// costs little however large the upload. Unreadable content is not refused
// here: the pipeline reports it, located, in the status document, and
// refuses an old Universal Bot the peek could not tell.
func (s *Service) peek(ctx context.Context, req *Request, files map[string]*store.File) (*botdef.Head, string) {
	head := &botdef.Head{}
	var configName string
	open := func(key string) io.ReadCloser {
		rc, err := s.cfg.Blobs.Open(ctx, key)
		if err != nil {
			return nil
		}
		return rc
	}
	if req.Mode == ModeJSON {
		if rc := open(files[req.BotDefinition].BlobKey); rc != nil {
			head = botdef.Peek(rc)
			rc.Close()
		}
		if rc := open(files[req.ConfigInfo].BlobKey); rc != nil {
			configName = botdef.PeekConfigName(rc)
			rc.Close()
		}
		return head, configName
	}
	ra, err := s.cfg.Blobs.NewReaderAt(ctx, files[req.ZipInfo].BlobKey)
	if err != nil {
		return head, ""
	}
	defer ra.Close()
	b, err := exportzip.Read(ra, ra.Size(), s.cfg.Zip)
	if err != nil {
		return head, ""
	}
	if rc, err := exportzip.Open(b.Definition); err == nil {
		head = botdef.Peek(rc)
		rc.Close()
	}
	if rc, err := exportzip.Open(b.Config); err == nil {
		configName = botdef.PeekConfigName(rc)
		rc.Close()
	}
	return head, configName
}

// fallbackName names a new bot whose upload names none: after the zip's or
// the definition's file name.
func fallbackName(req *Request, files map[string]*store.File) string {
	id := req.BotDefinition
	if req.Mode == ModeZIP {
		id = req.ZipInfo
	}
	if f := files[id]; f != nil {
		if n := strings.TrimSuffix(f.Name, path.Ext(f.Name)); n != "" && n != "file" && n != "botDefinition" {
			return n
		}
	}
	return "Imported bot"
}

func firstNonEmpty(vals ...string) string {
	for _, v := range vals {
		if v = strings.TrimSpace(v); v != "" {
			return v
		}
	}
	return ""
}
