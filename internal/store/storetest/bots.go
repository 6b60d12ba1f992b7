package storetest

import (
	"cmp"
	"slices"
	"testing"
	"time"

	"github.com/botport/botport/internal/kore"
	"github.com/botport/botport/internal/store"
)

// testBots covers Bot and Bots.
func testBots(t *testing.T, open opener) {
	t.Run("ListOrderAndPaging", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		acct := newAccount(t, s)
		// Created out of order, two at the same instant: the list sorts by
		// creation time, then id.
		type created struct {
			at  time.Time
			bot *store.Bot
		}
		var bots []created
		for _, d := range []time.Duration{2 * time.Hour, 0, time.Hour, time.Hour, 3 * time.Hour} {
			at := base.Add(d)
			bots = append(bots, created{at, newBot(t, s, acct.ID, at)})
		}
		slices.SortFunc(bots, func(a, b created) int {
			return cmp.Or(a.at.Compare(b.at), cmp.Compare(a.bot.ID, b.bot.ID))
		})
		newBot(t, s, newAccount(t, s).ID, base) // another account's bot is never listed

		for _, page := range []struct{ offset, limit, from, to int }{
			{0, 100, 0, 5}, {0, 2, 0, 2}, {1, 2, 1, 3}, {4, 2, 4, 5}, {5, 2, 5, 5}, {9, 2, 5, 5},
		} {
			got, total, err := s.Bots(t.Context(), acct.ID, page.offset, page.limit)
			must(t, err, "Bots")
			if total != len(bots) {
				t.Errorf("Bots(%d, %d) total = %d, want %d", page.offset, page.limit, total, len(bots))
			}
			want := bots[page.from:page.to]
			if len(got) != len(want) {
				t.Errorf("Bots(%d, %d) returned %d bots, want %d", page.offset, page.limit, len(got), len(want))
				continue
			}
			for i := range got {
				if got[i].ID != want[i].bot.ID {
					t.Errorf("Bots(%d, %d)[%d] = %s, want %s", page.offset, page.limit, i, got[i].ID, want[i].bot.ID)
					continue
				}
				wantBot(t, got[i], want[i].bot)
			}
		}
	})

	t.Run("OtherAccount", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		owner, other := newAccount(t, s), newAccount(t, s)
		b := newBot(t, s, owner.ID, base, sampleRecords()...)
		got, total, err := s.Bots(t.Context(), other.ID, 0, 10)
		must(t, err, "Bots")
		if len(got) != 0 || total != 0 {
			t.Errorf("Bots of another account = %d bots, total %d; want none", len(got), total)
		}
		_, err = s.Bot(t.Context(), other.ID, b.ID)
		wantErrIs(t, err, store.ErrNotFound, "Bot of another account")
		_, err = s.Bot(t.Context(), owner.ID, kore.NewBotID())
		wantErrIs(t, err, store.ErrNotFound, "Bot unknown")
	})
}
