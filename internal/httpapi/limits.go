package httpapi

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/http"
	"strconv"

	"github.com/botport/botport/internal/kore"
	"github.com/botport/botport/internal/ratelimit"
	"github.com/botport/botport/internal/store"
)

// limit is a route's rate limit (contract section 4's table, section 6):
// its level, the API it counts (each API has its own buckets, as on the
// platform), and how the request names its bucket.
type limit struct {
	level ratelimit.Level
	api   string
	key   func(s *server, r *http.Request, app *store.App) (string, error)
}

// Buckets are named by API, account and id: an id of another account never
// shares a bucket with its owner's (contract 1.5).

// byApp counts per client app: uploads and new-bot imports have no bot yet.
func byApp(api string) limit {
	return limit{ratelimit.Bot, api, func(_ *server, _ *http.Request, app *store.App) (string, error) {
		return app.ID, nil
	}}
}

// byBot counts per bot, named by the path's botId.
func byBot(api string) limit {
	return limit{ratelimit.Bot, api, func(_ *server, r *http.Request, app *store.App) (string, error) {
		return app.AccountID + "|" + pathID(r.PathValue("botId"), kore.IsBotID), nil
	}}
}

// byImport counts per import request, named by the path's BIR.
func byImport(api string) limit {
	return limit{ratelimit.RequestID, api, func(_ *server, r *http.Request, app *store.App) (string, error) {
		return app.AccountID + "|" + pathID(r.PathValue("bir"), kore.IsImportID), nil
	}}
}

// byLatestExport counts per export request: the bot's latest BER, which
// is what the export status reports (a new export starts a new bucket). A
// bot without exports counts under its own id.
func byLatestExport(api string) limit {
	return limit{ratelimit.RequestID, api, func(s *server, r *http.Request, app *store.App) (string, error) {
		botID := r.PathValue("botId")
		if kore.IsBotID(botID) {
			e, err := s.cfg.Store.LatestExport(r.Context(), app.AccountID, botID)
			switch {
			case err == nil:
				return app.AccountID + "|" + e.ID, nil
			case !errors.Is(err, store.ErrNotFound):
				return "", err
			}
		}
		return app.AccountID + "|" + pathID(botID, kore.IsBotID), nil
	}}
}

// byLatestPublish counts per publish request: the bot's latest publish,
// which is what the publish status reports. A bot never published counts
// under its own id.
func byLatestPublish(api string) limit {
	return limit{ratelimit.RequestID, api, func(s *server, r *http.Request, app *store.App) (string, error) {
		botID := r.PathValue("botId")
		if kore.IsBotID(botID) {
			p, err := s.cfg.Store.LatestPublish(r.Context(), app.AccountID, botID)
			switch {
			case err == nil:
				return app.AccountID + "|" + p.ID, nil
			case !errors.Is(err, store.ErrNotFound):
				return "", err
			}
		}
		return app.AccountID + "|" + pathID(botID, kore.IsBotID), nil
	}}
}

// byAccount counts per account: the admin APIs (Get Bots).
func byAccount(api string) limit {
	return limit{ratelimit.Account, api, func(_ *server, _ *http.Request, app *store.App) (string, error) {
		return app.AccountID, nil
	}}
}

// pathID is an id from a path as a bucket name: itself when it has its
// kind's shape, else a short hash, so that any text a client sends makes a
// bounded key.
func pathID(id string, valid func(string) bool) string {
	if valid(id) {
		return id
	}
	sum := sha256.Sum256([]byte(id))
	return "#" + hex.EncodeToString(sum[:8])
}

// rateLimit is step 4 of the contract's order (after scope, before the
// body): nil when the request is admitted, else the refusal with its
// Retry-After header set. Errors of the store are faults.
func (s *server) rateLimit(w http.ResponseWriter, r *http.Request, app *store.App, l limit) error {
	if s.cfg.Limiter == nil || l.api == "" {
		return nil
	}
	key, err := l.key(s, r, app)
	if err != nil {
		return err
	}
	refused, err := s.cfg.Limiter.Allow(r.Context(), l.level, l.api+"|"+key)
	if err != nil || refused == nil {
		return err
	}
	w.Header().Set("Retry-After", strconv.Itoa(refused.RetryAfter()))
	if refused.Hourly {
		return kore.ErrRateHour
	}
	return kore.ErrRateMinute
}
