package blob

import (
	"bytes"
	"context"
	"io"
	"sync"
)

// mem keeps blobs in memory, for tests (mem://). Blobs are never modified
// in place, so readers hold on to the slice they opened.
type mem struct {
	mu    sync.Mutex
	blobs map[string][]byte
}

func newMem() *mem { return &mem{blobs: map[string][]byte{}} }

func (m *mem) write(ctx context.Context, key string, r io.Reader) (int64, error) {
	var buf bytes.Buffer
	n, err := io.Copy(&buf, ctxReader{ctx, r})
	if err == nil {
		err = ctx.Err()
	}
	if err != nil {
		return n, err
	}
	m.mu.Lock()
	m.blobs[key] = buf.Bytes()
	m.mu.Unlock()
	return n, nil
}

func (m *mem) get(key string) ([]byte, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	b, ok := m.blobs[key]
	if !ok {
		return nil, ErrNotFound
	}
	return b, nil
}

func (m *mem) openRange(_ context.Context, key string, offset, length int64) (io.ReadCloser, error) {
	b, err := m.get(key)
	if err != nil {
		return nil, err
	}
	b = b[min(offset, int64(len(b))):]
	if length >= 0 && length < int64(len(b)) {
		b = b[:length]
	}
	return io.NopCloser(bytes.NewReader(b)), nil
}

func (m *mem) size(_ context.Context, key string) (int64, error) {
	b, err := m.get(key)
	return int64(len(b)), err
}

func (m *mem) remove(_ context.Context, key string) error {
	m.mu.Lock()
	delete(m.blobs, key)
	m.mu.Unlock()
	return nil
}

func (m *mem) close() error { return nil }
