// Package botversion is the one way a bot gets a new version. Every writer
// names itself (store.StagedBy: a kind and an id) and takes one of two
// paths:
//
//   - Writers that build a version over many transactions (imports: parse,
//     stage records in batches, merge, link) Stage it, fill it through the
//     store, and Commit it; on failure they Discard what they staged. An
//     incremental import built its result on the bot's current version: when
//     another write moved it first, Commit answers ErrMoved, and the import
//     builds its result again on the new version at once, after taking a
//     Hold on the bot so that synchronous writes wait for it instead of
//     moving the version again.
//   - Writers that answer a request synchronously (bot functions, restore,
//     bot variables) Write: the copy of the current version, the change and
//     the commit are one transaction that holds the bot row, so they never
//     leave a staged version behind and never lose a race to a commit. They
//     wait (within Config.BusyWait) only while an import holds the bot, and
//     then answer ErrBusy, which the HTTP layer turns into 409 with
//     Retry-After.
//
// A publish does not write a version: Publish marks the current one
// published, in a store transaction that holds the bot row like the
// others, and runs as a job behind earlier imports of the bot (see jobrun
// and internal/publish).
package botversion

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/botport/botport/internal/kore"
	"github.com/botport/botport/internal/store"
)

// Errors of the protocol, besides the store's and faults.
var (
	// ErrMoved answers Commit when the version the staged content was built
	// on is no longer the bot's current one: build it again on the new one.
	ErrMoved = errors.New("botversion: the bot's current version moved")
	// ErrBusy answers Write when the bot stayed held by another writer (an
	// import merging again) for longer than Config.BusyWait, or moved under
	// the write's change more than MaxRebuilds times: retry shortly.
	ErrBusy = errors.New("botversion: the bot is being changed by another writer")
)

// MaxRebuilds bounds how many times Write builds a change again on a bot
// whose version moved under it.
const MaxRebuilds = 5

// Store is what the protocol needs of the store.
type Store interface {
	Bot(ctx context.Context, accountID, id string) (*store.Bot, error)
	StageVersion(ctx context.Context, v *store.Version) error
	DiscardStaged(ctx context.Context, by store.StagedBy) error
	CommitVersion(ctx context.Context, c *store.Commit) error
	WriteVersion(ctx context.Context, w *store.VersionWrite) (*store.Version, error)
	HoldBot(ctx context.Context, accountID, botID string, by store.StagedBy, now, until time.Time) error
	CommitPublish(ctx context.Context, c *store.PublishCommit) (*store.Publish, error)
}

// Config is the writer's dependencies and bounds.
type Config struct {
	Store  Store
	Now    func() time.Time // defaults to time.Now
	Logger *slog.Logger
	// BusyWait bounds how long Write waits for a bot another writer holds
	// (default 5 s; negative: not at all).
	BusyWait time.Duration
	// HoldLease is how long a hold outlives its holder's last renewal
	// (default 30 s): a holder that died frees the bot within it.
	HoldLease time.Duration
}

// Writer runs the protocol. It is safe for concurrent use.
type Writer struct {
	cfg   Config
	log   *slog.Logger
	sleep func(ctx context.Context, d time.Duration) error // tests replace it
}

// New returns a Writer.
func New(cfg Config) *Writer {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.BusyWait == 0 {
		cfg.BusyWait = 5 * time.Second
	}
	if cfg.HoldLease <= 0 {
		cfg.HoldLease = 30 * time.Second
	}
	return &Writer{cfg: cfg, log: cfg.Logger, sleep: sleep}
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Stage begins a version v.StagedBy writes over many transactions. It first
// discards whatever that writer staged before (a retried or rerun import
// starts clean). Errors: faults only.
func (w *Writer) Stage(ctx context.Context, v *store.Version) error {
	if v.StagedBy == (store.StagedBy{}) {
		return errors.New("botversion: a staged version needs its writer")
	}
	if err := w.cfg.Store.DiscardStaged(ctx, v.StagedBy); err != nil {
		return fmt.Errorf("discard what %s staged before: %w", v.StagedBy, err)
	}
	return w.cfg.Store.StageVersion(ctx, v)
}

// Commit makes a staged version current (store.CommitVersion). Errors:
// ErrMoved when c.BaseVersionID is no longer the bot's current version;
// store.ErrNotPending when the import c finishes has ended (there is
// nothing left to do); the store's ErrNotFound and ErrConflict (a new bot
// whose id is taken); faults.
func (w *Writer) Commit(ctx context.Context, c *store.Commit) error {
	err := w.cfg.Store.CommitVersion(ctx, c)
	if errors.Is(err, store.ErrConflict) && c.BaseVersionID != "" {
		return fmt.Errorf("commit on %s: %w", c.BaseVersionID, ErrMoved)
	}
	return err
}

// Discard drops every version by staged and did not commit (an import that
// failed or ran dry). It runs even when ctx has ended: a cancelled run must
// not leave its staged records behind. Errors: faults only.
func (w *Writer) Discard(ctx context.Context, by store.StagedBy) error {
	return w.cfg.Store.DiscardStaged(context.WithoutCancel(ctx), by)
}

// Hold reserves the bot's next commit for by (store.HoldBot) and keeps the
// hold alive until release is called, renewing it every third of the lease:
// if the process dies, the bot is free again within Config.HoldLease.
// Errors: the store's ErrNotFound and ErrBusy (another writer holds it);
// faults.
func (w *Writer) Hold(ctx context.Context, accountID, botID string, by store.StagedBy) (release func(), err error) {
	now := w.cfg.Now()
	if err := w.cfg.Store.HoldBot(ctx, accountID, botID, by, now, now.Add(w.cfg.HoldLease)); err != nil {
		return nil, err
	}
	stop, stopped := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(stopped)
		t := time.NewTicker(w.cfg.HoldLease / 3)
		defer t.Stop()
		for {
			select {
			case <-stop:
				return
			case <-t.C:
				now := w.cfg.Now()
				if err := w.cfg.Store.HoldBot(context.WithoutCancel(ctx), accountID, botID, by, now, now.Add(w.cfg.HoldLease)); err != nil {
					w.log.WarnContext(ctx, "renew bot hold", "bot", botID, "holder", by.String(), "error", err)
				}
			}
		}
	}()
	return func() {
		close(stop)
		<-stopped
		if err := w.cfg.Store.HoldBot(context.WithoutCancel(ctx), accountID, botID, by, w.cfg.Now(), time.Time{}); err != nil {
			w.log.WarnContext(ctx, "release bot hold", "bot", botID, "holder", by.String(), "error", err)
		}
	}, nil
}

