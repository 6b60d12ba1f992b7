package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/botport/botport/internal/kore"
	"github.com/botport/botport/internal/store"
)

func webhookSecretPlace(id string) string { return "webhooks.secret:" + id }

// eventList is how webhooks.events stores the subscribed types: between
// commas, so that LIKE '%,type,%' matches exactly one type.
func eventList(types []string) string { return "," + strings.Join(types, ",") + "," }

func parseEventList(s string) []string {
	s = strings.Trim(s, ",")
	if s == "" {
		return []string{}
	}
	return strings.Split(s, ",")
}

// outbox writes the webhook event of a request of table that ends in tx
// with event type typ, when the request's account has a webhook
// subscribed to typ: one indexed probe, and no row at all for accounts
// without webhooks. Callers run it in the transaction that ends the
// request, after the update that ends it.
func outbox(ctx context.Context, tx *sql.Tx, table, id, typ string, at time.Time) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO webhook_events (id, account_id, type, subject, created_on)
		SELECT $1, t.account_id, $2, t.id, $3 FROM `+table+` t WHERE t.id = $4
		AND EXISTS (SELECT 1 FROM webhooks w WHERE w.account_id = t.account_id AND w.events LIKE $5)`,
		"msg_"+kore.NewHexID(), typ, ms(at), id, "%,"+typ+",%")
	if err != nil {
		return fmt.Errorf("webhook outbox: %w", err)
	}
	return nil
}

// CreateWebhook implements store.Store. The account's webhooks are
// counted and the new one inserted in one transaction; two creations at
// once on PostgreSQL may both pass the count (the bound is a guard
// against runaway scripts, not an exact quota).
func (db *DB) CreateWebhook(ctx context.Context, w *store.Webhook, max int) error {
	sealed, err := db.seal([]byte(w.Secret), webhookSecretPlace(w.ID))
	if err != nil {
		return err
	}
	return db.tx(ctx, func(tx *sql.Tx) error {
		if max > 0 {
			var n int
			if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM webhooks WHERE account_id = $1`, w.AccountID).Scan(&n); err != nil {
				return fmt.Errorf("count webhooks: %w", err)
			}
			if n >= max {
				return store.ErrLimit
			}
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO webhooks (id, account_id, app_id, url, events, secret, created_on)
			VALUES ($1, $2, $3, $4, $5, $6, $7)`, w.ID, w.AccountID, w.AppID, w.URL, eventList(w.Events), sealed, ms(w.CreatedOn))
		if err != nil {
			return fmt.Errorf("insert webhook: %w", err)
		}
		return nil
	})
}

const webhookColumns = `id, account_id, app_id, url, events, created_on`

func scanWebhook(row interface{ Scan(...any) error }) (*store.Webhook, error) {
	var w store.Webhook
	var events string
	var created int64
	if err := row.Scan(&w.ID, &w.AccountID, &w.AppID, &w.URL, &events, &created); err != nil {
		return nil, notFound(err)
	}
	w.Events, w.CreatedOn = parseEventList(events), fromMS(created)
	return &w, nil
}

// ListWebhooks implements store.Store.
func (db *DB) ListWebhooks(ctx context.Context, accountID string) ([]*store.Webhook, error) {
	rows, err := db.R.QueryContext(ctx, `SELECT `+webhookColumns+` FROM webhooks WHERE account_id = $1 ORDER BY created_on, id`, accountID)
	if err != nil {
		return nil, fmt.Errorf("list webhooks: %w", err)
	}
	defer rows.Close()
	out := []*store.Webhook{}
	for rows.Next() {
		w, err := scanWebhook(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, w)
	}
	return out, rows.Err()
}

// Webhook implements store.Store.
func (db *DB) Webhook(ctx context.Context, accountID, id string) (*store.Webhook, error) {
	return scanWebhook(db.R.QueryRowContext(ctx, `SELECT `+webhookColumns+` FROM webhooks WHERE id = $1 AND account_id = $2`, id, accountID))
}

// DeleteWebhook implements store.Store.
func (db *DB) DeleteWebhook(ctx context.Context, accountID, id string) error {
	return db.tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM webhooks WHERE id = $1 AND account_id = $2`, id, accountID)
		if err != nil {
			return fmt.Errorf("delete webhook: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return store.ErrNotFound
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM webhook_attempts WHERE delivery_seq IN
			(SELECT seq FROM webhook_deliveries WHERE webhook_id = $1)`, id); err != nil {
			return fmt.Errorf("delete webhook attempts: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM webhook_deliveries WHERE webhook_id = $1`, id); err != nil {
			return fmt.Errorf("delete webhook deliveries: %w", err)
		}
		return nil
	})
}

