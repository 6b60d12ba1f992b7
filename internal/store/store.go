// Package store defines botport's storage seam: the records botport keeps
// (accounts, apps, uploaded files, import requests, bots and their immutable
// versions) and the Store interface every database implementation satisfies.
// Implementations live in sub-packages; storetest is the conformance suite
// they all pass.
//
// Every lookup that a client can reach takes the account id and answers
// ErrNotFound for another account's row, exactly as for a missing one.
package store

import (
	"context"
	"database/sql"
	"errors"
	"time"
)

// Errors returned by Store methods. Implementations wrap driver errors with
// context; callers test with errors.Is.
var (
	// ErrNotFound means no row matched, including rows of another account.
	ErrNotFound = errors.New("store: not found")
	// ErrConflict means an optimistic write lost a race: the bot's current
	// version moved, or the import being finished is no longer pending.
	ErrConflict = errors.New("store: conflict")
)

// Account owns apps, files, bots and requests.
type Account struct {
	ID        string // 24 hex
	Name      string
	CreatedOn time.Time
}

// App is a client app: the credential a JWT is signed with.
type App struct {
	ID         string // cs-<uuid>
	AccountID  string
	Name       string
	Secret     string // HMAC key, used as its UTF-8 bytes
	Algorithm  string // HS256 or HS512
	Scopes     []string
	UserID     string // u-<uuid>: createdBy of everything the app starts
	Disabled   bool
	EnforceJTI bool // JTI rules (contract 2.3); enforced by a later release
	CreatedOn  time.Time
}

// HasScope reports whether the app holds scope.
func (a *App) HasScope(scope string) bool {
	for _, s := range a.Scopes {
		if s == scope {
			return true
		}
	}
	return false
}

// File is an uploaded file. Its bytes live in the blob store under BlobKey.
type File struct {
	ID        string // 24 hex
	AccountID string
	BlobKey   string
	Name      string // base name given by the client
	Context   string // fileContext, e.g. bulkImport
	Extension string // json, js, png or zip
	Size      int64
	SHA1      string // 40 lowercase hex
	CreatedOn time.Time
	ExpiresOn time.Time
}

// Import statuses, as the status document spells them.
const (
	StatusPending = "pending"
	StatusSuccess = "success"
	StatusFailure = "failure"
)

// Import is one bot import request (a BIR). Request and Doc are opaque to the
// store: the importer owns their encoding.
type Import struct {
	ID          string // bir-<uuid>
	Seq         int64  // acceptance order, assigned by CreateImport
	AccountID   string
	AppID       string
	CreatedBy   string // u-<uuid> of the app
	BotID       string // target bot; for a new bot, the id it will get
	NewBot      bool
	StreamRefID string
	BotName     string
	Status      string
	Request     []byte   // normalized request (importer's JSON)
	Doc         []byte   // encoded status document, served as is
	FileIDs     []string // uploaded files the request uses, kept while pending
	CreatedOn   time.Time
	FinishedOn  time.Time // zero while pending
}

// Export is one bot export request (a BER).
type Export struct {
	ID         string // ber-<uuid>
	Seq        int64  // acceptance order, assigned by CreateExport
	AccountID  string
	BotID      string
	VersionID  string // the version exported: the current one at acceptance
	CreatedBy  string
	ExportType string // latest or published, echoed
	Options    []byte // the request's options (exporter's JSON)
	Status     string // pending, success, failure
	FileID     string // 24 hex id of the zip, on success
	BlobKey    string
	FileSize   int64
	Message    string // on failure
	CreatedOn  time.Time
	FinishedOn time.Time
}

// Bot is a bot that at least one successful import created.
type Bot struct {
	ID              string // st-<uuid>
	AccountID       string
	RefID           string // streamRefId
	Name            string
	Purpose         string
	Type            string
	DefaultLanguage string
	Description     string
	Icon            string // 24 hex id of the icon content
	Color           string
	CreatedOn       time.Time
	CreatedBy       string
	VersionID       string // current version
	Version         int    // current version number, 1-based
	UpdatedOn       time.Time
}

