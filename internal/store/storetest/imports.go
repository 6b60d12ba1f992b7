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

// wantImport reports every field of got that differs from want.
func wantImport(t *testing.T, got, want *store.Import) {
	t.Helper()
	if got.ID != want.ID || got.Seq != want.Seq || got.AccountID != want.AccountID || got.AppID != want.AppID ||
		got.CreatedBy != want.CreatedBy || got.BotID != want.BotID || got.NewBot != want.NewBot ||
		got.StreamRefID != want.StreamRefID || got.BotName != want.BotName || got.Status != want.Status {
		t.Errorf("import = %+v, want %+v", got, want)
	}
	if string(got.Request) != string(want.Request) || string(got.Doc) != string(want.Doc) {
		t.Errorf("import request, doc = %q, %q, want %q, %q", got.Request, got.Doc, want.Request, want.Doc)
	}
	if !sameSet(got.FileIDs, want.FileIDs) {
		t.Errorf("import FileIDs = %v, want %v", got.FileIDs, want.FileIDs)
	}
	wantTime(t, "import CreatedOn", got.CreatedOn, want.CreatedOn)
	wantTime(t, "import FinishedOn", got.FinishedOn, want.FinishedOn)
}

// getImport reads an import back.
func getImport(t *testing.T, s store.Store, accountID, id string) *store.Import {
	t.Helper()
	imp, err := s.Import(t.Context(), accountID, id)
	must(t, err, "Import")
	return imp
}

