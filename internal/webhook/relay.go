package webhook

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/botport/botport/internal/store"
)

// Inserter enqueues jobs inside the caller's transaction
// (*river.Client satisfies it).
type Inserter interface {
	InsertManyTx(ctx context.Context, tx *sql.Tx, params []river.InsertManyParams) ([]*rivertype.JobInsertResult, error)
}

// SetJobs gives the service the queue its deliveries run on.
func (s *Service) SetJobs(j Inserter) { s.jobs = j }

// Relay dispatches outbox events until ctx ends: every RelayEvery it
// turns the undispatched events into deliveries and their jobs
// (DispatchWebhookEvent). Every replica runs one; an event is dispatched
// by exactly one of them. Faults are logged and retried at the next round.
func (s *Service) Relay(ctx context.Context) {
	t := time.NewTicker(s.cfg.RelayEvery)
	defer t.Stop()
	for {
		if _, err := s.DispatchPending(ctx); err != nil && ctx.Err() == nil {
			s.log.WarnContext(ctx, "webhook relay", "error", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// DispatchPending dispatches the events waiting in the outbox, oldest
// first, and returns how many deliveries it created. Errors: faults (the
// events not dispatched stay in the outbox).
func (s *Service) DispatchPending(ctx context.Context) (int, error) {
	total := 0
	for {
		evs, err := s.cfg.Store.UndispatchedWebhookEvents(ctx, 100)
		if err != nil {
			return total, err
		}
		for _, ev := range evs {
			n, err := s.dispatch(ctx, ev)
			if err != nil {
				return total, fmt.Errorf("dispatch %s: %w", ev.ID, err)
			}
			total += n
		}
		if len(evs) < 100 {
			return total, nil
		}
	}
}

// dispatch renders ev's payload and turns it into deliveries with their
// jobs, in one transaction.
func (s *Service) dispatch(ctx context.Context, ev *store.WebhookEvent) (int, error) {
	data, err := s.data(ctx, ev)
	if err != nil {
		return 0, err
	}
	body := payload(ev, data)
	n, err := s.cfg.Store.DispatchWebhookEvent(ctx, ev.ID, body, s.cfg.Now(), func(ctx context.Context, tx *sql.Tx, seqs []int64) error {
		params := make([]river.InsertManyParams, len(seqs))
		for i, seq := range seqs {
			params[i] = river.InsertManyParams{Args: DeliverArgs{Delivery: seq}}
		}
		_, err := s.jobs.InsertManyTx(ctx, tx, params)
		return err
	})
	if err == nil && n > 0 {
		s.log.DebugContext(ctx, "webhook event dispatched", "event", ev.ID, "type", ev.Type, "subject", ev.Subject, "deliveries", n)
	}
	return n, err
}

// data is the event's data: the request's status document, or, when the
// request is gone (retention passed before the dispatch) or there is no
// renderer, its id alone.
func (s *Service) data(ctx context.Context, ev *store.WebhookEvent) ([]byte, error) {
	if s.cfg.Documents != nil {
		doc, err := s.cfg.Documents.Document(ctx, ev)
		if err == nil {
			return doc, nil
		}
		if !errors.Is(err, store.ErrNotFound) {
			return nil, err
		}
	}
	return json.Marshal(struct {
		ID string `json:"_id"`
	}{ev.Subject})
}
