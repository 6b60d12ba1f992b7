package main

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/botport/botport/client"
	"github.com/botport/botport/internal/fixture"
)

// TestWebhooks registers webhooks for each kind of request, runs an
// import that succeeds, one that fails, an export and a publish, and
// checks on SQLite and PostgreSQL that each endpoint gets exactly the
// events it subscribed to, signed (the receiver verifies as the Standard
// Webhooks specification says), with the request's status document as
// data and the delivery's id as webhook-id; then the refusals: other
// accounts, unknown ids, scopes, bad URLs and events.
func TestWebhooks(t *testing.T) {
	forBackends(t, func(t *testing.T, b backend, ts *testServer) {
		ctx := context.Background()
		c := ts.client()
		imports, exports, publishes := newHookReceiver(t), newHookReceiver(t), newHookReceiver(t)
		whImports := imports.register(t, c, "import.failed", "import.succeeded", "import.failed")
		whExports := exports.register(t, c, "export.succeeded", "export.failed")
		whPublishes := publishes.register(t, c, "publish.succeeded", "publish.failed")
		if strings.Join(whImports.Events, ",") != "import.succeeded,import.failed" {
			t.Errorf("events %v: want each once, in the table's order", whImports.Events)
		}
		list, err := c.ListWebhooks(ctx)
		if err != nil || len(list) != 3 || list[0].ID != whImports.ID || list[2].ID != whPublishes.ID {
			t.Fatalf("ListWebhooks = %+v, %v", list, err)
		}
		for _, w := range list {
			if w.Secret != "" || w.URL == "" || w.CreatedOn == "" {
				t.Errorf("listed webhook %+v: want no secret, a URL and a time", w)
			}
		}

		demo := fixture.Get(t, "demobot1-full")
		good := uploadExport(t, c, demo)
		bad := good
		bad.BotDefinition = uploadPath(t, c, fixture.Invalid(t, "empty-botDefinition.json"))
		okSt, err := c.ImportNew(ctx, good)
		if err != nil {
			t.Fatal(err)
		}
		badSt, err := c.ImportNew(ctx, bad)
		if err != nil {
			t.Fatal(err)
		}
		okDone, badDone := wait(t, c, okSt.ID), wait(t, c, badSt.ID)
		if okDone.Status != "success" || badDone.Status != "failure" {
			t.Fatalf("imports ended %s and %s", okDone.Status, badDone.Status)
		}
		bot := okDone.StreamID
		exp, err := c.Export(ctx, bot, client.ExportRequest{ExportType: "latest"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := c.WaitExport(ctx, bot, exp.ID, pollInterval(c)); err != nil {
			t.Fatal(err)
		}
		if _, err := c.Publish(ctx, bot, client.PublishRequest{VersionComment: "webhooks"}); err != nil {
			t.Fatal(err)
		}
		if _, err := c.WaitPublish(ctx, bot, pollInterval(c), nil); err != nil {
			t.Fatal(err)
		}

		got := imports.waitAccepted(t, 2, time.Minute)
		byType := map[string]hookCall{}
		for _, call := range got {
			if !call.Verified {
				t.Errorf("delivery %s: signature not verified", call.ID)
			}
			byType[call.Type] = call
		}
		for typ, bir := range map[string]string{"import.succeeded": okSt.ID, "import.failed": badSt.ID} {
			call, ok := byType[typ]
			if !ok {
				t.Errorf("no %s delivery (got %d calls)", typ, len(got))
				continue
			}
			raw, err := c.ImportStatusRaw(ctx, bir)
			if err != nil {
				t.Fatal(err)
			}
			if !jsonEqual(call.Data, raw) {
				t.Errorf("%s data:\n%s\nwant the status document:\n%s", typ, call.Data, raw)
			}
			if _, err := time.Parse(time.RFC3339Nano, call.EventTime); err != nil {
				t.Errorf("%s timestamp %q: %v", typ, call.EventTime, err)
			}
		}
		ds := waitDeliveries(t, c, whImports.ID, 2, time.Minute)
		for _, d := range ds {
			call, ok := byType[d.Type]
			if !ok || d.ID != call.ID || !strings.HasPrefix(d.ID, "msg_") || d.Status != "succeeded" || len(d.Attempts) != 1 ||
				d.Attempts[0].StatusCode != http.StatusNoContent || d.EndedOn == "" {
				t.Errorf("delivery %+v (the receiver saw webhook-id %q)", d, call.ID)
			}
			if want := map[string]string{"import.succeeded": okSt.ID, "import.failed": badSt.ID}[d.Type]; d.Subject != want {
				t.Errorf("delivery %s subject %s, want %s", d.ID, d.Subject, want)
			}
		}

		type statusDoc struct {
			ID          string `json:"_id"`
			Status      string `json:"status"`
			DownloadURL string `json:"downloadURL"`
			FileID      string `json:"fileId"`
		}
		var doc statusDoc
		call := exports.waitAccepted(t, 1, time.Minute)[0]
		if err := json.Unmarshal(call.Data, &doc); err != nil || !call.Verified || call.Type != "export.succeeded" ||
			doc.ID != exp.ID || doc.Status != "success" || doc.DownloadURL != "" || doc.FileID == "" {
			t.Errorf("export delivery %s (verified %v): %s", call.Type, call.Verified, call.Data)
		}
		call = publishes.waitAccepted(t, 1, time.Minute)[0]
		doc = statusDoc{}
		if err := json.Unmarshal(call.Data, &doc); err != nil || !call.Verified || call.Type != "publish.succeeded" ||
			!strings.HasPrefix(doc.ID, "bpr-") || doc.Status != "successful" {
			t.Errorf("publish delivery %s (verified %v): %s", call.Type, call.Verified, call.Data)
		}
		// Each endpoint got its events only: two, one and one.
		waitDeliveries(t, c, whExports.ID, 1, time.Minute)
		waitDeliveries(t, c, whPublishes.ID, 1, time.Minute)
		if n, m, k := len(imports.snapshot()), len(exports.snapshot()), len(publishes.snapshot()); n != 2 || m != 1 || k != 1 {
			t.Errorf("the receivers got %d, %d and %d calls, want 2, 1 and 1", n, m, k)
		}

		// Another account sees none of it; unknown ids are 404.
		other := b.createApp(t, ts, "hooks-other", "bot_import")
		if l, err := other.ListWebhooks(ctx); err != nil || len(l) != 0 {
			t.Errorf("another account lists %+v, %v", l, err)
		}
		for _, id := range []string{whImports.ID, "wh-00000000-0000-0000-0000-000000000000", "nope"} {
			_, err := other.WebhookDeliveries(ctx, id)
			wantAPIError(t, err, http.StatusNotFound, "Invalid webhook ID")
			wantAPIError(t, other.DeleteWebhook(ctx, id), http.StatusNotFound, "Invalid webhook ID")
		}
		exportOnly := b.createApp(t, ts, "hooks-export", "bot_export")
		_, err = exportOnly.ListWebhooks(ctx)
		wantAPIError(t, err, http.StatusUnauthorized, "Permission denied. Scope is incorrect!")

		for _, tt := range []struct {
			url    string
			events []string
			msg    string
		}{
			{"ftp://127.0.0.1/x", []string{"import.failed"}, "Invalid webhook URL"},
			{"http://user:pw@127.0.0.1/x", []string{"import.failed"}, "Invalid webhook URL"},
			{"", []string{"import.failed"}, "Invalid webhook URL"},
			{imports.srv.URL, nil, "Invalid events"},
			{imports.srv.URL, []string{"import.exploded"}, "Invalid events"},
		} {
			_, err := c.CreateWebhook(ctx, tt.url, tt.events)
			wantAPIError(t, err, http.StatusPreconditionFailed, tt.msg)
		}

		if err := c.DeleteWebhook(ctx, whPublishes.ID); err != nil {
			t.Fatal(err)
		}
		_, err = c.WebhookDeliveries(ctx, whPublishes.ID)
		wantAPIError(t, err, http.StatusNotFound, "Invalid webhook ID")
		if l, _ := c.ListWebhooks(ctx); len(l) != 2 {
			t.Errorf("after a delete: %+v", l)
		}
	}, "--webhook-allow-private")
}

// TestWebhookPrivateDestinations: without --webhook-allow-private, a URL
// whose host is, or resolves to, a loopback, private or link-local
// address is refused at registration.
func TestWebhookPrivateDestinations(t *testing.T) {
	ts := startServer(t)
	c := ts.client()
	for _, u := range []string{"http://127.0.0.1:9/hooks", "http://[::1]/", "http://10.1.2.3/", "http://169.254.169.254/latest",
		"http://localhost:8080/", "http://[::ffff:192.168.1.1]/"} {
		_, err := c.CreateWebhook(context.Background(), u, []string{"import.failed"})
		wantAPIError(t, err, http.StatusPreconditionFailed, "Webhook URL refused")
	}
	if l, err := c.ListWebhooks(context.Background()); err != nil || len(l) != 0 {
		t.Errorf("webhooks after refusals: %+v, %v", l, err)
	}
}

// wantAPIError reports an error unless err is an answer with status whose
// message starts with msg.
func wantAPIError(t *testing.T, err error, status int, msg string) {
	t.Helper()
	e, ok := err.(*client.Error)
	if !ok || e.StatusCode != status || !strings.HasPrefix(e.Msg, msg) {
		t.Errorf("error %v, want %d %q…", err, status, msg)
	}
}
