package httpapi

import (
	"bytes"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/botport/botport/internal/auth"
	"github.com/botport/botport/internal/kore"
)

// TestAnswersCoverEveryCode: each kore code has an answer, and the table
// answers no code kore does not know.
func TestAnswersCoverEveryCode(t *testing.T) {
	known := map[string]bool{}
	for _, c := range kore.Codes {
		known[c] = true
		if _, ok := answers[c]; !ok {
			t.Errorf("code %q has no HTTP answer", c)
		}
	}
	for c := range answers {
		if !known[c] {
			t.Errorf("answers holds %q, which is not in kore.Codes", c)
		}
	}
}

// TestErrorAnswers pins every catalogue error as it goes on the wire:
// status, envelope bytes and Retry-After (contract section 3).
func TestErrorAnswers(t *testing.T) {
	ub := "The file contains the definition of the Universal Bots built using an older version. This version is no longer supported and the file cannot be imported."
	for _, tt := range []struct {
		err    error
		status int
		body   string
	}{
		{kore.ErrNoCredentials, 401, `{"errors":[{"msg":"Invalid SDK credentials","code":4002}]}`},
		{kore.ErrBadCredentials, 401, `{"errors":[{"msg":"Invalid SDK credentials","code":4002}]}`},
		{kore.ErrNotJWT, 401, `{"errors":[{"msg":"Invalid JWT token","code":4002}]}`},
		{kore.ErrScope, 401, `{"errors":[{"msg":"Permission denied. Scope is incorrect!","code":4002}]}`},
		{kore.ErrJTIRequired, 401, `{"errors":[{"msg":"error verifying the jwt: \"jti\" claim is required","code":401}]}`},
		{kore.ErrJTIExpiry, 401, `{"errors":[{"msg":"error verifying the jwt: if \"jti\" claim \"exp\" must be <= 1 hour(s)","code":401}]}`},
		{kore.ErrJTIReplay, 401, `{"errors":[{"msg":"error verifying the jwt: possibly a replay","code":401}]}`},
		{kore.ErrNotFound, 404, `{"errors":[{"msg":"Not Found","code":404}]}`},
		{kore.ErrVersion, 404, `{"errors":[{"msg":"Invalid version","code":404}]}`},
		{kore.ErrMethod, 405, `{"errors":[{"msg":"Method Not Allowed","code":405}]}`},
		{kore.ErrValidation, 412, `{"errors":[{"msg":"Validation errors/ Invalid arguments","code":412}]}`},
		{kore.ErrFileID, 400, `{"errors":[{"msg":"Invalid file id","code":400}]}`},
		{kore.ErrStreamID, 400, `{"errors":[{"msg":"Invalid StreamId","code":400}]}`},
		{kore.ErrRequestID, 400, `{"errors":[{"msg":"Invalid request ID","code":400}]}`},
		{kore.ErrNoComponent, 400, `{"errors":[{"msg":"Please select at least one component","code":400}]}`},
		{kore.ErrUniversalBot, 400, `{"errors":[{"msg":"` + ub + `","code":400}]}`},
		{kore.ErrUniversalBotExisting, 422, `{"errors":[{"msg":"` + ub + `","code":422}]}`},
		{kore.ErrGone, 410, `{"errors":[{"msg":"Download link expired","code":410}]}`},
		{kore.ErrUploadTooLarge(300000), 413, `{"errors":[{"msg":"File too large: the limit is 300000 bytes","code":413}]}`},
		{kore.ErrBodyTooLarge(4096), 413, `{"errors":[{"msg":"Request body too large: the limit is 4096 bytes","code":413}]}`},
		{kore.ErrRateMinute, 429, `{"errors":[{"msg":"You've exceeded the per-minute rate limit. Please wait for sometime before retrying.","code":429}]}`},
		{kore.ErrRateHour, 429, `{"errors":[{"msg":"You've exceeded the hourly rate limit. Please wait for sometime before retrying.","code":429}]}`},
		{kore.ErrBusy, 409, `{"errors":[{"msg":"The bot is being changed by an import; retry shortly","code":409}]}`},
		{kore.ErrImportEnded, 409, `{"errors":[{"msg":"Import already ended","code":409}]}`},
		{kore.ErrKeyInFlight, 409, `{"errors":[{"msg":"A request with this Idempotency-Key is still being processed; retry shortly","code":409}]}`},
		{kore.ErrKeyReused, 422, `{"errors":[{"msg":"This Idempotency-Key was used with a different request","code":422}]}`},
		{kore.ErrIdempotencyKey, 412, `{"errors":[{"msg":"Invalid Idempotency-Key: 1 to 255 printable ASCII characters","code":412}]}`},
		{kore.ErrInternal, 500, `{"errors":[{"msg":"Internal Server Error","code":500}]}`},
		// Not from the catalogue: wrapped refusals keep their answer; faults
		// and unknown codes are 500 without detail.
		{fmt.Errorf("start: %w", kore.ErrStreamID), 400, `{"errors":[{"msg":"Invalid StreamId","code":400}]}`},
		{&auth.Failure{Answer: kore.ErrBadCredentials, Reason: "bad signature"}, 401, `{"errors":[{"msg":"Invalid SDK credentials","code":4002}]}`},
		{&http.MaxBytesError{Limit: 1024}, 413, `{"errors":[{"msg":"Request body too large: the limit is 1024 bytes","code":413}]}`},
		{errors.New("disk on fire"), 500, `{"errors":[{"msg":"Internal Server Error","code":500}]}`},
		{&kore.Error{Code: "no_such_code", Msg: "secret detail"}, 500, `{"errors":[{"msg":"Internal Server Error","code":500}]}`},
	} {
		t.Run(tt.err.Error(), func(t *testing.T) {
			var logs bytes.Buffer
			s := &server{log: slog.New(slog.NewTextHandler(&logs, nil))}
			w := httptest.NewRecorder()
			s.writeError(w, httptest.NewRequest("GET", "/x", nil), tt.err)
			if w.Code != tt.status || w.Body.String() != tt.body {
				t.Errorf("answer %d %s\nwant   %d %s", w.Code, w.Body, tt.status, tt.body)
			}
			if ct := w.Header().Get("Content-Type"); ct != "application/json; charset=utf-8" {
				t.Errorf("Content-Type %q", ct)
			}
			var ke *kore.Error
			later := errors.As(tt.err, &ke) && (ke.Code == kore.ERATELIMIT || ke.Code == kore.EBUSY || ke.Code == kore.EINFLIGHT)
			if ra := w.Header().Get("Retry-After"); later != (ra == "1") {
				t.Errorf("Retry-After %q on a %d", ra, tt.status)
			}
			if tt.status == 500 && tt.err != kore.ErrInternal && !bytes.Contains(logs.Bytes(), []byte("level=ERROR")) {
				t.Errorf("a 500 was not logged as an error: %s", logs.String())
			}
		})
	}
}

// TestRetryAfterKept: a handler's own Retry-After is not overwritten.
func TestRetryAfterKept(t *testing.T) {
	w := httptest.NewRecorder()
	w.Header().Set("Retry-After", "30")
	writeKoreError(w, kore.ErrRateHour)
	if got := w.Header().Get("Retry-After"); got != "30" {
		t.Errorf("Retry-After %q, want 30", got)
	}
}
