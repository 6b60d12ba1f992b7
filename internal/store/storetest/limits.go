package storetest

import (
	"encoding/binary"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/botport/botport/internal/store"
)

// testSecrets covers ResealSecrets on a store with keys: what it rewrites,
// and that apps and settings read the same before and after.
func testSecrets(t *testing.T, open opener) {
	t.Run("ResealKeepsValues", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		ctx := t.Context()
		acct := newAccount(t, s)
		app := newApp(acct.ID)
		must(t, s.CreateApp(ctx, app), "CreateApp")
		_, err := s.PutSettingIfAbsent(ctx, "signing-key", []byte{0, 1, 2, 0xff})
		must(t, err, "PutSettingIfAbsent")

		n, err := s.ResealSecrets(ctx, false)
		must(t, err, "ResealSecrets")
		if n != 0 {
			t.Errorf("ResealSecrets(false) on sealed values rewrote %d, want 0", n)
		}
		n, err = s.ResealSecrets(ctx, true)
		must(t, err, "ResealSecrets(all)")
		if n != 0 {
			t.Errorf("ResealSecrets(true) rewrote %d values sealed with the first key already, want 0", n)
		}
		got, err := s.App(ctx, app.ID)
		must(t, err, "App")
		if got.Secret != app.Secret {
			t.Errorf("secret after reseal = %q, want %q", got.Secret, app.Secret)
		}
		v, err := s.Setting(ctx, "signing-key")
		must(t, err, "Setting")
		if string(v) != "\x00\x01\x02\xff" {
			t.Errorf("setting after reseal = %x", v)
		}
	})
}

// testJTIs covers UseJTI and DeleteExpiredJTIs.
func testJTIs(t *testing.T, open opener) {
	t.Run("ReplayRefusedUntilExpiry", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		ctx := t.Context()
		exp := base.Add(time.Hour)
		later := exp.Add(time.Hour)
		for _, c := range []struct {
			what      string
			app, jti  string
			expires   time.Time
			now       time.Time
			wantFresh bool
		}{
			{"first use", "cs-a", "j1", exp, base, true},
			{"same app and jti", "cs-a", "j1", exp, base.Add(time.Minute), false},
			{"same jti, other app", "cs-b", "j1", exp, base, true},
			{"other jti", "cs-a", "j2", exp, base, true},
			{"at expiry", "cs-a", "j1", later, exp, false},
			{"after expiry the record is gone", "cs-a", "j1", later, exp.Add(time.Millisecond), true},
			{"and the new record holds", "cs-a", "j1", later, exp.Add(2 * time.Millisecond), false},
		} {
			fresh, err := s.UseJTI(ctx, c.app, c.jti, c.expires, c.now)
			must(t, err, c.what)
			if fresh != c.wantFresh {
				t.Errorf("%s: fresh = %v, want %v", c.what, fresh, c.wantFresh)
			}
		}
	})

	t.Run("LongJTI", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		long := string(make([]byte, 8000))
		for i, want := range []bool{true, false} {
			fresh, err := s.UseJTI(t.Context(), "cs-a", long, base.Add(time.Hour), base)
			must(t, err, "UseJTI")
			if fresh != want {
				t.Errorf("use %d: fresh = %v, want %v", i+1, fresh, want)
			}
		}
	})

	t.Run("DeleteExpired", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		ctx := t.Context()
		for i, jti := range []string{"a", "b", "c"} {
			_, err := s.UseJTI(ctx, "cs-a", jti, base.Add(time.Duration(i)*time.Minute), base)
			must(t, err, "UseJTI")
		}
		n, err := s.DeleteExpiredJTIs(ctx, base.Add(90*time.Second), 100)
		must(t, err, "DeleteExpiredJTIs")
		if n != 2 {
			t.Errorf("DeleteExpiredJTIs = %d, want 2", n)
		}
		// c is still recorded: a replay; a and b are forgotten.
		fresh, err := s.UseJTI(ctx, "cs-a", "c", base.Add(time.Hour), base.Add(90*time.Second))
		must(t, err, "UseJTI c")
		if fresh {
			t.Error("c was deleted with the expired records")
		}
		fresh, err = s.UseJTI(ctx, "cs-a", "a", base.Add(time.Hour), base.Add(90*time.Second))
		must(t, err, "UseJTI a")
		if !fresh {
			t.Error("a is still recorded after DeleteExpiredJTIs")
		}
	})

	t.Run("ConcurrentUseOneWins", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		var mu sync.Mutex
		fresh := 0
		var wg sync.WaitGroup
		for range 8 {
			wg.Go(func() {
				ok, err := s.UseJTI(t.Context(), "cs-a", "same", base.Add(time.Hour), base)
				if err != nil {
					t.Errorf("UseJTI: %v", err)
					return
				}
				if ok {
					mu.Lock()
					fresh++
					mu.Unlock()
				}
			})
		}
		wg.Wait()
		if fresh != 1 {
			t.Errorf("%d of 8 concurrent uses of one jti were fresh, want 1", fresh)
		}
	})
}

