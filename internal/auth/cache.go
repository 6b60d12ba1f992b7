package auth

import (
	"context"
	"crypto/sha256"
	"sync"
	"time"

	"github.com/botport/botport/internal/store"
)

// AppStore is what AppCache reads: apps, and the generation that moves
// whenever one changes in any process.
type AppStore interface {
	AppFinder
	AppsGeneration(ctx context.Context) (int64, error)
}

// AppCache is an AppFinder that keeps apps in memory. It reads the store's
// apps generation at most every Recheck and drops everything when it moved,
// so a secret rotated or an app disabled anywhere (the CLI, another
// replica) takes effect within Recheck.
type AppCache struct {
	Store   AppStore
	Recheck time.Duration // default 200 ms
	Now     func() time.Time

	mu      sync.RWMutex
	apps    map[string]*store.App
	gen     int64
	checked time.Time
	checkMu sync.Mutex
}

const maxCachedApps = 10_000

// App implements AppFinder.
func (c *AppCache) App(ctx context.Context, id string) (*store.App, error) {
	if err := c.fresh(ctx); err != nil {
		return nil, err
	}
	c.mu.RLock()
	a, ok := c.apps[id]
	c.mu.RUnlock()
	if ok {
		return a, nil
	}
	a, err := c.Store.App(ctx, id)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	if c.apps == nil || len(c.apps) >= maxCachedApps {
		c.apps = map[string]*store.App{}
	}
	c.apps[id] = a
	c.mu.Unlock()
	return a, nil
}

// fresh drops the cache when the apps generation moved; one caller checks,
// the others use what is cached meanwhile.
func (c *AppCache) fresh(ctx context.Context) error {
	now := c.now()
	recheck := c.Recheck
	if recheck <= 0 {
		recheck = 200 * time.Millisecond
	}
	c.mu.RLock()
	due := now.Sub(c.checked) >= recheck || now.Before(c.checked) // a clock set back rechecks too
	c.mu.RUnlock()
	if !due || !c.checkMu.TryLock() {
		return nil
	}
	defer c.checkMu.Unlock()
	gen, err := c.Store.AppsGeneration(ctx)
	if err != nil {
		return err
	}
	c.mu.Lock()
	if gen != c.gen {
		c.apps, c.gen = nil, gen
	}
	c.checked = now
	c.mu.Unlock()
	return nil
}

func (c *AppCache) now() time.Time {
	if c.Now != nil {
		return c.Now()
	}
	return time.Now()
}

// verified is what a successful verification established about a token:
// enough to accept it again without parsing or HMAC while its app keeps
// the same secret and algorithm and stays enabled.
type verified struct {
	appID, secret, alg string
	// The token is refused when now (Unix nanoseconds) is after notAfter or
	// before notBefore: its time claims, with the leeway, exactly.
	notAfter, notBefore int64
}

// tokenCache keeps verified tokens by their SHA-256.
type tokenCache struct {
	mu sync.RWMutex
	m  map[[32]byte]verified
}

const maxCachedTokens = 50_000

func (c *tokenCache) get(token string) (verified, [32]byte, bool) {
	key := sha256.Sum256([]byte(token))
	c.mu.RLock()
	v, ok := c.m[key]
	c.mu.RUnlock()
	return v, key, ok
}

func (c *tokenCache) put(key [32]byte, v verified) {
	c.mu.Lock()
	if c.m == nil || len(c.m) >= maxCachedTokens {
		c.m = map[[32]byte]verified{} // bounded: start over rather than grow
	}
	c.m[key] = v
	c.mu.Unlock()
}

func (c *tokenCache) drop(key [32]byte) {
	c.mu.Lock()
	delete(c.m, key)
	c.mu.Unlock()
}
