package bench

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"runtime/debug"
	"sort"
	"sync"
	"time"

	"github.com/botport/botport/client"
	"github.com/botport/botport/internal/kore"
	"github.com/botport/botport/internal/store"
)

// ExportFiles are the three files of an export folder.
var ExportFiles = []string{"botDefinition.json", "config.json", "icon.png"}

// ImportOnce uploads an export folder's files, imports them as a new bot
// and polls until the import ends: the time from the first upload byte to
// a document reading success. It returns the import's ID.
func ImportOnce(ctx context.Context, c *client.Client, dir string) (time.Duration, string, error) {
	start := time.Now()
	ids := map[string]string{}
	for _, f := range ExportFiles {
		up, err := c.UploadFile(ctx, filepath.Join(dir, f), nil)
		if err != nil {
			return 0, "", err
		}
		ids[f] = up.FileID
	}
	st, err := c.ImportNew(ctx, client.ImportRequest{BotDefinition: ids["botDefinition.json"], ConfigInfo: ids["config.json"], Icon: ids["icon.png"]})
	if err != nil {
		return 0, "", err
	}
	done, err := waitClosely(ctx, c, st.ID, start)
	if err != nil {
		return 0, "", err
	}
	if done.Status != "success" {
		return 0, "", fmt.Errorf("import of %s: %s %s", dir, done.Status, done.Message)
	}
	return time.Since(start), st.ID, nil
}

// waitClosely polls an import's status until it ends, every 2 ms or every
// 2% of the time since start, whichever is longer: the measurement is off
// by at most that much, and a long import is not slowed by polls reading
// its growing document hundreds of times a second (clients poll once a
// second at most on the platform).
func waitClosely(ctx context.Context, c *client.Client, bir string, start time.Time) (*client.Status, error) {
	for {
		st, err := c.ImportStatus(ctx, bir)
		if err != nil {
			return nil, err
		}
		if st.Done() {
			return st, nil
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(max(2*time.Millisecond, time.Since(start)/50)):
		}
	}
}

// Limit is the floor an import is measured against: read the export's JSON
// files, decode them with the standard library's decoder, and write their
// bytes once into the same store in one transaction.
func Limit(ctx context.Context, st store.Store, accountID, dir string) (time.Duration, error) {
	start := time.Now()
	var recs []store.Record
	for _, f := range ExportFiles[:2] {
		b, err := os.ReadFile(filepath.Join(dir, f))
		if err != nil {
			return 0, err
		}
		var v any
		if err := json.NewDecoder(bytes.NewReader(b)).Decode(&v); err != nil {
			return 0, err
		}
		sum := sha256.Sum256(b)
		recs = append(recs, store.Record{File: f, Kind: "bench", Ident: f, Hash: sum[:], Body: b})
	}
	vid := kore.NewHexID()
	if err := st.StageVersion(ctx, &store.Version{ID: vid, BotID: kore.NewBotID(), AccountID: accountID, StagedBy: store.StagedBy{Kind: "bench", ID: vid}, CreatedOn: time.Now()}); err != nil {
		return 0, err
	}
	if err := st.PutRecords(ctx, accountID, vid, recs); err != nil {
		return 0, err
	}
	d := time.Since(start)
	return d, st.DiscardVersion(ctx, vid)
}

// ImportCost compares one export's import with its limit.
type ImportCost struct {
	Name  string
	Bytes int64 // botDefinition.json
	// Import is upload to success as the client sees it; Pipeline the part
	// the server's worker ran (parse, validate, stage, commit); Limit the
	// floor both are compared with.
	Import, Pipeline, Limit time.Duration
}

// Ratio is the import's time over the limit's.
func (c ImportCost) Ratio() float64 { return float64(c.Import) / float64(c.Limit) }

// PipelineRatio is the worker's time over the limit's.
func (c ImportCost) PipelineRatio() float64 { return float64(c.Pipeline) / float64(c.Limit) }