// Version is an immutable snapshot of a bot's content. A staged version
// (Number 0) is being written by an import; it becomes the bot's current
// version, with the next number, only in CommitVersion.
type Version struct {
	ID          string // 24 hex
	BotID       string
	AccountID   string
	Number      int    // 0 while staged
	ImportID    string // the import that wrote it, if any
	Layout      []byte // the files' member order (botdef's encoding)
	ContentHash string // hash over layout and records, hex
	CreatedOn   time.Time
	CommittedOn time.Time
}

// Record is one stored unit of bot content: a top-level member of a file, or
// a run of consecutive elements of a top-level array member.
type Record struct {
	File   string // botDefinition.json, config.json, icon.png or a script name
	Member string // top-level member name; "" for whole-file records
	Seq    int    // position within Member (records of one member, in order)
	Kind   string // dialog, component, setting, ...
	Ident  string // identity used to match records across versions
	RefID  string
	Name   string
	Count  int    // array elements held in Body (0 for a plain value)
	Hash   []byte // SHA-256 of Body
	Body   []byte // compact JSON, or raw bytes for icon and scripts
}

// RecordKey names a record within a version by kind and identity.
type RecordKey struct{ Kind, Ident string }

// Link is a reference from one record to another within a version, such as a
// dialog using a component or an event triggering a dialog.
type Link struct {
	FromKind, FromIdent string
	ToKind, ToIdent     string
}

// Commit describes the atomic end of a successful import or bot-functions
// write: the staged version becomes current, the bot row is created or
// updated, and the import (if any) is finished with its final document.
type Commit struct {
	Bot           *Bot     // bot row to create (NewBot) or update
	NewBot        bool     // create the bot instead of updating it
	VersionID     string   // staged version to make current
	BaseVersionID string   // for an existing bot: the version the content was built on
	CarryKinds    []string // record kinds copied from the current version when the staged one lacks them
	ImportID      string   // "" for writes that are not imports
	Doc           []byte   // final status document
	At            time.Time
}

