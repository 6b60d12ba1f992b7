package kore

import (
	"fmt"
	"strconv"
)

// Error is an answer from the platform's error catalogue: an HTTP status and
// the single element of the {"errors":[{"msg","code"}]} envelope. Handlers
// return *Error values; anything else that reaches the HTTP layer is a bug and
// becomes 500 Internal Server Error, with the cause only logged.
type Error struct {
	Status int    // HTTP status
	Msg    string // envelope msg, exact platform text
	Code   int    // envelope code
}

func (e *Error) Error() string { return strconv.Itoa(e.Status) + " " + e.Msg }

// The catalogue (contract section 3). Messages are the platform's, verbatim.
var (
	ErrNoCredentials  = &Error{401, "Invalid SDK credentials", 4002}
	ErrBadCredentials = &Error{401, "Invalid SDK credentials", 4002}
	ErrNotJWT         = &Error{401, "Invalid JWT token", 4002}
	ErrScope          = &Error{401, "Permission denied. Scope is incorrect!", 4002}
	ErrNotFound       = &Error{404, "Not Found", 404}
	ErrMethod         = &Error{405, "Method Not Allowed", 405}
	ErrValidation     = &Error{412, "Validation errors/ Invalid arguments", 412}
	ErrFileID         = &Error{400, "Invalid file id", 400}
	ErrStreamID       = &Error{400, "Invalid StreamId", 400}
	ErrRequestID      = &Error{400, "Invalid request ID", 400}
	ErrNoComponent    = &Error{400, "Please select at least one component", 400}
	ErrGone           = &Error{410, "Download link expired", 410}
	ErrInternal       = &Error{500, "Internal Server Error", 500}

	ErrJTIRequired = &Error{401, `error verifying the jwt: "jti" claim is required`, 401}
	ErrJTIExpiry   = &Error{401, `error verifying the jwt: if "jti" claim "exp" must be <= 1 hour(s)`, 401}
	ErrJTIReplay   = &Error{401, `error verifying the jwt: possibly a replay`, 401}

	ErrRateMinute = &Error{429, "You've exceeded the per-minute rate limit. Please wait for sometime before retrying.", 429}
	ErrRateHour   = &Error{429, "You've exceeded the hourly rate limit. Please wait for sometime before retrying.", 429}
)

// universalBotMsg is the platform's refusal of old-format Universal Bots.
const universalBotMsg = "The file contains the definition of the Universal Bots built using an older version. This version is no longer supported and the file cannot be imported."

// ErrUniversalBot is the refusal for an import as a new bot (400); an import
// into an existing bot uses ErrUniversalBotExisting (422).
var (
	ErrUniversalBot         = &Error{400, universalBotMsg, 400}
	ErrUniversalBotExisting = &Error{422, universalBotMsg, 422}
)

// ErrUploadTooLarge is the 413 for an upload over limit bytes.
func ErrUploadTooLarge(limit int64) *Error {
	return &Error{413, fmt.Sprintf("File too large: the limit is %d bytes", limit), 413}
}

// ErrBodyTooLarge is the 413 for a request body over limit bytes.
func ErrBodyTooLarge(limit int64) *Error {
	return &Error{413, fmt.Sprintf("Request body too large: the limit is %d bytes", limit), 413}
}
