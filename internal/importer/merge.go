package importer

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"

	"github.com/go-json-experiment/json/jsontext"

	"github.com/botport/botport/internal/botdef"
	"github.com/botport/botport/internal/kore"
	"github.com/botport/botport/internal/merge"
	"github.com/botport/botport/internal/selection"
	"github.com/botport/botport/internal/store"
)

// merge replaces the staged version holding the file's records with a new
// staged version holding the result of the incremental import. The rules
// are package merge's; this is their I/O: it loads the target's and the
// file's records (metadata, plus the bodies merge.Input.Needs asks for),
// and writes the result's records, by reference where a body is already
// stored.
func (r *run) merge(ctx context.Context) error {
	st := r.s.cfg.Store
	acct := r.imp.AccountID
	in, err := r.mergeInput(ctx)
	if err != nil {
		return err
	}
	res, err := merge.Merge(in)
	if err != nil {
		return err
	}
	layout, err := json.Marshal(res.Layout)
	if err != nil {
		return err
	}
	vid := kore.NewHexID()
	if err := st.StageVersion(ctx, &store.Version{ID: vid, BotID: r.imp.BotID, AccountID: acct, StagedBy: r.stagedBy(),
		Layout: layout, CreatedOn: r.started}); err != nil {
		return err
	}
	var refs []store.Record
	batch := &batcher{st: st, accountID: acct, vid: vid}
	for _, rec := range res.Records {
		sr := store.Record{File: rec.File, Member: rec.Member, Seq: rec.Seq, Kind: rec.Kind, Ident: rec.Ident,
			RefID: rec.RefID, Name: rec.Name, Count: rec.Count, Hash: rec.Hash, Body: rec.Body}
		if rec.Body == nil {
			refs = append(refs, sr)
			continue
		}
		batch.recs, batch.bytes = append(batch.recs, sr), batch.bytes+len(sr.Body)
		if len(batch.recs) >= batchRecords || batch.bytes >= batchBytes {
			if err := batch.flush(ctx); err != nil {
				return err
			}
		}
	}
	for start := 0; start < len(refs); start += batchRecords {
		if err := st.PutRecordRefs(ctx, acct, vid, refs[start:min(start+batchRecords, len(refs))]); err != nil {
			return err
		}
	}
	if err := batch.flush(ctx); err != nil {
		return err
	}
	links := make([]store.Link, len(res.Links))
	for i, l := range res.Links {
		links[i] = store.Link(l)
	}
	if err := st.PutLinks(ctx, vid, links); err != nil {
		return err
	}
	if err := st.DiscardVersion(ctx, r.vid); err != nil {
		return err
	}
	r.vid = vid
	return nil
}

