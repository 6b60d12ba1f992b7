package main

import (
	"context"
	"testing"

	"github.com/botport/botport/client"
	"github.com/botport/botport/internal/fixture"
)

// TestShortExportReadOnce is a client that reads the export status exactly
// once, right after the POST, as some pipelines do (contract 4.4): an
// export that finishes within the short-export bound is finished before the
// POST is answered, so that one read already says success. The bound is a
// minute here, so that a slow machine cannot fail the test; the default is
// 250 ms.
func TestShortExportReadOnce(t *testing.T) {
	forBackends(t, func(t *testing.T, b backend, ts *testServer) {
		ctx := context.Background()
		c := ts.client()
		bot := importAt(t, b, c, fixture.Get(t, "demobot1-full"))
		for _, req := range []client.ExportRequest{{ExportType: "latest"}, {ExportType: "latest", ExportOptions: &client.ExportOptions{Tasks: []string{"botTask"}}}} {
			start, err := c.Export(ctx, bot, req)
			if err != nil {
				t.Fatal(err)
			}
			if start.Status != "pending" {
				t.Errorf("the POST answers %q: the accepted request, as the platform sends it", start.Status)
			}
			st, err := c.ExportStatus(ctx, bot)
			if err != nil {
				t.Fatal(err)
			}
			if st.ID != start.ID || st.Status != "success" || st.DownloadURL == "" {
				t.Fatalf("the one status read: %+v", st)
			}
			unzip(t, mustDownload(t, ts, st))
		}
	}, "--export-wait", "1m")
}
