// Package blob stores file bytes (uploads and export zips) behind a narrow
// interface over gocloud.dev/blob, so the backend is a URL: file:// by
// default, s3:// or mem:// when configured.
package blob

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"strings"

	"gocloud.dev/blob"
	"gocloud.dev/blob/fileblob"
	_ "gocloud.dev/blob/memblob" // registers mem://
	_ "gocloud.dev/blob/s3blob"  // registers s3://
	"gocloud.dev/gcerrors"
)

// ErrNotFound means no blob has that key.
var ErrNotFound = errors.New("blob: not found")

// Store is a bucket of blobs addressed by key.
type Store struct {
	b *blob.Bucket
}

// Open opens the bucket at urlstr. A file:// URL (or a plain path) is a
// directory, created if needed; temporary files are written beside the
// blobs, so renames never cross filesystems, and no metadata sidecars are
// written.
func Open(ctx context.Context, urlstr string) (*Store, error) {
	dir, isFile := localDir(urlstr)
	if isFile {
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return nil, fmt.Errorf("blob directory %s: %w", dir, err)
		}
		b, err := fileblob.OpenBucket(dir, &fileblob.Options{
			CreateDir:   true,
			DirFileMode: 0o700,
			NoTempDir:   true,
			Metadata:    fileblob.MetadataDontWrite,
		})
		if err != nil {
			return nil, fmt.Errorf("open blob directory %s: %w", dir, err)
		}
		return &Store{b: b}, nil
	}
	b, err := blob.OpenBucket(ctx, urlstr)
	if err != nil {
		return nil, fmt.Errorf("open bucket %s: %w", Redact(urlstr), err)
	}
	return &Store{b: b}, nil
}

func localDir(urlstr string) (string, bool) {
	if !strings.Contains(urlstr, "://") {
		return urlstr, true
	}
	u, err := url.Parse(urlstr)
	if err != nil || u.Scheme != "file" {
		return "", false
	}
	return u.Path, true
}

// Redact hides credentials that a bucket URL may carry, for logs.
func Redact(urlstr string) string {
	u, err := url.Parse(urlstr)
	if err != nil {
		return "(unparseable URL)"
	}
	q := u.Query()
	for k := range q {
		lk := strings.ToLower(k)
		if strings.Contains(lk, "secret") || strings.Contains(lk, "key") || strings.Contains(lk, "token") || strings.Contains(lk, "password") {
			q.Set(k, "REDACTED")
		}
	}
	u.RawQuery = q.Encode()
	return u.Redacted()
}

// Write streams r into the blob at key. On any error nothing is left at key.
func (s *Store) Write(ctx context.Context, key string, r io.Reader) (int64, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	w, err := s.b.NewWriter(ctx, key, nil)
	if err != nil {
		return 0, fmt.Errorf("blob writer %s: %w", key, err)
	}
	n, err := io.Copy(w, r)
	if err != nil {
		cancel() // aborts the write
		_ = w.Close()
		return n, err
	}
	if err := w.Close(); err != nil {
		return n, fmt.Errorf("blob write %s: %w", key, err)
	}
	return n, nil
}

// Open returns a reader of the blob at key.
func (s *Store) Open(ctx context.Context, key string) (io.ReadCloser, error) {
	r, err := s.b.NewReader(ctx, key, nil)
	if err != nil {
		return nil, s.wrap(key, err)
	}
	return r, nil
}

// OpenRange returns a reader of length bytes from offset (length < 0: to the end).
func (s *Store) OpenRange(ctx context.Context, key string, offset, length int64) (io.ReadCloser, error) {
	r, err := s.b.NewRangeReader(ctx, key, offset, length, nil)
	if err != nil {
		return nil, s.wrap(key, err)
	}
	return r, nil
}

// Size returns the size of the blob at key.
func (s *Store) Size(ctx context.Context, key string) (int64, error) {
	a, err := s.b.Attributes(ctx, key)
	if err != nil {
		return 0, s.wrap(key, err)
	}
	return a.Size, nil
}

// Delete removes the blob at key; a missing blob is not an error.
func (s *Store) Delete(ctx context.Context, key string) error {
	err := s.b.Delete(ctx, key)
	if err != nil && gcerrors.Code(err) != gcerrors.NotFound {
		return fmt.Errorf("blob delete %s: %w", key, err)
	}
	return nil
}

// Close releases the bucket.
func (s *Store) Close() error { return s.b.Close() }

func (s *Store) wrap(key string, err error) error {
	if gcerrors.Code(err) == gcerrors.NotFound {
		return fmt.Errorf("%s: %w", key, ErrNotFound)
	}
	return fmt.Errorf("blob %s: %w", key, err)
}
