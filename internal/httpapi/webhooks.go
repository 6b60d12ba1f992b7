package httpapi

import (
	"net/http"

	"github.com/botport/botport/internal/kore"
	"github.com/botport/botport/internal/store"
)

// webhookDoc is a webhook as the routes answer it; the secret only in the
// answer that created it.
type webhookDoc struct {
	ID        string   `json:"id"`
	URL       string   `json:"url"`
	Events    []string `json:"events"`
	Secret    string   `json:"secret,omitempty"`
	CreatedOn string   `json:"createdOn"`
}

func newWebhookDoc(w *store.Webhook) webhookDoc {
	return webhookDoc{ID: w.ID, URL: w.URL, Events: w.Events, CreatedOn: kore.FormatTime(w.CreatedOn)}
}

// deliveryLimit is how many of a webhook's latest deliveries its list
// shows.
const deliveryLimit = 100

// createWebhook is POST /api/botport/webhooks (botport extension):
// {"url", "events"} registers an endpoint of the caller's account and
// answers it with its secret, shown this once. It takes no
// Idempotency-Key: a kept answer would keep the secret in clear.
func (s *server) createWebhook(w http.ResponseWriter, r *http.Request, app *store.App) error {
	f, err := s.readFields(w, r)
	if err != nil {
		return err
	}
	u, err := f.str("url")
	if err != nil {
		return err
	}
	events, err := f.strList("events")
	if err != nil {
		return err
	}
	wh, err := s.cfg.Webhooks.Create(r.Context(), app, u, events)
	if err != nil {
		return err
	}
	doc := newWebhookDoc(wh)
	doc.Secret = wh.Secret
	w.Header().Set("Cache-Control", "no-store") // the secret
	writeJSON(w, http.StatusOK, kore.Encode(doc))
	return nil
}

// listWebhooks is GET /api/botport/webhooks: the account's webhooks,
// oldest first, without secrets.
func (s *server) listWebhooks(w http.ResponseWriter, r *http.Request, app *store.App) error {
	hooks, err := s.cfg.Webhooks.List(r.Context(), app)
	if err != nil {
		return err
	}
	out := struct {
		Webhooks []webhookDoc `json:"webhooks"`
	}{make([]webhookDoc, 0, len(hooks))}
	for _, h := range hooks {
		out.Webhooks = append(out.Webhooks, newWebhookDoc(h))
	}
	writeJSON(w, http.StatusOK, kore.Encode(out))
	return nil
}

// deleteWebhook is DELETE /api/botport/webhooks/{id}: 200 with
// {"id", "deleted": true}.
func (s *server) deleteWebhook(w http.ResponseWriter, r *http.Request, app *store.App) error {
	id := r.PathValue("id")
	if err := s.cfg.Webhooks.Delete(r.Context(), app, id); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, kore.Encode(struct {
		ID      string `json:"id"`
		Deleted bool   `json:"deleted"`
	}{id, true}))
	return nil
}

// deliveryDoc is one delivery of GET /api/botport/webhooks/{id}/deliveries.
type deliveryDoc struct {
	ID        string       `json:"id"` // the webhook-id header of its attempts
	Type      string       `json:"type"`
	Subject   string       `json:"subject"`
	Status    string       `json:"status"`
	CreatedOn string       `json:"createdOn"`
	EndedOn   string       `json:"endedOn,omitempty"`
	Attempts  []attemptDoc `json:"attempts"`
}

type attemptDoc struct {
	Attempt    int    `json:"attempt"`
	At         string `json:"at"`
	DurationMS int64  `json:"durationMs"`
	StatusCode int    `json:"statusCode,omitempty"`
	Error      string `json:"error,omitempty"`
}

// webhookDeliveries is GET /api/botport/webhooks/{id}/deliveries: the
// webhook's latest deliveries, newest first, with every attempt.
func (s *server) webhookDeliveries(w http.ResponseWriter, r *http.Request, app *store.App) error {
	ds, err := s.cfg.Webhooks.Deliveries(r.Context(), app, r.PathValue("id"), deliveryLimit)
	if err != nil {
		return err
	}
	out := struct {
		Deliveries []deliveryDoc `json:"deliveries"`
	}{make([]deliveryDoc, 0, len(ds))}
	for _, d := range ds {
		dd := deliveryDoc{ID: d.EventID, Type: d.Type, Subject: d.Subject, Status: d.Status,
			CreatedOn: kore.FormatTime(d.CreatedOn), Attempts: make([]attemptDoc, 0, len(d.Attempts))}
		if !d.EndedOn.IsZero() {
			dd.EndedOn = kore.FormatTime(d.EndedOn)
		}
		for _, a := range d.Attempts {
			dd.Attempts = append(dd.Attempts, attemptDoc{Attempt: a.Attempt, At: kore.FormatTime(a.At),
				DurationMS: a.Duration.Milliseconds(), StatusCode: a.StatusCode, Error: a.Error})
		}
		out.Deliveries = append(out.Deliveries, dd)
	}
	writeJSON(w, http.StatusOK, kore.Encode(out))
	return nil
}
