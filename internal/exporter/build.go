package exporter

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/go-json-experiment/json/jsontext"

	"github.com/botport/botport/internal/botdef"
	"github.com/botport/botport/internal/exportzip"
	"github.com/botport/botport/internal/selection"
	"github.com/botport/botport/internal/store"
)

// recordsFunc streams the records of one member of one file of the version
// being exported, in Seq order: store.Store.Records bound to the version.
// Whole-file records (icon, scripts) have member "". Bodies are only valid
// during the call.
type recordsFunc func(file, member string, fn func(*store.Record) error) error

// content is a stored bot version, as the export reads it.
type content struct {
	layout  botdef.Layout
	records recordsFunc
	links   []store.Link
	meta    []store.Record // records without bodies: finds the icon and scripts
}

// fault marks an error of the store or the blob store: another attempt may
// succeed. Every other error of a build is a content problem, final.
type fault struct{ err error }

func (f *fault) Error() string { return f.err.Error() }
func (f *fault) Unwrap() error { return f.err }

func isFault(err error) bool {
	var f *fault
	return errors.As(err, &f)
}

// faultWriter marks the errors of the zip's destination as faults.
type faultWriter struct{ w io.Writer }

func (fw faultWriter) Write(b []byte) (int, error) {
	n, err := fw.w.Write(b)
	if err != nil {
		err = &fault{err}
	}
	return n, err
}

// build writes the export zip of a plan to w: botDefinition.json and
// config.json rebuilt from the records (with the request's selection
// applied), the icon, and one entry per bot-functions script under its
// stored name.
func build(w io.Writer, p *plan, at time.Time) error {
	c := p.c
	files := []exportzip.File{
		{Name: botdef.FileDefinition, Modified: at, Write: func(w io.Writer) error {
			return botdef.WriteFile(w, p.members[botdef.FileDefinition], p.source(botdef.FileDefinition))
		}},
		{Name: botdef.FileConfig, Modified: at, Write: func(w io.Writer) error {
			return botdef.WriteFile(w, p.members[botdef.FileConfig], p.source(botdef.FileConfig))
		}},
	}
	whole := func(name, file string) exportzip.File {
		return exportzip.File{Name: name, Modified: at, Write: func(w io.Writer) error {
			return c.read(file, "", func(r *store.Record) error {
				_, err := w.Write(r.Body)
				return err
			})
		}}
	}
	var scripts []exportzip.File
	for _, r := range c.meta {
		switch r.Kind {
		case botdef.KindIcon:
			if len(files) == 2 { // one icon per version; the first is the one
				files = append(files, whole(botdef.FileIcon, r.File))
			}
		case botdef.KindBotFunction:
			scripts = append(scripts, whole(r.File, r.File))
		}
	}
	slices.SortFunc(scripts, func(a, b exportzip.File) int { return strings.Compare(a.Name, b.Name) })
	return exportzip.Write(faultWriter{w}, append(files, scripts...))
}

// read streams records, marking the store's own errors as faults and
// passing fn's errors through unchanged.
func (c *content) read(file, member string, fn func(*store.Record) error) error {
	var fnErr error
	err := c.records(file, member, func(r *store.Record) error {
		if err := fn(r); err != nil {
			fnErr = err
			return err
		}
		return nil
	})
	switch {
	case err == nil:
		return nil
	case fnErr != nil && errors.Is(err, fnErr):
		return fnErr
	}
	return &fault{err}
}

// elementFunc rewrites one array element; nil drops it.
type elementFunc func(r *store.Record, el []byte) ([]byte, error)

// plan is what an export writes: the members of each file and how each
// member's records are rewritten.
type plan struct {
	c        *content
	members  map[string][]botdef.Member
	empty    map[string]bool // file + "/" + member: written without records
	replace  map[string][]byte
	elements map[string]elementFunc // file + "/" + member
}

func key(file, member string) string { return file + "/" + member }

