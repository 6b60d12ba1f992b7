package exporter

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"errors"
	"testing"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/botport/botport/internal/kore"
	"github.com/botport/botport/internal/store"
)

// jobs enqueues nothing; run, when set, is started once the export is
// committed (as River would pick it up).
type jobs struct {
	run func(args ExportArgs)
}

func (j *jobs) InsertTx(_ context.Context, tx *sql.Tx, args river.JobArgs, _ *river.InsertOpts) (*rivertype.JobInsertResult, error) {
	if tx == nil {
		return nil, errors.New("no transaction")
	}
	if j.run != nil {
		go j.run(args.(ExportArgs))
	}
	return &rivertype.JobInsertResult{}, nil
}

// newVersion writes a version of the bot holding one 100-byte record and
// returns its id.
func (f *fixtureExport) newVersion(t *testing.T) string {
	t.Helper()
	body := []byte(`"0123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456"`)
	sum := sha256.Sum256(body)
	v, err := f.st.WriteVersion(t.Context(), &store.VersionWrite{AccountID: f.app.AccountID, BotID: f.bot.ID, VersionID: kore.NewHexID(),
		StagedBy: store.StagedBy{Kind: store.StagedByVariables, ID: kore.NewHexID()}, At: f.clock.now(),
		Records: []store.Record{{File: "botDefinition.json", Member: "color", Kind: "setting", Ident: "color", Hash: sum[:], Body: body}}})
	if err != nil {
		t.Fatal(err)
	}
	return v.ID
}

// TestStartPublished: exportType published snapshots the version the last
// publish made live, whatever is current; a bot never published is
// refused and no request is written.
func TestStartPublished(t *testing.T) {
	f := newFixtureExport(t)
	s := f.service()
	s.SetJobs(&jobs{})
	ctx := t.Context()
	first := f.exp.VersionID
	if _, err := s.Start(ctx, f.app, f.bot.ID, &Request{ExportType: TypePublished}); err != kore.ErrNotPublished {
		t.Fatalf("published export of a never-published bot: %v", err)
	}
	if latest, _ := f.st.LatestExport(ctx, f.app.AccountID, f.bot.ID); latest.ID != f.exp.ID {
		t.Errorf("a refused export wrote request %s", latest.ID)
	}
	p := &store.Publish{ID: kore.NewPublishID(), AccountID: f.app.AccountID, BotID: f.bot.ID, AppID: f.app.ID, CreatedBy: f.app.UserID,
		Comment: "c", Status: store.StatusPending, CreatedOn: f.clock.now()}
	if err := f.st.CreatePublish(ctx, p, func(context.Context, *sql.Tx) error { return nil }); err != nil {
		t.Fatal(err)
	}
	if _, err := f.st.CommitPublish(ctx, &store.PublishCommit{AccountID: f.app.AccountID, BotID: f.bot.ID, PublishID: p.ID, At: f.clock.now()}); err != nil {
		t.Fatal(err)
	}
	second := f.newVersion(t)
	for _, tt := range []struct {
		typ, want string
	}{{TypePublished, first}, {TypeLatest, second}} {
		st, err := s.Start(ctx, f.app, f.bot.ID, &Request{ExportType: tt.typ})
		if err != nil {
			t.Fatal(err)
		}
		exp, _ := f.st.Export(ctx, f.app.AccountID, st.ID)
		if exp.VersionID != tt.want || exp.ExportType != tt.typ || st.ExportType != tt.typ {
			t.Errorf("%s export of version %s (type %q), want %s", tt.typ, exp.VersionID, exp.ExportType, tt.want)
		}
	}
}

// TestShortExports: Start answers once an export it expects to be short
// has ended; a long one, or any when waiting is off, is answered at once.
// No assertion depends on how long anything takes: the job either runs or
// never does.
func TestShortExports(t *testing.T) {
	f := newFixtureExport(t)
	ctx := t.Context()
	current := f.newVersion(t) // 100 bytes of content
	state := func(s *Service, st *Status) string {
		t.Helper()
		exp, err := f.st.Export(ctx, f.app.AccountID, st.ID)
		if err != nil {
			t.Fatal(err)
		}
		return exp.Status
	}
	start := func(s *Service) *Status {
		t.Helper()
		st, err := s.Start(ctx, f.app, f.bot.ID, &Request{ExportType: TypeLatest})
		if err != nil {
			t.Fatal(err)
		}
		if st.State != store.StatusPending {
			t.Errorf("the answer says %s: it describes the accepted request", st.State)
		}
		return st
	}

	// The job runs (and ends: this bot's version has no definition, a
	// content problem): Start returns after it.
	s := New(Config{Store: f.st, Blobs: f.blobs, ShortWait: time.Minute}) // a real clock: it learns the speed
	s.SetJobs(&jobs{run: func(args ExportArgs) {
		// As River would: the job runs once the request is committed.
		task, err := s.loadTask(context.Background(), args)
		for errors.Is(err, store.ErrNotFound) {
			time.Sleep(time.Millisecond)
			task, err = s.loadTask(context.Background(), args)
		}
		if err != nil {
			t.Error(err)
			return
		}
		if err := task.Run(context.Background(), 1); err != nil {
			t.Error(err)
		}
	}})
	if got := state(s, start(s)); got == store.StatusPending {
		t.Errorf("a short export was answered before it ended")
	}
	if s.short.rate <= 0 || len(s.short.waiting) != 0 {
		t.Errorf("after the wait: rate %v, %d waiting", s.short.rate, len(s.short.waiting))
	}

	// No job runs: Start gives up at the bound.
	s = New(Config{Store: f.st, Blobs: f.blobs, Now: f.clock.now, ShortWait: 10 * time.Millisecond})
	s.SetJobs(&jobs{})
	if got := state(s, start(s)); got != store.StatusPending {
		t.Errorf("an export no job ran is %s", got)
	}

	// Expected to take longer than the bound (100 bytes at 1 byte/s), or
	// waiting off: answered at once, and the job was not waited for.
	for name, cfg := range map[string]Config{
		"long":     {Store: f.st, Blobs: f.blobs, Now: f.clock.now, ShortWait: time.Minute},
		"wait off": {Store: f.st, Blobs: f.blobs, Now: f.clock.now, ShortWait: -1},
	} {
		s := New(cfg)
		s.short.rate = 1
		ran := make(chan struct{})
		s.SetJobs(&jobs{run: func(ExportArgs) { close(ran) }})
		w := s.shortExport(ctx, &store.Export{ID: kore.NewExportID(), AccountID: f.app.AccountID, VersionID: current})
		if w.bound != 0 {
			t.Errorf("%s: waits %v", name, w.bound)
		}
		start(s)
		<-ran
	}
}
