package main

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"testing"
	"time"

	"github.com/botport/botport/client"
	"github.com/botport/botport/internal/fixture"
)

// TestListImportsAndExports: the lists of GET /api/botport/imports and
// /exports on SQLite and PostgreSQL: newest first; pages that stay exact
// while imports are accepted between them (no duplicate, no gap among the
// imports that existed at the first page); every filter; the items'
// fields; 412 for bad parameters and tokens; the account's scope and the
// scopes of the routes.
func TestListImportsAndExports(t *testing.T) {
	for _, be := range backends {
		t.Run(be.name, func(t *testing.T) {
			extra := be.extra(t)
			dbURL := flagValue(extra, "--database")
			ts := startServer(t, extra...)
			c := ts.client()
			ctx := context.Background()
			req := uploadExport(t, c, fixture.Get(t, "demobot1-full"))
			start := func(r client.ImportRequest) string {
				t.Helper()
				st, err := c.ImportNew(ctx, r)
				if err != nil {
					t.Fatal(err)
				}
				return st.ID
			}
			var existing []string // oldest first
			for range 5 {
				existing = append(existing, start(req))
			}
			for _, bir := range existing {
				watch(t, c, bir)
			}
			dry := req
			dry.DryRun = true
			dryID := start(dry)
			watch(t, c, dryID)
			existing = append(existing, dryID)
			newestFirst := slices.Clone(existing)
			slices.Reverse(newestFirst)

			// Page by two, accepting imports between the pages.
			var seen, added []string
			opts := client.ListOptions{PageSize: 2}
			for pages := 0; ; pages++ {
				p, err := c.ListImports(ctx, opts)
				if err != nil {
					t.Fatal(err)
				}
				for _, it := range p.Imports {
					seen = append(seen, it.ID)
				}
				if p.NextPageToken == "" {
					break
				}
				if pages > 10 {
					t.Fatal("more pages than imports")
				}
				added = append(added, start(req))
				opts.PageToken = p.NextPageToken
			}
			if !slices.Equal(seen, newestFirst) {
				t.Errorf("pages across inserts: %v\nwant %v (added meanwhile: %v)", seen, newestFirst, added)
			}
			for _, bir := range added {
				watch(t, c, bir)
			}

			all, err := c.ListImports(ctx, client.ListOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if len(all.Imports) != len(existing)+len(added) || all.NextPageToken != "" || all.Imports[0].ID != added[len(added)-1] {
				t.Fatalf("one page of everything: %d items, token %q", len(all.Imports), all.NextPageToken)
			}
			first := all.Imports[len(all.Imports)-1]
			if first.ID != existing[0] || first.Status != "success" || first.BotName != "Demobot1" || first.StreamID == "" ||
				first.CreatedOn == "" || first.EndedOn == "" || first.DryRun || first.Cancelled {
				t.Errorf("first import listed as %+v", first)
			}
			dryItem := all.Imports[slices.IndexFunc(all.Imports, func(it client.ImportItem) bool { return it.ID == dryID })]
			if !dryItem.DryRun || dryItem.StreamID != "" || dryItem.Status != "success" {
				t.Errorf("dry run listed as %+v: a dry run of a new bot makes no bot", dryItem)
			}

			// Filters.
			byBot, err := c.ListImports(ctx, client.ListOptions{BotID: first.StreamID})
			if err != nil || len(byBot.Imports) != 1 || byBot.Imports[0].ID != first.ID {
				t.Errorf("imports of bot %s: %+v, %v", first.StreamID, byBot, err)
			}
			ok, err := c.ListImports(ctx, client.ListOptions{Status: "success", PageSize: 500})
			if err != nil || len(ok.Imports) != len(all.Imports) {
				t.Errorf("successful imports: %d, %v", len(ok.Imports), err)
			}
			if p, err := c.ListImports(ctx, client.ListOptions{Status: "failure"}); err != nil || len(p.Imports) != 0 {
				t.Errorf("failed imports: %+v, %v", p, err)
			}
			future := time.Now().Add(time.Hour)
			if p, err := c.ListImports(ctx, client.ListOptions{Since: future}); err != nil || len(p.Imports) != 0 {
				t.Errorf("imports since an hour from now: %+v, %v", p, err)
			}
			if p, err := c.ListImports(ctx, client.ListOptions{Until: future, Since: time.Now().Add(-time.Hour)}); err != nil ||
				len(p.Imports) != len(all.Imports) {
				t.Errorf("imports of the last hour: %d, %v", len(p.Imports), err)
			}

			// Refusals: 412 in the envelope.
			tokenOfOthers := func() string {
				p, err := c.ListImports(ctx, client.ListOptions{PageSize: 1, Status: "success"})
				if err != nil || p.NextPageToken == "" {
					t.Fatalf("a page of one: %+v, %v", p, err)
				}
				return p.NextPageToken
			}()
			for _, q := range []string{"pageSize=-1", "pageSize=x", "status=done", "since=yesterday", "botId=nope",
				"pageToken=garbage", "pageToken=" + url.QueryEscape(tokenOfOthers), "status=success&status=failure"} {
				resp, body := call(t, c, "GET", ts.URL+"/api/botport/imports?"+q, nil, nil)
				if resp.StatusCode != 412 || string(body) != envelope("Validation errors/ Invalid arguments", 412) {
					t.Errorf("?%s: %d %s", q, resp.StatusCode, body)
				}
			}
			if p, err := c.ListImports(ctx, client.ListOptions{PageSize: 100000}); err != nil || len(p.Imports) != len(all.Imports) {
				t.Errorf("a page size over the maximum counts as the maximum: %v", err)
			}

			// Exports, newest first, with the bot's name.
			e1, err := c.Export(ctx, first.StreamID, client.ExportRequest{ExportType: "latest"})
			if err != nil {
				t.Fatal(err)
			}
			other := all.Imports[0].StreamID
			e2, err := c.Export(ctx, other, client.ExportRequest{ExportType: "latest"})
			if err != nil {
				t.Fatal(err)
			}
			every := pollEvery(dbURL)
			for bot, ber := range map[string]string{first.StreamID: e1.ID, other: e2.ID} {
				if st, err := c.WaitExport(ctx, bot, ber, every); err != nil || st.Status != "success" {
					t.Fatalf("export %s: %+v %v", ber, st, err)
				}
			}
			ex, err := c.ListExports(ctx, client.ListOptions{})
			if err != nil || len(ex.Exports) != 2 || ex.Exports[0].ID != e2.ID || ex.Exports[1].ID != e1.ID {
				t.Fatalf("exports: %+v, %v", ex, err)
			}
			if it := ex.Exports[1]; it.StreamID != first.StreamID || it.BotName != "Demobot1" || it.ExportType != "latest" ||
				it.Status != "success" || it.EndedOn == "" {
				t.Errorf("export listed as %+v", it)
			}
			if p, err := c.ListExports(ctx, client.ListOptions{BotID: other}); err != nil || len(p.Exports) != 1 || p.Exports[0].ID != e2.ID {
				t.Errorf("exports of one bot: %+v, %v", p, err)
			}
			var viaIter []string
			for it, err := range c.AllExports(ctx, client.ListOptions{PageSize: 1}) {
				if err != nil {
					t.Fatal(err)
				}
				viaIter = append(viaIter, it.ID)
			}
			if !slices.Equal(viaIter, []string{e2.ID, e1.ID}) {
				t.Errorf("AllExports by pages of one: %v", viaIter)
			}

			// Another account sees none of it; scopes are the routes'.
			stranger := appOf(t, ts, dbURL, "stranger", "bot_import", "bot_export")
			if p, err := stranger.ListImports(ctx, client.ListOptions{}); err != nil || len(p.Imports) != 0 {
				t.Errorf("another account lists %+v, %v", p, err)
			}
			if p, err := stranger.ListExports(ctx, client.ListOptions{BotID: first.StreamID}); err != nil || len(p.Exports) != 0 {
				t.Errorf("another account lists exports %+v, %v", p, err)
			}
			exportOnly := appOf(t, ts, dbURL, "default", "bot_export")
			importOnly := appOf(t, ts, dbURL, "default", "bot_import")
			if _, err := exportOnly.ListImports(ctx, client.ListOptions{}); !client.IsStatus(err, http.StatusUnauthorized) {
				t.Errorf("imports listed without bot_import: %v", err)
			}
			if _, err := importOnly.ListExports(ctx, client.ListOptions{}); !client.IsStatus(err, http.StatusUnauthorized) {
				t.Errorf("exports listed without bot_export: %v", err)
			}
		})
	}
}
