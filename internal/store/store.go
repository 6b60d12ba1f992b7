// Package store defines botport's storage seam: the records botport keeps
// (accounts, apps, uploaded files, import and export requests, bots and
// their immutable versions) and the Store interface every database
// implementation satisfies. Implementations live in sub-packages; storetest
// is the conformance suite they all pass, one test per documented error.
//
// Every lookup that a client can reach takes the account id and answers
// ErrNotFound for another account's row, exactly as for a missing one.
//
// Errors: a method returns one of the sentinels below (tested with
// errors.Is) when its documentation names it; any other error is a fault of
// the database (unreachable, constraint, context ended), wrapped with
// context, that another attempt may cure.
//
// Writes that change a bot row (CommitVersion, WriteVersion, HoldBot,
// CreatePublish, CommitPublish) take the row first, so that they run one
// after another on one bot whatever the replica.
package store

import (
	"context"
	"database/sql"
	"errors"
	"time"
)

// The errors Store methods return, besides faults.
var (
	// ErrNotFound means no row matched, including rows of another account.
	ErrNotFound = errors.New("store: not found")
	// ErrNotPending means the request (import or export) exists but is no
	// longer pending: another run finished it. There is nothing left to do
	// for it, and retrying would not change that.
	ErrNotPending = errors.New("store: request is no longer pending")
	// ErrConflict means a write lost a race on the bot: its current version
	// is no longer the one the write was built on (or, creating a bot, the
	// bot exists). Building the change again on the new current version and
	// writing again is the cure.
	ErrConflict = errors.New("store: the bot's current version moved")
	// ErrBusy means another writer holds the bot (HoldBot) for its next
	// commit: try again after a short wait.
	ErrBusy = errors.New("store: the bot is held by another writer")
	// ErrCancelled means a cancel of the import was requested
	// (CancelImport): the import is still pending, and the only way it may
	// end is FinishCancelled. Nothing changed.
	ErrCancelled = errors.New("store: the import's cancel was requested")
)

