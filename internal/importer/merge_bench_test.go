package importer_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"runtime/metrics"
	"sync"
	"testing"
	"time"

	"github.com/riverqueue/river"

	"github.com/botport/botport/internal/botgen"
	"github.com/botport/botport/internal/fixture"
	"github.com/botport/botport/internal/importer"
	"github.com/botport/botport/internal/kore"
	"github.com/botport/botport/internal/store"
)

// BenchmarkIncremental measures the worker's run of an incremental import
// of a generated bot (300 dialogs, 50,000 utterances, 2,000 FAQs) into
// itself, selecting tasks, utterances and patterns: the merge loads the
// utterance and pattern elements of both sides and everything else as
// metadata. peak-heap-MB samples the live heap during the run, so it moves
// with the merge's memory profile.
//
//	go test ./internal/importer -run '^$' -bench Incremental -benchmem -count 6 | benchstat -
func BenchmarkIncremental(b *testing.B) {
	dir := filepath.Join(b.TempDir(), "gen")
	if err := botgen.WriteDir(dir, botgen.Spec{Name: "Gen", Dialogs: 300, Utterances: 50_000, FAQs: 2000, Seed: 1}); err != nil {
		b.Fatal(err)
	}
	e := fixture.Export{Name: "gen", Dir: dir}
	env := newPipelineEnv(b)
	ctx := context.Background()
	job := env.start(b, e)
	if err := env.worker.Work(ctx, job); err != nil {
		b.Fatal(err)
	}
	env.mustSucceed(b, job.Args.ImportID)
	imp, err := env.st.Import(ctx, env.app.AccountID, job.Args.ImportID)
	if err != nil {
		b.Fatal(err)
	}
	opts, ok := importer.ParseOptions(json.RawMessage(`{"tasks":["botTask"],"nlpData":["utterances","patterns"]}`), nil)
	if !ok {
		b.Fatal("options")
	}
	fi, err := os.Stat(e.File("botDefinition.json"))
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(fi.Size())
	var peak uint64
	for b.Loop() {
		b.StopTimer()
		job := env.startInto(b, e, imp.BotID, &importer.Request{Mode: importer.ModeJSON, Options: opts})
		stop := sampleHeap(&peak)
		b.StartTimer()
		if err := env.worker.Work(ctx, job); err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		stop()
		env.mustSucceed(b, job.Args.ImportID)
		b.StartTimer()
	}
	b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MB")
}

// sampleHeap records the largest live heap seen until stop is called.
func sampleHeap(peak *uint64) (stop func()) {
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		s := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
		t := time.NewTicker(time.Millisecond)
		defer t.Stop()
		for {
			metrics.Read(s)
			if v := s[0].Value.Uint64(); v > *peak {
				*peak = v
			}
			select {
			case <-done:
				return
			case <-t.C:
			}
		}
	}()
	return func() { close(done); wg.Wait() }
}

// startInto uploads an export's files and starts an import into a bot with
// req's options, returning the job as a worker receives it.
func (p *pipelineEnv) startInto(b *testing.B, e fixture.Export, botID string, req *importer.Request) *river.Job[importer.ImportArgs] {
	ctx := context.Background()
	for _, f := range []struct {
		name string
		dst  *string
	}{{"botDefinition.json", &req.BotDefinition}, {"config.json", &req.ConfigInfo}} {
		rec := &store.File{ID: kore.NewHexID(), AccountID: p.app.AccountID, BlobKey: "uploads/" + kore.NewHexID(), Name: f.name,
			Context: "bulkImport", Extension: "json", CreatedOn: time.Now().UTC()}
		rec.ExpiresOn = rec.CreatedOn.Add(time.Hour)
		r, err := os.Open(e.File(f.name))
		if err != nil {
			b.Fatal(err)
		}
		n, err := p.blobs.Write(ctx, rec.BlobKey, r)
		r.Close()
		if err != nil {
			b.Fatal(err)
		}
		rec.Size = n
		if err := p.st.CreateFile(ctx, rec); err != nil {
			b.Fatal(err)
		}
		*f.dst = rec.ID
	}
	p.jobs.last = nil
	if _, err := p.svc.Start(ctx, p.app, botID, req); err != nil || p.jobs.last == nil {
		b.Fatalf("start: %v", err)
	}
	row := *p.jobs.last
	row.Attempt, row.MaxAttempts = 1, max(row.MaxAttempts, 1)
	var args importer.ImportArgs
	if err := json.Unmarshal(row.EncodedArgs, &args); err != nil {
		b.Fatal(err)
	}
	return &river.Job[importer.ImportArgs]{JobRow: &row, Args: args}
}
