package client

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
)

// Keyed is an Idempotency-Key sent with the requests of a context
// (KeyedContext), and what the server said of it.
type Keyed struct {
	Key      string
	replayed bool
}

// Replayed reports whether the last answer was a replay of the first
// request sent with the key (header Idempotent-Replayed: true): the server
// did not act again. Hosts that ignore the header never replay.
func (k *Keyed) Replayed() bool { return k.replayed }

type keyedCtx struct{}

// KeyedContext returns a context whose requests carry the header
// Idempotency-Key: key, for any call (WithIdempotencyKey does the same for
// one call that takes options), and tells whether the answer was a replay. botport answers a request it has already answered
// for the same app, key and body (within 24 hours) with that first answer
// and Idempotent-Replayed: true, a request still in flight with 409, and
// the key sent with another body with 422; hosts that do not know the
// header ignore it. Uploads sent under a key use a multipart boundary
// derived from it, so that the same file gives the same body.
func KeyedContext(ctx context.Context, key string) (context.Context, *Keyed) {
	k := &Keyed{Key: key}
	return context.WithValue(ctx, keyedCtx{}, k), k
}

func keyedFrom(ctx context.Context) *Keyed {
	k, _ := ctx.Value(keyedCtx{}).(*Keyed)
	return k
}

// observe reads the answer's replay header; nil does nothing.
func (k *Keyed) observe(resp *http.Response) {
	if k != nil {
		k.replayed = resp.Header.Get("Idempotent-Replayed") == "true"
	}
}

// boundary is the multipart boundary of an upload under the key.
func (k *Keyed) boundary() string {
	sum := sha256.Sum256([]byte("botport-upload-boundary:" + k.Key))
	return "botport-" + hex.EncodeToString(sum[:20])
}
