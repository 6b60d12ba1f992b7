package botversion

import (
	"context"
	"errors"

	"github.com/botport/botport/internal/kore"
	"github.com/botport/botport/internal/store"
)

// Reader is what Lookup needs of the store.
type Reader interface {
	Bot(ctx context.Context, accountID, id string) (*store.Bot, error)
	Versions(ctx context.Context, accountID, botID string) ([]*store.Version, error)
}

// Lookup returns an account's bot and its committed version number n, for
// the routes that name a version (restore, version export). It answers
// kore.ErrStreamID for an unknown bot or another account's, kore.ErrVersion
// for a number the bot has not committed; any other error is a store fault.
func Lookup(ctx context.Context, st Reader, accountID, botID string, n int) (*store.Bot, *store.Version, error) {
	bot, err := st.Bot(ctx, accountID, botID)
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil, kore.ErrStreamID
	}
	if err != nil {
		return nil, nil, err
	}
	vs, err := st.Versions(ctx, accountID, botID)
	if err != nil {
		return nil, nil, err
	}
	for _, v := range vs {
		if v.Number == n {
			return bot, v, nil
		}
	}
	return nil, nil, kore.ErrVersion
}
