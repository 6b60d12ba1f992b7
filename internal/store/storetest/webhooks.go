package storetest

import (
	"context"
	"database/sql"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/botport/botport/internal/kore"
	"github.com/botport/botport/internal/store"
)

func newWebhook(accountID string, events ...string) *store.Webhook {
	return &store.Webhook{
		ID: "wh-" + kore.NewUUID(), AccountID: accountID, AppID: kore.NewAppID(), URL: "https://hooks.example.com/" + kore.NewHexID(),
		Events: events, Secret: "whsec_" + kore.NewHexID(), CreatedOn: base,
	}
}

func createWebhook(t *testing.T, s store.Store, w *store.Webhook) {
	t.Helper()
	must(t, s.CreateWebhook(t.Context(), w, 0), "CreateWebhook")
}

// outboxEvent is an undispatched event as the tests compare it.
type outboxEvent struct{ account, typ, subject string }

// undispatched lists the store's undispatched events.
func undispatched(t *testing.T, s store.Store) []outboxEvent {
	t.Helper()
	evs, err := s.UndispatchedWebhookEvents(t.Context(), 1000)
	must(t, err, "UndispatchedWebhookEvents")
	var out []outboxEvent
	for _, e := range evs {
		out = append(out, outboxEvent{e.AccountID, e.Type, e.Subject})
	}
	return out
}

// dispatchAll dispatches every undispatched event with body and returns
// the delivery seqs enqueued.
func dispatchAll(t *testing.T, s store.Store, body string) []int64 {
	t.Helper()
	evs, err := s.UndispatchedWebhookEvents(t.Context(), 1000)
	must(t, err, "UndispatchedWebhookEvents")
	var seqs []int64
	for _, e := range evs {
		n, err := s.DispatchWebhookEvent(t.Context(), e.ID, []byte(body), base.Add(time.Minute), func(_ context.Context, tx *sql.Tx, s []int64) error {
			if tx == nil {
				return errors.New("enqueue without a transaction")
			}
			seqs = append(seqs, s...)
			return nil
		})
		must(t, err, "DispatchWebhookEvent")
		if n == 0 {
			t.Errorf("event %s (%s) dispatched to no webhook", e.ID, e.Type)
		}
	}
	return seqs
}

