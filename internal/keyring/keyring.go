// Package keyring encrypts the secrets botport keeps in its database (client
// secrets, the download-link signing key) with AES-256-GCM, under a key kept
// apart from the database: a key file or an environment variable. A copy of
// the database, a backup or a stray WAL file then holds no usable secret.
//
// A keyring holds one or more keys. The first seals; every key opens, so
// that a key can be rotated without a moment where some value cannot be
// read (see Rotate in the README). Each sealed value names the key that
// sealed it by a short id, and is bound to its place (an app's id, a
// setting's name) by GCM's additional data: a sealed value copied into
// another row does not open there.
package keyring

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
)

// KeySize is the size of a key: AES-256.
const KeySize = 32

// prefix starts every sealed value. Client secrets are base64url and
// signing keys random bytes: a plaintext value starts with it by chance
// with probability 2^-40 at most (random bytes), never for a secret botport
// minted (base64url has no '.').
const prefix = "bpk1."

// Errors of Open.
var (
	// ErrUnknownKey means the value was sealed with a key this keyring does
	// not hold: the process was given another key than the one that sealed
	// the database's secrets.
	ErrUnknownKey = errors.New("keyring: sealed with a key this process does not have")
	// ErrCorrupt means the value does not open: it was changed, or moved
	// from the row it was sealed for.
	ErrCorrupt = errors.New("keyring: sealed value does not open (changed, or moved from its row)")
)

// Keyring seals with its first key and opens with any. Its methods are safe
// for concurrent use.
type Keyring struct {
	keys []entry
}

type entry struct {
	id   string
	aead cipher.AEAD
}

// New returns a keyring of keys, the first of which seals. Every key must
// be KeySize bytes; a key given twice is kept once.
func New(keys ...[]byte) (*Keyring, error) {
	if len(keys) == 0 {
		return nil, errors.New("keyring: no key")
	}
	k := &Keyring{}
	for i, raw := range keys {
		if len(raw) != KeySize {
			return nil, fmt.Errorf("keyring: key %d has %d bytes, want %d", i+1, len(raw), KeySize)
		}
		id := KeyID(raw)
		if k.has(id) {
			continue
		}
		block, err := aes.NewCipher(raw)
		if err != nil {
			return nil, err
		}
		aead, err := cipher.NewGCM(block)
		if err != nil {
			return nil, err
		}
		k.keys = append(k.keys, entry{id: id, aead: aead})
	}
	return k, nil
}

func (k *Keyring) has(id string) bool {
	for _, e := range k.keys {
		if e.id == id {
			return true
		}
	}
	return false
}

// KeyID is a key's public name: 8 hex digits of a hash of it, which says
// which key sealed a value without revealing anything of the key.
func KeyID(key []byte) string {
	h := sha256.Sum256(append([]byte("botport key id\x00"), key...))
	return hex.EncodeToString(h[:4])
}

// IDs lists the ids of the keyring's keys, the sealing key first.
func (k *Keyring) IDs() []string {
	ids := make([]string, len(k.keys))
	for i, e := range k.keys {
		ids[i] = e.id
	}
	return ids
}

// Generate returns a new random key.
func Generate() []byte {
	b := make([]byte, KeySize)
	if _, err := rand.Read(b); err != nil {
		panic(err) // crypto/rand does not fail on supported systems
	}
	return b
}

// Encode writes a key as standard base64, the form Parse reads.
func Encode(key []byte) string { return base64.StdEncoding.EncodeToString(key) }

// Parse reads keys separated by commas, spaces or newlines, each in
// standard or URL base64 (padded or not): the form of BOTPORT_SECRET_KEY
// and of a key file. The first key seals.
func Parse(s string) (*Keyring, error) {
	keys, err := parseKeys(s)
	if err != nil {
		return nil, err
	}
	return New(keys...)
}

func parseKeys(s string) ([][]byte, error) {
	fields := strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ' ' || r == '\n' || r == '\r' || r == '\t' })
	if len(fields) == 0 {
		return nil, errors.New("keyring: no key")
	}
	keys := make([][]byte, 0, len(fields))
	for i, f := range fields {
		key, err := decodeKey(f)
		if err != nil {
			return nil, fmt.Errorf("keyring: key %d: %w", i+1, err)
		}
		keys = append(keys, key)
	}
	return keys, nil
}

func decodeKey(s string) ([]byte, error) {
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if b, err := enc.DecodeString(s); err == nil {
			if len(b) != KeySize {
				return nil, fmt.Errorf("%d bytes, want %d (generate one with `botport keys generate`)", len(b), KeySize)
			}
			return b, nil
		}
	}
	return nil, errors.New("not base64 (generate one with `botport keys generate`)")
}

// IsSealed reports whether a stored value is sealed (rather than a
// plaintext value written before values were sealed).
func IsSealed(v []byte) bool {
	return bytes.HasPrefix(v, []byte(prefix)) && len(v) > len(prefix)+9 && v[len(prefix)+8] == '.'
}

// Seal encrypts plain for the place named by context (an app id, a setting
// name), with the keyring's first key. The result is printable ASCII:
// "bpk1.<key id>.<base64url of nonce and ciphertext>".
func (k *Keyring) Seal(plain []byte, context string) ([]byte, error) {
	e := k.keys[0]
	nonce := make([]byte, e.aead.NonceSize(), e.aead.NonceSize()+len(plain)+e.aead.Overhead())
	if _, err := rand.Read(nonce); err != nil {
		return nil, err
	}
	sealed := e.aead.Seal(nonce, nonce, plain, []byte(context))
	out := make([]byte, 0, len(prefix)+9+base64.RawURLEncoding.EncodedLen(len(sealed)))
	out = append(out, prefix...)
	out = append(out, e.id...)
	out = append(out, '.')
	return base64.RawURLEncoding.AppendEncode(out, sealed), nil
}

// Open decrypts a value Seal made for the same context. Errors:
// ErrUnknownKey when no key of the keyring sealed it; ErrCorrupt when it
// does not open (changed, or sealed for another context); an error for a
// value that is not sealed at all.
func (k *Keyring) Open(v []byte, context string) ([]byte, error) {
	if !IsSealed(v) {
		return nil, errors.New("keyring: value is not sealed")
	}
	id := string(v[len(prefix) : len(prefix)+8])
	for _, e := range k.keys {
		if e.id != id {
			continue
		}
		raw, err := base64.RawURLEncoding.DecodeString(string(v[len(prefix)+9:]))
		if err != nil || len(raw) < e.aead.NonceSize() {
			return nil, ErrCorrupt
		}
		n := e.aead.NonceSize()
		plain, err := e.aead.Open(nil, raw[:n], raw[n:], []byte(context))
		if err != nil {
			return nil, ErrCorrupt
		}
		return plain, nil
	}
	return nil, fmt.Errorf("%w (value sealed with key %s; this process has %s)", ErrUnknownKey, id, strings.Join(k.IDs(), ", "))
}

// Current reports whether v is sealed with the keyring's sealing key (a
// rotation reseals the values for which it is false).
func (k *Keyring) Current(v []byte) bool {
	return IsSealed(v) && string(v[len(prefix):len(prefix)+8]) == k.keys[0].id
}
