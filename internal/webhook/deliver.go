package webhook

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"strconv"
	"time"

	"github.com/riverqueue/river"

	"github.com/botport/botport/internal/store"
)

// Queue is the River queue deliveries run on, apart from imports: a slow
// endpoint never holds an import's worker.
const Queue = "webhooks"

// Schedule is the wait after each failed attempt, the Standard Webhooks
// specification's example schedule: the first attempt at once, the last
// 75 hours and 35 minutes after it, each wait varied by up to a tenth so
// that endpoints that failed together are not retried together.
var Schedule = []time.Duration{
	5 * time.Second, 5 * time.Minute, 30 * time.Minute, 2 * time.Hour, 5 * time.Hour,
	10 * time.Hour, 14 * time.Hour, 20 * time.Hour, 24 * time.Hour,
}

// DeliverArgs is the job of one delivery: one event to one endpoint.
type DeliverArgs struct {
	Delivery int64 `json:"delivery"` // store.WebhookDelivery.Seq
}

// Kind implements river.JobArgs.
func (DeliverArgs) Kind() string { return "webhook_delivery" }

// InsertOpts runs deliveries on their own queue, with one attempt for each
// step of the schedule and the first.
func (DeliverArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: Queue, MaxAttempts: len(Schedule) + 1}
}

// Worker returns the River worker that sends deliveries.
func (s *Service) Worker() river.Worker[DeliverArgs] { return &worker{s: s} }

type worker struct {
	river.WorkerDefaults[DeliverArgs]
	s *Service
}

// NextRetry follows Schedule, with jitter.
func (w *worker) NextRetry(job *river.Job[DeliverArgs]) time.Time {
	d := Schedule[min(max(job.Attempt, 1), len(Schedule))-1]
	d += time.Duration((rand.Float64()*0.2 - 0.1) * float64(d))
	return time.Now().Add(d)
}

// Timeout lets an attempt use its whole bound, and the store its writes.
func (w *worker) Timeout(*river.Job[DeliverArgs]) time.Duration {
	return w.s.cfg.AttemptTimeout + 30*time.Second
}

// Work makes one attempt of a delivery and records it. A delivery that
// has ended, or whose webhook was deleted, is left alone. A failed attempt
// is an error, so that River retries it on the schedule; the last one ends
// the delivery failed. A 410 answer ends it at once, as the specification
// asks: the endpoint wants no more.
func (w *worker) Work(ctx context.Context, job *river.Job[DeliverArgs]) error {
	s := w.s
	st := s.cfg.Store
	snd, err := st.WebhookSend(ctx, job.Args.Delivery)
	if errors.Is(err, store.ErrNotFound) {
		return nil // the webhook was deleted
	}
	if err != nil {
		return err
	}
	if snd.Status != store.DeliveryPending {
		return nil // a run before this one recorded its end
	}
	a, err := s.send(ctx, snd)
	if err != nil {
		return err // the attempt could not be made (a bad secret, or shutdown): nothing to record
	}
	final := ""
	switch {
	case a.Error == "" && a.StatusCode >= 200 && a.StatusCode < 300:
		final = store.DeliverySucceeded
	case a.StatusCode == http.StatusGone:
		final, a.Error = store.DeliveryFailed, "410 Gone: the endpoint wants no more deliveries"
	case job.Attempt >= job.MaxAttempts:
		final = store.DeliveryFailed
	}
	err = st.RecordWebhookAttempt(ctx, snd.Seq, a, final)
	if errors.Is(err, store.ErrNotFound) || errors.Is(err, store.ErrNotPending) {
		return nil
	}
	if err != nil {
		return err
	}
	outcome := OutcomeRetrying
	switch final {
	case store.DeliverySucceeded:
		outcome = OutcomeSucceeded
	case store.DeliveryFailed:
		outcome = OutcomeFailed
	}
	s.cfg.Observe(outcome)
	s.log.InfoContext(ctx, "webhook delivery attempt", "webhook", snd.WebhookID, "event", snd.EventID, "type", snd.Type,
		"attempt", a.Attempt, "status", a.StatusCode, "error", a.Error, "outcome", outcome)
	if final != "" {
		return nil
	}
	if a.Error != "" {
		return fmt.Errorf("webhook %s, event %s, attempt %d: %s", snd.WebhookID, snd.EventID, a.Attempt, a.Error)
	}
	return fmt.Errorf("webhook %s, event %s, attempt %d: answered %d", snd.WebhookID, snd.EventID, a.Attempt, a.StatusCode)
}

// send posts one attempt and describes its outcome. It returns an error
// only when no attempt was made: a secret that does not parse, or ctx
// ended (a stopping server: the attempt is made again later, unrecorded).
func (s *Service) send(ctx context.Context, snd *store.WebhookSend) (*store.WebhookAttempt, error) {
	at := s.cfg.Now()
	sig, err := Sign(snd.Secret, snd.EventID, at, snd.Body)
	if err != nil {
		return nil, fmt.Errorf("webhook %s: %w", snd.WebhookID, err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, snd.URL, bytes.NewReader(snd.Body))
	if err != nil {
		return &store.WebhookAttempt{At: at, Error: clip(err.Error())}, nil
	}
	h := req.Header
	h.Set("Content-Type", "application/json")
	h.Set("User-Agent", "botport-webhooks/1")
	h.Set("webhook-id", snd.EventID)
	h.Set("webhook-timestamp", strconv.FormatInt(at.Unix(), 10))
	h.Set("webhook-signature", sig)
	start := time.Now()
	resp, err := s.client.Do(req)
	a := &store.WebhookAttempt{At: at, Duration: time.Since(start)}
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		a.Error = clip(err.Error())
		return a, nil
	}
	// The answer's body means nothing to botport; a little of it is read so
	// that the connection can be reused.
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	resp.Body.Close()
	a.StatusCode = resp.StatusCode
	return a, nil
}

// clip bounds an attempt's error text.
func clip(s string) string {
	if len(s) > 300 {
		return s[:300] + "…"
	}
	return s
}
