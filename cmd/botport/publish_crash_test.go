package main

import (
	"context"
	"testing"
	"time"

	"github.com/botport/botport/client"
	"github.com/botport/botport/internal/botgen"
	"github.com/botport/botport/internal/fixture"
)

// TestSIGKILLPublishBehindImport kills the server while an import into a
// bot runs and a publish of the bot waits behind it, then restarts it on
// the same data directory: the import runs again, and the publish, which
// was accepted and never lost, ends successful, publishing what that import
// committed. The published version only ever moves in the publish's one
// transaction, so before it the bot has none.
func TestSIGKILLPublishBehindImport(t *testing.T) {
	if testing.Short() {
		t.Skip("starts server processes")
	}
	data := t.TempDir()
	p1 := startProc(t, data, "--workers", "1")
	c := client.New(p1.URL, p1.AppID, p1.Secret)
	ctx := context.Background()
	bot := importBot(t, c, fixture.Get(t, "demobot1-full"))

	// A generated bot big enough to be caught running past Bot Definition.
	gen := t.TempDir()
	if err := botgen.WriteDir(gen, botgen.Spec{Name: "Slow", Dialogs: 1500, Utterances: 20_000, FAQs: 100, Seed: 7}); err != nil {
		t.Fatal(err)
	}
	imp, err := c.ImportInto(ctx, bot, uploadExport(t, c, fixture.Export{Name: "generated", Dir: gen}))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Publish(ctx, bot, client.PublishRequest{VersionComment: "behind the import"}); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(time.Minute)
	for {
		st, err := c.ImportStatus(ctx, imp.ID)
		if err != nil {
			t.Fatal(err)
		}
		if st.Done() {
			t.Fatalf("the import ended before it was caught running: %s", st.Status)
		}
		if len(st.StatusLogs) > 1 {
			break // running, past Bot Definition
		}
		if time.Now().After(deadline) {
			t.Fatal("the import never started")
		}
		time.Sleep(2 * time.Millisecond)
	}
	ps, err := c.PublishStatus(ctx, bot)
	if err != nil || ps.Status != "inprogress" {
		t.Fatalf("the publish before the kill: %+v %v", ps, err)
	}
	p1.kill(t)

	p2 := startProc(t, data, "--workers", "2")
	c2 := client.New(p2.URL, p1.AppID, p1.Secret)
	if st := waitLong(t, c2, imp.ID, 3*time.Minute); st.Status != "success" {
		t.Fatalf("the import after the restart: %s %s", st.Status, st.Message)
	}
	wctx, cancel := context.WithTimeout(ctx, 3*time.Minute)
	defer cancel()
	ps, err = c2.WaitPublish(wctx, bot, 50*time.Millisecond, nil)
	if err != nil || ps.Status != "successful" {
		t.Fatalf("the publish after the restart: %+v %v", ps, err)
	}
	vs, err := c2.Versions(ctx, bot)
	if err != nil {
		t.Fatal(err)
	}
	if len(vs) != 2 || !vs[1].Published || vs[1].ImportID != imp.ID || vs[0].Published {
		t.Errorf("versions after the restart: %+v", vs)
	}
}
