// Package webhook sends signed webhooks: an account registers endpoints
// for event types, and every import, export or publish that ends is
// delivered to the endpoints subscribed to its type, signed as the
// Standard Webhooks specification has it (webhook-id, webhook-timestamp,
// webhook-signature: v1,<base64 HMAC-SHA256 of id.timestamp.body>).
//
// Delivery is at least once and survives crashes. The store's transaction
// that ends a request writes the event into an outbox table (store.Webhooks)
// when its account has a subscribed endpoint; nothing else can end a
// request, so no event is lost and none is written for a request that did
// not end. The relay (Relay) turns each outbox event into one delivery per
// endpoint and a River job for each, in one transaction; the job (Worker)
// posts it and records the attempt, and River retries failed attempts on
// the schedule of Schedule, which spans more than three days. A crash
// between an answer and its record sends the same delivery again, with
// the same webhook-id, which receivers use to drop repeats.
package webhook

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/botport/botport/internal/kore"
	"github.com/botport/botport/internal/store"
)

// PrefixWebhook starts webhook ids.
const PrefixWebhook = "wh-"

// Refusals of the webhook routes.
var (
	// ErrUnknown answers an id that names no webhook of the caller's
	// account (404: the id is a path segment of botport's own resource, as
	// an unknown version is).
	ErrUnknown = &kore.Error{Code: kore.ENOTFOUND, Msg: "Invalid webhook ID"}
	// ErrEvents answers an events list that is missing, empty, or names an
	// unknown type.
	ErrEvents = &kore.Error{Code: kore.EINVALID, Msg: "Invalid events: a non-empty list of " + strings.Join(store.EventTypes, ", ")}
	// ErrTooMany answers a registration past the account's bound.
	ErrTooMany = &kore.Error{Code: kore.EINVALID, Msg: "Too many webhooks for this account; delete one first"}
)

// Store is what webhooks need of the store (store.Store has it all).
type Store interface {
	store.Webhooks
}

// Documents renders the data of an event: the status document of the
// request it names, as its status route answers it. Errors:
// store.ErrNotFound when the request is gone (retention); faults.
type Documents interface {
	Document(ctx context.Context, ev *store.WebhookEvent) ([]byte, error)
}

// Config is the webhook service's dependencies and limits.
type Config struct {
	Store Store
	// Documents renders events' data (nil: only the request's id and the
	// event's status).
	Documents    Documents
	Destinations Destinations
	Logger       *slog.Logger
	Now          func() time.Time
	// MaxPerAccount bounds an account's webhooks (default 20).
	MaxPerAccount int
	// AttemptTimeout bounds one attempt, connection to answer (default
	// 15 s, the specification's advice).
	AttemptTimeout time.Duration
	// RelayEvery is how often the relay looks for undispatched events
	// (default 250 ms).
	RelayEvery time.Duration
	// Observe, when set, is told of each attempt's outcome: OutcomeSucceeded,
	// OutcomeRetrying or OutcomeFailed (metrics).
	Observe func(outcome string)
}

// Attempt outcomes, as Config.Observe hears them.
const (
	OutcomeSucceeded = "succeeded"
	OutcomeRetrying  = "retrying" // failed; another attempt follows
	OutcomeFailed    = "failed"   // failed, and the delivery with it
)

// Service registers webhooks, relays events and delivers them.
type Service struct {
	cfg    Config
	log    *slog.Logger
	client *http.Client
	jobs   Inserter
}

// New returns a Service. Call SetJobs before Relay.
func New(cfg Config) *Service {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.MaxPerAccount <= 0 {
		cfg.MaxPerAccount = 20
	}
	if cfg.AttemptTimeout <= 0 {
		cfg.AttemptTimeout = 15 * time.Second
	}
	if cfg.RelayEvery <= 0 {
		cfg.RelayEvery = 250 * time.Millisecond
	}
	if cfg.Observe == nil {
		cfg.Observe = func(string) {}
	}
	return &Service{cfg: cfg, log: cfg.Logger, client: cfg.Destinations.Client(cfg.AttemptTimeout)}
}

