// Package storetest is the conformance suite for store.Store. Every
// implementation's tests call Run with a constructor, so that all of them
// (SQLite today, PostgreSQL later) are held to exactly the same behaviour:
//
//	func TestConformance(t *testing.T) {
//		storetest.Run(t, func(t *testing.T) store.Store {
//			s := openFreshStore(t)
//			t.Cleanup(func() { s.Close() })
//			return s
//		})
//	}
//
// The suite talks to the store only through the interface, except where the
// interface itself hands out a *sql.Tx (CreateImport's enqueue callback):
// there it reads the shared schema's imports table through that transaction.
package storetest

import (
	"bytes"
	"cmp"
	"context"
	"crypto/sha256"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/botport/botport/internal/kore"
	"github.com/botport/botport/internal/store"
)

// opener returns a fresh, empty, migrated store; the caller of Run closes it
// with t.Cleanup.
type opener = func(t *testing.T) store.Store

// Run runs the whole suite against the stores that open returns. The
// stores must have keys to seal secrets with (the Secrets group reseals). Each
// behaviour group is a subtest, and each test in a group opens its own store
// and runs in parallel with the others of its group.
func Run(t *testing.T, open func(t *testing.T) store.Store) {
	groups := []struct {
		name string
		fn   func(*testing.T, opener)
	}{
		{"Accounts", testAccounts},
		{"Apps", testApps},
		{"Settings", testSettings},
		{"Files", testFiles},
		{"Imports", testImports},
		{"Versions", testVersions},
		{"Records", testRecords},
		{"Links", testLinks},
		{"Commit", testCommit},
		{"CommitImport", testCommitImport},
		{"Bots", testBots},
		{"Exports", testExports},
		{"VersionOps", testVersionOps},
		{"WriteVersion", testWriteVersion},
		{"HoldBot", testHoldBot},
		{"GC", testGC},
		{"Replicas", testReplicas},
		{"Slots", testSlots},
		{"ImportQueue", testImportQueue},
		{"Publishes", testPublishes},
		{"Secrets", testSecrets},
		{"JTIs", testJTIs},
		{"RateBuckets", testRateBuckets},
		{"ImportCancel", testImportCancel},
		{"ImportRevisions", testImportRevisions},
		{"QueueAppend", testQueueAppend},
		{"ImportLists", testImportLists},
		{"ExportLists", testExportLists},
		{"IdempotencyKeys", testIdempotencyKeys},
		{"Webhooks", testWebhooks},
		{"Dashboard", testDashboard},
	}
	for _, g := range groups {
		t.Run(g.name, func(t *testing.T) { g.fn(t, open) })
	}
}

// base is a fixed instant with sub-millisecond digits, so that round trips
// show the store's millisecond precision.
var base = time.Date(2025, 3, 14, 15, 9, 26, 535_897_932, time.UTC)

// msTime is t as a store with millisecond precision gives it back.
func msTime(t time.Time) time.Time { return t.Truncate(time.Millisecond) }

// wantTime reports an error unless got is want at millisecond precision.
func wantTime(t *testing.T, what string, got, want time.Time) {
	t.Helper()
	if !got.Equal(msTime(want)) {
		t.Errorf("%s = %v, want %v", what, got, msTime(want))
	}
}

// must stops the test when err is not nil.
func must(t *testing.T, err error, what string) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

// wantErrIs reports an error unless err matches target.
func wantErrIs(t *testing.T, err, target error, what string) {
	t.Helper()
	if !errors.Is(err, target) {
		t.Errorf("%s: error = %v, want %v", what, err, target)
	}
}

// newAccount creates an account with a unique name.
func newAccount(t *testing.T, s store.Store) *store.Account {
	t.Helper()
	a, err := s.EnsureAccount(t.Context(), "acct-"+kore.NewHexID())
	must(t, err, "EnsureAccount")
	return a
}

// rec builds a record whose Hash is the SHA-256 of body.
func rec(file, member string, seq int, kind, ident, body string) store.Record {
	sum := sha256.Sum256([]byte(body))
	return store.Record{
		File: file, Member: member, Seq: seq, Kind: kind, Ident: ident,
		RefID: "ref-" + ident, Name: "name-" + ident, Count: seq%3 + 1,
		Hash: sum[:], Body: []byte(body),
	}
}

// sortedRecords returns a copy of recs in file, member, seq order, comparing
// strings bytewise as Go does.
func sortedRecords(recs []store.Record) []store.Record {
	out := slices.Clone(recs)
	slices.SortFunc(out, func(a, b store.Record) int {
		return cmp.Or(cmp.Compare(a.File, b.File), cmp.Compare(a.Member, b.Member), cmp.Compare(a.Seq, b.Seq))
	})
	return out
}

// readRecords collects what Records delivers, copying each record because
// fn must not keep them.
func readRecords(t *testing.T, s store.Store, accountID, versionID, file, member string) []store.Record {
	t.Helper()
	var out []store.Record
	err := s.Records(t.Context(), accountID, versionID, file, member, func(r *store.Record) error {
		c := *r
		c.Hash, c.Body = bytes.Clone(r.Hash), bytes.Clone(r.Body)
		out = append(out, c)
		return nil
	})
	must(t, err, "Records")
	return out
}

// wantRecords compares records in order. With bodies false, every record
// must come without a body.
func wantRecords(t *testing.T, what string, got, want []store.Record, bodies bool) {
	t.Helper()
	if len(got) != len(want) {
		t.Errorf("%s: got %d records, want %d", what, len(got), len(want))
	}
	bad := 0
	for i := range min(len(got), len(want)) {
		if msg := recordDiff(got[i], want[i], bodies); msg != "" {
			t.Errorf("%s: record %d: %s", what, i, msg)
			if bad++; bad == 5 {
				t.Errorf("%s: more mismatches not shown", what)
				return
			}
		}
	}
}

