package main

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/botport/botport/client"
	"github.com/botport/botport/internal/botgen"
	"github.com/botport/botport/internal/fixture"
)

// TestImportEventStream: the event stream of an import, on SQLite and
// PostgreSQL, as a client reads it from the moment the import is accepted:
// "status" events with increasing ids, each document extending the one
// before (entries are never lost or reordered), the last one final and
// equal to the status document, then the end of the stream; with every
// stage of the import, in the order the status document has them.
// Resuming after an event sends only later ones; an unknown import is
// 400; the stream's wire format is one "data:" line per document.
func TestImportEventStream(t *testing.T) {
	for _, be := range backends {
		t.Run(be.name, func(t *testing.T) {
			ts := startServer(t, be.extra(t)...)
			c := ts.client()
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
			defer cancel()
			// A generated bot of 1,500 dialogs runs long enough for the
			// stream to show it in progress (how many events it gets
			// depends on the machine: logged, not asserted).
			gen := t.TempDir()
			if err := botgen.WriteDir(gen, botgen.Spec{Name: "Streamed", Dialogs: 1500, Utterances: 20_000, FAQs: 100, Seed: 3}); err != nil {
				t.Fatal(err)
			}
			for _, name := range []string{"demobot1-full", "vaxie", "generated"} {
				e := fixture.Export{Name: name, Dir: gen}
				if name != "generated" {
					e = fixture.Get(t, name)
				}
				started, err := c.ImportNew(ctx, uploadExport(t, c, e))
				if err != nil {
					t.Fatal(err)
				}
				es, err := c.ImportEvents(ctx, started.ID, "")
				if err != nil {
					t.Fatal(err)
				}
				var events []*client.Event
				for {
					ev, err := es.Next()
					if err == io.EOF {
						break
					}
					if err != nil {
						t.Fatalf("%s: %v", name, err)
					}
					events = append(events, ev)
				}
				es.Close()
				if len(events) == 0 {
					t.Fatalf("%s: no event", name)
				}
				var lastID int64
				var prev []client.LogEntry
				for i, ev := range events {
					id, err := strconv.ParseInt(ev.ID, 10, 64)
					if err != nil || id <= lastID {
						t.Errorf("%s: event %d has id %q after %d", name, i, ev.ID, lastID)
					}
					lastID = id
					logs := ev.Status.StatusLogs
					if len(logs) < len(prev) || !slices.EqualFunc(prev, logs[:len(prev)], sameEntry) {
						t.Errorf("%s: event %d does not extend the one before:\n%+v\n%+v", name, i, prev, logs)
					}
					if ev.Status.Done() != (i == len(events)-1) {
						t.Errorf("%s: event %d of %d is done: %v", name, i, len(events), ev.Status.Done())
					}
					prev = logs
				}
				final := events[len(events)-1]
				raw, err := c.ImportStatusRaw(ctx, started.ID)
				if err != nil {
					t.Fatal(err)
				}
				if string(final.Raw) != string(raw) || final.Status.Status != "success" {
					t.Errorf("%s: the last event is not the final document:\n%s\n%s", name, final.Raw, raw)
				}
				var stages []string
				for _, l := range final.Status.StatusLogs {
					stages = append(stages, l.TaskType)
				}
				if len(stages) < 4 || stages[0] != "importRequest" || stages[1] != "Bot Definition" || stages[len(stages)-1] != "importBot" {
					t.Errorf("%s: stages %v", name, stages)
				}
				figure(t, "%s: %d events, %d stages", name, len(events), len(stages))

				// Resumes: after the first event, only the later ones; after
				// the last, nothing.
				es, err = c.ImportEvents(ctx, started.ID, events[0].ID)
				if err != nil {
					t.Fatal(err)
				}
				ev, err := es.Next()
				if len(events) > 1 && (err != nil || ev.ID != final.ID) {
					t.Errorf("%s: resumed after %s: %+v, %v", name, events[0].ID, ev, err)
				}
				if len(events) == 1 && err != io.EOF {
					t.Errorf("%s: resumed after the final event: %+v, %v", name, ev, err)
				}
				es.Close()
				es, err = c.ImportEvents(ctx, started.ID, final.ID)
				if err != nil {
					t.Fatal(err)
				}
				if ev, err := es.Next(); err != io.EOF {
					t.Errorf("%s: resumed after the final event: %+v, %v", name, ev, err)
				}
				es.Close()
			}

			// The wire: event, id and one data line, then the end.
			done, err := c.ImportNew(ctx, uploadExport(t, c, fixture.Get(t, "demobot1-full")))
			if err != nil {
				t.Fatal(err)
			}
			final := watch(t, c, done.ID)
			resp, body := call(t, c, "GET", ts.URL+"/api/botport/imports/"+done.ID+"/events", nil, nil)
			if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "text/event-stream" || resp.Header.Get("Cache-Control") != "no-store" {
				t.Errorf("answer %d %v", resp.StatusCode, resp.Header)
			}
			raw, _ := c.ImportStatusRaw(ctx, done.ID)
			sc := bufio.NewScanner(strings.NewReader(string(body)))
			sc.Buffer(nil, 64<<20)
			var lines []string
			for sc.Scan() {
				lines = append(lines, sc.Text())
			}
			if len(lines) != 6 || lines[0] != "retry: 1000" || lines[2] != "event: status" || !strings.HasPrefix(lines[3], "id: ") ||
				lines[4] != "data: "+string(raw) || lines[5] != "" {
				t.Errorf("stream of an ended import:\n%s", body)
			}
			var doc map[string]any
			if err := json.Unmarshal([]byte(strings.TrimPrefix(lines[4], "data: ")), &doc); err != nil || doc["status"] != final.Status {
				t.Errorf("data line: %v", err)
			}
			for _, bir := range []string{"bir-00000000-0000-0000-0000-000000000000", "nope"} {
				resp, body := call(t, c, "GET", ts.URL+"/api/botport/imports/"+bir+"/events", nil, nil)
				if resp.StatusCode != http.StatusBadRequest || string(body) != envelope("Invalid request ID", 400) {
					t.Errorf("events of %s: %d %s", bir, resp.StatusCode, body)
				}
			}
			if _, err := c.ImportEvents(ctx, "bir-00000000-0000-0000-0000-000000000000", ""); !client.IsStatus(err, 400) {
				t.Errorf("client: events of an unknown import: %v", err)
			}
		})
	}
}

// sameEntry compares status entries by what they say.
func sameEntry(a, b client.LogEntry) bool {
	return a.TaskType == b.TaskType && a.TaskName == b.TaskName && a.Status == b.Status && a.Message == b.Message
}
