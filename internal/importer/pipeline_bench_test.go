package importer_test

import (
	"bytes"
	"context"
	"crypto/sha1"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"github.com/riverqueue/river/rivertype"

	"github.com/botport/botport/internal/blob"
	"github.com/botport/botport/internal/fixture"
	"github.com/botport/botport/internal/importer"
	"github.com/botport/botport/internal/kore"
	"github.com/botport/botport/internal/store"
	"github.com/botport/botport/internal/store/sqlite"
	"github.com/botport/botport/internal/store/sqlstore"
)

// BenchmarkPipeline measures the import worker alone, for three fixtures
// from the smallest to the largest: one job's run, from reading the
// uploaded files to the committed version, on a real SQLite file and local
// blobs. The uploads, the start and the queue are outside the timing (the
// job is handed to the worker directly), so this is the part of an import
// that `botport bench` reports as "pipeline". MB/s is of botDefinition.json.
// The last case imports vaxie into a store that already holds large bodies,
// as a long-lived one does (SQLite once slowed down twofold there).
//
//	go test ./internal/importer -run '^$' -bench Pipeline -count 6 | benchstat -
func BenchmarkPipeline(b *testing.B) {
	for _, c := range []struct {
		name, fixture string
		bigBodies     int
	}{
		{"weatherbot-old-format", "weatherbot-old-format", 0},
		{"demobot1-full", "demobot1-full", 0},
		{"vaxie", "vaxie", 0},
		{"vaxie-beside-8x4MB-bodies", "vaxie", 8},
	} {
		b.Run(c.name, func(b *testing.B) {
			env := newPipelineEnv(b)
			env.bigBodies(b, c.bigBodies, 4<<20)
			e := fixture.Get(b, c.fixture)
			fi, err := os.Stat(e.File("botDefinition.json"))
			if err != nil {
				b.Fatal(err)
			}
			b.SetBytes(fi.Size())
			ctx := context.Background()
			for b.Loop() {
				b.StopTimer()
				job := env.start(b, e)
				b.StartTimer()
				if err := env.worker.Work(ctx, job); err != nil {
					b.Fatal(err)
				}
				b.StopTimer()
				env.mustSucceed(b, job.Args.ImportID)
				b.StartTimer()
			}
		})
	}
}

type pipelineEnv struct {
	db     *sqlstore.DB
	st     store.Store
	blobs  *blob.Store
	svc    *importer.Service
	worker river.Worker[importer.ImportArgs]
	app    *store.App
	jobs   *recorder
}

// recorder is River's client inserting for real, keeping the last job row
// so that the benchmark can hand it to the worker without a poll.
type recorder struct {
	*river.Client[*sql.Tx]
	last *rivertype.JobRow
}

func (r *recorder) InsertTx(ctx context.Context, tx *sql.Tx, args river.JobArgs, opts *river.InsertOpts) (*rivertype.JobInsertResult, error) {
	res, err := r.Client.InsertTx(ctx, tx, args, opts)
	if err == nil {
		r.last = res.Job
	}
	return res, err
}

func newPipelineEnv(b *testing.B) *pipelineEnv {
	ctx := context.Background()
	dir := b.TempDir()
	db, err := sqlite.Open(ctx, filepath.Join(dir, "botport.db"))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	blobs, err := blob.Open(ctx, filepath.Join(dir, "blobs"))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { blobs.Close() })
	acct, err := db.EnsureAccount(ctx, "bench")
	if err != nil {
		b.Fatal(err)
	}
	app := &store.App{ID: kore.NewAppID(), AccountID: acct.ID, Name: "bench", Secret: "secret", Algorithm: "HS256",
		Scopes: []string{"bot_import"}, UserID: kore.NewUserID(), CreatedOn: time.Now()}
	if err := db.CreateApp(ctx, app); err != nil {
		b.Fatal(err)
	}
	svc := importer.New(importer.Config{Store: db, Blobs: blobs})
	// A client that inserts but never works: the benchmark is the worker.
	client, err := river.NewClient(riversqlite.New(db.W), &river.Config{})
	if err != nil {
		b.Fatal(err)
	}
	rec := &recorder{Client: client}
	svc.SetJobs(rec)
	return &pipelineEnv{db: db, st: db, blobs: blobs, svc: svc, worker: svc.Worker(), app: app, jobs: rec}
}