// newPlan applies req to the version's layout. An export without options
// or subTasks changes nothing, so it writes the stored files byte for byte.
func newPlan(c *content, req *Request) (*plan, error) {
	p := &plan{c: c, members: map[string][]botdef.Member{}, empty: map[string]bool{}, replace: map[string][]byte{},
		elements: map[string]elementFunc{}}
	o := req.Options
	def := botdef.FileDefinition
	for _, file := range []string{def, botdef.FileConfig} {
		members := c.layout.Definition
		if file == botdef.FileConfig {
			members = c.layout.Config
		}
		for _, m := range members {
			// What the platform's partial exports (the demobot1 fixtures) do
			// with the members of a group they leave out: selection's table.
			a := selection.Keep
			if g := selection.MemberGroup(file, m.Name); g != "" && !o.Exports(g) {
				a = selection.ExportAction(file, m.Name)
			}
			switch a {
			case selection.Drop:
				continue
			case selection.Empty:
				p.empty[key(file, m.Name)] = true
			case selection.Stub:
				stub := botdef.DialogStub
				if m.Name == "dialogComponents" {
					stub = botdef.ComponentStub
				}
				p.elements[key(file, m.Name)] = func(_ *store.Record, el []byte) ([]byte, error) { return stub(el) }
			}
			p.members[file] = append(p.members[file], m)
		}
	}
	if !o.Exports(selection.BotTask) {
		// The platform's export without tasks leaves the dialog list out of
		// the ML parameters (demobot1-nlp-only): it names dialogs by refId.
		p.elements[key(def, "mlParams")] = func(_ *store.Record, el []byte) ([]byte, error) {
			return without(el, "dialogIntents")
		}
	}
	if req.Echo != nil {
		p.members[def] = withMember(p.members[def], "exportOptions")
		p.replace["exportOptions"] = req.Echo
	}
	p.variables(o)
	for file, ms := range p.members {
		for i, m := range ms {
			if p.empty[key(file, m.Name)] {
				// A member stored as a value (null) is exported empty too.
				ms[i].Shape = botdef.ShapeArray
				if m.Name == "botEvents" {
					ms[i].Shape = botdef.ShapeObject
				}
			}
		}
	}
	if len(req.Dialogs) > 0 && o.Exports(selection.BotTask) {
		if err := p.subTasks(req); err != nil {
			return nil, err
		}
	}
	return p, nil
}

// variables applies options.botVariables to the environment variables
// (config.json) and the content variables of an export that selects
// settings:botVariables (without it, the table empties both).
func (p *plan) variables(o *selection.Selection) {
	if o == nil || !o.Exports(selection.BotVariables) {
		return
	}
	for _, v := range []struct {
		file, member string
		ignoreAll    bool
	}{
		{botdef.FileConfig, "envVariables", o.IgnoreEnvironmentVariables},
		{botdef.FileDefinition, "contentVariables", o.IgnoreContentVariables},
	} {
		k := key(v.file, v.member)
		switch {
		case v.ignoreAll:
			p.empty[k] = true
		case len(o.IgnoreVariables) > 0:
			p.elements[k] = func(r *store.Record, el []byte) ([]byte, error) {
				if o.IgnoresVariable(v.file, r.Ident) { // the variable's key
					return nil, nil
				}
				return el, nil
			}
		}
	}
}