// Store is the storage seam. All methods are safe for concurrent use.
// Consumers declare the few methods they use as interfaces of their own.
type Store interface {
	// Dashboard holds the web dashboard's sessions and the imports' stage
	// times (dashboard.go).
	Dashboard

	// EnsureAccount returns the account with that name, creating it first if
	// it does not exist. Errors: faults only.
	EnsureAccount(ctx context.Context, name string) (*Account, error)
	// Account returns the account with id or name. Errors: ErrNotFound.
	Account(ctx context.Context, idOrName string) (*Account, error)

	// CreateApp stores a new app. Errors: faults only (an id already taken
	// is a constraint fault).
	CreateApp(ctx context.Context, app *App) error
	// App returns an app by id, whatever its account (tokens name it),
	// its secret opened. Errors: ErrNotFound; a secret that does not open
	// with the store's keys (keyring.ErrUnknownKey, keyring.ErrCorrupt).
	App(ctx context.Context, id string) (*App, error)
	// Apps lists an account's apps by creation time. Errors: faults only.
	Apps(ctx context.Context, accountID string) ([]*App, error)
	// UpdateApp rewrites an app's name, secret, algorithm, scopes and flags.
	// Errors: ErrNotFound.
	UpdateApp(ctx context.Context, app *App) error
	// CountApps counts every app of every account. Errors: faults only.
	CountApps(ctx context.Context) (int, error)
	// AppsGeneration is a number that changes whenever an app is created or
	// updated, in any process: caches of apps compare it to know they are
	// current. Errors: faults only.
	AppsGeneration(ctx context.Context) (int64, error)

	// CreateFile stores an uploaded file's row. Errors: faults only.
	CreateFile(ctx context.Context, f *File) error
	// File returns an uploaded file of the account, expired or not (expiry
	// is the caller's decision). Errors: ErrNotFound.
	File(ctx context.Context, accountID, id string) (*File, error)
	// ExpiredFiles lists files past their expiry that no pending import uses.
	// Errors: faults only.
	ExpiredFiles(ctx context.Context, now time.Time, limit int) ([]*File, error)
	// DeleteFile deletes a file's row; an unknown id is not an error.
	// Errors: faults only.
	DeleteFile(ctx context.Context, id string) error

	// CreateImport writes imp, setting imp.Seq, and calls enqueue with the
	// same transaction, so the request and its job commit together or not
	// at all. Fair sharing: the import is admitted (it takes one of its
	// account's slots and its job is ready to run) when the account holds
	// fewer than limit admitted imports and has none parked; else its job
	// is parked (enqueue's park) until ReleaseImport or AdmitImports admits
	// it, in acceptance order. limit <= 0 admits every import. Errors:
	// enqueue's error, unwrapped enough for errors.Is; faults.
	CreateImport(ctx context.Context, imp *Import, limit int, enqueue Enqueue) error
	// Import returns an import request of the account. Errors: ErrNotFound.
	Import(ctx context.Context, accountID, id string) (*Import, error)
	// ImportDoc returns only the status document and the status, the hot
	// read path: a document whose status is final never changes again. The
	// document of a pending import that waits gets a last member
	// "queue": {"state": QueueAccount|QueueBot|QueueRecovery[, "ahead": n]},
	// computed from the rows as they are at the read. Errors: ErrNotFound.
	ImportDoc(ctx context.Context, accountID, id string) (doc []byte, status string, err error)
	// ImportState is the event stream's read: the import's status, its
	// document's revision, the stored document (nil when its revision is
	// haveRev: the caller has it) and its queue state, computed as
	// ImportDoc computes it. Errors: ErrNotFound.
	ImportState(ctx context.Context, accountID, id string, haveRev int64) (*ImportState, error)
	// ListImports lists the account's imports that match f, newest
	// (latest accepted) first, at most f.Limit. Errors: faults only.
	ListImports(ctx context.Context, f ListFilter) ([]*ImportItem, error)
	// CancelImport requests the cancel of the account's pending import, in
	// one transaction that holds the import's row: from its commit on, the
	// import can never succeed (StartImportRun, SaveImportDoc,
	// FinishImport and CommitVersion answer ErrCancelled). In the same
	// transaction it calls stop with the import's job; when stop reports
	// the job stopped (it was not running: nothing will run the import
	// again), the import ends at once with status failure and the document
	// cancelled makes of the stored one, and ended is true. Otherwise the
	// run ends it at its next stage boundary (FinishCancelled). Errors:
	// ErrNotFound (also for another account's import); ErrNotPending when
	// the import has ended; stop's and cancelled's errors; faults.
	CancelImport(ctx context.Context, accountID, id string, stop StopJob, cancelled func(doc []byte) ([]byte, error), at time.Time) (ended bool, err error)
	// FinishCancelled ends a pending import whose cancel was requested,
	// with status failure and doc. Errors: ErrNotPending when it has ended
	// (a cancel that found it idle ended it); ErrNotFound; a fault when no
	// cancel was requested.
	FinishCancelled(ctx context.Context, id string, doc []byte, at time.Time) error
	// StartImportRun records that replica runs the pending import now (its
	// lease then tells whether the import waits for recovery). Errors:
	// ErrNotPending when the import has ended; ErrCancelled when its cancel
	// was requested; ErrNotFound when there is no such import.
	StartImportRun(ctx context.Context, id, replica string) error
	// ReleaseImport frees the slot of an import that has ended and admits
	// its account's parked imports, oldest first, while the account holds
	// fewer than limit (all of them when limit <= 0), calling wake for each
	// in the same transaction. It returns how many it admitted; an import
	// without a slot admits nothing. Errors: wake's error; faults.
	ReleaseImport(ctx context.Context, id string, limit int, wake Wake) (int, error)
	// AdmitImports repairs fair sharing after a process died between an
	// import's end and its release: it frees the slots of imports no
	// longer pending and admits parked imports of every account as
	// ReleaseImport does. Errors: wake's error; faults.
	AdmitImports(ctx context.Context, limit int, wake Wake) (int, error)
	// SaveImportDoc replaces the document of a pending import. Errors:
	// ErrNotPending when the import has ended; ErrCancelled when its cancel
	// was requested; ErrNotFound when there is no such import.
	SaveImportDoc(ctx context.Context, id string, doc []byte) error
	// FinishImport ends a pending import with status (success or failure)
	// and its final document, without touching any bot (failures, dry runs).
	// Errors: ErrNotPending when the import has ended already (it stays as
	// it ended); ErrCancelled when its cancel was requested (it stays
	// pending); ErrNotFound when there is no such import; a fault for a
	// status that is not final.
	FinishImport(ctx context.Context, id, status string, doc []byte, at time.Time) error
	// ImportsAhead counts the bot's pending imports accepted before seq:
	// imports into one bot run one at a time, in acceptance order. Errors:
	// faults only.
	ImportsAhead(ctx context.Context, botID string, seq int64) (int, error)
	// DeleteFinishedImports removes up to limit imports that ended before
	// cutoff and returns how many. Errors: faults only.
	DeleteFinishedImports(ctx context.Context, cutoff time.Time, limit int) (int, error)
	// DiscardAbandoned deletes, with their records and links, up to limit
	// staged versions created before cutoff whose writer is not a pending
	// import (its failure or dry run could not discard them, or another
	// writer died), and returns how many. Errors: faults only.
	DiscardAbandoned(ctx context.Context, cutoff time.Time, limit int) (int, error)
	// DeleteOrphanBodies examines up to limit bodies that a discarded
	// version referred to, or that PutBody stored before cutoff, and
	// deletes those no record refers to. It returns how many it examined
	// (fewer than limit: there are no more) and deleted. Errors: faults
	// only.
	DeleteOrphanBodies(ctx context.Context, cutoff time.Time, limit int) (examined, deleted int, err error)

	// StageVersion creates a staged version row (Number 0), to be filled by
	// PutRecords, PutRecordRefs, CopyRecords, PutLinks and SetVersionLayout
	// and made current by CommitVersion. Errors: faults only (an id already
	// taken is a constraint fault).
	StageVersion(ctx context.Context, v *Version) error
	// DiscardStaged deletes the staged versions that by wrote, with their
	// records and links (a retried or failed import starts clean); committed
	// versions, and versions another writer staged, are left alone.
	// Errors: faults only.
	DiscardStaged(ctx context.Context, by StagedBy) error
	// PutRecords adds records, with their bodies, to a staged version. Bodies
	// are stored once per account and hash. Errors: faults only (a position
	// taken twice is a constraint fault).
	PutRecords(ctx context.Context, accountID, versionID string, recs []Record) error
	// PutRecordRefs adds records whose bodies are already stored for the
	// account under their Hash (records of other versions); Body is ignored.
	// Errors: faults only.
	PutRecordRefs(ctx context.Context, accountID, versionID string, recs []Record) error
	// PutBody stores a body that no record refers to yet, for a version
	// write (WriteVersion) to refer to by hash soon after: a write that
	// stores its bodies one by one beforehand holds one in memory at a time.
	// DeleteOrphanBodies leaves the body alone while at is after its
	// cutoff. Errors: faults only.
	PutBody(ctx context.Context, accountID string, hash, body []byte, at time.Time) error
	// DiscardVersion deletes one staged version with its records and links;
	// a committed or unknown version is left alone. Errors: faults only.
	DiscardVersion(ctx context.Context, versionID string) error
	// CopyRecords copies a version's records and links into a staged
	// version, leaving out the records whose kind and identity are in drop,
	// and the links from them. Errors: faults only.
	CopyRecords(ctx context.Context, fromID, toID string, drop []RecordKey) error
	// PutLinks adds links to a staged version; a link given twice is kept
	// once. Errors: faults only.
	PutLinks(ctx context.Context, versionID string, links []Link) error
	// SetVersionLayout records the member layout of a staged version; a
	// committed version is left unchanged. Errors: faults only.
	SetVersionLayout(ctx context.Context, versionID string, layout []byte) error
	// CommitVersion applies c atomically and computes the version's content
	// hash (ContentHash). A new bot's CreatedOn is c.At. It releases the
	// bot's hold when c.ImportID's import holds it. Errors, checked in this
	// order: ErrNotPending when c.ImportID is set and that import has ended;
	// ErrCancelled when that import's cancel was requested; ErrNotFound when c.ImportID names no import, when the staged version
	// does not exist (or is committed already), or when an existing bot does
	// not exist; ErrConflict when c.BaseVersionID is set and the bot's
	// current version is no longer that one, or when c.NewBot and the bot
	// exists; a fault when the staged version belongs to another bot.
	// Nothing changes on an error.
	CommitVersion(ctx context.Context, c *Commit) error
	// WriteVersion writes w's version whole and makes it the bot's current
	// one, in one transaction that holds the bot row: it never leaves a
	// staged version behind, and it serializes with CommitVersion and other
	// writes on the bot. It returns the committed version. Errors:
	// ErrNotFound when the bot, or w.From among its versions, does not
	// exist; ErrBusy when another writer holds the bot (HoldBot);
	// ErrConflict when w.Base is set and is no longer the bot's current
	// version. Nothing changes on an error.
	WriteVersion(ctx context.Context, w *VersionWrite) (*Version, error)
	// HoldBot reserves the bot's next commit for by until until: while the
	// hold lasts (at > now), WriteVersion by any other writer answers
	// ErrBusy. An import that lost the commit race to synchronous writes
	// holds the bot while it merges again, so that a stream of such writes
	// cannot starve it. A zero until releases the hold if by holds it;
	// CommitVersion of the holding import releases it too, and an expired
	// hold is free. Errors: ErrNotFound when the account has no such bot;
	// ErrBusy when another writer holds it.
	HoldBot(ctx context.Context, accountID, botID string, by StagedBy, now, until time.Time) error

	// Bot returns a bot of the account. Errors: ErrNotFound.
	Bot(ctx context.Context, accountID, id string) (*Bot, error)
	// Bots lists an account's bots by creation time, then id, from offset,
	// with the total count. Errors: faults only.
	Bots(ctx context.Context, accountID string, offset, limit int) ([]*Bot, int, error)
	// Version returns a version of the account, staged or committed.
	// Errors: ErrNotFound.
	Version(ctx context.Context, accountID, versionID string) (*Version, error)
	// Versions lists a bot's committed versions, oldest first; an unknown
	// bot has none. Errors: faults only.
	Versions(ctx context.Context, accountID, botID string) ([]*Version, error)
	// Records calls fn with every record of a version whose file and member
	// match (every record, whatever file, when member is "*"), in file,
	// member, seq order. Another account's version yields no records. Bodies
	// are loaded page by page; fn must not keep them after it returns.
	// Errors: fn's error, returned as is; faults.
	Records(ctx context.Context, accountID, versionID, file, member string, fn func(*Record) error) error
	// RecordMeta lists a version's records without their bodies, in file,
	// member, seq order. Errors: faults only.
	RecordMeta(ctx context.Context, accountID, versionID string) ([]Record, error)
	// VersionSize returns the bytes of a version's record bodies, what an
	// export of it reads; another account's or an unknown version has 0.
	// Errors: faults only.
	VersionSize(ctx context.Context, accountID, versionID string) (int64, error)
	// Links lists a version's links, sorted. Errors: faults only.
	Links(ctx context.Context, versionID string) ([]Link, error)

	// CreateExport writes exp, setting exp.Seq, and calls enqueue in the
	// same transaction. Errors: enqueue's error; faults.
	CreateExport(ctx context.Context, exp *Export, enqueue func(ctx context.Context, tx *sql.Tx) error) error
	// Export returns an export request of the account. Errors: ErrNotFound.
	Export(ctx context.Context, accountID, id string) (*Export, error)
	// ExportByID returns an export request whatever its account: download
	// links are authorized by their signature, not by an app. Errors:
	// ErrNotFound.
	ExportByID(ctx context.Context, id string) (*Export, error)
	// LatestExport returns the bot's most recent export request. Errors:
	// ErrNotFound when the bot has none.
	LatestExport(ctx context.Context, accountID, botID string) (*Export, error)
	// FinishExport ends a pending export with its status, file and message.
	// Errors: ErrNotPending when the export has ended already; ErrNotFound
	// when there is no such export; a fault for a status that is not final.
	FinishExport(ctx context.Context, exp *Export) error
	// ExportsAhead counts the bot's pending exports accepted before seq:
	// exports of one bot run one at a time. Errors: faults only.
	ExportsAhead(ctx context.Context, botID string, seq int64) (int, error)
	// DeleteFinishedExports removes up to limit export requests that ended
	// before cutoff and returns their blob keys, for the caller to delete.
	// Errors: faults only.
	DeleteFinishedExports(ctx context.Context, cutoff time.Time, limit int) ([]string, error)
	// ListExports lists the account's exports that match f, newest first,
	// at most f.Limit, with their bots' names. Errors: faults only.
	ListExports(ctx context.Context, f ListFilter) ([]*ExportItem, error)

	// ClaimIdempotencyKey claims k (AppID, Key) for a request: it stores k
	// in flight (Token, CreatedOn, ExpiresOn, LeaseUntil) unless the key is
	// held, and returns nil. A key whose holder's lease lapsed before now
	// (its replica died), or that expired before now, is taken over. When
	// the key is in flight or done, it returns that key and stores nothing.
	// Errors: faults only.
	ClaimIdempotencyKey(ctx context.Context, k *IdempotencyKey, now time.Time) (*IdempotencyKey, error)
	// RenewIdempotencyKey extends the lease of a key in flight that token
	// holds. Errors: ErrNotFound when token no longer holds it.
	RenewIdempotencyKey(ctx context.Context, appID, key, token string, until time.Time) error
	// CompleteIdempotencyKey stores the answer of the request that holds k
	// (k.Token): Fingerprint, Status, Header and Body, and marks it done.
	// Errors: ErrNotFound when k.Token no longer holds it.
	CompleteIdempotencyKey(ctx context.Context, k *IdempotencyKey) error
	// ReleaseIdempotencyKey deletes a key in flight that token holds, so
	// that the request may be sent again with it; otherwise it does
	// nothing. Errors: faults only.
	ReleaseIdempotencyKey(ctx context.Context, appID, key, token string) error
	// DeleteExpiredIdempotencyKeys deletes up to limit keys that expired
	// before now and are not in flight, and returns how many. Errors:
	// faults only.
	DeleteExpiredIdempotencyKeys(ctx context.Context, now time.Time, limit int) (int, error)

	// JoinReplica writes r's lease, valid for ttl from now by the
	// database's clock, and sets r.Started and r.Expires. Errors: faults
	// only (an id already taken is a constraint fault).
	JoinReplica(ctx context.Context, r *Replica, ttl time.Duration) error
	// RenewReplica extends the lease of replica id to ttl from now by the
	// database's clock, expired or not, and returns its new expiry.
	// Errors: ErrNotFound when the row is gone (another replica proved this
	// one dead, or it left): the caller joins again.
	RenewReplica(ctx context.Context, id string, ttl time.Duration) (time.Time, error)
	// Replicas lists every replica row, live or expired, by id, with the
	// database's clock at the read: a replica is live while Expires is
	// after now. Errors: faults only.
	Replicas(ctx context.Context) (rs []*Replica, now time.Time, err error)
	// DeleteReplicas deletes the rows of the replicas ids (one left, or
	// proven dead); unknown ids are not an error. Errors: faults only.
	DeleteReplicas(ctx context.Context, ids ...string) error

	// CreatePublish writes p, setting p.Seq and p.After (the bot's last
	// import accepted so far), and calls enqueue with the same transaction.
	// It holds the bot's row, so publishes of one bot are accepted one
	// after another and their After never decreases. Errors: ErrNotFound
	// when the account has no such bot; enqueue's error; faults.
	CreatePublish(ctx context.Context, p *Publish, enqueue func(ctx context.Context, tx *sql.Tx) error) error
	// Publish returns a publish request of the account. Errors:
	// ErrNotFound.
	Publish(ctx context.Context, accountID, id string) (*Publish, error)
	// LatestPublish returns the bot's most recent publish request. Errors:
	// ErrNotFound when the bot has none (never published, or past
	// retention).
	LatestPublish(ctx context.Context, accountID, botID string) (*Publish, error)
	// PublishesAhead counts the bot's pending publishes ordered before the
	// position (after, seq): those with a smaller After, or the same After
	// and a smaller Seq. A publish asks with its own After and Seq; an
	// import numbered n asks with (n, 0), which counts the publishes
	// accepted before it. Errors: faults only.
	PublishesAhead(ctx context.Context, botID string, after, seq int64) (int, error)
	// CommitPublish ends a pending publish with success in one transaction
	// that holds the bot's row: the bot's current version becomes its
	// published version, and the publish records it with c's detail and
	// times. It returns the publish as it ended. Errors, checked in this
	// order: ErrNotPending when the publish has ended; ErrNotFound when
	// there is no such publish or bot; ErrConflict when c.Base is set and
	// is no longer the bot's current version. Nothing changes on an error.
	CommitPublish(ctx context.Context, c *PublishCommit) (*Publish, error)
	// FailPublish ends a pending publish with failure and message; the
	// bot's published version stays as it was. Errors: ErrNotPending when
	// it has ended; ErrNotFound when there is no such publish.
	FailPublish(ctx context.Context, id, message string, started, at time.Time) error
	// DeleteFinishedPublishes removes up to limit publish requests that
	// ended before cutoff and returns how many; the bots' published
	// versions stay. Errors: faults only.
	DeleteFinishedPublishes(ctx context.Context, cutoff time.Time, limit int) (int, error)

	// Setting returns a small server-wide value (signing keys). Settings,
	// like apps' secrets, are sealed at rest when the store has keys.
	// Errors: ErrNotFound; a sealed value that does not open with the
	// store's keys.
	Setting(ctx context.Context, key string) ([]byte, error)
	// PutSettingIfAbsent stores value under key unless a value is there,
	// and returns the value that is: replicas racing to create a key agree
	// on it. Errors: faults only.
	PutSettingIfAbsent(ctx context.Context, key string, value []byte) ([]byte, error)

	// ResealSecrets seals every secret the store holds in clear (apps'
	// client secrets, webhooks' secrets, settings' values, as written
	// before secrets were sealed) and, when all is set, seals again with
	// the store's first key every value sealed with another (a key
	// rotation). It opens every
	// sealed value on the way and returns how many values it rewrote, in
	// one transaction. Errors: a value that does not open with the store's
	// keys (keyring.ErrUnknownKey: the process has another key than the one
	// that sealed it; keyring.ErrCorrupt), nothing changed; faults.
	ResealSecrets(ctx context.Context, all bool) (int, error)

	// UseJTI records that a token of the app with this jti was accepted,
	// until expires, and reports whether the jti was fresh: false when a
	// token of the app used it before and its record has not expired at
	// now (a replay). Errors: faults only.
	UseJTI(ctx context.Context, appID, jti string, expires, now time.Time) (fresh bool, err error)
	// DeleteExpiredJTIs removes up to limit jti records that expired before
	// now and returns how many. Errors: faults only.
	DeleteExpiredJTIs(ctx context.Context, now time.Time, limit int) (int, error)

	// UpdateRateBucket calls fn with the state of the rate-limit bucket key
	// (empty for a new bucket) and, when fn says write, stores the state it
	// returns with its expiry, in one transaction that holds the bucket:
	// calls for one bucket, from any process, run one after another. fn
	// must not block. Errors: fn's error, as is (nothing is written);
	// faults.
	UpdateRateBucket(ctx context.Context, key string, fn func(state []byte) (next []byte, expires time.Time, write bool, err error)) error
	// DeleteExpiredRateBuckets removes up to limit buckets whose expiry is
	// before now and returns how many. Errors: faults only.
	DeleteExpiredRateBuckets(ctx context.Context, now time.Time, limit int) (int, error)

	// Webhooks keeps webhooks, the outbox of their events and their
	// deliveries (webhook.go).
	Webhooks

	// Close closes the database. Errors: faults only.
	Close() error
}
