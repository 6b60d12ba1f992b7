package store

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"hash"
)

// ContentHasher computes a version's content hash: SHA-256 over the layout
// and, in file, member, seq order, each record's position, kind, identity
// and body hash. Two versions with equal hashes hold the same content.
type ContentHasher struct{ h hash.Hash }

// NewContentHasher starts a content hash over layout.
func NewContentHasher(layout []byte) *ContentHasher {
	c := &ContentHasher{h: sha256.New()}
	c.field([]byte("botport-content-v1"))
	c.field(layout)
	return c
}

// Add adds one record's metadata; records must come in file, member, seq order.
func (c *ContentHasher) Add(r *Record) {
	c.field([]byte(r.File))
	c.field([]byte(r.Member))
	var n [8]byte
	binary.BigEndian.PutUint64(n[:], uint64(r.Seq))
	c.h.Write(n[:])
	c.field([]byte(r.Kind))
	c.field([]byte(r.Ident))
	c.field(r.Hash)
}

// Sum returns the hash in lowercase hex.
func (c *ContentHasher) Sum() string { return hex.EncodeToString(c.h.Sum(nil)) }

func (c *ContentHasher) field(b []byte) {
	var n [8]byte
	binary.BigEndian.PutUint64(n[:], uint64(len(b)))
	c.h.Write(n[:])
	c.h.Write(b)
}
