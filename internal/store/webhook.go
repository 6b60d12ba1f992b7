package store

import (
	"context"
	"database/sql"
	"errors"
	"time"
)

// ErrLimit means a write would take an account past a bound the caller
// gave (CreateWebhook's max): nothing was written.
var ErrLimit = errors.New("store: the account's limit is reached")

// The event types of webhooks (the Standard Webhooks "type"), as the
// transactions that end requests write them to the outbox.
const (
	EventImportSucceeded  = "import.succeeded"
	EventImportFailed     = "import.failed"
	EventImportCancelled  = "import.cancelled"
	EventExportSucceeded  = "export.succeeded"
	EventExportFailed     = "export.failed"
	EventPublishSucceeded = "publish.succeeded"
	EventPublishFailed    = "publish.failed"
)

// EventTypes lists every event type, in the order documents list them.
var EventTypes = []string{
	EventImportSucceeded, EventImportFailed, EventImportCancelled,
	EventExportSucceeded, EventExportFailed,
	EventPublishSucceeded, EventPublishFailed,
}

// The states of a webhook delivery.
const (
	DeliveryPending   = "pending"
	DeliverySucceeded = "succeeded"
	DeliveryFailed    = "failed"
)

// Webhook is an account's endpoint for events.
type Webhook struct {
	ID        string
	AccountID string
	AppID     string // the app that registered it
	URL       string
	Events    []string // subscribed event types
	// Secret is the whsec_ secret, sealed at rest; only CreateWebhook
	// takes it and only WebhookDelivery gives it back (opened).
	Secret    string
	CreatedOn time.Time
}

// WebhookEvent is one outbox row: a request of AccountID ended, and an
// endpoint of the account was subscribed to Type when it did.
type WebhookEvent struct {
	ID        string // the webhook-id of every delivery of it (msg_…)
	AccountID string
	Type      string // one of EventTypes
	Subject   string // the request's id (bir-…, ber-…, bpr-…)
	CreatedOn time.Time
}

// WebhookDelivery is one event sent to one endpoint: its state and
// attempts, as an endpoint's delivery list shows it.
type WebhookDelivery struct {
	Seq       int64
	WebhookID string
	EventID   string
	Type      string
	Subject   string
	Status    string // DeliveryPending, DeliverySucceeded or DeliveryFailed
	CreatedOn time.Time
	EndedOn   time.Time // zero while pending
	Attempts  []WebhookAttempt
}

// WebhookAttempt is one try of a delivery.
type WebhookAttempt struct {
	Attempt    int // from 1
	At         time.Time
	Duration   time.Duration // to the answer's status line, or the failure
	StatusCode int           // 0 when no answer came
	Error      string        // "" for an answer; why there was none, or why it failed
}

// WebhookSend is what one delivery sends: the endpoint, its opened secret
// and the event's payload.
type WebhookSend struct {
	Seq       int64
	WebhookID string
	URL       string
	Secret    string
	EventID   string
	Type      string
	Status    string
	Attempts  int // made so far
	Body      []byte
	CreatedOn time.Time // the event's time
}

// EnqueueDeliveries enqueues the jobs of new deliveries, by their Seq,
// inside the store's transaction.
type EnqueueDeliveries = func(ctx context.Context, tx *sql.Tx, seqs []int64) error

// Webhooks is the part of the store that keeps webhooks. The outbox rows
// (WebhookEvent) are written by the transactions that end requests:
// CommitVersion of an import, FinishImport, CancelImport when it ends the
// import, FinishCancelled, FinishExport, CommitPublish and FailPublish each
// write one event, in the same transaction, when the request's account has
// a webhook subscribed to the event's type. A request that does not end
// (an error, a rollback, a crash before COMMIT) writes none; one that ended
// cannot end again, so it never writes a second.
type Webhooks interface {
	// CreateWebhook stores w, its secret sealed, unless the account has max
	// webhooks already (max <= 0: no bound). Errors: ErrLimit; faults.
	CreateWebhook(ctx context.Context, w *Webhook, max int) error
	// ListWebhooks lists the account's webhooks by creation, without their
	// secrets. Errors: faults only.
	ListWebhooks(ctx context.Context, accountID string) ([]*Webhook, error)
	// Webhook returns one of the account's webhooks, without its secret.
	// Errors: ErrNotFound (also for another account's).
	Webhook(ctx context.Context, accountID, id string) (*Webhook, error)
	// DeleteWebhook deletes one of the account's webhooks with its
	// deliveries and their attempts; deliveries still queued find it gone
	// and stop. Errors: ErrNotFound (also for another account's).
	DeleteWebhook(ctx context.Context, accountID, id string) error
	// WebhookDeliveries lists the latest limit deliveries of one of the
	// account's webhooks, newest first, with their attempts. Errors:
	// ErrNotFound when the account has no such webhook.
	WebhookDeliveries(ctx context.Context, accountID, webhookID string, limit int) ([]*WebhookDelivery, error)

	// UndispatchedWebhookEvents lists up to limit outbox events not yet
	// dispatched, oldest first. Errors: faults only.
	UndispatchedWebhookEvents(ctx context.Context, limit int) ([]*WebhookEvent, error)
	// DispatchWebhookEvent turns an outbox event into deliveries, in one
	// transaction: it marks the event dispatched at with its payload body,
	// creates a pending delivery for each of the account's webhooks
	// subscribed to its type, and calls enqueue with their Seqs (none: not
	// called). It reports how many deliveries it created. An event
	// dispatched already (by another replica) is left alone: 0, nil.
	// Errors: enqueue's; faults.
	DispatchWebhookEvent(ctx context.Context, eventID string, body []byte, at time.Time, enqueue EnqueueDeliveries) (int, error)
	// WebhookSend returns what delivery seq sends, its secret opened.
	// Errors: ErrNotFound when the delivery is gone (its webhook was
	// deleted); a secret that does not open with the store's keys.
	WebhookSend(ctx context.Context, seq int64) (*WebhookSend, error)
	// RecordWebhookAttempt records attempt a of a pending delivery, as its
	// next attempt number (a.Attempt is set), and when final is
	// DeliverySucceeded or DeliveryFailed ends the delivery so, at a.At.
	// Errors: ErrNotFound when the delivery is gone; ErrNotPending when it
	// has ended already (nothing is recorded); faults.
	RecordWebhookAttempt(ctx context.Context, seq int64, a *WebhookAttempt, final string) error
	// DeleteOldWebhookEvents deletes up to limit events dispatched before
	// cutoff whose deliveries have all ended, with those deliveries and
	// their attempts, and returns how many events it deleted. Errors:
	// faults only.
	DeleteOldWebhookEvents(ctx context.Context, cutoff time.Time, limit int) (int, error)
}
