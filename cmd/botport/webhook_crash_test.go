package main

import (
	"context"
	"testing"
	"time"

	"github.com/botport/botport/client"
	"github.com/botport/botport/internal/fixture"
	"github.com/botport/botport/internal/killpoint"
)

// TestWebhookDeliveredAcrossSIGKILL SIGKILLs the server with an import
// stopped inside its commit transaction (kill point commit: the import has
// not ended) and after its commit, before anything else happened
// (committed: the import has ended, its event is in the outbox), then
// restarts it, on SQLite and PostgreSQL. The receiver on 127.0.0.1 answers
// 503 until the kill, so that no delivery can succeed before it. Either
// way it must get exactly one event for the import, verified, and accept
// it once; at the commit point it must get nothing before the restart.
func TestWebhookDeliveredAcrossSIGKILL(t *testing.T) {
	if testing.Short() {
		t.Skip("starts server processes")
	}
	for _, be := range backends {
		t.Run(be.name, func(t *testing.T) {
			for _, point := range []string{killpoint.Commit, killpoint.Committed} {
				t.Run(point, func(t *testing.T) { webhookAcrossKill(t, be.extra(t), point) })
			}
		})
	}
}

func webhookAcrossKill(t *testing.T, extra []string, point string) {
	ctx := context.Background()
	data := t.TempDir()
	dbURL := flagValue(extra, "--database")
	args := append(extra, "--webhook-allow-private")
	recv := newHookReceiver(t)
	recv.refuse.Store(true)

	p1 := startProcEnv(t, data, []string{killpoint.Env + "=" + point}, args...)
	c := client.New(p1.URL, p1.AppID, p1.Secret)
	wh := recv.register(t, c, "import.succeeded", "import.failed")
	st, err := c.ImportNew(ctx, uploadExport(t, c, fixture.Get(t, "demobot1-full")))
	if err != nil {
		t.Fatal(err)
	}
	if stopped := p1.waitStops(t, 1, 2*time.Minute); stopped[0] != st.ID {
		t.Fatalf("stopped %v, want %s", stopped, st.ID)
	}
	p1.kill(t)
	before := recv.snapshot()
	state, _, _ := storedImport(t, data, dbURL, st.ID)
	switch point {
	case killpoint.Commit:
		// Not ended: the outbox row was in the transaction the kill rolled back.
		if state != "pending" || len(before) != 0 {
			t.Fatalf("after the kill inside the commit: import %s, %d calls to the receiver; want pending and none", state, len(before))
		}
	case killpoint.Committed:
		if state != "success" {
			t.Fatalf("after the kill after the commit: import %s, want success", state)
		}
	}
	recv.refuse.Store(false)

	p2 := startProc(t, data, args...)
	c2 := client.New(p2.URL, p1.AppID, p1.Secret)
	final := waitImports(t, c2, []string{st.ID}, pollEvery(dbURL), 3*time.Minute)[st.ID]
	if final.Status != "success" {
		t.Fatalf("import ended %s: %s", final.Status, final.Message)
	}
	accepted := recv.waitAccepted(t, 1, 2*time.Minute)
	// The import's job, handed back at the restart, has run (at committed it
	// found the import ended), and the delivery has ended: nothing more can
	// come.
	finishedImportJobs(t, data, dbURL, []string{st.ID})
	ds := waitDeliveries(t, c2, wh.ID, 1, time.Minute)

	all := recv.snapshot()
	ids := map[string]bool{}
	for _, call := range all {
		ids[call.ID] = true
		if !call.Verified {
			t.Errorf("call %s (answered %d): signature not verified", call.ID, call.Answered)
		}
	}
	if len(accepted) != 1 || len(ids) != 1 {
		t.Fatalf("the receiver accepted %d deliveries, of %d events (%d calls); want one of one", len(accepted), len(ids), len(all))
	}
	call := accepted[0]
	raw, err := c2.ImportStatusRaw(ctx, st.ID)
	if err != nil {
		t.Fatal(err)
	}
	if call.Type != "import.succeeded" || !jsonEqual(call.Data, raw) {
		t.Errorf("delivery %s: %s\nwant the final status document %s", call.Type, call.Data, raw)
	}
	d := ds[0]
	last := d.Attempts[len(d.Attempts)-1]
	if d.ID != call.ID || d.Subject != st.ID || d.Status != "succeeded" || last.StatusCode != 204 || len(d.Attempts) > len(all) {
		t.Errorf("delivery record %+v; the receiver got %d calls", d, len(all))
	}
	t.Logf("%s: %d calls before the kill, %d in all, %d attempts recorded", point, len(before), len(all), len(d.Attempts))
}