// testRateBuckets covers UpdateRateBucket and DeleteExpiredRateBuckets.
func testRateBuckets(t *testing.T, open opener) {
	// add is an update that counts calls in an 8-byte state.
	add := func(expires time.Time) func([]byte) ([]byte, time.Time, bool, error) {
		return func(state []byte) ([]byte, time.Time, bool, error) {
			var n uint64
			if len(state) == 8 {
				n = binary.BigEndian.Uint64(state)
			}
			return binary.BigEndian.AppendUint64(nil, n+1), expires, true, nil
		}
	}
	count := func(t *testing.T, s store.Store, key string) uint64 {
		t.Helper()
		var n uint64
		must(t, s.UpdateRateBucket(t.Context(), key, func(state []byte) ([]byte, time.Time, bool, error) {
			if len(state) == 8 {
				n = binary.BigEndian.Uint64(state)
			}
			return nil, time.Time{}, false, nil
		}), "read bucket")
		return n
	}

	t.Run("NewBucketIsEmpty", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		must(t, s.UpdateRateBucket(t.Context(), "k", func(state []byte) ([]byte, time.Time, bool, error) {
			if len(state) != 0 {
				t.Errorf("new bucket state = %x, want empty", state)
			}
			return nil, time.Time{}, false, nil
		}), "UpdateRateBucket")
	})

	t.Run("SerializedAcrossCallers", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		var wg sync.WaitGroup
		for range 16 {
			wg.Go(func() {
				if err := s.UpdateRateBucket(t.Context(), "hot", add(base.Add(time.Hour))); err != nil {
					t.Errorf("UpdateRateBucket: %v", err)
				}
			})
		}
		wg.Wait()
		if n := count(t, s, "hot"); n != 16 {
			t.Errorf("16 concurrent updates counted %d: updates of one bucket must not interleave", n)
		}
		if n := count(t, s, "other"); n != 0 {
			t.Errorf("another bucket counted %d", n)
		}
	})

	t.Run("ErrorWritesNothing", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		must(t, s.UpdateRateBucket(t.Context(), "k", add(base.Add(time.Hour))), "first update")
		boom := errors.New("boom")
		err := s.UpdateRateBucket(t.Context(), "k", func(state []byte) ([]byte, time.Time, bool, error) {
			return []byte("garbage!"), base, true, boom
		})
		wantErrIs(t, err, boom, "UpdateRateBucket with a failing fn")
		if n := count(t, s, "k"); n != 1 {
			t.Errorf("after a failed update the bucket counts %d, want 1", n)
		}
	})

	t.Run("DeleteExpired", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		ctx := t.Context()
		must(t, s.UpdateRateBucket(ctx, "old", add(base.Add(time.Minute))), "old")
		must(t, s.UpdateRateBucket(ctx, "new", add(base.Add(time.Hour))), "new")
		n, err := s.DeleteExpiredRateBuckets(ctx, base.Add(2*time.Minute), 100)
		must(t, err, "DeleteExpiredRateBuckets")
		if n != 1 {
			t.Errorf("DeleteExpiredRateBuckets = %d, want 1", n)
		}
		if c := count(t, s, "old"); c != 0 {
			t.Errorf("expired bucket still counts %d", c)
		}
		if c := count(t, s, "new"); c != 1 {
			t.Errorf("live bucket counts %d, want 1", c)
		}
	})
}
