package storetest

import (
	"context"
	"database/sql"
	"errors"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/botport/botport/internal/kore"
	"github.com/botport/botport/internal/store"
)

// jobs is a fake queue: it numbers the jobs CreateImport enqueues,
// remembers which were parked, and records the jobs woken.
type jobs struct {
	mu     sync.Mutex
	next   int64
	parked map[string]bool // import id -> parked at acceptance
	job    map[string]int64
	woken  []int64
	fail   error // wake's error, when set
}

func newJobs() *jobs { return &jobs{parked: map[string]bool{}, job: map[string]int64{}} }

// accept creates imp with limit, through the fake queue.
func (j *jobs) accept(t *testing.T, s store.Store, imp *store.Import, limit int) {
	t.Helper()
	err := s.CreateImport(t.Context(), imp, limit, func(_ context.Context, tx *sql.Tx, park bool) (int64, error) {
		if tx == nil {
			return 0, errors.New("enqueue without a transaction")
		}
		j.mu.Lock()
		defer j.mu.Unlock()
		j.next++
		j.parked[imp.ID], j.job[imp.ID] = park, j.next
		return j.next, nil
	})
	must(t, err, "CreateImport")
}

func (j *jobs) wake(_ context.Context, tx *sql.Tx, id int64) error {
	if tx == nil {
		return errors.New("wake without a transaction")
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.fail != nil {
		return j.fail
	}
	j.woken = append(j.woken, id)
	return nil
}

// takeWoken returns the jobs woken since the last call.
func (j *jobs) takeWoken() []int64 {
	j.mu.Lock()
	defer j.mu.Unlock()
	w := j.woken
	j.woken = nil
	return w
}

// wantWoken reports an error unless exactly the jobs of imps were woken
// since the last call, in that order.
func (j *jobs) wantWoken(t *testing.T, what string, imps ...*store.Import) {
	t.Helper()
	var want []int64
	for _, imp := range imps {
		want = append(want, j.job[imp.ID])
	}
	if got := j.takeWoken(); !slices.Equal(got, want) {
		t.Errorf("%s woke jobs %v, want %v", what, got, want)
	}
}

// release releases imp's slot with limit and checks how many it admitted.
func (j *jobs) release(t *testing.T, s store.Store, imp *store.Import, limit, want int) {
	t.Helper()
	n, err := s.ReleaseImport(t.Context(), imp.ID, limit, j.wake)
	must(t, err, "ReleaseImport")
	if n != want {
		t.Errorf("ReleaseImport(%s) admitted %d, want %d", imp.ID, n, want)
	}
}

// end finishes a pending import (a failure: no bot needed).
func end(t *testing.T, s store.Store, imp *store.Import) {
	t.Helper()
	must(t, s.FinishImport(t.Context(), imp.ID, store.StatusFailure, []byte(`{"status":"failure"}`), base), "FinishImport")
}

// testSlots covers fair sharing: admission at acceptance, release in
// acceptance order, repair, and the account lock.
func testSlots(t *testing.T, open opener) {
	t.Run("AdmitInOrder", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		acct, other := newAccount(t, s), newAccount(t, s)
		j := newJobs()
		var imps []*store.Import
		for range 4 {
			imp := newImport(acct.ID, kore.NewBotID(), true)
			j.accept(t, s, imp, 2)
			imps = append(imps, imp)
		}
		for i, imp := range imps {
			if j.parked[imp.ID] != (i >= 2) {
				t.Errorf("import %d of 4 with limit 2: parked %v", i+1, j.parked[imp.ID])
			}
		}
		// Another account has its own share.
		theirs := newImport(other.ID, kore.NewBotID(), true)
		j.accept(t, s, theirs, 2)
		if j.parked[theirs.ID] {
			t.Errorf("another account's first import was parked")
		}

		// An ended import frees its slot for the account's oldest parked one.
		end(t, s, imps[0])
		j.release(t, s, imps[0], 2, 1)
		j.wantWoken(t, "releasing the first import", imps[2])
		j.release(t, s, imps[0], 2, 0)
		j.wantWoken(t, "releasing it again")
		// Parked imports keep their order: a new one waits behind them even
		// when a slot is free.
		end(t, s, imps[1])
		late := newImport(acct.ID, kore.NewBotID(), true)
		j.accept(t, s, late, 3)
		if !j.parked[late.ID] {
			t.Errorf("an import accepted while older ones were parked was admitted first")
		}
		j.release(t, s, imps[1], 3, 2)
		j.wantWoken(t, "releasing with limit 3", imps[3], late)
		// No limit: every parked import is admitted.
		more := []*store.Import{newImport(acct.ID, kore.NewBotID(), true), newImport(acct.ID, kore.NewBotID(), true)}
		for _, imp := range more {
			j.accept(t, s, imp, 1)
		}
		end(t, s, imps[2])
		j.release(t, s, imps[2], 0, 2)
		j.wantWoken(t, "releasing without a limit", more...)
		// An import without a slot releases nothing.
		j.release(t, s, newImport(acct.ID, kore.NewBotID(), true), 2, 0)
	})

	t.Run("WakeErrorRollsBack", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		acct := newAccount(t, s)
		j := newJobs()
		first, second := newImport(acct.ID, kore.NewBotID(), true), newImport(acct.ID, kore.NewBotID(), true)
		j.accept(t, s, first, 1)
		j.accept(t, s, second, 1)
		end(t, s, first)
		j.fail = errors.New("queue unavailable")
		if _, err := s.ReleaseImport(t.Context(), first.ID, 1, j.wake); !errors.Is(err, j.fail) {
			t.Errorf("ReleaseImport with a failing wake: %v, want %v", err, j.fail)
		}
		j.fail = nil
		// Nothing changed: the slot is still held, and releasing it works.
		j.release(t, s, first, 1, 1)
		j.wantWoken(t, "releasing after the failed wake", second)
	})

	t.Run("Repair", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		a, b := newAccount(t, s), newAccount(t, s)
		j := newJobs()
		var as, bs []*store.Import
		for range 3 {
			ia, ib := newImport(a.ID, kore.NewBotID(), true), newImport(b.ID, kore.NewBotID(), true)
			j.accept(t, s, ia, 1)
			j.accept(t, s, ib, 1)
			as, bs = append(as, ia), append(bs, ib)
		}
		n, err := s.AdmitImports(t.Context(), 1, j.wake)
		must(t, err, "AdmitImports")
		if n != 0 {
			t.Errorf("AdmitImports with every slot in use admitted %d", n)
		}
		// Both running imports end, but their process died before
		// releasing them: the repair frees the slots and admits the next.
		end(t, s, as[0])
		end(t, s, bs[0])
		n, err = s.AdmitImports(t.Context(), 1, j.wake)
		must(t, err, "AdmitImports")
		got := j.takeWoken()
		slices.Sort(got)
		want := []int64{j.job[as[1].ID], j.job[bs[1].ID]}
		slices.Sort(want)
		if n != 2 || !slices.Equal(got, want) {
			t.Errorf("AdmitImports after two ended imports admitted %d, woke %v; want 2, %v", n, got, want)
		}
		// A larger limit (a replica joined) admits more.
		n, err = s.AdmitImports(t.Context(), 2, j.wake)
		must(t, err, "AdmitImports")
		if n != 2 {
			t.Errorf("AdmitImports with the limit raised to 2 admitted %d, want 2", n)
		}
		j.takeWoken()
		// Retention deletes ended imports with their slots.
		for _, imp := range append(as[1:], bs[1:]...) {
			end(t, s, imp)
		}
		_, err = s.DeleteFinishedImports(t.Context(), base.Add(time.Hour), 100)
		must(t, err, "DeleteFinishedImports")
		late := newImport(a.ID, kore.NewBotID(), true)
		j.accept(t, s, late, 1)
		if j.parked[late.ID] {
			t.Errorf("an import was parked after every other import of its account ended and was deleted")
		}
	})

	t.Run("ConcurrentAcceptance", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		acct := newAccount(t, s)
		j := newJobs()
		const n, limit = 8, 2
		imps := make([]*store.Import, n)
		var wg sync.WaitGroup
		for i := range imps {
			imps[i] = newImport(acct.ID, kore.NewBotID(), true)
			wg.Add(1)
			go func() {
				defer wg.Done()
				j.accept(t, s, imps[i], limit)
			}()
		}
		wg.Wait()
		admitted := 0
		for _, imp := range imps {
			if !j.parked[imp.ID] {
				admitted++
			}
		}
		if admitted != limit {
			t.Errorf("%d imports accepted at once with limit %d: %d admitted", n, limit, admitted)
		}
	})
}

