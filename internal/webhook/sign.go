package webhook

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"strconv"
	"strings"
	"time"
)

// SecretPrefix starts every signing secret, as the Standard Webhooks
// specification serializes symmetric secrets.
const SecretPrefix = "whsec_"

// secretBytes is the size of a new secret's key: the specification asks
// for at least 24 bytes.
const secretBytes = 32

// NewSecret returns a new signing secret: whsec_ and the base64 of 32
// random bytes.
func NewSecret() string {
	var b [secretBytes]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(err) // crypto/rand never fails on supported platforms
	}
	return SecretPrefix + base64.StdEncoding.EncodeToString(b[:])
}

// errSecret is the answer for a secret that is not whsec_ and base64.
var errSecret = errors.New("webhook: the secret is not whsec_ followed by base64")

// key returns the HMAC key of a secret: the bytes after whsec_,
// base64-decoded, as the specification has it.
func key(secret string) ([]byte, error) {
	k, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(secret, SecretPrefix))
	if err != nil || len(k) == 0 {
		return nil, errSecret
	}
	return k, nil
}

// Sign returns the webhook-signature header of one attempt of message id
// with body, sent at ts: "v1," and the base64 HMAC-SHA256 of
// "id.timestamp.body" (timestamp in Unix seconds) under the secret's key.
// Errors: a secret that is not whsec_ and base64.
func Sign(secret, id string, ts time.Time, body []byte) (string, error) {
	k, err := key(secret)
	if err != nil {
		return "", err
	}
	m := hmac.New(sha256.New, k)
	m.Write([]byte(id))
	m.Write([]byte{'.'})
	m.Write([]byte(strconv.FormatInt(ts.Unix(), 10)))
	m.Write([]byte{'.'})
	m.Write(body)
	return "v1," + base64.StdEncoding.EncodeToString(m.Sum(nil)), nil
}