// Edit builds a synchronous write's change from the bot as it is now: the
// version to copy (From, "" for the current one), what to drop and add, the
// layout and listing fields. It sets Base when the change depends on the
// current content (then a write that lands first makes Write call it
// again); Write fills the ids, the writer and the time.
type Edit func(ctx context.Context, bot *store.Bot) (*store.VersionWrite, error)

// Write writes one new version of an existing bot in one transaction
// (store.WriteVersion), staged by a writer of kind whose id is the new
// version's. It returns the committed version. Errors: the store's
// ErrNotFound (no such bot, or From is not one of its versions); ErrBusy
// when the bot stayed held by another writer past Config.BusyWait or moved
// under the change MaxRebuilds times; edit's errors; faults.
func (w *Writer) Write(ctx context.Context, kind, accountID, botID string, edit Edit) (*store.Version, error) {
	deadline := w.cfg.Now().Add(w.cfg.BusyWait)
	pause := 20 * time.Millisecond
	for rebuilds := 0; ; {
		bot, err := w.cfg.Store.Bot(ctx, accountID, botID)
		if err != nil {
			return nil, err
		}
		ch, err := edit(ctx, bot)
		if err != nil {
			return nil, err
		}
		vid := kore.NewHexID()
		ch.AccountID, ch.BotID, ch.VersionID, ch.At = accountID, botID, vid, w.cfg.Now()
		ch.StagedBy = store.StagedBy{Kind: kind, ID: vid}
		v, err := w.cfg.Store.WriteVersion(ctx, ch)
		switch {
		case err == nil:
			return v, nil
		case errors.Is(err, store.ErrConflict) && ch.Base != "":
			// Another write landed between the read and the write: it is
			// done, so build the change again on it at once.
			if rebuilds++; rebuilds >= MaxRebuilds {
				return nil, fmt.Errorf("%s write to %s: %d rebuilds: %w", kind, botID, rebuilds, ErrBusy)
			}
		case errors.Is(err, store.ErrBusy):
			if w.cfg.Now().Add(pause).After(deadline) {
				return nil, fmt.Errorf("%s write to %s: %w", kind, botID, errors.Join(ErrBusy, err))
			}
			if err := w.sleep(ctx, pause); err != nil {
				return nil, err
			}
			pause = min(2*pause, 500*time.Millisecond)
		default:
			return nil, err
		}
	}
}

// Describe returns what a publish records of the version it makes live
// (its detail), read from the bot as it is now.
type Describe func(ctx context.Context, bot *store.Bot) ([]byte, error)

// Publish makes the bot's current version its published one and ends the
// pending publish id with success, in one store transaction that holds the
// bot row (store.CommitPublish). It describes the current version first;
// when another write makes a new version current between the description
// and the commit, it describes that one and commits again, at most
// MaxRebuilds times. It does not wait for holds: a publish runs only once
// every import accepted before it has ended, and imports accepted after it
// wait for it, so a hold's holder is never work that must come first.
// Errors: store.ErrNotPending (another run ended the publish: nothing left
// to do); store.ErrNotFound (no such publish or bot); ErrBusy after
// MaxRebuilds; describe's errors; faults.
func (w *Writer) Publish(ctx context.Context, accountID, botID, id string, started time.Time, describe Describe) (*store.Publish, error) {
	for rebuilds := 0; ; {
		bot, err := w.cfg.Store.Bot(ctx, accountID, botID)
		if err != nil {
			return nil, err
		}
		detail, err := describe(ctx, bot)
		if err != nil {
			return nil, err
		}
		p, err := w.cfg.Store.CommitPublish(ctx, &store.PublishCommit{AccountID: accountID, BotID: botID, PublishID: id,
			Base: bot.VersionID, Detail: detail, StartedOn: started, At: w.cfg.Now()})
		if !errors.Is(err, store.ErrConflict) {
			return p, err
		}
		if rebuilds++; rebuilds >= MaxRebuilds {
			return nil, fmt.Errorf("publish %s of %s: %d rebuilds: %w", id, botID, rebuilds, ErrBusy)
		}
	}
}
