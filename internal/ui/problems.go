package ui

import (
	"errors"
	"fmt"
	"net/http"

	"github.com/botport/botport/internal/botdef"
	"github.com/botport/botport/internal/bundle"
	"github.com/botport/botport/internal/importer"
)

// problems lists the document's located problems, errors then warnings,
// each with the lines of the uploaded file around it. The upload is opened
// once and each file read once, whatever the number of problems; files
// whose time to live has passed leave the problems without excerpts.
func (s *server) problems(r *http.Request, sess *session, doc *importer.Doc, d *importData) error {
	var all []*botdef.Problem
	for _, e := range doc.StatusLogs {
		for _, p := range e.Errors {
			d.Problems = append(d.Problems, newProblem(p, false))
			all = append(all, p)
		}
		for _, p := range e.Warnings {
			d.Warnings = append(d.Warnings, newProblem(p, true))
			all = append(all, p)
		}
	}
	wants := map[string][]lineWant{}
	for _, p := range all {
		if p.Line > 0 {
			for n := max(1, p.Line-contextLines); n <= p.Line+contextLines; n++ {
				wants[p.File] = append(wants[p.File], lineWant{line: n, col: p.Column})
			}
		}
	}
	if len(wants) == 0 {
		return nil
	}
	b, err := s.cfg.Importer.OpenUpload(r.Context(), sess.App.AccountID, doc.ID)
	if errors.Is(err, importer.ErrUploadGone) {
		d.Gone = "The uploaded files are no longer kept (their time to live has passed), so no lines are shown."
		return nil
	}
	if err != nil {
		return err
	}
	defer b.Close()
	lines := map[string]map[int]clippedLine{}
	for file, ws := range wants {
		src := sourceOf(b, file)
		if src == nil {
			continue
		}
		got, err := readSource(src, ws)
		if err != nil {
			s.log.WarnContext(r.Context(), "dashboard excerpt", "import", doc.ID, "file", file, "error", err)
			continue
		}
		lines[file] = got
	}
	for i, p := range all {
		if p.Line == 0 || lines[p.File] == nil {
			continue
		}
		ex := buildExcerpt(lines[p.File], p.Line, p.Column)
		if i < len(d.Problems) {
			d.Problems[i].Excerpt = ex
		} else {
			d.Warnings[i-len(d.Problems)].Excerpt = ex
		}
	}
	return nil
}

func newProblem(p *botdef.Problem, warning bool) problem {
	where := p.File
	if p.Line > 0 {
		where = fmt.Sprintf("%s:%d:%d", p.File, p.Line, p.Column)
	}
	return problem{Where: where, Code: p.Code, Message: p.Message, Component: p.Component, Pointer: p.Pointer, Warning: warning}
}

// sourceOf is the upload's file a problem names: the definition, the
// config or a script (the icon has no lines).
func sourceOf(b *bundle.Bundle, file string) *bundle.Source {
	switch file {
	case botdef.FileDefinition:
		return &b.Definition
	case botdef.FileConfig:
		return &b.Config
	}
	for i := range b.Functions {
		if b.Functions[i].Name == file {
			return &b.Functions[i]
		}
	}
	return nil
}

func readSource(src *bundle.Source, wants []lineWant) (map[int]clippedLine, error) {
	if src.Open == nil {
		return nil, nil
	}
	rc, err := src.Open()
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	return readLines(rc, wants)
}
