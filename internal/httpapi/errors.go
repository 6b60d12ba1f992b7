package httpapi

import (
	"context"
	"errors"
	"net/http"
	"strconv"

	"github.com/botport/botport/internal/auth"
	"github.com/botport/botport/internal/kore"
)

// answer is how an error code goes on the wire: the HTTP status and the
// envelope's numeric code.
type answer struct {
	status int
	code   int
}

// answers maps every kore error code to its answer (contract section 3):
// the one place where domain refusals meet HTTP. The envelope's code is the
// status, except for refused credentials, which the platform numbers 4002.
var answers = map[string]answer{
	kore.EUNAUTHORIZED:        {http.StatusUnauthorized, 4002},
	kore.EJTI:                 {http.StatusUnauthorized, 401},
	kore.ENOTFOUND:            {http.StatusNotFound, 404},
	kore.EMETHOD:              {http.StatusMethodNotAllowed, 405},
	kore.EINVALID:             {http.StatusPreconditionFailed, 412},
	kore.EUNKNOWNID:           {http.StatusBadRequest, 400},
	kore.ENOSELECTION:         {http.StatusBadRequest, 400},
	kore.EUNSUPPORTED:         {http.StatusBadRequest, 400},
	kore.EUNSUPPORTEDEXISTING: {http.StatusUnprocessableEntity, 422},
	kore.EGONE:                {http.StatusGone, 410},
	kore.ETOOLARGE:            {http.StatusRequestEntityTooLarge, 413},
	kore.ERATELIMIT:           {http.StatusTooManyRequests, 429},
	kore.EBUSY:                {http.StatusConflict, 409},
	kore.ENOTPUBLISHED:        {http.StatusBadRequest, 400},
	kore.EENDED:               {http.StatusConflict, 409},
	kore.EINFLIGHT:            {http.StatusConflict, 409},
	kore.EKEYREUSED:           {http.StatusUnprocessableEntity, 422},
	kore.EINTERNAL:            {http.StatusInternalServerError, 500},
}

// retryLater lists the codes whose answers carry Retry-After: the same
// request succeeds later. (An import that has ended, also 409, does not.)
var retryLater = map[string]bool{kore.ERATELIMIT: true, kore.EBUSY: true, kore.EINFLIGHT: true}

// envelope is the platform's error body.
type envelope struct {
	Errors [1]envelopeItem `json:"errors"`
}

type envelopeItem struct {
	Msg  string `json:"msg"`
	Code int    `json:"code"`
}

// writeError answers err in the Kore envelope. A *kore.Error is the client's
// answer; a refused token is logged with its reason; anything else is a
// fault: logged with the request id, answered 500 with no detail.
func (s *server) writeError(w http.ResponseWriter, r *http.Request, err error) {
	var ke *kore.Error
	var af *auth.Failure
	var mbe *http.MaxBytesError
	switch {
	case errors.As(err, &af):
		ke = af.Answer
		s.noteRefusal(r.Context(), requestID(r), af)
	case errors.As(err, &ke):
	case errors.As(err, &mbe):
		ke = kore.ErrBodyTooLarge(mbe.Limit)
	case errors.Is(err, context.Canceled) && r.Context().Err() != nil:
		return // the client went away
	default:
		ke = kore.ErrInternal
		s.log.ErrorContext(r.Context(), "request failed", "request_id", requestID(r), "method", r.Method,
			"path", r.URL.Path, "error", err)
	}
	if _, ok := answers[ke.Code]; !ok {
		s.log.ErrorContext(r.Context(), "error code without an answer", "request_id", requestID(r), "code", ke.Code, "msg", ke.Msg)
		ke = kore.ErrInternal
	}
	writeKoreError(w, ke)
}

// writeKoreError sends ke in the envelope with the status its code maps to;
// the answers a client should send again later (rate limits, a busy bot, an
// idempotent request in flight) carry Retry-After (1 s unless the handler
// set one). A code missing from the table is answered 500.
func writeKoreError(w http.ResponseWriter, ke *kore.Error) {
	a, ok := answers[ke.Code]
	if !ok {
		ke, a = kore.ErrInternal, answers[kore.EINTERNAL]
	}
	if retryLater[ke.Code] && w.Header().Get("Retry-After") == "" {
		w.Header().Set("Retry-After", "1")
	}
	writeJSON(w, a.status, kore.Encode(envelope{Errors: [1]envelopeItem{{Msg: ke.Msg, Code: a.code}}}))
}

// writeJSON sends an encoded JSON body.
func writeJSON(w http.ResponseWriter, status int, body []byte) {
	h := w.Header()
	h.Set("Content-Type", "application/json; charset=utf-8")
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	_, _ = w.Write(body)
}
