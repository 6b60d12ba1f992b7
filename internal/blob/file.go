package blob

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
)

// dir keeps each blob as a file under root, at the key's path: the layout
// gocloud.dev's fileblob used (without its metadata sidecars), so data
// directories written by earlier versions read as they are.
//
// A write goes to a temporary file in the blob's own directory (so the
// rename never crosses filesystems), is synced, then renamed over the key
// and the directory synced: a reader sees the old blob or the whole new
// one, and a crash leaves at most a temporary file, never a partial blob.
// Temporary files start with "." and keys never do.
type dir struct {
	root string
}

const (
	dirMode  = 0o700
	tempGlob = ".tmp-*"
)

func newDir(root string) (*dir, error) {
	if root == "" {
		return nil, errors.New("blob directory: empty path")
	}
	if err := os.MkdirAll(root, dirMode); err != nil {
		return nil, fmt.Errorf("blob directory %s: %w", root, err)
	}
	return &dir{root: root}, nil
}

// path maps a validated key into root: segments never start with '.', so
// none is "..", and the result stays inside root.
func (d *dir) path(key string) string {
	return filepath.Join(d.root, filepath.FromSlash(key))
}

func (d *dir) write(ctx context.Context, key string, r io.Reader) (n int64, err error) {
	p := d.path(key)
	parent := filepath.Dir(p)
	if err := os.MkdirAll(parent, dirMode); err != nil {
		return 0, err
	}
	f, err := os.CreateTemp(parent, tempGlob) // mode 0600
	if err != nil {
		return 0, err
	}
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(f.Name())
		}
	}()
	n, err = io.Copy(f, ctxReader{ctx, r})
	if err != nil {
		return n, err
	}
	if err = f.Sync(); err != nil {
		return n, err
	}
	if err = f.Close(); err != nil {
		return n, err
	}
	// The last moment to abort: after the rename the blob is there.
	if err = ctx.Err(); err != nil {
		return n, err
	}
	if err = os.Rename(f.Name(), p); err != nil {
		return n, err
	}
	return n, syncDir(parent)
}

// syncDir makes a rename in dir durable.
func syncDir(dir string) error {
	f, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer f.Close()
	return f.Sync()
}

func (d *dir) openRange(_ context.Context, key string, offset, length int64) (io.ReadCloser, error) {
	f, err := os.Open(d.path(key))
	if err != nil {
		return nil, notFound(err)
	}
	if fi, err := f.Stat(); err != nil || !fi.Mode().IsRegular() {
		f.Close()
		if err == nil {
			err = ErrNotFound // a directory: a key prefix, not a blob
		}
		return nil, err
	}
	if offset == 0 && length < 0 {
		return f, nil
	}
	if length < 0 {
		length = 1<<63 - 1 - offset
	}
	return struct {
		io.Reader
		io.Closer
	}{io.NewSectionReader(f, offset, length), f}, nil
}

func (d *dir) size(_ context.Context, key string) (int64, error) {
	fi, err := os.Stat(d.path(key))
	if err != nil {
		return 0, notFound(err)
	}
	if !fi.Mode().IsRegular() {
		return 0, ErrNotFound
	}
	return fi.Size(), nil
}

func (d *dir) remove(_ context.Context, key string) error {
	p := d.path(key)
	if fi, err := os.Lstat(p); err != nil || !fi.Mode().IsRegular() {
		return nil // missing, or a key prefix: no blob to remove
	}
	err := os.Remove(p)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	return err
}

func (d *dir) close() error { return nil }

// notFound maps "no such file" (and "a path segment is a file", ENOTDIR)
// to ErrNotFound.
func notFound(err error) error {
	if errors.Is(err, fs.ErrNotExist) || errors.Is(err, syscall.ENOTDIR) {
		return ErrNotFound
	}
	return err
}

// ctxReader stops a copy when ctx ends, so an abandoned write does not
// read its source to the end.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if c.ctx.Err() != nil {
		return 0, context.Cause(c.ctx)
	}
	return c.r.Read(p)
}