// testWebhooks covers webhooks: their rows, the outbox the transactions
// that end requests write, dispatch into deliveries, attempts and cleanup.
func testWebhooks(t *testing.T, open opener) {
	t.Run("CreateListDelete", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		a, other := newAccount(t, s), newAccount(t, s)
		w1 := newWebhook(a.ID, store.EventImportSucceeded, store.EventImportFailed)
		w2 := newWebhook(a.ID, store.EventExportFailed)
		w2.CreatedOn = base.Add(time.Second)
		createWebhook(t, s, w1)
		createWebhook(t, s, w2)
		wantErrIs(t, s.CreateWebhook(t.Context(), newWebhook(a.ID, store.EventImportFailed), 2), store.ErrLimit, "CreateWebhook over the limit")
		must(t, s.CreateWebhook(t.Context(), newWebhook(other.ID, store.EventImportFailed), 2), "CreateWebhook of another account under its limit")
		list, err := s.ListWebhooks(t.Context(), a.ID)
		must(t, err, "ListWebhooks")
		if len(list) != 2 || list[0].ID != w1.ID || list[1].ID != w2.ID {
			t.Fatalf("ListWebhooks = %v, want %s then %s", list, w1.ID, w2.ID)
		}
		got := list[0]
		if got.URL != w1.URL || got.AppID != w1.AppID || !slices.Equal(got.Events, w1.Events) || got.Secret != "" || got.AccountID != a.ID {
			t.Errorf("listed webhook %+v, want %+v without its secret", got, w1)
		}
		wantTime(t, "CreatedOn", got.CreatedOn, base)
		one, err := s.Webhook(t.Context(), a.ID, w2.ID)
		must(t, err, "Webhook")
		if one.ID != w2.ID || one.Secret != "" || !slices.Equal(one.Events, []string{store.EventExportFailed}) {
			t.Errorf("Webhook = %+v", one)
		}
		_, err = s.Webhook(t.Context(), other.ID, w2.ID)
		wantErrIs(t, err, store.ErrNotFound, "Webhook of another account")
		_, err = s.WebhookDeliveries(t.Context(), other.ID, w2.ID, 10)
		wantErrIs(t, err, store.ErrNotFound, "WebhookDeliveries of another account's webhook")
		wantErrIs(t, s.DeleteWebhook(t.Context(), other.ID, w2.ID), store.ErrNotFound, "DeleteWebhook of another account's webhook")
		must(t, s.DeleteWebhook(t.Context(), a.ID, w2.ID), "DeleteWebhook")
		wantErrIs(t, s.DeleteWebhook(t.Context(), a.ID, w2.ID), store.ErrNotFound, "DeleteWebhook again")
		if list, _ := s.ListWebhooks(t.Context(), a.ID); len(list) != 1 || list[0].ID != w1.ID {
			t.Errorf("after the delete: %v", list)
		}
		if list, _ := s.ListWebhooks(t.Context(), newAccount(t, s).ID); list == nil || len(list) != 0 {
			t.Errorf("an account without webhooks lists %#v, want an empty list", list)
		}
	})

	t.Run("OutboxOfEveryEnd", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		a, quiet, other := newAccount(t, s), newAccount(t, s), newAccount(t, s)
		createWebhook(t, s, newWebhook(a.ID, store.EventTypes...))
		// other subscribes to one type only; quiet has no webhook.
		createWebhook(t, s, newWebhook(other.ID, store.EventExportFailed))
		var want []outboxEvent
		for _, acct := range []*store.Account{a, quiet, other} {
			expect := func(typ, subject string) {
				if acct == a || acct == other && typ == store.EventExportFailed {
					want = append(want, outboxEvent{acct.ID, typ, subject})
				}
			}
			// An import that commits.
			botID := kore.NewBotID()
			ok := newImport(acct.ID, botID, true)
			createImport(t, s, ok)
			vid := stage(t, s, acct.ID, botID, ok.ID, testLayout, sampleRecords()...)
			must(t, s.CommitVersion(t.Context(), &store.Commit{Bot: botRow(acct.ID, botID), NewBot: true, VersionID: vid,
				ImportID: ok.ID, Doc: []byte(`{"status":"success"}`), At: base}), "CommitVersion")
			expect(store.EventImportSucceeded, ok.ID)
			// Failures and dry runs.
			failed, dry := newImport(acct.ID, botID, false), newImport(acct.ID, botID, false)
			createImport(t, s, failed)
			createImport(t, s, dry)
			must(t, s.FinishImport(t.Context(), failed.ID, store.StatusFailure, []byte(`{}`), base), "FinishImport failure")
			expect(store.EventImportFailed, failed.ID)
			must(t, s.FinishImport(t.Context(), dry.ID, store.StatusSuccess, []byte(`{}`), base), "FinishImport success")
			expect(store.EventImportSucceeded, dry.ID)
			// Cancels: ended at once, and ended by the run.
			idle, running := newImport(acct.ID, botID, false), newImport(acct.ID, botID, false)
			j := newJobs()
			j.accept(t, s, idle, 0)
			j.accept(t, s, running, 0)
			var job int64
			_, err := s.CancelImport(t.Context(), acct.ID, idle.ID, stopAs(true, &job), cancelDoc, base)
			must(t, err, "CancelImport")
			expect(store.EventImportCancelled, idle.ID)
			_, err = s.CancelImport(t.Context(), acct.ID, running.ID, stopAs(false, &job), cancelDoc, base)
			must(t, err, "CancelImport of a running import")
			must(t, s.FinishCancelled(t.Context(), running.ID, []byte(`{}`), base), "FinishCancelled")
			expect(store.EventImportCancelled, running.ID)
			// Exports.
			bot := getBot(t, s, acct.ID, botID)
			for _, status := range []string{store.StatusSuccess, store.StatusFailure} {
				e := newExport(acct.ID, bot.ID, bot.VersionID, base)
				createExport(t, s, e)
				e.Status, e.FinishedOn = status, base
				must(t, s.FinishExport(t.Context(), e), "FinishExport")
				typ := store.EventExportSucceeded
				if status == store.StatusFailure {
					typ = store.EventExportFailed
				}
				expect(typ, e.ID)
			}
			// Publishes.
			p1, p2 := newPublish(acct.ID, bot.ID, base), newPublish(acct.ID, bot.ID, base)
			createPublish(t, s, p1)
			createPublish(t, s, p2)
			_, err = s.CommitPublish(t.Context(), &store.PublishCommit{PublishID: p1.ID, AccountID: acct.ID, BotID: bot.ID,
				Detail: []byte(`{}`), StartedOn: base, At: base})
			must(t, err, "CommitPublish")
			expect(store.EventPublishSucceeded, p1.ID)
			must(t, s.FailPublish(t.Context(), p2.ID, "no", base, base), "FailPublish")
			expect(store.EventPublishFailed, p2.ID)

			// Ends refused (the request ended already) write nothing.
			wantErrIs(t, s.FinishImport(t.Context(), ok.ID, store.StatusFailure, []byte(`{}`), base), store.ErrNotPending, "FinishImport again")
			wantErrIs(t, s.FinishCancelled(t.Context(), idle.ID, []byte(`{}`), base), store.ErrNotPending, "FinishCancelled again")
			wantErrIs(t, s.FailPublish(t.Context(), p1.ID, "no", base, base), store.ErrNotPending, "FailPublish again")
			again := newExport(acct.ID, bot.ID, bot.VersionID, base)
			createExport(t, s, again)
			again.Status, again.FinishedOn = store.StatusSuccess, base
			must(t, s.FinishExport(t.Context(), again), "FinishExport")
			expect(store.EventExportSucceeded, again.ID)
			wantErrIs(t, s.FinishExport(t.Context(), again), store.ErrNotPending, "FinishExport again")
		}
		got := undispatched(t, s)
		if !slices.Equal(got, want) {
			t.Errorf("outbox:\n got %v\nwant %v", got, want)
		}
	})

	t.Run("NoEventForAnEndRolledBack", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		a := newAccount(t, s)
		createWebhook(t, s, newWebhook(a.ID, store.EventImportSucceeded))
		b, v1 := commitNewBot(t, s, a.ID, testLayout, base, sampleRecords()...)
		imp := newImport(a.ID, b.ID, false)
		createImport(t, s, imp)
		other := stage(t, s, a.ID, b.ID, "", testLayout, sampleRecords()[:1]...)
		must(t, s.CommitVersion(t.Context(), &store.Commit{Bot: getBot(t, s, a.ID, b.ID), VersionID: other, BaseVersionID: v1, At: base}),
			"CommitVersion of another writer")
		vid := stage(t, s, a.ID, b.ID, imp.ID, testLayout, sampleRecords()...)
		err := s.CommitVersion(t.Context(), &store.Commit{Bot: getBot(t, s, a.ID, b.ID), VersionID: vid, BaseVersionID: v1,
			ImportID: imp.ID, Doc: []byte(`{}`), At: base})
		wantErrIs(t, err, store.ErrConflict, "CommitVersion on a moved bot")
		if got := undispatched(t, s); len(got) != 0 {
			t.Errorf("a commit that failed wrote %v", got)
		}
	})

	t.Run("DispatchAndDeliver", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		a := newAccount(t, s)
		both := newWebhook(a.ID, store.EventImportFailed, store.EventExportFailed)
		importsOnly := newWebhook(a.ID, store.EventImportFailed)
		exportsOnly := newWebhook(a.ID, store.EventExportSucceeded)
		for _, w := range []*store.Webhook{both, importsOnly, exportsOnly} {
			createWebhook(t, s, w)
		}
		imp := newImport(a.ID, kore.NewBotID(), true)
		createImport(t, s, imp)
		end(t, s, imp)
		evs, err := s.UndispatchedWebhookEvents(t.Context(), 10)
		must(t, err, "UndispatchedWebhookEvents")
		if len(evs) != 1 || evs[0].Type != store.EventImportFailed || evs[0].Subject != imp.ID || len(evs[0].ID) < 5 || evs[0].ID[:4] != "msg_" {
			t.Fatalf("outbox: %+v", evs)
		}
		ev := evs[0]
		wantTime(t, "event CreatedOn", ev.CreatedOn, base)
		errQueue := errors.New("queue down")
		_, err = s.DispatchWebhookEvent(t.Context(), ev.ID, []byte(`{"a":1}`), base, func(context.Context, *sql.Tx, []int64) error { return errQueue })
		wantErrIs(t, err, errQueue, "DispatchWebhookEvent with a failing enqueue")
		if got := undispatched(t, s); len(got) != 1 {
			t.Fatalf("a failed dispatch left %v undispatched, want the event", got)
		}
		var sealed []byte
		var seqs []int64
		n, err := s.DispatchWebhookEvent(t.Context(), ev.ID, []byte(`{"a":1}`), base.Add(time.Minute), func(ctx context.Context, tx *sql.Tx, s []int64) error {
			seqs = s
			return tx.QueryRowContext(ctx, `SELECT secret FROM webhooks WHERE id = $1`, both.ID).Scan(&sealed)
		})
		must(t, err, "DispatchWebhookEvent")
		if n != 2 || len(seqs) != 2 {
			t.Fatalf("dispatched to %d webhooks (seqs %v), want 2", n, seqs)
		}
		if len(sealed) == 0 || string(sealed) == both.Secret {
			t.Errorf("the webhook's secret is stored as %q: not sealed", sealed)
		}
		n, err = s.DispatchWebhookEvent(t.Context(), ev.ID, []byte(`{"b":2}`), base, func(context.Context, *sql.Tx, []int64) error {
			t.Error("enqueue called for an event dispatched already")
			return nil
		})
		if err != nil || n != 0 {
			t.Errorf("dispatching again: %d, %v; want 0, nil", n, err)
		}
		if got := undispatched(t, s); len(got) != 0 {
			t.Errorf("undispatched after the dispatch: %v", got)
		}
		sends := map[string]*store.WebhookSend{}
		for _, seq := range seqs {
			snd, err := s.WebhookSend(t.Context(), seq)
			must(t, err, "WebhookSend")
			sends[snd.WebhookID] = snd
		}
		snd := sends[both.ID]
		if snd == nil || sends[importsOnly.ID] == nil {
			t.Fatalf("deliveries to %v, want %s and %s", sends, both.ID, importsOnly.ID)
		}
		if snd.URL != both.URL || snd.Secret != both.Secret || snd.EventID != ev.ID || snd.Type != store.EventImportFailed ||
			string(snd.Body) != `{"a":1}` || snd.Status != store.DeliveryPending || snd.Attempts != 0 {
			t.Errorf("WebhookSend = %+v", snd)
		}
		wantTime(t, "send CreatedOn", snd.CreatedOn, base)

		fail := &store.WebhookAttempt{At: base.Add(2 * time.Minute), Duration: 1500 * time.Millisecond, StatusCode: 503}
		must(t, s.RecordWebhookAttempt(t.Context(), snd.Seq, fail, ""), "RecordWebhookAttempt")
		okAt := base.Add(3 * time.Minute)
		ok := &store.WebhookAttempt{At: okAt, Duration: 20 * time.Millisecond, StatusCode: 204}
		must(t, s.RecordWebhookAttempt(t.Context(), snd.Seq, ok, store.DeliverySucceeded), "RecordWebhookAttempt (success)")
		if fail.Attempt != 1 || ok.Attempt != 2 {
			t.Errorf("attempt numbers %d, %d; want 1, 2", fail.Attempt, ok.Attempt)
		}
		err = s.RecordWebhookAttempt(t.Context(), snd.Seq, &store.WebhookAttempt{At: okAt}, store.DeliveryFailed)
		wantErrIs(t, err, store.ErrNotPending, "RecordWebhookAttempt after the delivery succeeded")
		other := sends[importsOnly.ID]
		must(t, s.RecordWebhookAttempt(t.Context(), other.Seq, &store.WebhookAttempt{At: okAt, Error: "dial: refused"}, store.DeliveryFailed),
			"RecordWebhookAttempt (failure)")

		ds, err := s.WebhookDeliveries(t.Context(), a.ID, both.ID, 10)
		must(t, err, "WebhookDeliveries")
		if len(ds) != 1 {
			t.Fatalf("deliveries of %s: %+v", both.ID, ds)
		}
		d := ds[0]
		if d.EventID != ev.ID || d.Type != store.EventImportFailed || d.Subject != imp.ID || d.Status != store.DeliverySucceeded || len(d.Attempts) != 2 {
			t.Fatalf("delivery %+v", d)
		}
		wantTime(t, "EndedOn", d.EndedOn, okAt)
		if a1 := d.Attempts[0]; a1.Attempt != 1 || a1.StatusCode != 503 || a1.Duration != 1500*time.Millisecond || a1.Error != "" {
			t.Errorf("first attempt %+v", a1)
		}
		if ds, _ := s.WebhookDeliveries(t.Context(), a.ID, exportsOnly.ID, 10); len(ds) != 0 {
			t.Errorf("a webhook not subscribed got deliveries %+v", ds)
		}

		// Cleanup: ended deliveries of events dispatched before the cutoff.
		n, err = s.DeleteOldWebhookEvents(t.Context(), base, 10)
		if err != nil || n != 0 {
			t.Errorf("DeleteOldWebhookEvents before the dispatch time: %d, %v", n, err)
		}
		n, err = s.DeleteOldWebhookEvents(t.Context(), base.Add(time.Hour), 10)
		if err != nil || n != 1 {
			t.Errorf("DeleteOldWebhookEvents: %d, %v; want 1", n, err)
		}
		if ds, _ := s.WebhookDeliveries(t.Context(), a.ID, both.ID, 10); len(ds) != 0 {
			t.Errorf("deliveries after cleanup: %+v", ds)
		}
	})

	t.Run("PendingDeliveriesStayAndDeletedWebhooksStop", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		a := newAccount(t, s)
		w := newWebhook(a.ID, store.EventImportFailed)
		createWebhook(t, s, w)
		imp := newImport(a.ID, kore.NewBotID(), true)
		createImport(t, s, imp)
		end(t, s, imp)
		seqs := dispatchAll(t, s, `{}`)
		if len(seqs) != 1 {
			t.Fatalf("seqs %v", seqs)
		}
		if n, err := s.DeleteOldWebhookEvents(t.Context(), base.Add(time.Hour), 10); err != nil || n != 0 {
			t.Errorf("DeleteOldWebhookEvents deleted %d (%v) with a delivery pending", n, err)
		}
		must(t, s.DeleteWebhook(t.Context(), a.ID, w.ID), "DeleteWebhook")
		_, err := s.WebhookSend(t.Context(), seqs[0])
		wantErrIs(t, err, store.ErrNotFound, "WebhookSend of a deleted webhook's delivery")
		err = s.RecordWebhookAttempt(t.Context(), seqs[0], &store.WebhookAttempt{At: base}, "")
		wantErrIs(t, err, store.ErrNotFound, "RecordWebhookAttempt of a deleted webhook's delivery")
	})
}
