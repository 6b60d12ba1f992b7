package storetest

import (
	"context"
	"database/sql"
	"errors"
	"testing"
	"time"

	"github.com/botport/botport/internal/kore"
	"github.com/botport/botport/internal/store"
)

func newExport(accountID, botID, versionID string, at time.Time) *store.Export {
	return &store.Export{
		ID: kore.NewExportID(), AccountID: accountID, BotID: botID, VersionID: versionID, CreatedBy: kore.NewUserID(),
		ExportType: "latest", Options: []byte(`{"tasks":["botTask"]}`), Status: store.StatusPending, CreatedOn: at,
	}
}

func createExport(t *testing.T, s store.Store, e *store.Export) {
	t.Helper()
	must(t, s.CreateExport(t.Context(), e, func(context.Context, *sql.Tx) error { return nil }), "CreateExport")
}

// testExports covers export requests: creation with its job, lookups scoped
// by account (and the unscoped lookup of download links), the bot's latest
// request, finishing, queueing order and retention.
func testExports(t *testing.T, open opener) {
	t.Run("CreateAndRead", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		a, other := newAccount(t, s), newAccount(t, s)
		bot := newBot(t, s, a.ID, base)
		e := newExport(a.ID, bot.ID, bot.VersionID, base)
		var sawTx bool
		must(t, s.CreateExport(t.Context(), e, func(_ context.Context, tx *sql.Tx) error {
			sawTx = tx != nil
			return nil
		}), "CreateExport")
		if !sawTx || e.Seq == 0 {
			t.Errorf("enqueue saw a transaction: %v, seq %d", sawTx, e.Seq)
		}
		got, err := s.Export(t.Context(), a.ID, e.ID)
		must(t, err, "Export")
		if got.BotID != bot.ID || got.VersionID != bot.VersionID || got.ExportType != "latest" || string(got.Options) != string(e.Options) ||
			got.Status != store.StatusPending || got.Seq != e.Seq {
			t.Errorf("read back %+v", got)
		}
		wantTime(t, "CreatedOn", got.CreatedOn, base)
		_, err = s.Export(t.Context(), other.ID, e.ID)
		wantErrIs(t, err, store.ErrNotFound, "Export of another account")
		byID, err := s.ExportByID(t.Context(), e.ID)
		must(t, err, "ExportByID")
		if byID.AccountID != a.ID {
			t.Errorf("ExportByID account %s", byID.AccountID)
		}
		_, err = s.ExportByID(t.Context(), kore.NewExportID())
		wantErrIs(t, err, store.ErrNotFound, "ExportByID of an unknown id")
	})
	t.Run("EnqueueFailureLeavesNothing", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		a := newAccount(t, s)
		bot := newBot(t, s, a.ID, base)
		e := newExport(a.ID, bot.ID, bot.VersionID, base)
		errQueue := errors.New("queue down")
		err := s.CreateExport(t.Context(), e, func(context.Context, *sql.Tx) error { return errQueue })
		wantErrIs(t, err, errQueue, "CreateExport with a failing enqueue")
		_, err = s.Export(t.Context(), a.ID, e.ID)
		wantErrIs(t, err, store.ErrNotFound, "Export after a failed CreateExport")
	})
	t.Run("LatestFinishAndQueue", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		a, other := newAccount(t, s), newAccount(t, s)
		bot := newBot(t, s, a.ID, base)
		_, err := s.LatestExport(t.Context(), a.ID, bot.ID)
		wantErrIs(t, err, store.ErrNotFound, "LatestExport of a never-exported bot")
		first, second := newExport(a.ID, bot.ID, bot.VersionID, base), newExport(a.ID, bot.ID, bot.VersionID, base.Add(time.Second))
		createExport(t, s, first)
		createExport(t, s, second)
		latest, err := s.LatestExport(t.Context(), a.ID, bot.ID)
		must(t, err, "LatestExport")
		if latest.ID != second.ID {
			t.Errorf("latest export %s, want %s", latest.ID, second.ID)
		}
		_, err = s.LatestExport(t.Context(), other.ID, bot.ID)
		wantErrIs(t, err, store.ErrNotFound, "LatestExport for another account")
		third := newExport(a.ID, bot.ID, bot.VersionID, base.Add(2*time.Second))
		createExport(t, s, third)
		ahead := func(e *store.Export, want int, what string) {
			t.Helper()
			n, err := s.ExportsAhead(t.Context(), bot.ID, e.Seq)
			must(t, err, "ExportsAhead")
			if n != want {
				t.Errorf("ExportsAhead %s = %d, want %d", what, n, want)
			}
		}
		ahead(first, 0, "(first export)")
		ahead(second, 1, "(second export, first pending)")
		ahead(third, 2, "(third export)")
		if n, _ := s.ExportsAhead(t.Context(), newBot(t, s, a.ID, base).ID, third.Seq); n != 0 {
			t.Errorf("ExportsAhead of another bot = %d, want 0", n)
		}
		first.Status, first.FileID, first.BlobKey, first.FileSize, first.FinishedOn = store.StatusSuccess, kore.NewHexID(), "exports/x.zip", 947, base.Add(time.Minute)
		must(t, s.FinishExport(t.Context(), first), "FinishExport")
		ahead(second, 0, "(second export, first finished)")
		ahead(third, 1, "(third export, first finished)")
		got, _ := s.Export(t.Context(), a.ID, first.ID)
		if got.Status != store.StatusSuccess || got.FileID != first.FileID || got.BlobKey != "exports/x.zip" || got.FileSize != 947 {
			t.Errorf("finished export read back %+v", got)
		}
		wantTime(t, "FinishedOn", got.FinishedOn, first.FinishedOn)
		wantErrIs(t, s.FinishExport(t.Context(), first), store.ErrNotPending, "FinishExport of a finished export")
		unknown := newExport(a.ID, bot.ID, bot.VersionID, base)
		unknown.Status = store.StatusFailure
		wantErrIs(t, s.FinishExport(t.Context(), unknown), store.ErrNotFound, "FinishExport of an unknown export")
		second.Status = store.StatusPending
		if err := s.FinishExport(t.Context(), second); err == nil {
			t.Errorf("FinishExport with status pending succeeded")
		}
	})
	t.Run("DeleteFinished", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		a := newAccount(t, s)
		bot := newBot(t, s, a.ID, base)
		old, recent, pending := newExport(a.ID, bot.ID, bot.VersionID, base), newExport(a.ID, bot.ID, bot.VersionID, base), newExport(a.ID, bot.ID, bot.VersionID, base)
		for _, e := range []*store.Export{old, recent, pending} {
			createExport(t, s, e)
		}
		old.Status, old.BlobKey, old.FinishedOn = store.StatusSuccess, "exports/old.zip", base
		recent.Status, recent.BlobKey, recent.FinishedOn = store.StatusSuccess, "exports/recent.zip", base.Add(48*time.Hour)
		must(t, s.FinishExport(t.Context(), old), "FinishExport old")
		must(t, s.FinishExport(t.Context(), recent), "FinishExport recent")
		keys, err := s.DeleteFinishedExports(t.Context(), base.Add(24*time.Hour), 10)
		must(t, err, "DeleteFinishedExports")
		if len(keys) != 1 || keys[0] != "exports/old.zip" {
			t.Errorf("deleted blob keys %v", keys)
		}
		for e, want := range map[*store.Export]bool{old: false, recent: true, pending: true} {
			_, err := s.Export(t.Context(), a.ID, e.ID)
			if (err == nil) != want {
				t.Errorf("export %s present: %v, want %v", e.ID, err == nil, want)
			}
		}
	})
}

