package ui

import (
	"bytes"
	"context"
	"fmt"

	"github.com/botport/botport/internal/botdef"
	"github.com/botport/botport/internal/diff"
	"github.com/botport/botport/internal/store"
)

// RecordReader reads a version's records (store.Store's Records).
type RecordReader interface {
	Records(ctx context.Context, accountID, versionID, file, member string, fn func(*store.Record) error) error
}

// RecordsDiffer is the Differ of internal/diff: both versions' records are
// read from the store and compared by what they mean, exactly as the CLI's
// `botport diff` compares two exports (diff.Compare, no options).
type RecordsDiffer struct {
	Store RecordReader
}

// Compare reads both versions' records and compares them. Errors: faults
// of the store; a stored record whose body is not JSON (a defect).
func (d RecordsDiffer) Compare(ctx context.Context, accountID string, from, to *store.Version) (*DiffReport, error) {
	old, err := d.bot(ctx, accountID, from)
	if err != nil {
		return nil, err
	}
	cur, err := d.bot(ctx, accountID, to)
	if err != nil {
		return nil, err
	}
	r := diff.Compare(old, cur, diff.Options{})
	out := &DiffReport{Added: r.Summary.Added, Removed: r.Summary.Removed, Changed: r.Summary.Changed}
	for _, c := range r.Changes {
		out.Changes = append(out.Changes, DiffChange{Kind: c.Kind, Name: c.Name, Ident: c.Ident, Action: c.Action, Details: c.Details})
	}
	return out, nil
}

// bot reads every record of version v into the diff's model.
func (d RecordsDiffer) bot(ctx context.Context, accountID string, v *store.Version) (*diff.Bot, error) {
	var recs []*botdef.Record
	err := d.Store.Records(ctx, accountID, v.ID, "", "*", func(r *store.Record) error {
		recs = append(recs, &botdef.Record{File: r.File, Member: r.Member, Seq: r.Seq, Kind: r.Kind, Ident: r.Ident,
			RefID: r.RefID, Name: r.Name, Count: r.Count, Body: bytes.Clone(r.Body)})
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("records of version %d: %w", v.Number, err)
	}
	b, err := diff.FromRecords(recs)
	if err != nil {
		return nil, fmt.Errorf("version %d: %w", v.Number, err)
	}
	return b, nil
}