// subTasks restricts the export to the dialogs req names, with the dialogs
// they jump to when req.IncludeDependent, the components those dialogs use,
// and the utterances and patterns of those components (an utterance of a
// component left out would not resolve when the file is imported).
func (p *plan) subTasks(req *Request) error {
	def := botdef.FileDefinition
	type dialog struct{ ident, refID string }
	var all []dialog
	keepDialog := map[string]bool{}
	err := p.c.read(def, "dialogs", func(r *store.Record) error {
		f, err := botdef.Fields(r.Body)
		if err != nil {
			return fmt.Errorf("dialogs[%d]: %w", r.Seq, err)
		}
		id, lname := botdef.GetString(f, "_id"), botdef.GetString(f, "lname")
		all = append(all, dialog{r.Ident, r.RefID})
		for _, want := range req.Dialogs {
			if want == id || want == r.RefID || strings.EqualFold(want, r.Name) || strings.EqualFold(want, lname) {
				keepDialog[r.Ident] = true
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	if len(keepDialog) == 0 {
		return errors.New("subTasks.dialogs names no dialog of the bot")
	}
	if req.IncludeDependent {
		// Jumps name their target by refId, which is the target's identity
		// (dialogs without a refId cannot be jumped to).
		byRef := map[string]string{}
		for _, d := range all {
			if d.refID != "" {
				byRef[d.refID] = d.ident
			}
		}
		for changed := true; changed; {
			changed = false
			for _, l := range p.c.links {
				if l.FromKind == botdef.KindDialog && l.ToKind == botdef.KindDialog && keepDialog[l.FromIdent] {
					if to, ok := byRef[l.ToIdent]; ok && !keepDialog[to] {
						keepDialog[to], changed = true, true
					}
				}
			}
		}
	}
	keepComp := map[string]bool{}
	for _, l := range p.c.links {
		if l.FromKind == botdef.KindDialog && l.ToKind == botdef.KindComponent && keepDialog[l.FromIdent] {
			keepComp[l.ToIdent] = true
		}
	}
	// Utterances name their intent by the component's _id, patterns by its
	// refId: collect both for the kept components.
	compIDs, compRefs := map[string]bool{}, map[string]bool{}
	err = p.c.read(def, "dialogComponents", func(r *store.Record) error {
		if !keepComp[r.Ident] {
			return nil
		}
		f, err := botdef.Fields(r.Body)
		if err != nil {
			return fmt.Errorf("dialogComponents[%d]: %w", r.Seq, err)
		}
		compIDs[botdef.GetString(f, "_id")] = true
		if r.RefID != "" {
			compRefs[r.RefID] = true
		}
		return nil
	})
	if err != nil {
		return err
	}
	byIdent := func(set map[string]bool) elementFunc {
		return func(r *store.Record, el []byte) ([]byte, error) {
			if !set[r.Ident] {
				return nil, nil
			}
			return el, nil
		}
	}
	p.elements[key(def, "dialogs")] = byIdent(keepDialog)
	p.elements[key(def, "dialogComponents")] = byIdent(keepComp)
	p.elements[key(def, "patterns")] = func(r *store.Record, el []byte) ([]byte, error) {
		if !compRefs[r.RefID] {
			return nil, nil
		}
		return el, nil
	}
	p.elements[key(def, "sentences")] = func(_ *store.Record, el []byte) ([]byte, error) {
		f, err := botdef.Fields(el)
		if err != nil {
			return nil, fmt.Errorf("sentences: %w", err)
		}
		if !compIDs[botdef.GetString(f, "taskId")] {
			return nil, nil
		}
		return el, nil
	}
	return nil
}

// source is the botdef.RecordSource of one file under the plan.
func (p *plan) source(file string) botdef.RecordSource {
	return func(member string, fn func(*botdef.Record) error) error {
		k := key(file, member)
		if body, ok := p.replace[member]; ok && file == botdef.FileDefinition {
			return fn(&botdef.Record{File: file, Member: member, Kind: botdef.KindSetting, Ident: member, Body: body})
		}
		if p.empty[k] {
			return nil
		}
		elem := p.elements[k]
		return p.c.read(file, member, func(r *store.Record) error {
			br := &botdef.Record{File: r.File, Member: r.Member, Seq: r.Seq, Kind: r.Kind, Ident: r.Ident, RefID: r.RefID,
				Name: r.Name, Count: r.Count, Body: r.Body}
			if elem != nil && r.Kind != botdef.KindSetting { // a null or scalar member has no elements
				var err error
				if br, err = rewrite(r, br, elem); err != nil || br == nil {
					return err
				}
			}
			return fn(br)
		})
	}
}

// rewrite applies elem to each array element of a record. A record left
// without elements is dropped (nil).
func rewrite(r *store.Record, br *botdef.Record, elem elementFunc) (*botdef.Record, error) {
	if r.Count <= 1 && !botdef.Chunked(r.Member) {
		out, err := elem(r, r.Body)
		if err != nil || out == nil {
			return nil, err
		}
		br.Body = out
		return br, nil
	}
	body := []byte{'['}
	n := 0
	dec := jsontext.NewDecoder(bytes.NewReader(r.Body), jsontext.AllowDuplicateNames(true), jsontext.AllowInvalidUTF8(true))
	if tok, err := dec.ReadToken(); err != nil || tok.Kind() != '[' {
		return nil, fmt.Errorf("%s record %d is not an array of elements", r.Member, r.Seq)
	}
	for dec.PeekKind() != ']' {
		v, err := dec.ReadValue()
		if err != nil {
			return nil, fmt.Errorf("%s record %d: %w", r.Member, r.Seq, err)
		}
		out, err := elem(r, v)
		if err != nil {
			return nil, err
		}
		if out == nil {
			continue
		}
		if n > 0 {
			body = append(body, ',')
		}
		body = append(body, out...)
		n++
	}
	if n == 0 {
		return nil, nil
	}
	br.Body, br.Count = append(body, ']'), n
	return br, nil
}

// withMember returns members with a value member name, added where a full
// export places it (botdef.CanonicalOrder) when it is missing.
func withMember(members []botdef.Member, name string) []botdef.Member {
	if slices.ContainsFunc(members, func(m botdef.Member) bool { return m.Name == name }) {
		return members
	}
	at := slices.Index(botdef.CanonicalOrder, name)
	for i, m := range members {
		if j := slices.Index(botdef.CanonicalOrder, m.Name); j > at {
			return slices.Insert(slices.Clone(members), i, botdef.Member{Name: name, Shape: botdef.ShapeValue})
		}
	}
	return append(slices.Clone(members), botdef.Member{Name: name, Shape: botdef.ShapeValue})
}

// without returns a JSON object without the named member.
func without(obj []byte, name string) ([]byte, error) {
	f, err := botdef.Fields(obj)
	if err != nil {
		return nil, err
	}
	f = slices.DeleteFunc(f, func(x botdef.Field) bool { return x.Name == name })
	return botdef.Object(f), nil
}