// start uploads the export's files and starts its import as a new bot,
// returning the job as a worker receives it.
func (p *pipelineEnv) start(b *testing.B, e fixture.Export) *river.Job[importer.ImportArgs] {
	ctx := context.Background()
	ids := map[string]string{}
	for _, name := range []string{"botDefinition.json", "config.json", "icon.png"} {
		f, err := os.Open(e.File(name))
		if err != nil {
			b.Fatal(err)
		}
		h := sha1.New()
		rec := &store.File{ID: kore.NewHexID(), AccountID: p.app.AccountID, BlobKey: "uploads/" + kore.NewHexID(), Name: name,
			Context: "bulkImport", Extension: filepath.Ext(name)[1:], CreatedOn: time.Now().UTC()}
		rec.ExpiresOn = rec.CreatedOn.Add(time.Hour)
		n, err := p.blobs.Write(ctx, rec.BlobKey, io.TeeReader(f, h))
		f.Close()
		if err != nil {
			b.Fatal(err)
		}
		rec.Size, rec.SHA1 = n, hex.EncodeToString(h.Sum(nil))
		if err := p.st.CreateFile(ctx, rec); err != nil {
			b.Fatal(err)
		}
		ids[name] = rec.ID
	}
	doc, err := p.svc.Start(ctx, p.app, "", &importer.Request{Mode: importer.ModeJSON,
		BotDefinition: ids["botDefinition.json"], ConfigInfo: ids["config.json"], Icon: ids["icon.png"]})
	if err != nil {
		b.Fatal(err)
	}
	var started struct {
		ID string `json:"_id"`
	}
	if err := json.Unmarshal(doc, &started); err != nil || p.jobs.last == nil {
		b.Fatalf("start: %v (%s)", err, doc)
	}
	row := *p.jobs.last
	row.Attempt, row.MaxAttempts = 1, max(row.MaxAttempts, 1)
	var args importer.ImportArgs
	if err := json.Unmarshal(row.EncodedArgs, &args); err != nil || args.ImportID != started.ID {
		b.Fatalf("job args %s for import %s: %v", row.EncodedArgs, started.ID, err)
	}
	return &river.Job[importer.ImportArgs]{JobRow: &row, Args: args}
}

// bigBodies leaves n bodies of size bytes in the store, as discarded
// versions do (bodies are shared by content and outlive them).
func (p *pipelineEnv) bigBodies(b *testing.B, n, size int) {
	if n == 0 {
		return
	}
	ctx := context.Background()
	vid := kore.NewHexID()
	if err := p.st.StageVersion(ctx, &store.Version{ID: vid, BotID: kore.NewBotID(), AccountID: p.app.AccountID,
		StagedBy: store.StagedBy{Kind: store.StagedByImport, ID: kore.NewImportID()}, CreatedOn: time.Now()}); err != nil {
		b.Fatal(err)
	}
	recs := make([]store.Record, n)
	for i := range recs {
		body := bytes.Repeat([]byte{byte('a' + i)}, size)
		sum := sha256.Sum256(body)
		recs[i] = store.Record{File: "big.json", Kind: "bench", Ident: fmt.Sprint(i), Seq: i, Hash: sum[:], Body: body}
	}
	if err := p.st.PutRecords(ctx, p.app.AccountID, vid, recs); err != nil {
		b.Fatal(err)
	}
	if err := p.st.DiscardVersion(ctx, vid); err != nil {
		b.Fatal(err)
	}
}

func (p *pipelineEnv) mustSucceed(b *testing.B, importID string) {
	imp, err := p.st.Import(context.Background(), p.app.AccountID, importID)
	if err != nil {
		b.Fatal(err)
	}
	if imp.Status != store.StatusSuccess {
		b.Fatalf("import %s: %s\n%s", importID, imp.Status, imp.Doc)
	}
}
