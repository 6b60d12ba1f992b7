package importer

import (
	"context"
	"crypto/sha256"

	"github.com/botport/botport/internal/botdef"
	"github.com/botport/botport/internal/store"
)

// Batch bounds: records are written in short transactions so that the
// single SQLite writer is never held long.
const (
	batchRecords = 500
	batchBytes   = 4 << 20
)

// batcher writes records to a staged version in bounded batches.
type batcher struct {
	st        recordWriter
	accountID string
	vid       string
	recs      []store.Record
	bytes     int
	n         int // records written
}

// recordWriter is what a batcher writes to.
type recordWriter interface {
	PutRecords(ctx context.Context, accountID, versionID string, recs []store.Record) error
}

// storeRecord is a parsed record as the store keeps it, hashed.
func storeRecord(r *botdef.Record) store.Record {
	sum := sha256.Sum256(r.Body)
	return store.Record{File: r.File, Member: r.Member, Seq: r.Seq, Kind: r.Kind, Ident: r.Ident,
		RefID: r.RefID, Name: r.Name, Count: r.Count, Hash: sum[:], Body: r.Body}
}

func (b *batcher) put(ctx context.Context, r *botdef.Record) error {
	b.recs = append(b.recs, storeRecord(r))
	b.bytes += len(r.Body)
	if len(b.recs) >= batchRecords || b.bytes >= batchBytes {
		return b.flush(ctx)
	}
	return nil
}

func (b *batcher) flush(ctx context.Context) error {
	if len(b.recs) == 0 {
		return nil
	}
	if err := b.st.PutRecords(ctx, b.accountID, b.vid, b.recs); err != nil {
		return err
	}
	b.n += len(b.recs)
	clear(b.recs)
	b.recs, b.bytes = b.recs[:0], 0
	return nil
}