// testImports covers the import request methods.
func testImports(t *testing.T, open opener) {
	t.Run("RoundTrip", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		acct := newAccount(t, s)
		imp := newImport(acct.ID, kore.NewBotID(), true, kore.NewHexID(), kore.NewHexID())
		createImport(t, s, imp)
		if imp.Seq == 0 {
			t.Errorf("CreateImport left Seq 0")
		}
		wantImport(t, getImport(t, s, acct.ID, imp.ID), imp)
		doc, status, err := s.ImportDoc(t.Context(), acct.ID, imp.ID)
		must(t, err, "ImportDoc")
		if string(doc) != string(imp.Doc) || status != store.StatusPending {
			t.Errorf("ImportDoc = %q, %q, want %q, %q", doc, status, imp.Doc, store.StatusPending)
		}
		existing := newImport(acct.ID, kore.NewBotID(), false)
		createImport(t, s, existing)
		wantImport(t, getImport(t, s, acct.ID, existing.ID), existing)
	})

	t.Run("SeqIncreases", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		acct := newAccount(t, s)
		botID := kore.NewBotID()
		var last int64
		for i := range 5 {
			imp := newImport(acct.ID, botID, i == 0)
			createImport(t, s, imp)
			if imp.Seq <= last {
				t.Errorf("import %d: Seq %d not above the previous %d", i, imp.Seq, last)
			}
			last = imp.Seq
			if got := getImport(t, s, acct.ID, imp.ID).Seq; got != imp.Seq {
				t.Errorf("Import Seq = %d, CreateImport set %d", got, imp.Seq)
			}
		}
	})

	t.Run("EnqueueInTransaction", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		acct := newAccount(t, s)
		imp := newImport(acct.ID, kore.NewBotID(), true)
		calls := 0
		err := s.CreateImport(t.Context(), imp, 0, func(ctx context.Context, tx *sql.Tx, park bool) (int64, error) {
			calls++
			if tx == nil {
				return 0, errors.New("enqueue got a nil transaction")
			}
			if park {
				t.Errorf("the import of an account without a limit was parked")
			}
			// The import is not committed yet: only its own transaction sees it.
			var n int
			if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM imports WHERE id = $1`, imp.ID).Scan(&n); err != nil {
				return 0, err
			}
			if n != 1 {
				t.Errorf("the enqueue transaction sees %d rows of import %s, want 1", n, imp.ID)
			}
			return 1, nil
		})
		must(t, err, "CreateImport")
		if calls != 1 {
			t.Errorf("enqueue called %d times, want 1", calls)
		}
		getImport(t, s, acct.ID, imp.ID)
	})

	t.Run("EnqueueErrorRollsBack", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		acct := newAccount(t, s)
		f := newFile(acct.ID, base.Add(-time.Hour))
		createFiles(t, s, f)
		imp := newImport(acct.ID, kore.NewBotID(), true, f.ID)
		errEnqueue := errors.New("queue unavailable")
		err := s.CreateImport(t.Context(), imp, 0, func(context.Context, *sql.Tx, bool) (int64, error) { return 0, errEnqueue })
		if !errors.Is(err, errEnqueue) {
			t.Errorf("CreateImport with a failing enqueue: error = %v, want %v", err, errEnqueue)
		}
		_, err = s.Import(t.Context(), acct.ID, imp.ID)
		wantErrIs(t, err, store.ErrNotFound, "Import after a failed enqueue")
		// The file link rolled back too: nothing pending holds the file.
		if got := expiredIDs(t, s, base, 10); !sameSet(got, []string{f.ID}) {
			t.Errorf("ExpiredFiles after a failed CreateImport = %v, want [%s]", got, f.ID)
		}
		// The same request can be accepted again.
		createImport(t, s, imp)
		getImport(t, s, acct.ID, imp.ID)
	})

	t.Run("AccountIsolation", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		owner, other := newAccount(t, s), newAccount(t, s)
		imp := newImport(owner.ID, kore.NewBotID(), true)
		createImport(t, s, imp)
		_, err := s.Import(t.Context(), other.ID, imp.ID)
		wantErrIs(t, err, store.ErrNotFound, "Import of another account")
		_, _, err = s.ImportDoc(t.Context(), other.ID, imp.ID)
		wantErrIs(t, err, store.ErrNotFound, "ImportDoc of another account")
		_, err = s.Import(t.Context(), owner.ID, kore.NewImportID())
		wantErrIs(t, err, store.ErrNotFound, "Import unknown")
		_, _, err = s.ImportDoc(t.Context(), owner.ID, kore.NewImportID())
		wantErrIs(t, err, store.ErrNotFound, "ImportDoc unknown")
	})

	t.Run("SaveImportDoc", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		acct := newAccount(t, s)
		imp := newImport(acct.ID, kore.NewBotID(), true)
		createImport(t, s, imp)
		must(t, s.SaveImportDoc(t.Context(), imp.ID, []byte(`{"progress":1}`)), "SaveImportDoc")
		doc, status, err := s.ImportDoc(t.Context(), acct.ID, imp.ID)
		must(t, err, "ImportDoc")
		if string(doc) != `{"progress":1}` || status != store.StatusPending {
			t.Errorf("ImportDoc after SaveImportDoc = %q, %q", doc, status)
		}
		if got := getImport(t, s, acct.ID, imp.ID); got.Status != store.StatusPending || !got.FinishedOn.IsZero() {
			t.Errorf("SaveImportDoc changed status %q or FinishedOn %v", got.Status, got.FinishedOn)
		}
		wantErrIs(t, s.SaveImportDoc(t.Context(), kore.NewImportID(), []byte(`{}`)), store.ErrNotFound, "SaveImportDoc unknown")

		must(t, s.FinishImport(t.Context(), imp.ID, store.StatusFailure, []byte(`{"status":"failure"}`), base), "FailImport")
		wantErrIs(t, s.SaveImportDoc(t.Context(), imp.ID, []byte(`{"progress":2}`)), store.ErrNotPending, "SaveImportDoc after FailImport")
		doc, status, err = s.ImportDoc(t.Context(), acct.ID, imp.ID)
		must(t, err, "ImportDoc")
		if string(doc) != `{"status":"failure"}` || status != store.StatusFailure {
			t.Errorf("ImportDoc after a refused SaveImportDoc = %q, %q, want the failure doc", doc, status)
		}
	})

	t.Run("FailImport", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		acct := newAccount(t, s)
		imp, other := newImport(acct.ID, kore.NewBotID(), true), newImport(acct.ID, kore.NewBotID(), true)
		createImport(t, s, imp)
		createImport(t, s, other)
		at := base.Add(90 * time.Second)
		must(t, s.FinishImport(t.Context(), imp.ID, store.StatusFailure, []byte(`{"status":"failure"}`), at), "FailImport")
		want := *imp
		want.Status, want.Doc, want.FinishedOn = store.StatusFailure, []byte(`{"status":"failure"}`), at
		wantImport(t, getImport(t, s, acct.ID, imp.ID), &want)
		wantImport(t, getImport(t, s, acct.ID, other.ID), other)

		// A finished import stays as it ended.
		wantErrIs(t, s.FinishImport(t.Context(), imp.ID, store.StatusFailure, []byte(`{"again":true}`), at.Add(time.Hour)),
			store.ErrNotPending, "FinishImport of a finished import")
		wantImport(t, getImport(t, s, acct.ID, imp.ID), &want)
		wantErrIs(t, s.FinishImport(t.Context(), kore.NewImportID(), store.StatusFailure, []byte(`{}`), at),
			store.ErrNotFound, "FinishImport of an unknown import")
	})

	t.Run("QueuedBefore", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		acct := newAccount(t, s)
		botA, botB := kore.NewBotID(), kore.NewBotID()
		first, second, third := newImport(acct.ID, botA, true), newImport(acct.ID, botA, false), newImport(acct.ID, botA, false)
		otherBot := newImport(acct.ID, botB, true)
		for _, imp := range []*store.Import{first, second, otherBot, third} {
			createImport(t, s, imp)
		}
		ahead := func(botID string, seq int64, want int, what string) {
			t.Helper()
			got, err := s.ImportsAhead(t.Context(), botID, seq)
			must(t, err, "ImportsAhead")
			if got != want {
				t.Errorf("ImportsAhead %s = %d, want %d", what, got, want)
			}
		}
		ahead(botA, second.Seq, 1, "(second import, first pending)")
		ahead(botA, third.Seq, 2, "(third import, two pending before it)")
		ahead(botA, first.Seq, 0, "(first import)")
		ahead(botB, otherBot.Seq, 0, "(other bot, earlier imports are of another bot)")
		must(t, s.FinishImport(t.Context(), first.ID, store.StatusFailure, []byte(`{}`), base), "FailImport")
		ahead(botA, second.Seq, 0, "(second import, first finished)")
		ahead(botA, third.Seq, 1, "(third import, first finished)")
	})

	t.Run("DeleteFinished", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		acct := newAccount(t, s)
		cutoff := base
		finish := func(at time.Time) *store.Import {
			imp := newImport(acct.ID, kore.NewBotID(), true)
			createImport(t, s, imp)
			must(t, s.FinishImport(t.Context(), imp.ID, store.StatusFailure, []byte(`{}`), at), "FailImport")
			return imp
		}
		old := []*store.Import{finish(cutoff.Add(-3 * time.Hour)), finish(cutoff.Add(-2 * time.Hour)), finish(cutoff.Add(-time.Hour))}
		atCutoff, later := finish(cutoff), finish(cutoff.Add(time.Hour))
		pending := newImport(acct.ID, kore.NewBotID(), true)
		createImport(t, s, pending)

		exists := func(imp *store.Import) bool {
			_, err := s.Import(t.Context(), acct.ID, imp.ID)
			if err != nil && !errors.Is(err, store.ErrNotFound) {
				t.Fatalf("Import: %v", err)
			}
			return err == nil
		}
		n, err := s.DeleteFinishedImports(t.Context(), cutoff, 2)
		must(t, err, "DeleteFinishedImports")
		if n != 2 {
			t.Errorf("DeleteFinishedImports limit 2 = %d, want 2", n)
		}
		left := 0
		for _, imp := range old {
			if exists(imp) {
				left++
			}
		}
		if left != 1 {
			t.Errorf("%d of 3 old imports left after deleting 2, want 1", left)
		}
		n, err = s.DeleteFinishedImports(t.Context(), cutoff, 10)
		must(t, err, "DeleteFinishedImports")
		if n != 1 {
			t.Errorf("second DeleteFinishedImports = %d, want 1", n)
		}
		for _, imp := range old {
			if exists(imp) {
				t.Errorf("import finished before the cutoff still exists")
			}
		}
		for _, imp := range []*store.Import{atCutoff, later, pending} {
			if !exists(imp) {
				t.Errorf("import %s (status %s) deleted, but it did not finish before the cutoff", imp.ID, imp.Status)
			}
		}
		n, err = s.DeleteFinishedImports(t.Context(), cutoff, 10)
		must(t, err, "DeleteFinishedImports")
		if n != 0 {
			t.Errorf("third DeleteFinishedImports = %d, want 0", n)
		}
	})
}
