// Package kore holds the Kore.ai wire vocabulary that every layer of botport
// shares: identifier shapes, the error catalogue and the timestamp format.
// It knows nothing of HTTP handlers, SQL or the import pipeline.
package kore

import (
	"crypto/rand"
	"encoding/hex"
	"strings"

	"github.com/google/uuid"
)

// Identifier prefixes, as the platform writes them.
const (
	PrefixBot    = "st-"
	PrefixUser   = "u-"
	PrefixImport = "bir-"
	PrefixExport = "ber-"
	PrefixApp    = "cs-"
	// PrefixPublish starts botport's publish request ids (the platform's
	// sample shows a ber- id; contract 4.10).
	PrefixPublish = "bpr-"
)

// NewUUID returns a random lowercase 8-4-4-4-12 UUID.
func NewUUID() string { return uuid.NewString() }

// NewBotID returns a new bot (stream) id, st-<uuid>.
func NewBotID() string { return PrefixBot + NewUUID() }

// NewUserID returns a new u-<uuid> user id.
func NewUserID() string { return PrefixUser + NewUUID() }

// NewImportID returns a new bot import request id, bir-<uuid>.
func NewImportID() string { return PrefixImport + NewUUID() }

// NewExportID returns a new bot export request id, ber-<uuid>.
func NewExportID() string { return PrefixExport + NewUUID() }

// NewPublishID returns a new publish request id, bpr-<uuid>.
func NewPublishID() string { return PrefixPublish + NewUUID() }

// NewAppID returns a new client app id, cs-<uuid>.
func NewAppID() string { return PrefixApp + NewUUID() }

// NewHexID returns 24 random lowercase hex characters: the shape of file ids,
// account ids and bot-functions record ids.
func NewHexID() string {
	var b [12]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(err) // crypto/rand never fails on supported platforms
	}
	return hex.EncodeToString(b[:])
}

// IsHexID reports whether s is 24 lowercase hex characters.
func IsHexID(s string) bool {
	if len(s) != 24 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}

// IsUUID reports whether s is a lowercase 8-4-4-4-12 UUID.
func IsUUID(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i := 0; i < 36; i++ {
		c := s[i]
		switch i {
		case 8, 13, 18, 23:
			if c != '-' {
				return false
			}
		default:
			if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
				return false
			}
		}
	}
	return true
}

// HasUUID reports whether s is prefix followed by a lowercase UUID.
func HasUUID(s, prefix string) bool {
	rest, ok := strings.CutPrefix(s, prefix)
	return ok && IsUUID(rest)
}

// IsBotID reports whether s has the shape of a bot id.
func IsBotID(s string) bool { return HasUUID(s, PrefixBot) }

// IsImportID reports whether s has the shape of an import request id.
func IsImportID(s string) bool { return HasUUID(s, PrefixImport) }

// IsExportID reports whether s has the shape of an export request id.
func IsExportID(s string) bool { return HasUUID(s, PrefixExport) }

// IsAppID reports whether s has the shape of a client app id.
func IsAppID(s string) bool { return HasUUID(s, PrefixApp) }

// IsPublishID reports whether s has the shape of a publish request id.
func IsPublishID(s string) bool { return HasUUID(s, PrefixPublish) }