// Store is the storage seam. All methods are safe for concurrent use.
type Store interface {
	// EnsureAccount returns the account with that name, creating it first if
	// it does not exist.
	EnsureAccount(ctx context.Context, name string) (*Account, error)
	// Account returns the account with id or name.
	Account(ctx context.Context, idOrName string) (*Account, error)

	CreateApp(ctx context.Context, app *App) error
	// App returns an app by id, whatever its account (tokens name it).
	App(ctx context.Context, id string) (*App, error)
	Apps(ctx context.Context, accountID string) ([]*App, error)
	UpdateApp(ctx context.Context, app *App) error
	CountApps(ctx context.Context) (int, error)
	// AppsGeneration is a number that changes whenever an app is created or
	// updated, in any process: caches of apps compare it to know they are
	// current.
	AppsGeneration(ctx context.Context) (int64, error)

	CreateFile(ctx context.Context, f *File) error
	File(ctx context.Context, accountID, id string) (*File, error)
	// ExpiredFiles lists files past their expiry that no pending import uses.
	ExpiredFiles(ctx context.Context, now time.Time, limit int) ([]*File, error)
	DeleteFile(ctx context.Context, id string) error

	// CreateImport writes imp and calls enqueue with the same transaction, so
	// the request and its job commit together or not at all.
	CreateImport(ctx context.Context, imp *Import, enqueue func(ctx context.Context, tx *sql.Tx) error) error
	Import(ctx context.Context, accountID, id string) (*Import, error)
	// ImportDoc returns only the status document, the hot read path.
	ImportDoc(ctx context.Context, accountID, id string) ([]byte, error)
	// SaveImportDoc replaces the document of a pending import.
	SaveImportDoc(ctx context.Context, id string, doc []byte) error
	// FinishImport ends a pending import with status (success or failure)
	// and its final document, without touching any bot (failures, dry runs).
	// An import that is no longer pending gives ErrNotFound.
	FinishImport(ctx context.Context, id, status string, doc []byte, at time.Time) error
	// ImportQueuedBefore reports whether the bot has a pending import accepted
	// before seq: imports into one bot run one at a time, in order.
	ImportQueuedBefore(ctx context.Context, botID string, seq int64) (bool, error)
	// DeleteFinishedImports removes imports that ended before cutoff.
	DeleteFinishedImports(ctx context.Context, cutoff time.Time, limit int) (int, error)

	// StageVersion creates a staged version row.
	StageVersion(ctx context.Context, v *Version) error
	// DiscardStaged deletes the staged versions an import wrote, with their
	// records and links (a retried or failed import starts clean).
	DiscardStaged(ctx context.Context, importID string) error
	PutRecords(ctx context.Context, accountID, versionID string, recs []Record) error
	// PutRecordRefs adds records whose bodies are already stored for the
	// account under their Hash (records of other versions); Body is ignored.
	PutRecordRefs(ctx context.Context, accountID, versionID string, recs []Record) error
	// DiscardVersion deletes one staged version with its records and links;
	// a committed version is left alone.
	DiscardVersion(ctx context.Context, versionID string) error
	// CopyRecords copies a version's records and links into a staged
	// version, leaving out the records whose kind and identity are in drop,
	// and the links from them.
	CopyRecords(ctx context.Context, fromID, toID string, drop []RecordKey) error
	PutLinks(ctx context.Context, versionID string, links []Link) error
	// SetVersionLayout records the member layout of a staged version.
	SetVersionLayout(ctx context.Context, versionID string, layout []byte) error
	// CommitVersion applies c atomically and computes the version's content
	// hash (ContentHash). A new bot's CreatedOn is c.At. It answers
	// ErrConflict when c.BaseVersionID is set and the bot's current version
	// is no longer that one, or when c.ImportID is no longer pending. The
	// staged version must belong to c.Bot.ID.
	CommitVersion(ctx context.Context, c *Commit) error

	Bot(ctx context.Context, accountID, id string) (*Bot, error)
	// Bots lists an account's bots by creation time, then id.
	Bots(ctx context.Context, accountID string, offset, limit int) ([]*Bot, int, error)
	Version(ctx context.Context, accountID, versionID string) (*Version, error)
	// Versions lists a bot's committed versions, oldest first.
	Versions(ctx context.Context, accountID, botID string) ([]*Version, error)
	// Records calls fn with every record of a version whose file and member
	// match (every record, whatever file, when member is "*"), in file,
	// member, seq order. Another account's version yields no records. Bodies
	// are loaded page by page; fn must not keep them after it returns.
	Records(ctx context.Context, accountID, versionID, file, member string, fn func(*Record) error) error
	// RecordMeta lists a version's records without their bodies.
	RecordMeta(ctx context.Context, accountID, versionID string) ([]Record, error)
	Links(ctx context.Context, versionID string) ([]Link, error)

	// CreateExport writes exp and calls enqueue in the same transaction.
	CreateExport(ctx context.Context, exp *Export, enqueue func(ctx context.Context, tx *sql.Tx) error) error
	// Export returns an export request of the account.
	Export(ctx context.Context, accountID, id string) (*Export, error)
	// ExportByID returns an export request whatever its account: download
	// links are authorized by their signature, not by an app.
	ExportByID(ctx context.Context, id string) (*Export, error)
	// LatestExport returns the bot's most recent export request.
	LatestExport(ctx context.Context, accountID, botID string) (*Export, error)
	// FinishExport ends a pending export with its status, file and message.
	FinishExport(ctx context.Context, exp *Export) error
	// ExportQueuedBefore reports whether the bot has a pending export
	// accepted before seq: exports of one bot run one at a time.
	ExportQueuedBefore(ctx context.Context, botID string, seq int64) (bool, error)
	// DeleteFinishedExports removes export requests that ended before cutoff
	// and returns their blob keys, for the caller to delete.
	DeleteFinishedExports(ctx context.Context, cutoff time.Time, limit int) ([]string, error)

	// Setting and PutSetting keep small server-wide values (signing keys).
	Setting(ctx context.Context, key string) ([]byte, error)
	PutSettingIfAbsent(ctx context.Context, key string, value []byte) ([]byte, error)

	Close() error
}
