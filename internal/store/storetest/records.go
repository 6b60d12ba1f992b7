package storetest

import (
	"errors"
	"fmt"
	"testing"

	"github.com/botport/botport/internal/kore"
	"github.com/botport/botport/internal/store"
)

// recordPage is sqlstore's page size for Records; the paging tests put more
// records than that in one member.
const recordPage = 256

// sampleRecords is a small version: whole-file records, several members and
// two records that share a body. They are not in file, member, seq order.
func sampleRecords() []store.Record {
	return []store.Record{
		rec("botDefinition.json", "dialogs", 1, "dialog", "d2", `[{"name":"second"}]`),
		rec("botDefinition.json", "dialogs", 0, "dialog", "d1", `[{"name":"first"}]`),
		rec("botDefinition.json", "components", 0, "component", "c1", `[{"same":true}]`),
		rec("botDefinition.json", "components", 1, "component", "c2", `[{"same":true}]`),
		rec("config.json", "dialogs", 0, "setting", "cfg-dialogs", `{"config":"dialogs"}`),
		rec("config.json", "", 0, "config", "config", `{"whole":"file"}`),
		rec("icon.png", "", 0, "icon", "icon", "\x89PNG\r\n\x1a\n\x00binary"),
		rec("Helpers.js", "", 0, "botFunction", "Helpers.js", "function f() {}"),
	}
}

// ofMember keeps the records of one file and member, in seq order.
func ofMember(recs []store.Record, file, member string) []store.Record {
	var out []store.Record
	for _, r := range sortedRecords(recs) {
		if r.File == file && r.Member == member {
			out = append(out, r)
		}
	}
	return out
}

// manyRecords returns n records of one member, in descending seq order so
// that a store must sort them, plus a record in the members before and after.
func manyRecords(file, member string, n int) []store.Record {
	recs := []store.Record{
		rec(file, member+"-after", 0, "other", "after", `"after"`),
		rec(file, member[:len(member)-1], 0, "other", "before", `"before"`),
	}
	for i := n - 1; i >= 0; i-- {
		recs = append(recs, rec(file, member, i, "dialog", fmt.Sprintf("d%04d", i), fmt.Sprintf(`[{"i":%d}]`, i)))
	}
	return recs
}

// testRecords covers PutRecords, Records and RecordMeta.
func testRecords(t *testing.T, open opener) {
	t.Run("RoundTripByMember", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		acct := newAccount(t, s)
		recs := sampleRecords()
		vid := stage(t, s, acct.ID, kore.NewBotID(), "", testLayout, recs...)
		for _, fm := range [][2]string{
			{"botDefinition.json", "dialogs"},
			{"botDefinition.json", "components"}, // two records, one body
			{"config.json", "dialogs"},           // same member name, other file
			{"config.json", ""},
			{"icon.png", ""},
			{"botDefinition.json", "absent"},
		} {
			got := readRecords(t, s, acct.ID, vid, fm[0], fm[1])
			wantRecords(t, fmt.Sprintf("Records(%s, %q)", fm[0], fm[1]), got, ofMember(recs, fm[0], fm[1]), true)
		}
	})

	t.Run("AllMembers", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		acct := newAccount(t, s)
		recs := sampleRecords()
		vid := stage(t, s, acct.ID, kore.NewBotID(), "", testLayout, recs...)
		// Files compare bytewise: "Helpers.js" comes before "botDefinition.json".
		wantRecords(t, `Records("*")`, readRecords(t, s, acct.ID, vid, "", "*"), sortedRecords(recs), true)
	})

	t.Run("PagingOneMember", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		acct := newAccount(t, s)
		n := 2*recordPage + 7
		recs := manyRecords("botDefinition.json", "dialogs", n)
		vid := stage(t, s, acct.ID, kore.NewBotID(), "", testLayout, recs...)
		got := readRecords(t, s, acct.ID, vid, "botDefinition.json", "dialogs")
		wantRecords(t, "Records(dialogs)", got, ofMember(recs, "botDefinition.json", "dialogs"), true)
	})

	t.Run("PagingExactPage", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		acct := newAccount(t, s)
		recs := manyRecords("botDefinition.json", "dialogs", recordPage)
		vid := stage(t, s, acct.ID, kore.NewBotID(), "", testLayout, recs...)
		got := readRecords(t, s, acct.ID, vid, "botDefinition.json", "dialogs")
		wantRecords(t, "Records(dialogs)", got, ofMember(recs, "botDefinition.json", "dialogs"), true)
	})

	t.Run("PagingAllMembers", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		acct := newAccount(t, s)
		recs := manyRecords("botDefinition.json", "tasks", recordPage+3)
		recs = append(recs, manyRecords("config.json", "settings", recordPage-1)...)
		recs = append(recs, sampleRecords()...)
		vid := stage(t, s, acct.ID, kore.NewBotID(), "", testLayout, recs...)
		wantRecords(t, `Records("*")`, readRecords(t, s, acct.ID, vid, "", "*"), sortedRecords(recs), true)
	})

	t.Run("EmptyBody", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		acct := newAccount(t, s)
		// A nil body is an empty one too (not NULL).
		nilBody := rec("Nil.js", "", 0, "botFunction", "Nil.js", "")
		nilBody.Body = nil
		recs := []store.Record{rec("Empty.js", "", 0, "botFunction", "Empty.js", ""), rec("Full.js", "", 0, "botFunction", "Full.js", "x"), nilBody}
		vid := stage(t, s, acct.ID, kore.NewBotID(), "", testLayout, recs...)
		wantRecords(t, "Records with an empty body", readRecords(t, s, acct.ID, vid, "", "*"), sortedRecords(recs), true)
	})

	t.Run("FnErrorStops", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		acct := newAccount(t, s)
		vid := stage(t, s, acct.ID, kore.NewBotID(), "", testLayout, manyRecords("botDefinition.json", "dialogs", 10)...)
		stop := errors.New("stop")
		calls := 0
		err := s.Records(t.Context(), acct.ID, vid, "botDefinition.json", "dialogs", func(*store.Record) error {
			calls++
			if calls == 3 {
				return stop
			}
			return nil
		})
		wantErrIs(t, err, stop, "Records with fn failing")
		if calls != 3 {
			t.Errorf("fn called %d times after failing on the third, want 3", calls)
		}
	})

	t.Run("PutRecordsInBatches", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		acct := newAccount(t, s)
		recs := sampleRecords()
		vid := stage(t, s, acct.ID, kore.NewBotID(), "", testLayout, recs[:3]...)
		must(t, s.PutRecords(t.Context(), acct.ID, vid, recs[3:]), "PutRecords second batch")
		must(t, s.PutRecords(t.Context(), acct.ID, vid, nil), "PutRecords empty")
		// A second version reusing every body stores them once and reads them all.
		vid2 := stage(t, s, acct.ID, kore.NewBotID(), "", testLayout, recs...)
		for _, v := range []string{vid, vid2} {
			wantRecords(t, `Records("*")`, readRecords(t, s, acct.ID, v, "", "*"), sortedRecords(recs), true)
		}
	})

	t.Run("Meta", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		acct := newAccount(t, s)
		recs := sampleRecords()
		vid := stage(t, s, acct.ID, kore.NewBotID(), "", testLayout, recs...)
		stage(t, s, acct.ID, kore.NewBotID(), "", testLayout, rec("other.js", "", 0, "botFunction", "other", "x"))
		meta, err := s.RecordMeta(t.Context(), acct.ID, vid)
		must(t, err, "RecordMeta")
		wantRecords(t, "RecordMeta", meta, sortedRecords(recs), false)
	})

	t.Run("AccountIsolation", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		owner, other := newAccount(t, s), newAccount(t, s)
		recs := sampleRecords()
		vid := stage(t, s, owner.ID, kore.NewBotID(), "", testLayout, recs...)
		// The other account stores the same bodies: each account reads its own.
		otherVid := stage(t, s, other.ID, kore.NewBotID(), "", testLayout, recs...)
		wantRecords(t, "Records of the other account's own version", readRecords(t, s, other.ID, otherVid, "", "*"), sortedRecords(recs), true)

		var leaked []store.Record
		err := s.Records(t.Context(), other.ID, vid, "", "*", func(r *store.Record) error {
			leaked = append(leaked, *r)
			return nil
		})
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			t.Errorf("Records of another account's version: %v", err)
		}
		if len(leaked) != 0 {
			t.Errorf("Records of another account's version delivered %d records", len(leaked))
		}
		meta, err := s.RecordMeta(t.Context(), other.ID, vid)
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			t.Errorf("RecordMeta of another account's version: %v", err)
		}
		if len(meta) != 0 {
			t.Errorf("RecordMeta of another account's version listed %d records", len(meta))
		}
	})
}