// Target is the server under test as CompareImport uses it.
type Target struct {
	Client *client.Client
	// Pipeline reads how long the server's worker ran an import.
	Pipeline func(bir string) (time.Duration, error)
	// Store is the server's store, opened by this process, for the limit.
	Store     store.Store
	AccountID string
	// Settle, untimed, after each measurement, brings the store back to
	// rest (SQLite: a WAL checkpoint), so that a measurement does not pay
	// for the one before it: a 160 MB write left in SQLite's WAL slows the
	// next writer down by half.
	Settle func(context.Context) error
}

// CompareImport alternates imports and limits of one export folder, rounds
// times each, and keeps the medians.
func CompareImport(ctx context.Context, t Target, name, dir string, rounds int) (ImportCost, error) {
	c, st, accountID := t.Client, t.Store, t.AccountID
	fi, err := os.Stat(filepath.Join(dir, "botDefinition.json"))
	if err != nil {
		return ImportCost{}, err
	}
	var imps, pipes, lims []time.Duration
	for i := 0; i < rounds; i++ {
		l, err := Limit(ctx, st, accountID, dir)
		if err != nil {
			return ImportCost{}, err
		}
		if err := t.Settle(ctx); err != nil {
			return ImportCost{}, err
		}
		// The limit's decoded documents are garbage now: collect them before
		// the import is timed, or the collector would compete with the server.
		debug.FreeOSMemory()
		d, bir, err := ImportOnce(ctx, c, dir)
		if err != nil {
			return ImportCost{}, err
		}
		p, err := t.Pipeline(bir)
		if err != nil {
			return ImportCost{}, err
		}
		if err := t.Settle(ctx); err != nil {
			return ImportCost{}, err
		}
		lims, imps, pipes = append(lims, l), append(imps, d), append(pipes, p)
	}
	return ImportCost{Name: name, Bytes: fi.Size(), Import: median(imps), Pipeline: median(pipes), Limit: median(lims)}, nil
}

func median(ds []time.Duration) time.Duration {
	s := append([]time.Duration(nil), ds...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	return s[len(s)/2]
}

// Throughput is many imports submitted at once.
type Throughput struct {
	Imports, Failed int
	Elapsed         time.Duration
}

// PerSecond is imports finished per second.
func (t Throughput) PerSecond() float64 { return float64(t.Imports) / t.Elapsed.Seconds() }

// ManyImports uploads each export folder once, then submits n imports that
// cycle through them, all at once, and waits until every one has ended.
func ManyImports(ctx context.Context, c *client.Client, dirs []string, n int) (Throughput, error) {
	type files struct{ def, cfg, icon string }
	var up []files
	for _, d := range dirs {
		var f files
		for _, p := range []struct {
			name string
			dst  *string
		}{{"botDefinition.json", &f.def}, {"config.json", &f.cfg}, {"icon.png", &f.icon}} {
			u, err := c.UploadFile(ctx, filepath.Join(d, p.name), nil)
			if err != nil {
				return Throughput{}, err
			}
			*p.dst = u.FileID
		}
		up = append(up, f)
	}
	start := time.Now()
	birs := make([]string, n)
	errs := make(chan error, n)
	var wg sync.WaitGroup
	sem := make(chan struct{}, 32)
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			f := up[i%len(up)]
			st, err := c.ImportNew(ctx, client.ImportRequest{BotDefinition: f.def, ConfigInfo: f.cfg, Icon: f.icon})
			if err != nil {
				errs <- err
				return
			}
			birs[i] = st.ID
		}()
	}
	wg.Wait()
	close(errs)
	if err := <-errs; err != nil {
		return Throughput{}, fmt.Errorf("submit: %w", err)
	}
	t := Throughput{Imports: n}
	for _, bir := range birs {
		st, err := c.Wait(ctx, bir, 50*time.Millisecond, nil)
		if err != nil {
			return Throughput{}, err
		}
		if st.Status != "success" {
			t.Failed++
		}
	}
	t.Elapsed = time.Since(start)
	return t, nil
}
