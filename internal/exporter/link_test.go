package exporter

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"io"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/riverqueue/river"

	"github.com/botport/botport/internal/blob"
	"github.com/botport/botport/internal/kore"
	"github.com/botport/botport/internal/store"
	"github.com/botport/botport/internal/store/sqlite"
)

// clock is a settable time source.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// fixtureExport is a store with one bot and one finished export whose zip
// is in the blob store.
type fixtureExport struct {
	st    store.Store
	blobs *blob.Store
	app   *store.App
	bot   *store.Bot
	exp   *store.Export
	clock *clock
}

func newFixtureExport(t *testing.T) *fixtureExport {
	t.Helper()
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "botport.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	blobs, err := blob.Open(ctx, "mem://")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { blobs.Close() })
	acct, err := st.EnsureAccount(ctx, "acct")
	if err != nil {
		t.Fatal(err)
	}
	clk := &clock{t: time.Date(2026, 11, 25, 9, 31, 12, 4e6, time.UTC)}
	app := &store.App{ID: kore.NewAppID(), AccountID: acct.ID, UserID: kore.NewUserID()}
	bot := &store.Bot{ID: kore.NewBotID(), AccountID: acct.ID, RefID: kore.NewUUID(), Name: `Pay "my" bill\`, Purpose: "customer",
		Type: "default", DefaultLanguage: "en", CreatedBy: app.UserID}
	vid := kore.NewHexID()
	if err := st.StageVersion(ctx, &store.Version{ID: vid, BotID: bot.ID, AccountID: acct.ID, Layout: []byte("{}"), CreatedOn: clk.now()}); err != nil {
		t.Fatal(err)
	}
	if err := st.CommitVersion(ctx, &store.Commit{Bot: bot, NewBot: true, VersionID: vid, At: clk.now()}); err != nil {
		t.Fatal(err)
	}
	exp := &store.Export{ID: kore.NewExportID(), AccountID: acct.ID, BotID: bot.ID, VersionID: vid, CreatedBy: app.UserID,
		ExportType: TypeLatest, Options: []byte(`{"exportType":"latest"}`), Status: store.StatusPending, CreatedOn: clk.now()}
	if err := st.CreateExport(ctx, exp, func(context.Context, *sql.Tx) error { return nil }); err != nil {
		t.Fatal(err)
	}
	exp.BlobKey = "exports/" + acct.ID + "/" + exp.ID + ".zip"
	n, err := blobs.Write(ctx, exp.BlobKey, strings.NewReader("PK zip bytes"))
	if err != nil {
		t.Fatal(err)
	}
	exp.Status, exp.FileID, exp.FileSize, exp.FinishedOn = store.StatusSuccess, kore.NewHexID(), n, clk.now()
	if err := st.FinishExport(ctx, exp); err != nil {
		t.Fatal(err)
	}
	return &fixtureExport{st: st, blobs: blobs, app: app, bot: bot, exp: exp, clock: clk}
}

func (f *fixtureExport) service() *Service {
	return New(Config{Store: f.st, Blobs: f.blobs, Now: f.clock.now, LinkTTL: time.Hour})
}

// link reads the export's status and returns its download link's parts.
func link(t *testing.T, s *Service, f *fixtureExport) (ber, expires, sig string, st *Status) {
	t.Helper()
	st, err := s.Status(context.Background(), f.app, f.bot.ID)
	if err != nil {
		t.Fatal(err)
	}
	if st.Link == nil {
		t.Fatalf("status %+v has no link", st)
	}
	return st.ID, itoa(st.Link.Expires), st.Link.Sig, st
}

// TestDownloadLinks: a status call signs a link that downloads the zip
// under the bot's name; tampering gives 404, age gives 410, and the key is
// shared through the store (another process verifies the link).
func TestDownloadLinks(t *testing.T) {
	f := newFixtureExport(t)
	s := f.service()
	ctx := context.Background()
	ber, expires, sig, st := link(t, s, f)
	exp := f.clock.now().Add(time.Hour).Unix()
	if ber != f.exp.ID || expires != itoa(exp) || len(sig) != 64 {
		t.Fatalf("link to %s expires %s sig %q", ber, expires, sig)
	}
	want := Status{ID: f.exp.ID, BotID: f.bot.ID, CreatedBy: f.app.UserID, ExportType: TypeLatest, State: store.StatusSuccess,
		CreatedOn: f.exp.CreatedOn, FileID: f.exp.FileID, FileSize: 12, Link: st.Link}
	if !st.CreatedOn.Equal(want.CreatedOn) {
		t.Errorf("created %v, want %v", st.CreatedOn, want.CreatedOn)
	}
	st.CreatedOn = want.CreatedOn
	if *st != want {
		t.Errorf("status\n got %+v\nwant %+v", *st, want)
	}
	rc, size, name, err := s.Download(ctx, ber, expires, sig)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(rc)
	rc.Close()
	if string(b) != "PK zip bytes" || size != 12 || name != `Pay "my" bill\.zip` {
		t.Errorf("download %q, %d bytes, name %q", b, size, name)
	}

	// Another process on the same store verifies the link.
	if rc, _, _, err := f.service().Download(ctx, ber, expires, sig); err != nil {
		t.Errorf("another service: %v", err)
	} else {
		rc.Close()
	}

	flip := []byte(sig) // one hex digit changed
	if flip[10] == '0' {
		flip[10] = '1'
	} else {
		flip[10] = '0'
	}
	for name, args := range map[string][3]string{
		"tampered sig":     {ber, expires, string(flip)},
		"sig not hex":      {ber, expires, "zz" + sig[2:]},
		"short sig":        {ber, expires, sig[:62]},
		"no sig":           {ber, expires, ""},
		"later expiry":     {ber, itoa(exp + 1), sig},
		"padded expiry":    {ber, "0" + expires, sig},
		"signed expiry":    {ber, "+" + expires, sig},
		"other ber":        {kore.NewExportID(), expires, sig},
		"malformed ber":    {"ber-x", expires, sig},
		"expiry not a num": {ber, "soon", sig},
	} {
		if _, _, _, err := s.Download(ctx, args[0], args[1], args[2]); !errors.Is(err, kore.ErrNotFound) {
			t.Errorf("%s: %v, want 404", name, err)
		}
	}
	// A genuine link for a BER that does not exist is 404 too.
	key, _ := s.signingKey(ctx)
	unknown := kore.NewExportID()
	if _, _, _, err := s.Download(ctx, unknown, expires, Sign(key, unknown, exp)); !errors.Is(err, kore.ErrNotFound) {
		t.Errorf("unknown ber: %v", err)
	}

	// Every status call signs afresh; an old link expires after the TTL.
	f.clock.add(time.Hour)
	if _, _, _, err := s.Download(ctx, ber, expires, sig); !errors.Is(err, kore.ErrGone) {
		t.Errorf("expired link: %v, want 410", err)
	}
	_, expires2, sig2, _ := link(t, s, f)
	if expires2 == expires || sig2 == sig {
		t.Error("status did not sign a new link")
	}
	if rc, _, _, err := s.Download(ctx, ber, expires2, sig2); err != nil {
		t.Errorf("new link: %v", err)
	} else {
		rc.Close()
	}
}

// TestCleanup deletes exports past retention with their zips; their links
// and the bot's status answer as for an unknown export.
func TestCleanup(t *testing.T) {
	f := newFixtureExport(t)
	s := f.service()
	ctx := context.Background()
	ber, expires, sig, _ := link(t, s, f)
	w := s.CleanupWorker(24 * time.Hour)
	if err := w.Work(ctx, &river.Job[CleanupArgs]{}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.st.Export(ctx, f.app.AccountID, ber); err != nil {
		t.Fatalf("a recent export was deleted: %v", err)
	}
	f.clock.add(25 * time.Hour)
	if err := w.Work(ctx, &river.Job[CleanupArgs]{}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.blobs.Size(ctx, f.exp.BlobKey); !errors.Is(err, blob.ErrNotFound) {
		t.Errorf("zip still stored: %v", err)
	}
	if _, err := s.Status(ctx, f.app, f.bot.ID); !errors.Is(err, kore.ErrRequestID) {
		t.Errorf("status after retention: %v", err)
	}
	// The old link has expired by now; a freshly signed one finds nothing.
	key, _ := s.signingKey(ctx)
	later := f.clock.now().Add(time.Hour).Unix()
	if _, _, _, err := s.Download(ctx, ber, expires, sig); !errors.Is(err, kore.ErrGone) {
		t.Errorf("old link: %v", err)
	}
	if _, _, _, err := s.Download(ctx, ber, itoa(later), Sign(key, ber, later)); !errors.Is(err, kore.ErrNotFound) {
		t.Errorf("link to a deleted export: %v", err)
	}
}

func itoa(n int64) string {
	b, _ := json.Marshal(n)
	return string(b)
}
