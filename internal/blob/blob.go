// Package blob stores file bytes (uploads and export zips) behind a narrow
// seam, so the backend is a URL: a local directory by default (file:// or a
// plain path), an S3 bucket (s3://) for replicas, or memory (mem://) for
// tests. Every backend passes the same conformance suite (blobtest).
//
// The local backend uses only the standard library and the S3 backend the
// AWS SDK's S3 client directly: a general multi-cloud library would pull
// hundreds of megabytes of modules into every build for these two.
package blob

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"strings"
)

// ErrNotFound means no blob has that key.
var ErrNotFound = errors.New("blob: not found")

// ErrInvalidKey means a key breaks the key rules (see Store).
var ErrInvalidKey = errors.New("blob: invalid key")

// backend is what each storage kind implements. Keys reach it validated;
// errors for a missing key wrap ErrNotFound.
type backend interface {
	// write stores r's bytes at key, replacing what was there, or leaves
	// the key as it was on any error, including ctx's end. The reader's
	// error is returned wrapped, so errors.Is finds it.
	write(ctx context.Context, key string, r io.Reader) (int64, error)
	// openRange reads length bytes from offset (length < 0: to the end);
	// past the end it reads nothing.
	openRange(ctx context.Context, key string, offset, length int64) (io.ReadCloser, error)
	size(ctx context.Context, key string) (int64, error)
	// remove deletes key; a missing key is not an error.
	remove(ctx context.Context, key string) error
	close() error
}

// Store is a bucket of blobs addressed by key. A key is one or more
// segments separated by "/" (as "uploads/ACCOUNT/ID"); a segment is not
// empty, does not start with "." (so no "." or "..", and the local
// backend's temporary files can never be a key) and holds no backslash or
// control character. The same rules hold on every backend, so a key that
// works on one works on all.
type Store struct {
	b backend
}

// Open opens the store at urlstr:
//   - a plain path or file:///path: a local directory, created (0700) if
//     needed;
//   - s3://BUCKET?region=…: an S3 bucket (see openS3 for the parameters);
//   - mem://: memory, for tests.
//
// It returns an error for an unknown scheme, an invalid parameter, or a
// directory that cannot be created.
func Open(ctx context.Context, urlstr string) (*Store, error) {
	if !strings.Contains(urlstr, "://") {
		return openDir(urlstr)
	}
	u, err := url.Parse(urlstr)
	if err != nil {
		return nil, fmt.Errorf("blob URL %s: %w", Redact(urlstr), err)
	}
	switch u.Scheme {
	case "file":
		return openDir(u.Path)
	case "s3":
		b, err := openS3(ctx, u)
		if err != nil {
			return nil, fmt.Errorf("open bucket %s: %w", Redact(urlstr), err)
		}
		return &Store{b: b}, nil
	case "mem":
		return &Store{b: newMem()}, nil
	}
	return nil, fmt.Errorf("blob URL %s: unknown scheme %q (use a path, file://, s3:// or mem://)", Redact(urlstr), u.Scheme)
}

func openDir(dir string) (*Store, error) {
	b, err := newDir(dir)
	if err != nil {
		return nil, err
	}
	return &Store{b: b}, nil
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

// checkKey applies the key rules of Store.
func checkKey(key string) error {
	if key == "" {
		return fmt.Errorf("%w: empty", ErrInvalidKey)
	}
	for seg := range strings.SplitSeq(key, "/") {
		if seg == "" || seg[0] == '.' {
			return fmt.Errorf("%w %q: empty segment or segment starting with '.'", ErrInvalidKey, key)
		}
		for _, c := range seg {
			if c < 0x20 || c == 0x7f || c == '\\' {
				return fmt.Errorf("%w %q: backslash or control character", ErrInvalidKey, key)
			}
		}
	}
	return nil
}

// Write streams r into the blob at key, replacing any blob there, and
// returns the bytes written. On any error (r's, which errors.Is finds,
// the backend's, ctx's end, ErrInvalidKey) the key is left as it was: a
// new key holds nothing.
func (s *Store) Write(ctx context.Context, key string, r io.Reader) (int64, error) {
	if err := checkKey(key); err != nil {
		return 0, err
	}
	n, err := s.b.write(ctx, key, r)
	if err != nil {
		return n, fmt.Errorf("blob write %s: %w", key, err)
	}
	return n, nil
}

// Open returns a reader of the blob at key; ErrNotFound if there is none.
func (s *Store) Open(ctx context.Context, key string) (io.ReadCloser, error) {
	return s.OpenRange(ctx, key, 0, -1)
}

// OpenRange returns a reader of length bytes from offset (length < 0: to
// the end); past the end it reads nothing. ErrNotFound if there is no blob.
func (s *Store) OpenRange(ctx context.Context, key string, offset, length int64) (io.ReadCloser, error) {
	if err := checkKey(key); err != nil {
		return nil, err
	}
	if offset < 0 {
		return nil, fmt.Errorf("blob %s: negative offset %d", key, offset)
	}
	r, err := s.b.openRange(ctx, key, offset, length)
	if err != nil {
		return nil, wrap(key, err)
	}
	return r, nil
}

// Size returns the size of the blob at key; ErrNotFound if there is none.
func (s *Store) Size(ctx context.Context, key string) (int64, error) {
	if err := checkKey(key); err != nil {
		return 0, err
	}
	n, err := s.b.size(ctx, key)
	if err != nil {
		return 0, wrap(key, err)
	}
	return n, nil
}

// Delete removes the blob at key; a missing blob is not an error.
func (s *Store) Delete(ctx context.Context, key string) error {
	if err := checkKey(key); err != nil {
		return err
	}
	if err := s.b.remove(ctx, key); err != nil {
		return fmt.Errorf("blob delete %s: %w", key, err)
	}
	return nil
}

// Close releases the store.
func (s *Store) Close() error { return s.b.close() }

func wrap(key string, err error) error {
	if errors.Is(err, ErrNotFound) {
		return fmt.Errorf("%s: %w", key, ErrNotFound)
	}
	return fmt.Errorf("blob %s: %w", key, err)
}
