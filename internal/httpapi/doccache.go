package httpapi

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"sync"
	"time"

	"github.com/botport/botport/internal/store"
)

// docCache keeps the status documents of finished imports, which never
// change, with their ETags: the status path is polled constantly. Entries
// expire after a while so that retention's deletions show; the cache is
// bounded in bytes.
type docCache struct {
	mu    sync.Mutex
	m     map[string]docEntry
	order []string // insertion order, for eviction
	bytes int
	max   int
	ttl   time.Duration
}

type docEntry struct {
	doc  []byte
	etag string
	at   time.Time
}

func newDocCache(maxBytes int, ttl time.Duration) *docCache {
	return &docCache{m: map[string]docEntry{}, max: maxBytes, ttl: ttl}
}

func (c *docCache) get(key string, now time.Time) (docEntry, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.m[key]
	if ok && now.Sub(e.at) > c.ttl {
		return docEntry{}, false
	}
	return e, ok
}

func (c *docCache) put(key string, e docEntry) {
	if len(e.doc) > c.max/16 {
		return // one huge document must not flush the rest
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if old, ok := c.m[key]; ok {
		c.bytes -= len(old.doc)
	} else {
		c.order = append(c.order, key)
	}
	c.m[key] = e
	c.bytes += len(e.doc)
	for c.bytes > c.max && len(c.order) > 0 {
		k := c.order[0]
		c.order = c.order[1:]
		if old, ok := c.m[k]; ok {
			c.bytes -= len(old.doc)
			delete(c.m, k)
		}
	}
}

// etagOf is a strong ETag of a document.
func etagOf(doc []byte) string {
	sum := sha256.Sum256(doc)
	return `"` + hex.EncodeToString(sum[:16]) + `"`
}

// finalStatus reports whether an import's status is final: its document
// never changes again, so it can be cached.
func finalStatus(status string) bool {
	return status == store.StatusSuccess || status == store.StatusFailure
}

// etagMatches reports whether an If-None-Match header names etag.
func etagMatches(header, etag string) bool {
	for _, part := range bytes.Split([]byte(header), []byte(",")) {
		p := bytes.TrimSpace(part)
		p = bytes.TrimPrefix(p, []byte("W/"))
		if string(p) == etag || string(p) == "*" {
			return true
		}
	}
	return false
}
