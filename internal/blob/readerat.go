package blob

import (
	"context"
	"io"
)

// ReaderAt gives random access to a blob, as archive/zip needs, without
// downloading it first. Reads that continue where the previous one stopped
// reuse one open range reader, so a zip's entries, read in order, cost one
// request each rather than one per buffer.
type ReaderAt struct {
	s    *Store
	ctx  context.Context
	key  string
	size int64
	r    io.ReadCloser
	pos  int64 // offset of the next byte r returns
}

// NewReaderAt returns random access to the blob at key.
func (s *Store) NewReaderAt(ctx context.Context, key string) (*ReaderAt, error) {
	size, err := s.Size(ctx, key)
	if err != nil {
		return nil, err
	}
	return &ReaderAt{s: s, ctx: ctx, key: key, size: size}, nil
}

// Size is the blob's length.
func (ra *ReaderAt) Size() int64 { return ra.size }

// ReadAt implements io.ReaderAt. It is not safe for concurrent use.
func (ra *ReaderAt) ReadAt(p []byte, off int64) (int, error) {
	if off >= ra.size {
		return 0, io.EOF
	}
	if ra.r == nil || ra.pos != off {
		if ra.r != nil {
			ra.r.Close()
			ra.r = nil
		}
		r, err := ra.s.OpenRange(ra.ctx, ra.key, off, -1)
		if err != nil {
			return 0, err
		}
		ra.r, ra.pos = r, off
	}
	n, err := io.ReadFull(ra.r, p[:min(int64(len(p)), ra.size-off)])
	ra.pos += int64(n)
	if err != nil {
		ra.r.Close()
		ra.r = nil
		if err == io.ErrUnexpectedEOF || err == io.EOF {
			err = io.EOF
		}
		return n, err
	}
	if n < len(p) {
		return n, io.EOF
	}
	return n, nil
}

// Close releases the open reader, if any.
func (ra *ReaderAt) Close() error {
	if ra.r != nil {
		err := ra.r.Close()
		ra.r = nil
		return err
	}
	return nil
}
