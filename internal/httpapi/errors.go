package httpapi

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"

	"github.com/botport/botport/internal/auth"
	"github.com/botport/botport/internal/kore"
)

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
		s.log.InfoContext(r.Context(), "token refused", "request_id", requestID(r), "reason", af.Reason)
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
	if (ke.Status == http.StatusTooManyRequests || ke.Status == http.StatusConflict) && w.Header().Get("Retry-After") == "" {
		w.Header().Set("Retry-After", "1")
	}
	writeKoreError(w, ke)
}

func writeKoreError(w http.ResponseWriter, ke *kore.Error) {
	b, _ := json.Marshal(envelope{Errors: [1]envelopeItem{{Msg: ke.Msg, Code: ke.Code}}})
	writeJSON(w, ke.Status, b)
}

// writeJSON sends an encoded JSON body.
func writeJSON(w http.ResponseWriter, status int, body []byte) {
	h := w.Header()
	h.Set("Content-Type", "application/json; charset=utf-8")
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

// marshal encodes v without HTML escaping, as the platform's responses are.
func marshal(v any) []byte {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		panic(err) // response types hold only strings, numbers and booleans
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n"))
}
