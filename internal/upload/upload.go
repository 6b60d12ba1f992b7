// Package upload keeps the files clients upload (POST /uploadfile) until
// imports use them: where their bytes live in the blob store, how long a
// file id stays valid, which files an account may use, and the deletion of
// expired ones. The HTTP layer only reads the multipart body; the importer
// only asks for usable files.
package upload

import (
	"context"
	"crypto/sha1"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"time"
	"unicode/utf8"

	"github.com/riverqueue/river"

	"github.com/botport/botport/internal/blob"
	"github.com/botport/botport/internal/kore"
	"github.com/botport/botport/internal/store"
)

// DefaultTTL is how long an uploaded file id stays valid unless configured.
const DefaultTTL = 24 * time.Hour

// MaxName is the longest file name an upload may carry, in characters (as
// file systems allow): the name is echoed in the answer, stored, and can
// name a bot-functions script or, cut to a bot name, a new bot.
const MaxName = 255

// Files is what the service needs of the store.
type Files interface {
	// CreateFile records a file.
	CreateFile(ctx context.Context, f *store.File) error
	// File returns a file of the account; store.ErrNotFound when it has none
	// with that id.
	File(ctx context.Context, accountID, id string) (*store.File, error)
	// ExpiredFiles lists files past their expiry that no pending import uses.
	ExpiredFiles(ctx context.Context, now time.Time, limit int) ([]*store.File, error)
	// DeleteFile forgets a file.
	DeleteFile(ctx context.Context, id string) error
}

// Service stores uploaded files and finds them again. Set Files and Blobs;
// the other fields have defaults.
type Service struct {
	Files  Files
	Blobs  *blob.Store
	TTL    time.Duration    // how long a file id stays valid (default DefaultTTL)
	Now    func() time.Time // default time.Now
	Logger *slog.Logger     // default: discard
}

// Key is the blob key of the file id of an account: uploads/<account>/<id>.
func Key(accountID, id string) string { return "uploads/" + accountID + "/" + id }

// Write streams r into the blob store as a new file of the account, counting
// and hashing (SHA-1) its bytes. The file is not usable until Save records
// it; Discard deletes the bytes of one that will not be saved. An error
// leaves nothing stored; an error of r is returned as it is, so the caller
// can tell a client's broken body from a failing blob store.
func (s *Service) Write(ctx context.Context, accountID string, r io.Reader) (*store.File, error) {
	f := &store.File{ID: kore.NewHexID(), AccountID: accountID}
	f.BlobKey = Key(accountID, f.ID)
	h := sha1.New()
	n, err := s.Blobs.Write(ctx, f.BlobKey, io.TeeReader(r, h))
	if err != nil {
		return nil, err
	}
	f.Size, f.SHA1 = n, hex.EncodeToString(h.Sum(nil))
	return f, nil
}

// Save records a written file (the caller has set its name, context and
// extension), valid from now for the TTL. A name over MaxName characters
// is kore.ErrValidation (412, as every out-of-range part); other errors are
// the store's faults.
func (s *Service) Save(ctx context.Context, f *store.File) error {
	if utf8.RuneCountInString(f.Name) > MaxName {
		return kore.ErrValidation
	}
	f.CreatedOn = s.now().UTC()
	f.ExpiresOn = f.CreatedOn.Add(s.ttl())
	if err := s.Files.CreateFile(ctx, f); err != nil {
		return fmt.Errorf("record upload: %w", err)
	}
	return nil
}

// Discard deletes the bytes of a written file that will not be saved.
// Errors are the blob store's faults.
func (s *Service) Discard(ctx context.Context, f *store.File) error {
	return s.Blobs.Delete(ctx, f.BlobKey)
}

// Usable returns the account's file id for a request made at now. A
// malformed, unknown or expired id, or another account's, is
// kore.ErrFileID; other errors are the store's faults. Files an accepted
// import uses are kept past their expiry until it ends, but a new request
// may not name them.
func (s *Service) Usable(ctx context.Context, accountID, id string, now time.Time) (*store.File, error) {
	if !kore.IsHexID(id) {
		return nil, kore.ErrFileID
	}
	f, err := s.Files.File(ctx, accountID, id)
	if errors.Is(err, store.ErrNotFound) || (err == nil && !now.Before(f.ExpiresOn)) {
		return nil, kore.ErrFileID
	}
	if err != nil {
		return nil, err
	}
	return f, nil
}

// DeleteExpired deletes up to limit files past their expiry that no pending
// import uses, bytes first (a row never points at nothing), and returns how
// many it deleted. It stops at the first fault; the next run goes on.
func (s *Service) DeleteExpired(ctx context.Context, limit int) (int, error) {
	files, err := s.Files.ExpiredFiles(ctx, s.now(), limit)
	if err != nil {
		return 0, err
	}
	for i, f := range files {
		if err := s.Blobs.Delete(ctx, f.BlobKey); err != nil {
			return i, err
		}
		if err := s.Files.DeleteFile(ctx, f.ID); err != nil {
			return i, err
		}
	}
	return len(files), nil
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

func (s *Service) ttl() time.Duration {
	if s.TTL > 0 {
		return s.TTL
	}
	return DefaultTTL
}

func (s *Service) log() *slog.Logger {
	if s.Logger != nil {
		return s.Logger
	}
	return slog.New(slog.DiscardHandler)
}

// CleanupArgs is the periodic job that deletes expired uploads.
type CleanupArgs struct{}

// Kind implements river.JobArgs.
func (CleanupArgs) Kind() string { return "upload_cleanup" }

type cleanupWorker struct {
	river.WorkerDefaults[CleanupArgs]
	s *Service
}

// CleanupWorker returns the worker of CleanupArgs.
func (s *Service) CleanupWorker() river.Worker[CleanupArgs] { return &cleanupWorker{s: s} }

// Work deletes one bounded batch; the next run picks up the rest.
func (w *cleanupWorker) Work(ctx context.Context, _ *river.Job[CleanupArgs]) error {
	n, err := w.s.DeleteExpired(ctx, 500)
	if n > 0 {
		w.s.log().InfoContext(ctx, "upload cleanup", "expired_files", n)
	}
	return err
}