// mergeInput loads what the merge decides from: both versions' layouts and
// record metadata, the target's links, and only the bodies the merge
// reads (utterance and pattern elements, localeData, the target's
// component _ids), never every body of a large bot.
func (r *run) mergeInput(ctx context.Context) (*merge.Input, error) {
	st := r.s.cfg.Store
	acct := r.imp.AccountID
	tv, err := st.Version(ctx, acct, r.bot.VersionID)
	if err != nil {
		return nil, fmt.Errorf("target version: %w", err)
	}
	in := &merge.Input{Selection: r.req.Options, File: r.def, Functions: len(r.src.Functions) > 0}
	if err := json.Unmarshal(tv.Layout, &in.Target.Layout); err != nil {
		return nil, fmt.Errorf("target layout: %w", err)
	}
	in.Source.Layout = botdef.Layout{Definition: r.def.Members, Config: r.cfg.Members}
	for _, side := range []struct {
		vid string
		v   *merge.Version
	}{{tv.ID, &in.Target}, {r.vid, &in.Source}} {
		meta, err := st.RecordMeta(ctx, acct, side.vid)
		if err != nil {
			return nil, err
		}
		side.v.Records = make([]merge.Record, len(meta))
		for i, rec := range meta {
			side.v.Records[i] = merge.Record{Record: botdef.Record{File: rec.File, Member: rec.Member, Seq: rec.Seq, Kind: rec.Kind,
				Ident: rec.Ident, RefID: rec.RefID, Name: rec.Name, Count: rec.Count}, Hash: rec.Hash}
		}
	}
	tLinks, err := st.Links(ctx, tv.ID)
	if err != nil {
		return nil, err
	}
	for _, l := range tLinks {
		in.Target.Links = append(in.Target.Links, botdef.Link(l))
	}
	need := in.Needs()
	if need.TargetComponents {
		err := st.Records(ctx, acct, tv.ID, botdef.FileDefinition, "dialogComponents", func(rec *store.Record) error {
			f, err := botdef.Fields(rec.Body)
			if err != nil {
				return err
			}
			in.Target.Bodies.Components = append(in.Target.Bodies.Components, merge.Component{Ident: rec.Ident, ID: unquote(botdef.Get(f, "_id"))})
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	for _, load := range []struct {
		want   bool
		vid    string
		member string
		dst    *[][]byte
	}{
		{need.TargetUtterances, tv.ID, "sentences", &in.Target.Bodies.Utterances},
		{need.Utterances, r.vid, "sentences", &in.Source.Bodies.Utterances},
		{need.TargetPatterns, tv.ID, "patterns", &in.Target.Bodies.Patterns},
		{need.Patterns, r.vid, "patterns", &in.Source.Bodies.Patterns},
	} {
		if load.want {
			if *load.dst, err = r.elements(ctx, load.vid, load.member); err != nil {
				return nil, err
			}
		}
	}
	for _, load := range []struct {
		want bool
		vid  string
		dst  *[]byte
	}{{need.TargetLocale, tv.ID, &in.Target.Bodies.LocaleData}, {need.Locale, r.vid, &in.Source.Bodies.LocaleData}} {
		if !load.want {
			continue
		}
		err := st.Records(ctx, acct, load.vid, botdef.FileDefinition, "localeData", func(rec *store.Record) error {
			*load.dst = bytes.Clone(rec.Body)
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	return in, nil
}

// elements collects the array elements of a definition member's records.
func (r *run) elements(ctx context.Context, vid, member string) ([][]byte, error) {
	var out [][]byte
	err := r.s.cfg.Store.Records(ctx, r.imp.AccountID, vid, botdef.FileDefinition, member, func(rec *store.Record) error {
		br := botdef.Record{Member: rec.Member, Seq: rec.Seq, Count: rec.Count, Body: rec.Body}
		return botdef.Elements(&br, func(el []byte) error {
			out = append(out, bytes.Clone(el))
			return nil
		})
	})
	return out, err
}

// resultTarget is what the target contributes to the reference checks of
// an incremental import, with what the checks need to resolve the selected
// parts of the file against the result (export-format.md section 5: "file
// merged with target"): the selection, and when tasks are imported the
// target's components and the components each of its dialogs uses, which
// decide what the merge keeps. botDefinition passes it as the
// bundle.Options.Target of an incremental import.
func (r *run) resultTarget(ctx context.Context) (*botdef.Target, error) {
	t, err := r.target(ctx)
	if err != nil {
		return nil, err
	}
	t.Selects = r.req.Options.Selects
	if !r.req.Options.Selects(selection.BotTask) {
		return t, nil
	}
	st := r.s.cfg.Store
	links, err := st.Links(ctx, r.bot.VersionID)
	if err != nil {
		return nil, err
	}
	uses := make([]botdef.Link, len(links))
	for i, l := range links {
		uses[i] = botdef.Link(l)
	}
	t.DialogComponents = merge.DialogUses(uses)
	t.Components = map[string]botdef.TargetComponent{}
	err = st.Records(ctx, r.imp.AccountID, r.bot.VersionID, botdef.FileDefinition, "dialogComponents", func(rec *store.Record) error {
		f, err := botdef.Fields(rec.Body)
		if err != nil {
			return err
		}
		t.Components[rec.Ident] = botdef.TargetComponent{ID: unquote(botdef.Get(f, "_id")),
			Name: unquote(botdef.Get(f, "name")), Type: unquote(botdef.Get(f, "type"))}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return t, nil
}

func unquote(v jsontext.Value) string {
	if len(v) == 0 || v[0] != '"' {
		return ""
	}
	s, err := jsontext.AppendUnquote(nil, v)
	if err != nil {
		return ""
	}
	return string(s)
}
