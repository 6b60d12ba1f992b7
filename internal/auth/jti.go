package auth

import (
	"context"
	"fmt"
	"math/big"
	"time"

	"github.com/botport/botport/internal/kore"
	"github.com/botport/botport/internal/store"
)

// MaxJTILifetime is the longest a token of a JTI-enforcing app may live:
// exp at most this long after iat (after now when iat is absent).
const MaxJTILifetime = time.Hour

// checkJTI is step 7 (contract 2.3), for an app that enforces JTI, on a
// token that passed steps 1 to 6 at now: the jti is required, exp is
// required and at most an hour after iat (or now), and the (app, jti) pair
// is used once. The jti is recorded in the shared store until the token
// could no longer be accepted (exp + leeway), so a replay is refused
// across restarts and replicas. Errors: a *Failure with the contract's
// answer; faults of the jti store.
func (v *Verifier) checkJTI(ctx context.Context, app *store.App, c *claims, now time.Time) error {
	if c.JTI == "" {
		return fail(kore.ErrJTIRequired, KindJTIRequired, app.ID, "")
	}
	if c.Exp == nil {
		return fail(kore.ErrJTIExpiry, KindJTIExpiry, app.ID, "no exp")
	}
	from := c.Iat
	if from == nil {
		from = new(big.Rat).SetFrac64(now.UnixNano(), 1e9)
	}
	lifetime := new(big.Rat).Sub(c.Exp, from)
	if lifetime.Cmp(new(big.Rat).SetInt64(int64(MaxJTILifetime/time.Second))) > 0 {
		return fail(kore.ErrJTIExpiry, KindJTIExpiry, app.ID, "exp "+lifetime.FloatString(3)+" s after iat")
	}
	if v.JTIs == nil {
		return fmt.Errorf("app %s enforces JTI and the verifier has no jti store", app.ID)
	}
	notAfter, _ := bounds(c, v.Leeway)
	// One millisecond more: the store keeps milliseconds, and the record
	// must not lapse before the token does.
	expires := time.Unix(0, notAfter).Add(time.Millisecond)
	fresh, err := v.JTIs.UseJTI(ctx, app.ID, c.JTI, expires, now)
	if err != nil {
		return fmt.Errorf("record jti: %w", err)
	}
	if !fresh {
		return fail(kore.ErrJTIReplay, KindJTIReplay, app.ID, "")
	}
	v.maybeSweep(now)
	return nil
}

// maybeSweep deletes expired jti records, at most every 10 minutes per
// process, beside the request that notices it is due.
func (v *Verifier) maybeSweep(now time.Time) {
	last := v.sweep.Load()
	if now.UnixMilli()-last < (10*time.Minute).Milliseconds() || !v.sweep.CompareAndSwap(last, now.UnixMilli()) {
		return
	}
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		_, _ = v.JTIs.DeleteExpiredJTIs(ctx, now, 10_000) // the next sweep retries
	}()
}
