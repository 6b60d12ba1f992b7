package store

import (
	"context"
	"time"
)

// Session is a signed-in session of the web dashboard. The cookie holds a
// random id; the store keeps only its SHA-256 (IDHash), so that a copy of
// the database opens no session.
type Session struct {
	IDHash    string // hex SHA-256 of the cookie's id
	AppID     string // the app that signed in
	AccountID string // its account: everything the session shows is scoped to it
	CSRF      string // the token every form of the session posts back
	// SecretTag binds the session to the app's secret at sign-in (an HMAC
	// keyed by the secret): a rotated secret ends every session.
	SecretTag string
	CreatedOn time.Time
	ExpiresOn time.Time
}

// Dashboard is what the web dashboard keeps besides what the API does:
// sessions, valid on every replica because they live in the database, and
// the times at which each stage of an import ended.
type Dashboard interface {
	// CreateSession stores a new session. Errors: faults only (an id hash
	// already taken is a constraint fault).
	CreateSession(ctx context.Context, s *Session) error
	// Session returns the session with that id hash unless it expired
	// before now. Errors: ErrNotFound (unknown, ended or expired).
	Session(ctx context.Context, idHash string, now time.Time) (*Session, error)
	// DeleteSession ends a session (sign-out); an unknown one is not an
	// error. Errors: faults only.
	DeleteSession(ctx context.Context, idHash string) error
	// DeleteExpiredSessions removes up to limit sessions that expired
	// before now and returns how many. Errors: faults only.
	DeleteExpiredSessions(ctx context.Context, now time.Time, limit int) (int, error)

	// SaveImportTimes stores an import's stage times (the importer's
	// encoding, opaque to the store), pending or ended: the times are a
	// record of what happened and never change the status document.
	// Errors: ErrNotFound when there is no such import.
	SaveImportTimes(ctx context.Context, id string, times []byte) error
	// ImportTimes returns the stage times of the account's import (empty
	// when none were recorded). Errors: ErrNotFound (also for another
	// account's import).
	ImportTimes(ctx context.Context, accountID, id string) ([]byte, error)
}
