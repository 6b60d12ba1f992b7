package storetest

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/botport/botport/internal/kore"
	"github.com/botport/botport/internal/store"
)

// cancelDoc is the cancelled document the tests' CancelImport makes.
func cancelDoc(doc []byte) ([]byte, error) { return append([]byte("cancelled:"), doc...), nil }

// stopAs is a StopJob that records the job it was given and answers
// stopped.
func stopAs(stopped bool, got *int64) store.StopJob {
	return func(_ context.Context, tx *sql.Tx, jobID int64) (bool, error) {
		if tx == nil {
			return false, errors.New("stop without a transaction")
		}
		*got = jobID
		return stopped, nil
	}
}

// testImportCancel covers CancelImport and what a requested cancel refuses.
func testImportCancel(t *testing.T, open opener) {
	t.Run("Idle", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		a, other := newAccount(t, s), newAccount(t, s)
		j := newJobs()
		imp := newImport(a.ID, kore.NewBotID(), true)
		j.accept(t, s, imp, 0)
		var job int64
		_, err := s.CancelImport(t.Context(), other.ID, imp.ID, stopAs(true, &job), cancelDoc, base)
		wantErrIs(t, err, store.ErrNotFound, "CancelImport of another account's import")
		_, err = s.CancelImport(t.Context(), a.ID, kore.NewImportID(), stopAs(true, &job), cancelDoc, base)
		wantErrIs(t, err, store.ErrNotFound, "CancelImport of an unknown import")
		if job != 0 {
			t.Errorf("stop was called for a refused cancel (job %d)", job)
		}
		at := base.Add(time.Minute)
		ended, err := s.CancelImport(t.Context(), a.ID, imp.ID, stopAs(true, &job), cancelDoc, at)
		must(t, err, "CancelImport")
		if !ended || job != j.job[imp.ID] {
			t.Errorf("CancelImport ended %v, stopped job %d; want true, %d", ended, job, j.job[imp.ID])
		}
		got := getImport(t, s, a.ID, imp.ID)
		if got.Status != store.StatusFailure || string(got.Doc) != "cancelled:"+string(imp.Doc) || !got.Cancelled || got.Rev != 2 {
			t.Errorf("cancelled import: status %s, doc %q, cancelled %v, rev %d", got.Status, got.Doc, got.Cancelled, got.Rev)
		}
		wantTime(t, "FinishedOn", got.FinishedOn, at)
		_, err = s.CancelImport(t.Context(), a.ID, imp.ID, stopAs(true, &job), cancelDoc, at)
		wantErrIs(t, err, store.ErrNotPending, "CancelImport again")
		wantErrIs(t, s.FinishCancelled(t.Context(), imp.ID, []byte(`{}`), at), store.ErrNotPending, "FinishCancelled after the cancel ended it")
	})

	t.Run("Running", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		a := newAccount(t, s)
		j := newJobs()
		bot := newBot(t, s, a.ID, base, sampleRecords()...)
		imp := newImport(a.ID, bot.ID, false)
		j.accept(t, s, imp, 0)
		must(t, s.StartImportRun(t.Context(), imp.ID, "replica-1"), "StartImportRun")
		vid := stage(t, s, a.ID, bot.ID, imp.ID, testLayout, sampleRecords()[:2]...)
		var job int64
		ended, err := s.CancelImport(t.Context(), a.ID, imp.ID, stopAs(false, &job), cancelDoc, base)
		must(t, err, "CancelImport")
		if ended {
			t.Fatal("CancelImport of a running import ended it")
		}
		got := getImport(t, s, a.ID, imp.ID)
		if got.Status != store.StatusPending || !got.Cancelled || got.Rev != 1 {
			t.Errorf("after the cancel: status %s, cancelled %v, rev %d", got.Status, got.Cancelled, got.Rev)
		}
		// From now on the import can only end cancelled.
		wantErrIs(t, s.StartImportRun(t.Context(), imp.ID, "replica-2"), store.ErrCancelled, "StartImportRun")
		wantErrIs(t, s.SaveImportDoc(t.Context(), imp.ID, []byte(`{"progress":1}`)), store.ErrCancelled, "SaveImportDoc")
		wantErrIs(t, s.FinishImport(t.Context(), imp.ID, store.StatusSuccess, []byte(`{}`), base), store.ErrCancelled, "FinishImport success")
		wantErrIs(t, s.FinishImport(t.Context(), imp.ID, store.StatusFailure, []byte(`{}`), base), store.ErrCancelled, "FinishImport failure")
		err = s.CommitVersion(t.Context(), &store.Commit{Bot: getBot(t, s, a.ID, bot.ID), VersionID: vid, BaseVersionID: bot.VersionID,
			ImportID: imp.ID, Doc: []byte(`{"status":"success"}`), At: base})
		wantErrIs(t, err, store.ErrCancelled, "CommitVersion")
		if b := getBot(t, s, a.ID, bot.ID); b.VersionID != bot.VersionID || b.Version != bot.Version {
			t.Errorf("the refused commit moved the bot to %s (%d)", b.VersionID, b.Version)
		}
		if got := getImport(t, s, a.ID, imp.ID); got.Status != store.StatusPending || string(got.Doc) != string(imp.Doc) {
			t.Errorf("refused writes changed the import: %s %q", got.Status, got.Doc)
		}
		must(t, s.FinishCancelled(t.Context(), imp.ID, []byte(`{"cancelled":true}`), base.Add(time.Second)), "FinishCancelled")
		got = getImport(t, s, a.ID, imp.ID)
		if got.Status != store.StatusFailure || string(got.Doc) != `{"cancelled":true}` || got.Rev != 2 {
			t.Errorf("ended cancelled: %s %q rev %d", got.Status, got.Doc, got.Rev)
		}
		wantErrIs(t, s.FinishCancelled(t.Context(), kore.NewImportID(), nil, base), store.ErrNotFound, "FinishCancelled of an unknown import")
	})

	t.Run("FinishCancelledNeedsACancel", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		a := newAccount(t, s)
		imp := newImport(a.ID, kore.NewBotID(), true)
		createImport(t, s, imp)
		err := s.FinishCancelled(t.Context(), imp.ID, []byte(`{}`), base)
		if err == nil || errors.Is(err, store.ErrNotPending) || errors.Is(err, store.ErrNotFound) {
			t.Errorf("FinishCancelled without a cancel: %v, want a fault", err)
		}
		if got := getImport(t, s, a.ID, imp.ID); got.Status != store.StatusPending {
			t.Errorf("status %s", got.Status)
		}
	})

	t.Run("StopFailsNothingChanges", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		a := newAccount(t, s)
		j := newJobs()
		imp := newImport(a.ID, kore.NewBotID(), true)
		j.accept(t, s, imp, 0)
		boom := errors.New("queue down")
		_, err := s.CancelImport(t.Context(), a.ID, imp.ID, func(context.Context, *sql.Tx, int64) (bool, error) { return false, boom },
			cancelDoc, base)
		wantErrIs(t, err, boom, "CancelImport with a failing stop")
		if got := getImport(t, s, a.ID, imp.ID); got.Cancelled || got.Status != store.StatusPending {
			t.Errorf("a failed cancel left cancelled %v, status %s", got.Cancelled, got.Status)
		}
		must(t, s.SaveImportDoc(t.Context(), imp.ID, []byte(`{}`)), "SaveImportDoc after a failed cancel")
	})

	t.Run("AfterCommit", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		a := newAccount(t, s)
		botID := kore.NewBotID()
		imp := newImport(a.ID, botID, true)
		newJobs().accept(t, s, imp, 0)
		vid := stage(t, s, a.ID, botID, imp.ID, testLayout, sampleRecords()...)
		must(t, s.CommitVersion(t.Context(), &store.Commit{Bot: botRow(a.ID, botID), NewBot: true, VersionID: vid, ImportID: imp.ID,
			Doc: []byte(`{"status":"success"}`), At: base}), "CommitVersion")
		var job int64
		_, err := s.CancelImport(t.Context(), a.ID, imp.ID, stopAs(true, &job), cancelDoc, base)
		wantErrIs(t, err, store.ErrNotPending, "CancelImport after the commit")
		if got := getImport(t, s, a.ID, imp.ID); got.Status != store.StatusSuccess || got.Cancelled {
			t.Errorf("status %s, cancelled %v", got.Status, got.Cancelled)
		}
	})

	// A cancel and a commit of one import at once: exactly one of them
	// succeeds, and the import ends as that one says.
	t.Run("RacesCommit", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		a := newAccount(t, s)
		j := newJobs()
		for i := range 12 {
			botID := kore.NewBotID()
			imp := newImport(a.ID, botID, true)
			j.accept(t, s, imp, 0)
			vid := stage(t, s, a.ID, botID, imp.ID, testLayout, sampleRecords()...)
			var commitErr, cancelErr error
			var wg sync.WaitGroup
			wg.Add(2)
			go func() {
				defer wg.Done()
				commitErr = s.CommitVersion(context.Background(), &store.Commit{Bot: botRow(a.ID, botID), NewBot: true, VersionID: vid,
					ImportID: imp.ID, Doc: []byte(`{"status":"success"}`), At: base})
			}()
			go func() {
				defer wg.Done()
				var job int64
				_, cancelErr = s.CancelImport(context.Background(), a.ID, imp.ID, stopAs(i%2 == 0, &job), cancelDoc, base)
			}()
			wg.Wait()
			got := getImport(t, s, a.ID, imp.ID)
			_, botErr := s.Bot(t.Context(), a.ID, botID)
			switch {
			case commitErr == nil && errors.Is(cancelErr, store.ErrNotPending):
				if got.Status != store.StatusSuccess || got.Cancelled || botErr != nil {
					t.Errorf("round %d: the commit won, but status %s, cancelled %v, bot %v", i, got.Status, got.Cancelled, botErr)
				}
			case cancelErr == nil && (errors.Is(commitErr, store.ErrCancelled) || errors.Is(commitErr, store.ErrNotPending)):
				if !got.Cancelled || got.Status == store.StatusSuccess || !errors.Is(botErr, store.ErrNotFound) {
					t.Errorf("round %d: the cancel won, but status %s, cancelled %v, bot %v", i, got.Status, got.Cancelled, botErr)
				}
			default:
				t.Errorf("round %d: commit %v, cancel %v: not exactly one winner", i, commitErr, cancelErr)
			}
		}
	})
}

