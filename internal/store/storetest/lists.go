package storetest

import (
	"slices"
	"testing"
	"time"

	"github.com/botport/botport/internal/kore"
	"github.com/botport/botport/internal/store"
)

// importIDs lists the ids of items, in order.
func importIDs(items []*store.ImportItem) []string {
	var out []string
	for _, it := range items {
		out = append(out, it.ID)
	}
	return out
}

// testImportLists covers ListImports: order, filters, keyset pages, the
// account's scope and the listed flags.
func testImportLists(t *testing.T, open opener) {
	t.Parallel()
	s := open(t)
	a, other := newAccount(t, s), newAccount(t, s)
	botA, botB := kore.NewBotID(), kore.NewBotID()
	var all []*store.Import // oldest first
	for i := range 9 {
		bot := botA
		if i%3 == 2 {
			bot = botB
		}
		imp := newImport(a.ID, bot, i == 0)
		imp.CreatedOn = base.Add(time.Duration(i) * time.Minute)
		imp.DryRun = i == 4
		createImport(t, s, imp)
		all = append(all, imp)
		createImport(t, s, newImport(other.ID, bot, false)) // never listed for a
	}
	must(t, s.FinishImport(t.Context(), all[1].ID, store.StatusSuccess, []byte(`{}`), base.Add(time.Hour)), "FinishImport")
	must(t, s.FinishImport(t.Context(), all[3].ID, store.StatusFailure, []byte(`{}`), base.Add(time.Hour)), "FinishImport")
	var job int64
	_, err := s.CancelImport(t.Context(), a.ID, all[5].ID, stopAs(false, &job), cancelDoc, base) // no job: stays pending
	must(t, err, "CancelImport")
	must(t, s.FinishCancelled(t.Context(), all[5].ID, []byte(`{}`), base.Add(2*time.Hour)), "FinishCancelled")
	_, err = s.CancelImport(t.Context(), a.ID, all[6].ID, stopAs(false, &job), cancelDoc, base) // requested, still pending
	must(t, err, "CancelImport")

	ids := func(idx ...int) []string {
		var out []string
		for _, i := range idx {
			out = append(out, all[i].ID)
		}
		return out
	}
	list := func(f store.ListFilter) []*store.ImportItem {
		t.Helper()
		f.AccountID = a.ID
		if f.Limit == 0 {
			f.Limit = 100
		}
		items, err := s.ListImports(t.Context(), f)
		must(t, err, "ListImports")
		return items
	}
	for _, tt := range []struct {
		name string
		f    store.ListFilter
		want []string
	}{
		{"all", store.ListFilter{}, ids(8, 7, 6, 5, 4, 3, 2, 1, 0)},
		{"bot", store.ListFilter{BotID: botB}, ids(8, 5, 2)},
		{"pending", store.ListFilter{Status: store.StatusPending}, ids(8, 7, 6, 4, 2, 0)},
		{"failure", store.ListFilter{Status: store.StatusFailure}, ids(5, 3)},
		{"success of bot A", store.ListFilter{Status: store.StatusSuccess, BotID: botA}, ids(1)},
		{"since", store.ListFilter{Since: base.Add(6 * time.Minute)}, ids(8, 7, 6)},
		{"until", store.ListFilter{Until: base.Add(2 * time.Minute)}, ids(1, 0)},
		{"window", store.ListFilter{Since: base.Add(2 * time.Minute), Until: base.Add(5 * time.Minute)}, ids(4, 3, 2)},
		{"limit", store.ListFilter{Limit: 2}, ids(8, 7)},
		{"before", store.ListFilter{Before: all[6].Seq, Limit: 3}, ids(5, 4, 3)},
		{"before with a filter", store.ListFilter{Before: all[5].Seq, BotID: botB}, ids(2)},
		{"unknown bot", store.ListFilter{BotID: kore.NewBotID()}, nil},
	} {
		if got := importIDs(list(tt.f)); !slices.Equal(got, tt.want) {
			t.Errorf("%s: got %v, want %v", tt.name, got, tt.want)
		}
	}
	items := list(store.ListFilter{})
	byID := map[string]*store.ImportItem{}
	for _, it := range items {
		byID[it.ID] = it
	}
	for i, imp := range all {
		it := byID[imp.ID]
		if it.Seq != imp.Seq || it.BotID != imp.BotID || it.NewBot != imp.NewBot || it.BotName != imp.BotName {
			t.Errorf("import %d listed as %+v", i, it)
		}
		wantTime(t, "CreatedOn", it.CreatedOn, imp.CreatedOn)
		if it.DryRun != (i == 4) || it.Cancelled != (i == 5) {
			t.Errorf("import %d: dryRun %v, cancelled %v", i, it.DryRun, it.Cancelled)
		}
		if ended := i == 1 || i == 3 || i == 5; ended == it.FinishedOn.IsZero() {
			t.Errorf("import %d: FinishedOn %v", i, it.FinishedOn)
		}
	}
	// Acceptances after the first page come before it, never inside.
	first := list(store.ListFilter{Limit: 4})
	createImport(t, s, newImport(a.ID, botA, false))
	rest := list(store.ListFilter{Before: first[len(first)-1].Seq})
	if got := append(importIDs(first), importIDs(rest)...); !slices.Equal(got, ids(8, 7, 6, 5, 4, 3, 2, 1, 0)) {
		t.Errorf("pages across an insert: %v", got)
	}
}

