package storetest

import (
	"sync"
	"testing"
	"time"

	"github.com/botport/botport/internal/kore"
	"github.com/botport/botport/internal/store"
)

// idemKey is a claim of key by appID at now: in flight for a minute,
// expiring after a day.
func idemKey(appID, key string, now time.Time) *store.IdempotencyKey {
	return &store.IdempotencyKey{AppID: appID, Key: key, Token: kore.NewHexID(), CreatedOn: now,
		ExpiresOn: now.Add(24 * time.Hour), LeaseUntil: now.Add(time.Minute)}
}

// testIdempotencyKeys covers claims, their leases, completion, release,
// expiry and the cleanup.
func testIdempotencyKeys(t *testing.T, open opener) {
	t.Run("Lifecycle", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		app, otherApp := kore.NewAppID(), kore.NewAppID()
		claim := func(k *store.IdempotencyKey, now time.Time) *store.IdempotencyKey {
			t.Helper()
			held, err := s.ClaimIdempotencyKey(t.Context(), k, now)
			must(t, err, "ClaimIdempotencyKey")
			return held
		}
		first := idemKey(app, "order-1", base)
		if held := claim(first, base); held != nil {
			t.Fatalf("a new key came back held: %+v", held)
		}
		if held := claim(idemKey(otherApp, "order-1", base), base); held != nil {
			t.Errorf("another app's key of the same name is held: %+v", held)
		}
		second := idemKey(app, "order-1", base.Add(time.Second))
		held := claim(second, base.Add(time.Second))
		if held == nil || held.Done || held.Token != first.Token {
			t.Fatalf("a key in flight: %+v", held)
		}
		wantTime(t, "LeaseUntil", held.LeaseUntil, first.LeaseUntil)
		wantErrIs(t, s.RenewIdempotencyKey(t.Context(), app, "order-1", second.Token, base.Add(time.Hour)), store.ErrNotFound,
			"RenewIdempotencyKey by another request")
		must(t, s.RenewIdempotencyKey(t.Context(), app, "order-1", first.Token, base.Add(2*time.Minute)), "RenewIdempotencyKey")
		// Still held a minute later: the renewal moved the lease.
		if held := claim(idemKey(app, "order-1", base.Add(90*time.Second)), base.Add(90*time.Second)); held == nil || held.Token != first.Token {
			t.Errorf("after the renewal: %+v", held)
		}
		done := *first
		done.Fingerprint, done.Status, done.Header, done.Body = "fp-1", 200, []byte(`{"Content-Type":["application/json"]}`), []byte(`{"_id":"x"}`)
		wrong := done
		wrong.Token = second.Token
		wantErrIs(t, s.CompleteIdempotencyKey(t.Context(), &wrong), store.ErrNotFound, "CompleteIdempotencyKey by another request")
		must(t, s.CompleteIdempotencyKey(t.Context(), &done), "CompleteIdempotencyKey")
		wantErrIs(t, s.CompleteIdempotencyKey(t.Context(), &done), store.ErrNotFound, "CompleteIdempotencyKey twice")
		// Done: every claim within the day gets the answer, even once the
		// lease is long past.
		later := base.Add(23 * time.Hour)
		held = claim(idemKey(app, "order-1", later), later)
		if held == nil || !held.Done || held.Fingerprint != "fp-1" || held.Status != 200 || string(held.Body) != `{"_id":"x"}` ||
			string(held.Header) != string(done.Header) {
			t.Fatalf("a done key: %+v", held)
		}
		wantTime(t, "CreatedOn", held.CreatedOn, base)
		wantTime(t, "ExpiresOn", held.ExpiresOn, first.ExpiresOn)
		// A release by anyone does nothing to a done key.
		must(t, s.ReleaseIdempotencyKey(t.Context(), app, "order-1", first.Token), "ReleaseIdempotencyKey of a done key")
		if held := claim(idemKey(app, "order-1", later), later); held == nil || !held.Done {
			t.Errorf("released a done key: %+v", held)
		}
		// Expired: the next claim starts afresh.
		expired := base.Add(25 * time.Hour)
		fresh := idemKey(app, "order-1", expired)
		if held := claim(fresh, expired); held != nil {
			t.Errorf("an expired key is still held: %+v", held)
		}
		must(t, s.ReleaseIdempotencyKey(t.Context(), app, "order-1", fresh.Token), "ReleaseIdempotencyKey")
		if held := claim(idemKey(app, "order-1", expired), expired); held != nil {
			t.Errorf("a released key is still held: %+v", held)
		}
	})

	t.Run("LapsedLease", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		app := kore.NewAppID()
		dead := idemKey(app, "k", base)
		_, err := s.ClaimIdempotencyKey(t.Context(), dead, base)
		must(t, err, "ClaimIdempotencyKey")
		after := base.Add(2 * time.Minute) // the holder's lease ended a minute ago
		next := idemKey(app, "k", after)
		held, err := s.ClaimIdempotencyKey(t.Context(), next, after)
		must(t, err, "ClaimIdempotencyKey after the lease")
		if held != nil {
			t.Fatalf("a lapsed claim is still held: %+v", held)
		}
		// The dead holder's late writes change nothing.
		wantErrIs(t, s.CompleteIdempotencyKey(t.Context(), &store.IdempotencyKey{AppID: app, Key: "k", Token: dead.Token, Status: 200}),
			store.ErrNotFound, "CompleteIdempotencyKey by the lapsed holder")
		must(t, s.ReleaseIdempotencyKey(t.Context(), app, "k", dead.Token), "ReleaseIdempotencyKey by the lapsed holder")
		held, err = s.ClaimIdempotencyKey(t.Context(), idemKey(app, "k", after), after)
		must(t, err, "ClaimIdempotencyKey")
		if held == nil || held.Token != next.Token {
			t.Errorf("the new holder lost the key: %+v", held)
		}
	})

	t.Run("ClaimRace", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		app := kore.NewAppID()
		var wg sync.WaitGroup
		var mu sync.Mutex
		claimed := 0
		for range 8 {
			wg.Go(func() {
				held, err := s.ClaimIdempotencyKey(t.Context(), idemKey(app, "race", base), base)
				if err != nil {
					t.Errorf("ClaimIdempotencyKey: %v", err)
					return
				}
				if held == nil {
					mu.Lock()
					claimed++
					mu.Unlock()
				}
			})
		}
		wg.Wait()
		if claimed != 1 {
			t.Errorf("%d requests claimed one key at once, want 1", claimed)
		}
	})

	t.Run("Cleanup", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		app := kore.NewAppID()
		for _, name := range []string{"done-old", "flight-old", "flight-live", "done-new"} {
			at := base
			if name == "done-new" {
				at = base.Add(23 * time.Hour)
			}
			k := idemKey(app, name, at)
			if name == "flight-live" {
				k.LeaseUntil = base.Add(48 * time.Hour) // a request still renewing its lease
			}
			_, err := s.ClaimIdempotencyKey(t.Context(), k, at)
			must(t, err, "ClaimIdempotencyKey")
			if name == "done-old" || name == "done-new" {
				k.Fingerprint, k.Status = "fp", 200
				must(t, s.CompleteIdempotencyKey(t.Context(), k), "CompleteIdempotencyKey")
			}
		}
		now := base.Add(25 * time.Hour)
		n, err := s.DeleteExpiredIdempotencyKeys(t.Context(), now, 1)
		must(t, err, "DeleteExpiredIdempotencyKeys")
		m, err := s.DeleteExpiredIdempotencyKeys(t.Context(), now, 100)
		must(t, err, "DeleteExpiredIdempotencyKeys")
		if n != 1 || m != 1 {
			t.Errorf("deleted %d then %d, want 1 then 1 (done-old and flight-old)", n, m)
		}
		for name, kept := range map[string]bool{"done-old": false, "flight-old": false, "flight-live": true, "done-new": true} {
			held, err := s.ClaimIdempotencyKey(t.Context(), idemKey(app, name, base.Add(23*time.Hour)), base.Add(23*time.Hour))
			must(t, err, "ClaimIdempotencyKey")
			if (held != nil) != kept {
				t.Errorf("%s: kept %v, want %v", name, held != nil, kept)
			}
		}
	})
}