// recordDiff describes how got differs from want, or returns "".
func recordDiff(got, want store.Record, bodies bool) string {
	type meta struct {
		File, Member       string
		Seq                int
		Kind, Ident, RefID string
		Name               string
		Count              int
	}
	g := meta{got.File, got.Member, got.Seq, got.Kind, got.Ident, got.RefID, got.Name, got.Count}
	w := meta{want.File, want.Member, want.Seq, want.Kind, want.Ident, want.RefID, want.Name, want.Count}
	if g != w {
		return fmt.Sprintf("got %+v, want %+v", g, w)
	}
	if !bytes.Equal(got.Hash, want.Hash) {
		return fmt.Sprintf("%s %s[%d]: hash %x, want %x", got.File, got.Member, got.Seq, got.Hash, want.Hash)
	}
	if bodies && !bytes.Equal(got.Body, want.Body) {
		return fmt.Sprintf("%s %s[%d]: body %q, want %q", got.File, got.Member, got.Seq, got.Body, want.Body)
	}
	if !bodies && len(got.Body) != 0 {
		return fmt.Sprintf("%s %s[%d]: body %q, want none", got.File, got.Member, got.Seq, got.Body)
	}
	return ""
}

// contentHash is the hash a store must compute for a version holding recs
// under layout.
func contentHash(layout []byte, recs []store.Record) string {
	h := store.NewContentHasher(layout)
	for _, r := range sortedRecords(recs) {
		h.Add(&r)
	}
	return h.Sum()
}

// stage stages a version of bot botID written by import importID (none
// when "") and puts recs in it. It returns the version id.
func stage(t *testing.T, s store.Store, accountID, botID, importID string, layout []byte, recs ...store.Record) string {
	t.Helper()
	var by store.StagedBy
	if importID != "" {
		by = byImport(importID)
	}
	return stageBy(t, s, accountID, botID, by, layout, recs...)
}

// byImport is the writer import id.
func byImport(id string) store.StagedBy { return store.StagedBy{Kind: store.StagedByImport, ID: id} }

// stageBy stages a version of bot botID written by by and puts recs in it.
// It returns the version id.
func stageBy(t *testing.T, s store.Store, accountID, botID string, by store.StagedBy, layout []byte, recs ...store.Record) string {
	t.Helper()
	vid := kore.NewHexID()
	must(t, s.StageVersion(t.Context(), &store.Version{
		ID: vid, BotID: botID, AccountID: accountID, StagedBy: by, Layout: layout, CreatedOn: base,
	}), "StageVersion")
	if len(recs) > 0 {
		must(t, s.PutRecords(t.Context(), accountID, vid, recs), "PutRecords")
	}
	return vid
}

// botRow returns a bot row with every field set, as a commit carries it.
func botRow(accountID, id string) *store.Bot {
	return &store.Bot{
		ID: id, AccountID: accountID, RefID: kore.NewUUID(), Name: "bot " + id,
		Purpose: "customer", Type: "default", DefaultLanguage: "en", Description: "a test bot",
		Icon: kore.NewHexID(), Color: "#0055aa", CreatedBy: kore.NewUserID(),
	}
}

// testLayout is the layout the helpers give versions.
var testLayout = []byte(`{"botDefinition.json":["dialogs"]}`)

// newBot creates a bot whose first version holds recs, committed at at, and
// returns the bot as the store reads it back.
func newBot(t *testing.T, s store.Store, accountID string, at time.Time, recs ...store.Record) *store.Bot {
	t.Helper()
	id := kore.NewBotID()
	vid := stage(t, s, accountID, id, "", testLayout, recs...)
	must(t, s.CommitVersion(t.Context(), &store.Commit{
		Bot: botRow(accountID, id), NewBot: true, VersionID: vid, At: at,
	}), "CommitVersion (new bot)")
	b, err := s.Bot(t.Context(), accountID, id)
	must(t, err, "Bot")
	return b
}

// newImport returns a pending import of accountID into botID that uses
// fileIDs; CreateImport has not seen it yet.
func newImport(accountID, botID string, newBot bool, fileIDs ...string) *store.Import {
	return &store.Import{
		ID: kore.NewImportID(), AccountID: accountID, AppID: kore.NewAppID(), CreatedBy: kore.NewUserID(),
		BotID: botID, NewBot: newBot, StreamRefID: kore.NewUUID(), BotName: "imported bot",
		Status: store.StatusPending, Request: []byte(`{"botName":"imported bot"}`),
		Doc: []byte(`{"status":"pending"}`), FileIDs: fileIDs, CreatedOn: base,
	}
}

// noEnqueue is an enqueue callback that enqueues nothing.
func noEnqueue(context.Context, *sql.Tx, bool) (int64, error) { return 0, nil }

// createImport stores imp with no job and no limit on its account.
func createImport(t *testing.T, s store.Store, imp *store.Import) {
	t.Helper()
	must(t, s.CreateImport(t.Context(), imp, 0, noEnqueue), "CreateImport")
}

// sameSet reports whether a and b hold the same strings, in any order.
func sameSet(a, b []string) bool {
	a, b = slices.Clone(a), slices.Clone(b)
	slices.Sort(a)
	slices.Sort(b)
	return slices.Equal(a, b)
}

// noJob is an enqueue callback of CreatePublish and CreateExport that
// enqueues nothing.
func noJob(context.Context, *sql.Tx) error { return nil }