// testImportQueue covers the queue member ImportDoc adds to a pending
// import's document.
func testImportQueue(t *testing.T, open opener) {
	doc := func(t *testing.T, s store.Store, imp *store.Import) string {
		t.Helper()
		d, _, err := s.ImportDoc(t.Context(), imp.AccountID, imp.ID)
		must(t, err, "ImportDoc")
		return string(d)
	}
	const plain = `{"status":"pending"}`
	with := func(member string) string { return `{"status":"pending","queue":` + member + `}` }

	t.Run("Account", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		acct := newAccount(t, s)
		j := newJobs()
		var imps []*store.Import
		for range 3 {
			imp := newImport(acct.ID, kore.NewBotID(), true)
			j.accept(t, s, imp, 1)
			imps = append(imps, imp)
		}
		for i, want := range []string{plain, with(`{"state":"account","ahead":0}`), with(`{"state":"account","ahead":1}`)} {
			if got := doc(t, s, imps[i]); got != want {
				t.Errorf("import %d of 3 with limit 1: %s, want %s", i+1, got, want)
			}
		}
		end(t, s, imps[0])
		j.release(t, s, imps[0], 1, 1)
		for i, want := range []string{plain, with(`{"state":"account","ahead":0}`)} {
			if got := doc(t, s, imps[i+1]); got != want {
				t.Errorf("after a release, import %d of 3: %s, want %s", i+2, got, want)
			}
		}
	})

	t.Run("Bot", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		acct := newAccount(t, s)
		botID := kore.NewBotID()
		var imps []*store.Import
		for i := range 3 {
			imp := newImport(acct.ID, botID, i == 0)
			createImport(t, s, imp)
			imps = append(imps, imp)
		}
		for i, want := range []string{plain, with(`{"state":"bot","ahead":1}`), with(`{"state":"bot","ahead":2}`)} {
			if got := doc(t, s, imps[i]); got != want {
				t.Errorf("import %d of 3 into one bot: %s, want %s", i+1, got, want)
			}
		}
		end(t, s, imps[0])
		if got, want := doc(t, s, imps[1]), plain; got != want {
			t.Errorf("once the import ahead ended: %s, want %s", got, want)
		}
		if got, want := doc(t, s, imps[2]), with(`{"state":"bot","ahead":1}`); got != want {
			t.Errorf("the third, once the first ended: %s, want %s", got, want)
		}
		if got, want := doc(t, s, imps[0]), `{"status":"failure"}`; got != want {
			t.Errorf("an ended import: %s, want %s", got, want)
		}
	})

	t.Run("Recovery", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		acct := newAccount(t, s)
		imp := newImport(acct.ID, kore.NewBotID(), true)
		imp.Doc = []byte(`{}`)
		createImport(t, s, imp)
		live, dead := newReplica("host"), newReplica("host")
		must(t, s.JoinReplica(t.Context(), live, time.Minute), "JoinReplica")
		must(t, s.JoinReplica(t.Context(), dead, -time.Second), "JoinReplica")
		for _, tt := range []struct {
			replica, want string
		}{
			{live.ID, `{}`},
			{dead.ID, `{"queue":{"state":"recovery"}}`},
			{"replica-gone", `{"queue":{"state":"recovery"}}`},
		} {
			must(t, s.StartImportRun(t.Context(), imp.ID, tt.replica), "StartImportRun")
			if got := doc(t, s, imp); got != tt.want {
				t.Errorf("run by %s: %s, want %s", tt.replica, got, tt.want)
			}
		}
		must(t, s.FinishImport(t.Context(), imp.ID, store.StatusSuccess, []byte(`{"status":"success"}`), base), "FinishImport")
		if got, want := doc(t, s, imp), `{"status":"success"}`; got != want {
			t.Errorf("an ended import last run by a dead replica: %s, want %s", got, want)
		}
		wantErrIs(t, s.StartImportRun(t.Context(), imp.ID, live.ID), store.ErrNotPending, "StartImportRun of an ended import")
		wantErrIs(t, s.StartImportRun(t.Context(), kore.NewImportID(), live.ID), store.ErrNotFound, "StartImportRun of an unknown import")
	})

	t.Run("AccountBeforeBot", func(t *testing.T) {
		t.Parallel()
		// A parked import into a bot waits for its account's slot first.
		s := open(t)
		acct := newAccount(t, s)
		j := newJobs()
		botID := kore.NewBotID()
		first, second := newImport(acct.ID, botID, true), newImport(acct.ID, botID, false)
		j.accept(t, s, first, 1)
		j.accept(t, s, second, 1)
		if got, want := doc(t, s, second), with(`{"state":"account","ahead":0}`); got != want {
			t.Errorf("parked behind an import of the same bot: %s, want %s", got, want)
		}
	})
}