// testImportRevisions covers document revisions and ImportState.
func testImportRevisions(t *testing.T, open opener) {
	t.Parallel()
	s := open(t)
	a, other := newAccount(t, s), newAccount(t, s)
	imp := newImport(a.ID, kore.NewBotID(), true)
	createImport(t, s, imp)
	if imp.Rev != 1 {
		t.Errorf("CreateImport set Rev %d, want 1", imp.Rev)
	}
	state := func(have int64) *store.ImportState {
		t.Helper()
		st, err := s.ImportState(t.Context(), a.ID, imp.ID, have)
		must(t, err, "ImportState")
		return st
	}
	if st := state(0); st.Rev != 1 || string(st.Doc) != string(imp.Doc) || st.Status != store.StatusPending {
		t.Errorf("ImportState(0) = rev %d, doc %q, %s", st.Rev, st.Doc, st.Status)
	}
	if st := state(1); st.Rev != 1 || st.Doc != nil {
		t.Errorf("ImportState(1) = rev %d, doc %q; want 1 without the document", st.Rev, st.Doc)
	}
	for i := 2; i <= 4; i++ {
		doc := fmt.Appendf(nil, `{"progress":%d}`, i)
		must(t, s.SaveImportDoc(t.Context(), imp.ID, doc), "SaveImportDoc")
		if st := state(int64(i - 1)); st.Rev != int64(i) || string(st.Doc) != string(doc) {
			t.Errorf("after save %d: rev %d, doc %q", i, st.Rev, st.Doc)
		}
	}
	must(t, s.FinishImport(t.Context(), imp.ID, store.StatusFailure, []byte(`{"status":"failure"}`), base), "FinishImport")
	if st := state(4); st.Rev != 5 || st.Status != store.StatusFailure || string(st.Doc) != `{"status":"failure"}` {
		t.Errorf("after the finish: rev %d, %s, %q", st.Rev, st.Status, st.Doc)
	}
	if got := getImport(t, s, a.ID, imp.ID); got.Rev != 5 {
		t.Errorf("Import().Rev = %d, want 5", got.Rev)
	}
	_, err := s.ImportState(t.Context(), other.ID, imp.ID, 0)
	wantErrIs(t, err, store.ErrNotFound, "ImportState of another account's import")

	// The commit's finish counts too, and the queue state comes with the
	// revision, as ImportDoc has it.
	j, b := newJobs(), newAccount(t, s)
	first, parked := newImport(b.ID, kore.NewBotID(), true), newImport(b.ID, kore.NewBotID(), true)
	j.accept(t, s, first, 1)
	j.accept(t, s, parked, 1)
	st, err := s.ImportState(t.Context(), b.ID, parked.ID, 1)
	must(t, err, "ImportState of a parked import")
	if st.Queue != (store.Queue{State: store.QueueAccount, Ahead: 0}) || st.Doc != nil {
		t.Errorf("parked import: queue %+v, doc %q", st.Queue, st.Doc)
	}
	doc, _, err := s.ImportDoc(t.Context(), b.ID, parked.ID)
	must(t, err, "ImportDoc")
	if want := st.Queue.AppendTo(parked.Doc); string(doc) != string(want) {
		t.Errorf("ImportDoc %q, want %q", doc, want)
	}
	vid := stage(t, s, b.ID, first.BotID, first.ID, testLayout, sampleRecords()...)
	must(t, s.CommitVersion(t.Context(), &store.Commit{Bot: botRow(b.ID, first.BotID), NewBot: true, VersionID: vid, ImportID: first.ID,
		Doc: []byte(`{"status":"success"}`), At: base}), "CommitVersion")
	if got := getImport(t, s, b.ID, first.ID); got.Rev != 2 {
		t.Errorf("after the commit: rev %d, want 2", got.Rev)
	}
}

// testQueueAppend pins the queue member's encoding.
func testQueueAppend(t *testing.T, _ opener) {
	for _, tt := range []struct {
		q         store.Queue
		doc, want string
	}{
		{store.Queue{}, `{"a":1}`, `{"a":1}`},
		{store.Queue{State: store.QueueBot, Ahead: 2}, `{"a":1}`, `{"a":1,"queue":{"state":"bot","ahead":2}}`},
		{store.Queue{State: store.QueueRecovery, Ahead: -1}, `{"a":1} `, `{"a":1,"queue":{"state":"recovery"}}`},
		{store.Queue{State: store.QueueAccount, Ahead: 0}, `{}`, `{"queue":{"state":"account","ahead":0}}`},
		{store.Queue{State: store.QueueBot, Ahead: 1}, `not json`, `not json`},
	} {
		if got := string(tt.q.AppendTo([]byte(tt.doc))); got != tt.want {
			t.Errorf("%+v.AppendTo(%s) = %s, want %s", tt.q, tt.doc, got, tt.want)
		}
	}
}