// testExportLists covers ListExports.
func testExportLists(t *testing.T, open opener) {
	t.Parallel()
	s := open(t)
	a, other := newAccount(t, s), newAccount(t, s)
	b1, b2 := newBot(t, s, a.ID, base), newBot(t, s, a.ID, base)
	var all []*store.Export
	for i := range 5 {
		bot := b1
		if i%2 == 1 {
			bot = b2
		}
		e := newExport(a.ID, bot.ID, bot.VersionID, base.Add(time.Duration(i)*time.Minute))
		createExport(t, s, e)
		all = append(all, e)
	}
	ob := newBot(t, s, other.ID, base)
	createExport(t, s, newExport(other.ID, ob.ID, ob.VersionID, base))
	done := *all[2]
	done.Status, done.FileID, done.BlobKey, done.FileSize, done.FinishedOn = store.StatusSuccess, kore.NewHexID(), "k", 10, base.Add(time.Hour)
	must(t, s.FinishExport(t.Context(), &done), "FinishExport")

	list := func(f store.ListFilter) []*store.ExportItem {
		t.Helper()
		f.AccountID, f.Limit = a.ID, max(f.Limit, 100)
		items, err := s.ListExports(t.Context(), f)
		must(t, err, "ListExports")
		return items
	}
	got := list(store.ListFilter{})
	if len(got) != 5 {
		t.Fatalf("listed %d exports, want 5", len(got))
	}
	for i, it := range got {
		e := all[4-i]
		bot := b1
		if e.BotID == b2.ID {
			bot = b2
		}
		if it.ID != e.ID || it.Seq != e.Seq || it.BotID != e.BotID || it.BotName != bot.Name || it.ExportType != "latest" {
			t.Errorf("item %d = %+v, want export %s of %s (%s)", i, it, e.ID, e.BotID, bot.Name)
		}
		wantTime(t, "CreatedOn", it.CreatedOn, e.CreatedOn)
		if (e.ID == done.ID) != (it.Status == store.StatusSuccess && !it.FinishedOn.IsZero()) {
			t.Errorf("item %d: status %s, finished %v", i, it.Status, it.FinishedOn)
		}
	}
	if got := list(store.ListFilter{BotID: b2.ID}); len(got) != 2 || got[0].ID != all[3].ID || got[1].ID != all[1].ID {
		t.Errorf("exports of b2: %+v", got)
	}
	if got := list(store.ListFilter{Status: store.StatusSuccess}); len(got) != 1 || got[0].ID != done.ID {
		t.Errorf("successful exports: %+v", got)
	}
	if got := list(store.ListFilter{Before: all[2].Seq, Since: base.Add(time.Minute)}); len(got) != 1 || got[0].ID != all[1].ID {
		t.Errorf("before and since: %+v", got)
	}
}
