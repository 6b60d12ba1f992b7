package auth_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/botport/botport/internal/auth"
	"github.com/botport/botport/internal/store"
)

// genStore is an in-memory AppStore with a generation, as the SQL stores have.
type genStore struct {
	mu      sync.Mutex
	apps    map[string]store.App
	gen     int64
	lookups int
}

func (s *genStore) App(_ context.Context, id string) (*store.App, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.lookups++
	a, ok := s.apps[id]
	if !ok {
		return nil, store.ErrNotFound
	}
	return &a, nil
}

func (s *genStore) AppsGeneration(context.Context) (int64, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.gen, nil
}

func (s *genStore) update(a store.App) {
	s.mu.Lock()
	s.apps[a.ID] = a
	s.gen++
	s.mu.Unlock()
}

// TestCachedTokensKeepTheRules: a token accepted once (and cached) is still
// refused exactly when it expires, when its app's secret changes and when
// its app is disabled; a fresh app read follows a generation change.
func TestCachedTokensKeepTheRules(t *testing.T) {
	const id = "cs-00000000-0000-4000-8000-0000000000aa"
	st := &genStore{apps: map[string]store.App{id: {ID: id, Secret: "one", Algorithm: "HS256"}}}
	now := time.Unix(1_700_000_000, 0)
	clock := func() time.Time { return now }
	v := &auth.Verifier{Apps: &auth.AppCache{Store: st, Recheck: time.Second, Now: clock}, Leeway: time.Minute, Now: clock}
	tok, _ := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.MapClaims{"appId": id, "exp": 1_700_000_010.5}).SignedString([]byte("one"))
	ctx := context.Background()
	refused := func(what string) {
		t.Helper()
		var f *auth.Failure
		if _, err := v.Verify(ctx, tok); !errors.As(err, &f) {
			t.Errorf("%s: accepted (%v)", what, err)
		}
	}
	accepted := func(what string) {
		t.Helper()
		if _, err := v.Verify(ctx, tok); err != nil {
			t.Errorf("%s: %v", what, err)
		}
	}
	accepted("first use")
	lookups := st.lookups
	for range 100 {
		accepted("cached use")
	}
	if st.lookups != lookups {
		t.Errorf("cached uses read the store %d times", st.lookups-lookups)
	}
	// exp 1700000010.5 + 60 s leeway = 1700000070.5 exactly.
	now = time.Unix(1_700_000_070, 500_000_000)
	accepted("at exp + leeway")
	now = time.Unix(1_700_000_070, 500_000_001)
	refused("1 ns after exp + leeway, though cached")
	now = time.Unix(1_700_000_000, 0)
	accepted("back in time")

	st.update(store.App{ID: id, Secret: "two", Algorithm: "HS256"})
	now = now.Add(2 * time.Second) // past Recheck: the cache sees the new generation
	refused("after the secret was rotated")
	st.update(store.App{ID: id, Secret: "one", Algorithm: "HS256", Disabled: true})
	now = now.Add(2 * time.Second)
	refused("after the app was disabled")
	st.update(store.App{ID: id, Secret: "one", Algorithm: "HS256"})
	now = now.Add(2 * time.Second)
	accepted("enabled again")
}
