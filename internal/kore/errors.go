package kore

import "fmt"

// Error codes: the kinds of refusal the platform's catalogue knows (contract
// section 3). They are stable names that carry no transport: httpapi alone
// maps each to an HTTP status and the envelope's numeric code, in one table.
// Several errors share a code when the platform answers them alike.
const (
	// EUNAUTHORIZED: no token, a refused token, or a scope the app lacks.
	EUNAUTHORIZED = "unauthorized"
	// EJTI: a JTI rule of an app that enforces them (contract 2.3).
	EJTI = "jti"
	// ENOTFOUND: no such route, download link or version.
	ENOTFOUND = "not_found"
	// EMETHOD: a known path asked with another method.
	EMETHOD = "method_not_allowed"
	// EINVALID: a body that does not parse, or a field rule broken.
	EINVALID = "invalid"
	// EUNKNOWNID: an id (file, bot, request) the caller cannot use: unknown,
	// malformed, expired or another account's.
	EUNKNOWNID = "unknown_id"
	// ENOSELECTION: import or export options that select no component.
	ENOSELECTION = "no_selection"
	// EUNSUPPORTED: content in a format no longer supported, imported as a
	// new bot.
	EUNSUPPORTED = "unsupported"
	// EUNSUPPORTEDEXISTING: the same, imported into an existing bot, which
	// the platform answers differently.
	EUNSUPPORTEDEXISTING = "unsupported_existing"
	// EGONE: a genuine download link past its expiry.
	EGONE = "gone"
	// ETOOLARGE: an upload or a body over its limit.
	ETOOLARGE = "too_large"
	// ERATELIMIT: a rate limit reached.
	ERATELIMIT = "rate_limit"
	// EBUSY: a write to a bot that another write holds; nothing changed and
	// the same request may be sent again shortly.
	EBUSY = "busy"
	// ENOTPUBLISHED: an export of the published version of a bot that was
	// never published (botport's answer, contract 3.3).
	ENOTPUBLISHED = "not_published"
	// EENDED: a change to a request that has ended already (cancelling
	// an import that succeeded or failed): nothing changed, and sending it
	// again cannot succeed.
	EENDED = "ended"
	// EINFLIGHT: a request with the same Idempotency-Key is still being
	// processed; the same request may be sent again shortly.
	EINFLIGHT = "in_flight"
	// EKEYREUSED: an Idempotency-Key sent again with a different request.
	EKEYREUSED = "key_reused"
	// EINTERNAL: a fault of botport's; its cause is only logged.
	EINTERNAL = "internal"
)

// Codes lists every error code, for the tests that keep the HTTP table
// complete.
var Codes = []string{
	EUNAUTHORIZED, EJTI, ENOTFOUND, EMETHOD, EINVALID, EUNKNOWNID, ENOSELECTION,
	EUNSUPPORTED, EUNSUPPORTEDEXISTING, EGONE, ETOOLARGE, ERATELIMIT, EBUSY, ENOTPUBLISHED, EENDED, EINFLIGHT,
	EKEYREUSED, EINTERNAL,
}

// Error is a refusal from the platform's error catalogue: a code for the
// kind of refusal and the message clients see, verbatim as the platform
// words it. Domain packages return *Error values; anything else that reaches
// the HTTP layer is a fault and is answered EINTERNAL, its cause only logged.
type Error struct {
	Code string // one of the E… codes
	Msg  string // the envelope's msg
}

func (e *Error) Error() string { return e.Code + ": " + e.Msg }