// testVersionOps covers version listing, reuse of stored bodies by
// PutRecordRefs, DiscardVersion and FinishImport with success.
func testVersionOps(t *testing.T, open opener) {
	t.Run("VersionsListed", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		a, other := newAccount(t, s), newAccount(t, s)
		bot := newBot(t, s, a.ID, base, rec("botDefinition.json", "dialogs", 0, "dialog", "d1", `{"v":1}`))
		vid := stage(t, s, a.ID, bot.ID, "", testLayout, rec("botDefinition.json", "dialogs", 0, "dialog", "d1", `{"v":2}`))
		must(t, s.CommitVersion(t.Context(), &store.Commit{Bot: bot, VersionID: vid, BaseVersionID: bot.VersionID, At: base.Add(time.Hour)}), "CommitVersion")
		stage(t, s, a.ID, bot.ID, "staged-only", testLayout) // never listed
		vs, err := s.Versions(t.Context(), a.ID, bot.ID)
		must(t, err, "Versions")
		if len(vs) != 2 || vs[0].Number != 1 || vs[1].Number != 2 || vs[1].ID != vid || vs[0].ContentHash == vs[1].ContentHash {
			t.Fatalf("versions %+v", vs)
		}
		wantTime(t, "CommittedOn", vs[1].CommittedOn, base.Add(time.Hour))
		if vs, _ := s.Versions(t.Context(), other.ID, bot.ID); len(vs) != 0 {
			t.Errorf("another account lists %d versions", len(vs))
		}
		// VersionSize counts body bytes, a shared body once per record.
		two := stage(t, s, a.ID, bot.ID, "", testLayout, rec("botDefinition.json", "dialogs", 0, "dialog", "d1", `{"v":2}`),
			rec("botDefinition.json", "dialogs", 1, "dialog", "d2", `{"v":2}`), rec("config.json", "", 0, "setting", "c", `0123456789`))
		for _, tt := range []struct {
			account, vid string
			want         int64
		}{{a.ID, vid, 7}, {a.ID, two, 24}, {other.ID, two, 0}, {a.ID, kore.NewHexID(), 0}} {
			if n, err := s.VersionSize(t.Context(), tt.account, tt.vid); err != nil || n != tt.want {
				t.Errorf("VersionSize(%s) = %d, %v; want %d", tt.vid, n, err, tt.want)
			}
		}
	})
	t.Run("PutRecordRefs", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		a := newAccount(t, s)
		r := rec("botDefinition.json", "dialogs", 0, "dialog", "d1", `{"shared":true}`)
		bot := newBot(t, s, a.ID, base, r)
		vid := stage(t, s, a.ID, bot.ID, "imp", testLayout)
		ref := r
		ref.Body = nil
		ref.Seq = 7
		must(t, s.PutRecordRefs(t.Context(), a.ID, vid, []store.Record{ref}), "PutRecordRefs")
		got := readRecords(t, s, a.ID, vid, "botDefinition.json", "dialogs")
		if len(got) != 1 || got[0].Seq != 7 || string(got[0].Body) != `{"shared":true}` {
			t.Errorf("record by reference read back %+v", got)
		}
	})
	t.Run("DiscardVersion", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		a := newAccount(t, s)
		bot := newBot(t, s, a.ID, base, rec("botDefinition.json", "dialogs", 0, "dialog", "d1", `{}`))
		keep := stage(t, s, a.ID, bot.ID, "imp", testLayout, rec("botDefinition.json", "dialogs", 0, "dialog", "d2", `{"keep":1}`))
		drop := stage(t, s, a.ID, bot.ID, "imp", testLayout, rec("botDefinition.json", "dialogs", 0, "dialog", "d3", `{"drop":1}`))
		must(t, s.PutLinks(t.Context(), drop, []store.Link{link("dialog", "d3", "component", "c")}), "PutLinks")
		must(t, s.DiscardVersion(t.Context(), drop), "DiscardVersion")
		if got := readRecords(t, s, a.ID, drop, "botDefinition.json", "dialogs"); len(got) != 0 {
			t.Errorf("discarded version still has %d records", len(got))
		}
		if got := linksOf(t, s, drop); len(got) != 0 {
			t.Errorf("discarded version still has links")
		}
		if got := readRecords(t, s, a.ID, keep, "botDefinition.json", "dialogs"); len(got) != 1 {
			t.Errorf("the other staged version lost its records")
		}
		must(t, s.DiscardVersion(t.Context(), bot.VersionID), "DiscardVersion of a committed version")
		if got := readRecords(t, s, a.ID, bot.VersionID, "botDefinition.json", "dialogs"); len(got) != 1 {
			t.Errorf("DiscardVersion touched a committed version")
		}
	})
	t.Run("FinishImportSuccess", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		a := newAccount(t, s)
		imp := &store.Import{ID: kore.NewImportID(), AccountID: a.ID, AppID: kore.NewAppID(), CreatedBy: kore.NewUserID(),
			BotID: kore.NewBotID(), NewBot: true, StreamRefID: kore.NewUUID(), BotName: "b", Status: store.StatusPending,
			Request: []byte(`{}`), Doc: []byte(`{}`), CreatedOn: base}
		must(t, s.CreateImport(t.Context(), imp, 0, noEnqueue), "CreateImport")
		if err := s.FinishImport(t.Context(), imp.ID, store.StatusPending, []byte(`{}`), base); err == nil {
			t.Errorf("FinishImport with status pending succeeded")
		}
		must(t, s.FinishImport(t.Context(), imp.ID, store.StatusSuccess, []byte(`{"dryRun":true}`), base.Add(time.Second)), "FinishImport")
		got, err := s.Import(t.Context(), a.ID, imp.ID)
		must(t, err, "Import")
		if got.Status != store.StatusSuccess || string(got.Doc) != `{"dryRun":true}` {
			t.Errorf("finished import %s %s", got.Status, got.Doc)
		}
		if _, err := s.Bot(t.Context(), a.ID, imp.BotID); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("FinishImport created a bot: %v", err)
		}
	})
}
