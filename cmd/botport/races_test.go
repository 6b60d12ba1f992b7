package main

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/botport/botport/client"
	"github.com/botport/botport/internal/fixture"
	"github.com/botport/botport/internal/store"
)

// TestWritesRaceImports races synchronous writes (bot functions, restores)
// against incremental imports into the same bot, on both backends. Every
// write must answer 200, never 500; every import must succeed without a
// fault (an import that loses the commit race merges again at once, it does
// not go through the queue's failure backoff); and every success is exactly
// one version.
func TestWritesRaceImports(t *testing.T) {
	forBackends(t, func(t *testing.T, _ backend, ts *testServer) {
		c := ts.client()
		ctx := context.Background()
		first, err := c.ImportNew(ctx, uploadExport(t, c, fixture.Get(t, "demobot1-full")))
		if err != nil {
			t.Fatal(err)
		}
		botID := wait(t, c, first.ID).StreamID
		script := uploadPath(t, c, writeTemp(t, "Functions.js", []byte("function hello() { return 'hi'; }\n")))
		req := uploadExport(t, c, fixture.Get(t, "demobot1-all"))
		req.Icon = ""
		req.ImportOptions = &client.ImportOptions{Tasks: []string{"botTask"}, NLPData: []string{"utterances"}}

		const imports = 5
		start := time.Now()
		var birs []string
		for range imports {
			st, err := c.ImportInto(ctx, botID, req)
			if err != nil {
				t.Fatal(err)
			}
			birs = append(birs, st.ID)
		}
		done := make(chan struct{})
		var mu sync.Mutex
		var writes int
		var failures []string
		var wg sync.WaitGroup
		wg.Add(1)
		// The writer does not wait out a rate limit (PostgreSQL limits
		// writes to 60 a minute per bot and API): a 429 wrote nothing,
		// and it tries again shortly.
		wc := ts.client()
		wc.Retries = -1
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				select {
				case <-done:
					return
				default:
				}
				var err error
				if i%4 == 3 {
					_, err = wc.RestoreVersion(ctx, botID, 1)
				} else {
					_, err = wc.ImportFunctions(ctx, botID, []client.Function{{FileName: fmt.Sprintf("F%d.js", i), FileID: script}})
				}
				if client.IsStatus(err, http.StatusTooManyRequests) {
					time.Sleep(50 * time.Millisecond)
					continue
				}
				mu.Lock()
				if err != nil {
					failures = append(failures, err.Error())
				} else {
					writes++
				}
				mu.Unlock()
			}
		}()
		for _, bir := range birs {
			if st := wait(t, c, bir); st.Status != "success" {
				t.Errorf("import %s ended %s: %s", bir, st.Status, st.Message)
			}
		}
		elapsed := time.Since(start)
		close(done)
		wg.Wait()
		figure(t, "%d incremental imports finished in %v beside %d synchronous writes; %d merged again after losing the commit race",
			imports, elapsed.Round(time.Millisecond), writes, strings.Count(ts.logs.String(), "import merges again"))
		if len(failures) > 0 {
			t.Errorf("%d synchronous writes failed, first: %s", len(failures), failures[0])
		}
		if writes == 0 {
			t.Errorf("no synchronous write ran beside the imports: the test raced nothing")
		}
		if n := strings.Count(ts.logs.String(), "import fault"); n > 0 {
			t.Errorf("%d import faults logged: a lost commit race went through the queue's retry", n)
		}
		vs, err := c.Versions(ctx, botID)
		if err != nil {
			t.Fatal(err)
		}
		if want := 1 + imports + writes; len(vs) != want {
			t.Errorf("%d versions, want %d (first import, %d imports, %d writes)", len(vs), want, imports, writes)
		}
	}, "--log-level", "info")
}

// TestHeldBotAnswersBusy: while an import holds a bot (it lost the commit
// race and merges again), a bot-functions write or a restore waits for it,
// within a bound, and then answers 409 with Retry-After in the Kore
// envelope, changing nothing; once the hold ends, both go through.
func TestHeldBotAnswersBusy(t *testing.T) {
	ts := startServer(t)
	c := ts.client()
	ctx := context.Background()
	first, err := c.ImportNew(ctx, uploadExport(t, c, fixture.Get(t, "demobot1-full")))
	if err != nil {
		t.Fatal(err)
	}
	botID := wait(t, c, first.ID).StreamID
	script := uploadPath(t, c, writeTemp(t, "Functions.js", []byte("function hello() { return 'hi'; }\n")))
	st := openStore(t, ts)
	holder := store.StagedBy{Kind: store.StagedByImport, ID: first.ID}
	now := time.Now()
	if err := st.HoldBot(ctx, ts.AccountID, botID, holder, now, now.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	tok := mustToken(t, c)
	requests := []struct{ name, path, body string }{
		{"bot functions", "/api/public/bot/" + botID + "/import/botfunctions", `[{"fileName":"Functions.js","fileId":"` + script + `"}]`},
		{"restore", "/api/botport/bots/" + botID + "/versions/1/restore", ``},
	}
	var wg sync.WaitGroup
	for _, rq := range requests {
		wg.Add(1)
		go func() {
			defer wg.Done()
			resp, body := rawRequest(t, "POST", ts.URL+rq.path, map[string]string{"auth": tok, "Content-Type": "application/json"}, strings.NewReader(rq.body))
			want := `{"errors":[{"msg":"The bot is being changed by an import; retry shortly","code":409}]}`
			if resp.StatusCode != 409 || string(body) != want || resp.Header.Get("Retry-After") == "" {
				t.Errorf("%s on a held bot: %d %s (Retry-After %q), want 409 %s with Retry-After", rq.name, resp.StatusCode, body, resp.Header.Get("Retry-After"), want)
			}
		}()
	}
	wg.Wait()
	if vs, err := c.Versions(ctx, botID); err != nil || len(vs) != 1 {
		t.Errorf("versions after refused writes: %d, %v; want 1", len(vs), err)
	}
	if err := st.HoldBot(ctx, ts.AccountID, botID, holder, time.Now(), time.Time{}); err != nil {
		t.Fatal(err)
	}
	for _, rq := range requests {
		resp, body := rawRequest(t, "POST", ts.URL+rq.path, map[string]string{"auth": tok, "Content-Type": "application/json"}, strings.NewReader(rq.body))
		if resp.StatusCode != 200 {
			t.Errorf("%s once the hold ended: %d %s", rq.name, resp.StatusCode, body)
		}
	}
}