// The catalogue (contract sections 3.2 and 3.3). Messages are the
// platform's, verbatim.
var (
	ErrNoCredentials  = &Error{EUNAUTHORIZED, "Invalid SDK credentials"}
	ErrBadCredentials = &Error{EUNAUTHORIZED, "Invalid SDK credentials"}
	ErrNotJWT         = &Error{EUNAUTHORIZED, "Invalid JWT token"}
	ErrScope          = &Error{EUNAUTHORIZED, "Permission denied. Scope is incorrect!"}
	ErrNotFound       = &Error{ENOTFOUND, "Not Found"}
	ErrMethod         = &Error{EMETHOD, "Method Not Allowed"}
	ErrValidation     = &Error{EINVALID, "Validation errors/ Invalid arguments"}
	ErrFileID         = &Error{EUNKNOWNID, "Invalid file id"}
	ErrStreamID       = &Error{EUNKNOWNID, "Invalid StreamId"}
	ErrRequestID      = &Error{EUNKNOWNID, "Invalid request ID"}
	ErrNoComponent    = &Error{ENOSELECTION, "Please select at least one component"}
	ErrGone           = &Error{EGONE, "Download link expired"}
	ErrBusy           = &Error{EBUSY, "The bot is being changed by an import; retry shortly"}
	ErrNotPublished   = &Error{ENOTPUBLISHED, "Bot is not published"}
	ErrInternal       = &Error{EINTERNAL, "Internal Server Error"}

	ErrJTIRequired = &Error{EJTI, `error verifying the jwt: "jti" claim is required`}
	ErrJTIExpiry   = &Error{EJTI, `error verifying the jwt: if "jti" claim "exp" must be <= 1 hour(s)`}
	ErrJTIReplay   = &Error{EJTI, `error verifying the jwt: possibly a replay`}

	ErrRateMinute = &Error{ERATELIMIT, "You've exceeded the per-minute rate limit. Please wait for sometime before retrying."}
	ErrRateHour   = &Error{ERATELIMIT, "You've exceeded the hourly rate limit. Please wait for sometime before retrying."}

	// ErrVersion answers an unknown version number (botport's versions
	// extension).
	ErrVersion = &Error{ENOTFOUND, "Invalid version"}

	// ErrImportEnded answers the cancel of an import that has ended
	// (botport extension).
	ErrImportEnded = &Error{EENDED, "Import already ended"}
	// ErrIdempotencyKey answers an Idempotency-Key header that is not 1 to
	// 255 printable ASCII characters, or is sent twice.
	ErrIdempotencyKey = &Error{EINVALID, "Invalid Idempotency-Key: 1 to 255 printable ASCII characters"}
	// ErrKeyInFlight answers a request whose Idempotency-Key names a
	// request still being processed.
	ErrKeyInFlight = &Error{EINFLIGHT, "A request with this Idempotency-Key is still being processed; retry shortly"}
	// ErrKeyReused answers an Idempotency-Key sent with a different request
	// (method, path or body) than the one it first came with.
	ErrKeyReused = &Error{EKEYREUSED, "This Idempotency-Key was used with a different request"}
)

// universalBotMsg is the platform's refusal of old-format Universal Bots.
const universalBotMsg = "The file contains the definition of the Universal Bots built using an older version. This version is no longer supported and the file cannot be imported."

// ErrUniversalBot is the refusal of an old-format Universal Bot imported as
// a new bot; an import into an existing bot gets ErrUniversalBotExisting,
// which the platform answers with another status.
var (
	ErrUniversalBot         = &Error{EUNSUPPORTED, universalBotMsg}
	ErrUniversalBotExisting = &Error{EUNSUPPORTEDEXISTING, universalBotMsg}
)

// ErrUploadTooLarge is the refusal of an upload over limit bytes (ETOOLARGE).
func ErrUploadTooLarge(limit int64) *Error {
	return &Error{ETOOLARGE, fmt.Sprintf("File too large: the limit is %d bytes", limit)}
}

// ErrBodyTooLarge is the refusal of a request body over limit bytes
// (ETOOLARGE).
func ErrBodyTooLarge(limit int64) *Error {
	return &Error{ETOOLARGE, fmt.Sprintf("Request body too large: the limit is %d bytes", limit)}
}