// Create registers a webhook of app's account for rawURL and events, and
// returns it with its secret, which nothing shows again. Duplicate event
// types count once. Errors: ErrURL, ErrPrivateURL, ErrUnresolvedURL (the
// URL); ErrEvents; ErrTooMany; faults.
func (s *Service) Create(ctx context.Context, app *store.App, rawURL string, events []string) (*store.Webhook, error) {
	u, err := s.cfg.Destinations.Check(ctx, rawURL)
	if err != nil {
		return nil, err
	}
	types, err := checkEvents(events)
	if err != nil {
		return nil, err
	}
	// A version 7 UUID grows with time, strictly within this process:
	// the list's order (created_on, id) is the order of registration even
	// for webhooks registered within one millisecond.
	w := &store.Webhook{
		ID: PrefixWebhook + uuid.Must(uuid.NewV7()).String(), AccountID: app.AccountID, AppID: app.ID, URL: u.String(),
		Events: types, Secret: NewSecret(), CreatedOn: s.cfg.Now().UTC().Truncate(time.Millisecond),
	}
	if err := s.cfg.Store.CreateWebhook(ctx, w, s.cfg.MaxPerAccount); errors.Is(err, store.ErrLimit) {
		return nil, ErrTooMany
	} else if err != nil {
		return nil, err
	}
	s.log.InfoContext(ctx, "webhook registered", "webhook", w.ID, "account", w.AccountID, "app", app.ID, "events", strings.Join(types, ","))
	return w, nil
}

// checkEvents returns the event types in the table's order, once each, or
// ErrEvents.
func checkEvents(events []string) ([]string, error) {
	if len(events) == 0 {
		return nil, ErrEvents
	}
	for _, e := range events {
		if !slices.Contains(store.EventTypes, e) {
			return nil, ErrEvents
		}
	}
	var out []string
	for _, t := range store.EventTypes {
		if slices.Contains(events, t) {
			out = append(out, t)
		}
	}
	return out, nil
}

// List returns the webhooks of app's account, oldest first, without their
// secrets. Errors: faults only.
func (s *Service) List(ctx context.Context, app *store.App) ([]*store.Webhook, error) {
	return s.cfg.Store.ListWebhooks(ctx, app.AccountID)
}

// Delete removes a webhook of app's account with its delivery history;
// deliveries not yet sent are dropped. Errors: ErrUnknown; faults.
func (s *Service) Delete(ctx context.Context, app *store.App, id string) error {
	if !validID(id) {
		return ErrUnknown
	}
	err := s.cfg.Store.DeleteWebhook(ctx, app.AccountID, id)
	if errors.Is(err, store.ErrNotFound) {
		return ErrUnknown
	}
	if err == nil {
		s.log.InfoContext(ctx, "webhook deleted", "webhook", id, "account", app.AccountID, "app", app.ID)
	}
	return err
}

// Deliveries lists the latest limit deliveries of a webhook of app's
// account, newest first, with their attempts. Errors: ErrUnknown; faults.
func (s *Service) Deliveries(ctx context.Context, app *store.App, id string, limit int) ([]*store.WebhookDelivery, error) {
	if !validID(id) {
		return nil, ErrUnknown
	}
	ds, err := s.cfg.Store.WebhookDeliveries(ctx, app.AccountID, id, limit)
	if errors.Is(err, store.ErrNotFound) {
		return nil, ErrUnknown
	}
	return ds, err
}

// validID reports whether id has the shape of a webhook id, so that other
// strings are refused before a lookup.
func validID(id string) bool {
	rest, ok := strings.CutPrefix(id, PrefixWebhook)
	return ok && len(rest) == 36 && strings.Trim(rest, "0123456789abcdef-") == ""
}

// payload is the body every delivery of ev sends: {"type", "timestamp",
// "data"}, the timestamp the event's (when the request ended).
func payload(ev *store.WebhookEvent, data []byte) []byte {
	typ, _ := json.Marshal(ev.Type)
	ts, _ := json.Marshal(kore.FormatTime(ev.CreatedOn))
	out := make([]byte, 0, len(data)+96)
	out = append(out, `{"type":`...)
	out = append(out, typ...)
	out = append(out, `,"timestamp":`...)
	out = append(out, ts...)
	out = append(out, `,"data":`...)
	out = append(out, data...)
	return append(out, '}')
}
