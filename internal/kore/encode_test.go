package kore_test

import (
	"encoding/json"
	"slices"
	"testing"

	"github.com/botport/botport/internal/kore"
)

func TestEncode(t *testing.T) {
	for _, tt := range []struct {
		name string
		v    any
		want string
	}{
		{"fields in declared order", struct {
			B string `json:"b"`
			A int    `json:"a"`
		}{"x", 1}, `{"b":"x","a":1}`},
		{"no HTML escaping", map[string]string{"url": "https://h/p?a=1&b=<2>"}, `{"url":"https://h/p?a=1&b=<2>"}`},
		{"raw JSON kept", struct {
			R json.RawMessage `json:"r"`
		}{json.RawMessage(`{"k":[1,2]}`)}, `{"r":{"k":[1,2]}}`},
		{"quotes escaped", "say \"hi\"", `"say \"hi\""`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got := string(kore.Encode(tt.v)); got != tt.want {
				t.Errorf("Encode = %s, want %s", got, tt.want)
			}
		})
	}
}

func TestEncodePanicsOnInvalid(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("Encode of a channel did not panic")
		}
	}()
	kore.Encode(make(chan int))
}

// TestCatalogueCodes: every catalogue error carries a listed code and a
// message, and the list holds no code twice.
func TestCatalogueCodes(t *testing.T) {
	all := []*kore.Error{
		kore.ErrNoCredentials, kore.ErrBadCredentials, kore.ErrNotJWT, kore.ErrScope, kore.ErrNotFound, kore.ErrMethod,
		kore.ErrValidation, kore.ErrFileID, kore.ErrStreamID, kore.ErrRequestID, kore.ErrNoComponent, kore.ErrGone,
		kore.ErrInternal, kore.ErrJTIRequired, kore.ErrJTIExpiry, kore.ErrJTIReplay, kore.ErrRateMinute, kore.ErrRateHour,
		kore.ErrVersion, kore.ErrUniversalBot, kore.ErrUniversalBotExisting, kore.ErrUploadTooLarge(1), kore.ErrBodyTooLarge(1),
	}
	for _, e := range all {
		if !slices.Contains(kore.Codes, e.Code) || e.Msg == "" {
			t.Errorf("%#v: code not in kore.Codes, or no message", e)
		}
	}
	seen := map[string]bool{}
	for _, c := range kore.Codes {
		if seen[c] {
			t.Errorf("code %q listed twice", c)
		}
		seen[c] = true
	}
	if got := kore.ErrBodyTooLarge(4096).Msg; got != "Request body too large: the limit is 4096 bytes" {
		t.Errorf("ErrBodyTooLarge msg %q", got)
	}
	if got := kore.ErrUploadTooLarge(300000).Msg; got != "File too large: the limit is 300000 bytes" {
		t.Errorf("ErrUploadTooLarge msg %q", got)
	}
}