// WebhookDeliveries implements store.Store.
func (db *DB) WebhookDeliveries(ctx context.Context, accountID, webhookID string, limit int) ([]*store.WebhookDelivery, error) {
	if _, err := db.Webhook(ctx, accountID, webhookID); err != nil {
		return nil, err
	}
	rows, err := db.R.QueryContext(ctx, `SELECT d.seq, d.event_id, e.type, e.subject, d.status, d.created_on, d.ended_on
		FROM webhook_deliveries d JOIN webhook_events e ON e.id = d.event_id
		WHERE d.webhook_id = $1 ORDER BY d.seq DESC LIMIT $2`, webhookID, max(limit, 0))
	if err != nil {
		return nil, fmt.Errorf("list deliveries: %w", err)
	}
	out := []*store.WebhookDelivery{}
	bySeq := map[int64]*store.WebhookDelivery{}
	for rows.Next() {
		d := &store.WebhookDelivery{WebhookID: webhookID}
		var created int64
		var ended sql.NullInt64
		if err := rows.Scan(&d.Seq, &d.EventID, &d.Type, &d.Subject, &d.Status, &created, &ended); err != nil {
			rows.Close()
			return nil, err
		}
		d.CreatedOn, d.EndedOn = fromMS(created), fromMS(ended.Int64)
		out = append(out, d)
		bySeq[d.Seq] = d
	}
	rows.Close()
	if err := rows.Err(); err != nil || len(out) == 0 {
		return out, err
	}
	// The attempts of the listed deliveries: those of the webhook from the
	// oldest listed on.
	rows, err = db.R.QueryContext(ctx, `SELECT a.delivery_seq, a.attempt, a.at, a.duration_ms, a.status_code, a.error
		FROM webhook_attempts a JOIN webhook_deliveries d ON d.seq = a.delivery_seq
		WHERE d.webhook_id = $1 AND d.seq >= $2 ORDER BY a.delivery_seq, a.attempt`, webhookID, out[len(out)-1].Seq)
	if err != nil {
		return nil, fmt.Errorf("list attempts: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var seq, at, dur int64
		var a store.WebhookAttempt
		if err := rows.Scan(&seq, &a.Attempt, &at, &dur, &a.StatusCode, &a.Error); err != nil {
			return nil, err
		}
		a.At, a.Duration = fromMS(at), time.Duration(dur)*time.Millisecond
		if d := bySeq[seq]; d != nil {
			d.Attempts = append(d.Attempts, a)
		}
	}
	return out, rows.Err()
}

// UndispatchedWebhookEvents implements store.Store. It reads from the
// reader pool: relays poll it, and SQLite's one writer connection is for
// writes.
func (db *DB) UndispatchedWebhookEvents(ctx context.Context, limit int) ([]*store.WebhookEvent, error) {
	rows, err := db.R.QueryContext(ctx, `SELECT id, account_id, type, subject, created_on FROM webhook_events
		WHERE dispatched_on IS NULL ORDER BY seq LIMIT $1`, limit)
	if err != nil {
		return nil, fmt.Errorf("undispatched webhook events: %w", err)
	}
	defer rows.Close()
	var out []*store.WebhookEvent
	for rows.Next() {
		var e store.WebhookEvent
		var created int64
		if err := rows.Scan(&e.ID, &e.AccountID, &e.Type, &e.Subject, &created); err != nil {
			return nil, err
		}
		e.CreatedOn = fromMS(created)
		out = append(out, &e)
	}
	return out, rows.Err()
}

// DispatchWebhookEvent implements store.Store. The claim is an UPDATE of
// the event's row that only an undispatched event matches: replicas
// dispatching one event at once wait on its row, and the later one
// matches nothing.
func (db *DB) DispatchWebhookEvent(ctx context.Context, eventID string, body []byte, at time.Time, enqueue store.EnqueueDeliveries) (int, error) {
	n := 0
	err := db.tx(ctx, func(tx *sql.Tx) error {
		n = 0
		res, err := tx.ExecContext(ctx, `UPDATE webhook_events SET dispatched_on = $2, body = $3 WHERE id = $1 AND dispatched_on IS NULL`,
			eventID, ms(at), bytesArg(body))
		if err != nil {
			return fmt.Errorf("claim webhook event: %w", err)
		}
		if k, _ := res.RowsAffected(); k == 0 {
			return nil
		}
		rows, err := tx.QueryContext(ctx, `INSERT INTO webhook_deliveries (webhook_id, event_id, status, created_on)
			SELECT w.id, e.id, $2, $3 FROM webhook_events e JOIN webhooks w ON w.account_id = e.account_id
			WHERE e.id = $1 AND w.events LIKE '%,' || e.type || ',%'
			ON CONFLICT (webhook_id, event_id) DO NOTHING RETURNING seq`, eventID, store.DeliveryPending, ms(at))
		if err != nil {
			return fmt.Errorf("insert deliveries: %w", err)
		}
		var seqs []int64
		for rows.Next() {
			var s int64
			if err := rows.Scan(&s); err != nil {
				rows.Close()
				return err
			}
			seqs = append(seqs, s)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		if len(seqs) == 0 {
			return nil
		}
		n = len(seqs)
		return enqueue(ctx, tx, seqs)
	})
	return n, err
}

// WebhookSend implements store.Store.
func (db *DB) WebhookSend(ctx context.Context, seq int64) (*store.WebhookSend, error) {
	var s store.WebhookSend
	var sealed []byte
	var created int64
	err := db.W.QueryRowContext(ctx, `SELECT d.seq, w.id, w.url, w.secret, e.id, e.type, d.status, d.attempts, e.body, e.created_on
		FROM webhook_deliveries d JOIN webhooks w ON w.id = d.webhook_id JOIN webhook_events e ON e.id = d.event_id
		WHERE d.seq = $1`, seq).Scan(&s.Seq, &s.WebhookID, &s.URL, &sealed, &s.EventID, &s.Type, &s.Status, &s.Attempts, &s.Body, &created)
	if err != nil {
		return nil, fmt.Errorf("webhook delivery %d: %w", seq, notFound(err))
	}
	secret, err := db.open(sealed, webhookSecretPlace(s.WebhookID))
	if err != nil {
		return nil, fmt.Errorf("webhook %s secret: %w", s.WebhookID, err)
	}
	s.Secret, s.CreatedOn = string(secret), fromMS(created)
	return &s, nil
}

// RecordWebhookAttempt implements store.Store.
func (db *DB) RecordWebhookAttempt(ctx context.Context, seq int64, a *store.WebhookAttempt, final string) error {
	if final != "" && final != store.DeliverySucceeded && final != store.DeliveryFailed {
		return fmt.Errorf("record webhook attempt: %q is not a final state", final)
	}
	return db.tx(ctx, func(tx *sql.Tx) error {
		var status string
		var attempts int
		if err := tx.QueryRowContext(ctx, `SELECT status, attempts FROM webhook_deliveries WHERE seq = $1`+db.ForUpdate, seq).
			Scan(&status, &attempts); err != nil {
			return fmt.Errorf("webhook delivery %d: %w", seq, notFound(err))
		}
		if status != store.DeliveryPending {
			return fmt.Errorf("webhook delivery %d: %w", seq, store.ErrNotPending)
		}
		a.Attempt = attempts + 1
		if _, err := tx.ExecContext(ctx, `INSERT INTO webhook_attempts (delivery_seq, attempt, at, duration_ms, status_code, error)
			VALUES ($1, $2, $3, $4, $5, $6)`, seq, a.Attempt, ms(a.At), a.Duration.Milliseconds(), a.StatusCode, a.Error); err != nil {
			return fmt.Errorf("insert webhook attempt: %w", err)
		}
		status, ended := store.DeliveryPending, sql.NullInt64{}
		if final != "" {
			status, ended = final, sql.NullInt64{Int64: ms(a.At), Valid: true}
		}
		if _, err := tx.ExecContext(ctx, `UPDATE webhook_deliveries SET attempts = $2, status = $3, ended_on = $4 WHERE seq = $1`,
			seq, a.Attempt, status, ended); err != nil {
			return fmt.Errorf("update webhook delivery: %w", err)
		}
		return nil
	})
}

// DeleteOldWebhookEvents implements store.Store.
func (db *DB) DeleteOldWebhookEvents(ctx context.Context, cutoff time.Time, limit int) (int, error) {
	n := 0
	err := db.tx(ctx, func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, `SELECT e.id FROM webhook_events e WHERE e.dispatched_on IS NOT NULL AND e.dispatched_on < $1
			AND NOT EXISTS (SELECT 1 FROM webhook_deliveries d WHERE d.event_id = e.id AND d.status = $3)
			ORDER BY e.dispatched_on LIMIT $2`, ms(cutoff), limit, store.DeliveryPending)
		if err != nil {
			return fmt.Errorf("old webhook events: %w", err)
		}
		var ids []string
		for rows.Next() {
			var id string
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return err
			}
			ids = append(ids, id)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		for _, id := range ids {
			for _, q := range []string{
				`DELETE FROM webhook_attempts WHERE delivery_seq IN (SELECT seq FROM webhook_deliveries WHERE event_id = $1)`,
				`DELETE FROM webhook_deliveries WHERE event_id = $1`,
				`DELETE FROM webhook_events WHERE id = $1`,
			} {
				if _, err := tx.ExecContext(ctx, q, id); err != nil {
					return fmt.Errorf("delete webhook event %s: %w", id, err)
				}
			}
		}
		n = len(ids)
		return nil
	})
	return n, err
}
