package client

import (
	"context"
	"net/http"
	"net/url"
)

// Webhook is an endpoint botport posts events to (botport extension).
// Secret is set only in CreateWebhook's answer: the server shows it once.
type Webhook struct {
	ID        string   `json:"id"`
	URL       string   `json:"url"`
	Events    []string `json:"events"`
	Secret    string   `json:"secret,omitempty"`
	CreatedOn string   `json:"createdOn"`
}

// WebhookEvents lists the event types a webhook may subscribe to.
var WebhookEvents = []string{
	"import.succeeded", "import.failed", "import.cancelled",
	"export.succeeded", "export.failed", "publish.succeeded", "publish.failed",
}

// Delivery is one event sent to one webhook, with its attempts.
type Delivery struct {
	ID        string            `json:"id"` // the webhook-id header of its attempts
	Type      string            `json:"type"`
	Subject   string            `json:"subject"` // the request's id (bir-…, ber-…, bpr-…)
	Status    string            `json:"status"`  // pending, succeeded or failed
	CreatedOn string            `json:"createdOn"`
	EndedOn   string            `json:"endedOn,omitempty"`
	Attempts  []DeliveryAttempt `json:"attempts"`
}

// DeliveryAttempt is one try of a delivery.
type DeliveryAttempt struct {
	Attempt    int    `json:"attempt"`
	At         string `json:"at"`
	DurationMS int64  `json:"durationMs"`
	StatusCode int    `json:"statusCode,omitempty"` // 0: no answer
	Error      string `json:"error,omitempty"`
}

// CreateWebhook registers an endpoint of the app's account for event types
// (POST /api/botport/webhooks; botport only) and returns it with its
// signing secret, which the server never shows again. The call is not
// repeated once the request may have reached the server (a repeat would
// register a second webhook). Errors: a 412 *Error for a bad URL (one
// that resolves to a private address included, unless the server allows
// them) or events.
func (c *Client) CreateWebhook(ctx context.Context, endpoint string, events []string) (*Webhook, error) {
	var out Webhook
	body := struct {
		URL    string   `json:"url"`
		Events []string `json:"events"`
	}{endpoint, events}
	if err := c.do(ctx, request{method: http.MethodPost, path: "/api/botport/webhooks", contentType: "application/json",
		body: jsonBody(body)}, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// ListWebhooks lists the account's webhooks, oldest first, without
// secrets (GET /api/botport/webhooks; botport only).
func (c *Client) ListWebhooks(ctx context.Context) ([]Webhook, error) {
	var out struct {
		Webhooks []Webhook `json:"webhooks"`
	}
	if err := c.do(ctx, request{method: http.MethodGet, path: "/api/botport/webhooks", idempotent: true}, &out); err != nil {
		return nil, err
	}
	return out.Webhooks, nil
}

// DeleteWebhook removes a webhook and its delivery history (DELETE
// /api/botport/webhooks/{id}; botport only). Errors: a 404 *Error for an
// id the account has no webhook under (also when a repeated attempt finds
// the webhook deleted by one whose answer was lost).
func (c *Client) DeleteWebhook(ctx context.Context, id string) error {
	return c.do(ctx, request{method: http.MethodDelete, path: "/api/botport/webhooks/" + url.PathEscape(id), idempotent: true}, nil)
}

// WebhookDeliveries lists a webhook's latest deliveries (at most 100),
// newest first, with every attempt (GET /api/botport/webhooks/{id}/deliveries;
// botport only). Errors: a 404 *Error for an unknown id.
func (c *Client) WebhookDeliveries(ctx context.Context, id string) ([]Delivery, error) {
	var out struct {
		Deliveries []Delivery `json:"deliveries"`
	}
	if err := c.do(ctx, request{method: http.MethodGet, path: "/api/botport/webhooks/" + url.PathEscape(id) + "/deliveries",
		idempotent: true}, &out); err != nil {
		return nil, err
	}
	return out.Deliveries, nil
}