// testLinks covers PutLinks and Links.
func testLinks(t *testing.T, open opener) {
	t.Run("RoundTrip", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		acct := newAccount(t, s)
		vid := stage(t, s, acct.ID, kore.NewBotID(), "", testLayout)
		otherVid := stage(t, s, acct.ID, kore.NewBotID(), "", testLayout)
		links := []store.Link{
			link("dialog", "d2", "component", "c1"),
			link("dialog", "d1", "component", "c1"),
			link("event", "e1", "dialog", "d1"),
			link("dialog", "d1", "component", "c1"), // duplicate in one call
		}
		must(t, s.PutLinks(t.Context(), vid, links), "PutLinks")
		must(t, s.PutLinks(t.Context(), vid, links[:2]), "PutLinks again")
		must(t, s.PutLinks(t.Context(), vid, nil), "PutLinks empty")
		must(t, s.PutLinks(t.Context(), otherVid, []store.Link{link("dialog", "x", "dialog", "y")}), "PutLinks other version")
		wantLinks(t, "Links", linksOf(t, s, vid), links[:3])
	})

	t.Run("Empty", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		vid := stage(t, s, newAccount(t, s).ID, kore.NewBotID(), "", testLayout)
		if got := linksOf(t, s, vid); len(got) != 0 {
			t.Errorf("Links of a version without links = %v", got)
		}
	})
}

// link builds a link from one record to another.
func link(fromKind, fromIdent, toKind, toIdent string) store.Link {
	return store.Link{FromKind: fromKind, FromIdent: fromIdent, ToKind: toKind, ToIdent: toIdent}
}

// linksOf reads a version's links.
func linksOf(t *testing.T, s store.Store, versionID string) []store.Link {
	t.Helper()
	links, err := s.Links(t.Context(), versionID)
	must(t, err, "Links")
	return links
}

// wantLinks compares links as sets.
func wantLinks(t *testing.T, what string, got, want []store.Link) {
	t.Helper()
	str := func(ls []store.Link) []string {
		var out []string
		for _, l := range ls {
			out = append(out, fmt.Sprintf("%s/%s->%s/%s", l.FromKind, l.FromIdent, l.ToKind, l.ToIdent))
		}
		return out
	}
	if g, w := str(got), str(want); !sameSet(g, w) {
		t.Errorf("%s = %v, want %v", what, g, w)
	}
}
