package main

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/botport/botport/client"
	"github.com/botport/botport/internal/fixture"
)

// TestFinding7WritesRaceOnNewBodies: bot-functions writes racing imports
// answered 500 (issue 12, finding 7). The renovation made writes to one bot
// serialize with import commits (TestWritesRaceImports); what remained was
// two writes to different bots of one account storing the same new scripts
// in opposite orders: on PostgreSQL each transaction waited for the other's
// first body, a deadlock the server aborted with a 500. Scripts are now
// stored one per transaction before the version write, and import batches
// insert their bodies in hash order. Every write must answer 200 and every
// incremental import racing them succeed without a fault, on both backends.
func TestFinding7WritesRaceOnNewBodies(t *testing.T) {
	forBackends(t, func(t *testing.T, _ backend, ts *testServer) {
		c := ts.client()
		ctx := context.Background()
		var bots [2]string
		for i := range bots {
			st, err := c.ImportNew(ctx, uploadExport(t, c, fixture.Get(t, "demobot1-full")))
			if err != nil {
				t.Fatal(err)
			}
			bots[i] = wait(t, c, st.ID).StreamID
		}
		req := uploadExport(t, c, fixture.Get(t, "demobot1-all"))
		req.Icon = ""
		req.ImportOptions = &client.ImportOptions{Tasks: []string{"botTask"}, NLPData: []string{"utterances"}}
		var birs []string
		for range 4 {
			st, err := c.ImportInto(ctx, bots[0], req)
			if err != nil {
				t.Fatal(err)
			}
			birs = append(birs, st.ID)
		}
		const rounds = 20
		var failures []string
		w := ts.client()
		w.Retries = -1 // every answer counts: a retried 500 is still a 500
		for round := range rounds {
			// Two new scripts, stored by both writes in opposite orders.
			x := uploadPath(t, c, writeTemp(t, "x.js", []byte(fmt.Sprintf("// x %d\n%s", round, strings.Repeat("x", 1<<20)))))
			y := uploadPath(t, c, writeTemp(t, "y.js", []byte(fmt.Sprintf("// y %d\n%s", round, strings.Repeat("y", 1<<20)))))
			var wg sync.WaitGroup
			var mu sync.Mutex
			for i, order := range [][2]string{{x, y}, {y, x}} {
				wg.Add(1)
				go func() {
					defer wg.Done()
					_, err := w.ImportFunctions(ctx, bots[i], []client.Function{
						{FileName: fmt.Sprintf("A%d.js", round), FileID: order[0]}, {FileName: fmt.Sprintf("B%d.js", round), FileID: order[1]}})
					if err != nil {
						mu.Lock()
						failures = append(failures, err.Error())
						mu.Unlock()
					}
				}()
			}
			wg.Wait()
		}
		for _, bir := range birs {
			if st := wait(t, c, bir); st.Status != "success" {
				t.Errorf("import %s ended %s: %s", bir, st.Status, st.Message)
			}
		}
		figure(t, "%d rounds of two writes storing the same two new scripts in opposite orders: %d failed; %d import faults logged",
			rounds, len(failures), strings.Count(ts.logs.String(), "import fault"))
		if line := logLine(ts.logs.String(), "request failed"); line != "" {
			t.Errorf("a request failed: %s", line)
		}
		if len(failures) > 0 {
			t.Errorf("%d bot-functions writes failed, first: %s", len(failures), failures[0])
		}
		if n := strings.Count(ts.logs.String(), "import fault"); n > 0 {
			t.Errorf("%d import faults logged", n)
		}
	}, "--log-level", "info")
}
