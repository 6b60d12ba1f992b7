package store

import (
	"context"
	"database/sql"
	"time"
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
	Secret     string // HMAC key, used as its UTF-8 bytes; sealed at rest by the store
	Algorithm  string // HS256 or HS512
	Scopes     []string
	UserID     string // u-<uuid>: createdBy of everything the app starts
	Disabled   bool
	EnforceJTI bool // JTI rules (contract 2.3), enforced by auth.Verifier
	Admin      bool // may open the dashboard's operator pages (River UI)
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
	DryRun      bool      // commits nothing (set at acceptance; lists show it)
	// Cancelled: a cancel was requested (CancelImport). A pending import
	// so marked can only end cancelled (FinishCancelled); an ended one
	// ended so.
	Cancelled bool
	Rev       int64 // revision of Doc: 1 at acceptance, one more at each write of it
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
	// PublishedVersionID is the version the last successful publish made
	// live ("" until the first publish); what exportType "published"
	// exports. Imports, restores and other writes never change it.
	PublishedVersionID string
	PublishedOn        time.Time
}

// Version is an immutable snapshot of a bot's content. A staged version
// (Number 0) is being written; it becomes the bot's current version, with the
// next number, only in CommitVersion (or, written whole, in WriteVersion).
type Version struct {
	ID          string // 24 hex
	BotID       string
	AccountID   string
	Number      int      // 0 while staged
	StagedBy    StagedBy // the writer that staged it
	Layout      []byte   // the files' member order (botdef's encoding)
	ContentHash string   // hash over layout and records, hex
	CreatedOn   time.Time
	CommittedOn time.Time
}

// StagedBy names the writer that staged a version: its kind and its id.
// Writers that stage over many transactions (imports) discard what they
// staged by it when they start again or fail; the versions list shows the
// import id of versions imports wrote.
type StagedBy struct {
	Kind string // one of the StagedBy* kinds
	ID   string // the import's bir; for one-transaction writes, the version's own id
}

// Kinds of writers that stage versions.
const (
	StagedByImport    = "import"    // an import job (ID: its bir)
	StagedByFunctions = "functions" // a bot-functions write
	StagedByRestore   = "restore"   // a restore of an earlier version
	StagedByPublish   = "publish"   // a publish names itself so; it stages no version (it marks one published)
	StagedByVariables = "variables" // a bot-variables import
)

// String is the writer as one value, "kind:id": the form a bot's hold names
// its holder in.
func (b StagedBy) String() string { return b.Kind + ":" + b.ID }

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

// Commit describes the atomic end of a version staged over many
// transactions (an import): the staged version becomes current, the bot row
// is created or updated, and the import (if any) is finished with its final
// document.
type Commit struct {
	Bot           *Bot     // bot row to create (NewBot) or update
	NewBot        bool     // create the bot instead of updating it
	VersionID     string   // staged version to make current
	BaseVersionID string   // for an existing bot: the version the content was built on
	CarryKinds    []string // record kinds copied from the current version when the staged one lacks them
	ImportID      string   // the import to finish; "" for writes that are not imports
	Doc           []byte   // final status document
	At            time.Time
}

// VersionWrite describes a new version of an existing bot written whole in
// one transaction (WriteVersion): a copy of From's records and links, less
// Drop, plus Records and Links. Writers that answer a request synchronously
// (bot functions, restore, bot variables) use it: nothing is ever left staged.
type VersionWrite struct {
	AccountID string
	BotID     string
	VersionID string // the new version's id
	StagedBy  StagedBy
	// From is the version copied. "" copies the bot's current version as the
	// transaction finds it, holding the bot row: a change that does not
	// depend on the content (scripts replaced by name) cannot lose a race.
	From string
	// Base, when set, is the version the change was computed from: the
	// write applies only while it is still the bot's current version.
	Base    string
	Layout  []byte      // nil: From's layout
	Drop    []RecordKey // From's records left out, with the links from them
	Records []Record    // added; a nil Body refers to a body already stored under Hash
	Links   []Link      // added
	// Bot, when set, gives the bot row's listing fields (purpose, type,
	// default language, description, color, and the icon unless empty);
	// nil keeps the row's. The name never changes.
	Bot *Bot
	At  time.Time
}

// Replica is one server process's lease in the shared database (replica
// liveness, internal/replica). A replica is live while its lease has not
// expired by the database's clock.
type Replica struct {
	ID      string // the process's River client id: a running job's attempted_by names it
	Name    string // its host's name (or --replica-name): a successor under the same name may prove it dead
	PID     int    // its process id on that host
	Workers int    // imports it runs at once (fair sharing derives the account limit from the live replicas')
	Started time.Time
	Expires time.Time // by the database's clock
}

// The queue states a pending import's status document can show, in
// botport's additive "queue" member (computed when the document is read,
// so that it never claims a state that has ended).
const (
	// QueueAccount: the import waits for one of its account's slots (fair
	// sharing); "ahead" counts the account's imports waiting before it.
	QueueAccount = "account"
	// QueueBot: the import waits for earlier imports into the same bot to
	// end; "ahead" counts them.
	QueueBot = "bot"
	// QueueRecovery: the server that ran the import stopped; the import
	// runs again from its start once handed back to a live server.
	QueueRecovery = "recovery"
)

// Enqueue inserts a request's job inside the store's transaction tx and
// returns the job's id. park asks for a job that waits (River's pending
// state) until a Wake admits it.
type Enqueue = func(ctx context.Context, tx *sql.Tx, park bool) (jobID int64, err error)

// Wake makes a parked job ready to run, inside the store's transaction tx.
type Wake = func(ctx context.Context, tx *sql.Tx, jobID int64) error

// Publish statuses are the import statuses: StatusPending while the
// publish waits or runs, then StatusSuccess or StatusFailure.

// Publish is one publish request (contract 4.9): it makes the bot's
// current version, as it is when the publish runs, the published one.
// Publishes and imports of one bot run one at a time in acceptance order:
// a publish comes after the bot's imports numbered up to After, and before
// every later one; publishes among themselves follow Seq.
type Publish struct {
	ID        string // bpr-<uuid>
	Seq       int64  // acceptance order among publishes, assigned by CreatePublish
	After     int64  // Seq of the bot's last import accepted before it (0: none), assigned by CreatePublish
	AccountID string
	BotID     string
	AppID     string
	CreatedBy string // u-<uuid> of the app
	Comment   string // versionComment
	Train     bool   // initiateTraining, recorded
	Status    string
	VersionID string // on success: the version made published
	Version   int    // its number
	Detail    []byte // on success: the publisher's record of what it published (opaque)
	Message   string // on failure
	CreatedOn time.Time
	// StartedOn is when the run that ended it began; FinishedOn when it
	// ended. Both zero while pending.
	StartedOn  time.Time
	FinishedOn time.Time
}

// PublishCommit is the end of a successful publish run (CommitPublish).
type PublishCommit struct {
	AccountID string
	BotID     string
	PublishID string
	// Base, when set, is the version the run described (Detail): the
	// commit applies only while it is still the bot's current version.
	Base      string
	Detail    []byte
	StartedOn time.Time
	At        time.Time
}
