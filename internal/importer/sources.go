package importer

import (
	"context"
	"errors"
	"io"
	"path"

	"github.com/botport/botport/internal/blob"
	"github.com/botport/botport/internal/botdef"
	"github.com/botport/botport/internal/bundle"
	"github.com/botport/botport/internal/store"
)

// contentError is a problem with the upload itself (a damaged zip, a file
// that vanished), reported as the failing stage's message.
type contentError struct{ msg string }

func (e *contentError) Error() string { return e.msg }

// asContent turns the errors that describe the upload into *contentError.
func asContent(err error) (*contentError, bool) {
	var ce *contentError
	if errors.As(err, &ce) {
		return ce, true
	}
	if be, ok := bundle.AsError(err); ok {
		return &contentError{be.Msg}, true
	}
	if errors.Is(err, blob.ErrNotFound) {
		return &contentError{"an uploaded file is no longer available; upload it again"}, true
	}
	return nil, false
}

// openBundle gives the upload's files: separate uploads (JSON mode) or the
// entries of one uploaded zip.
func (r *run) openBundle(ctx context.Context) (*bundle.Bundle, error) {
	st, blobs := r.s.cfg.Store, r.s.cfg.Blobs
	file := func(id string) (*store.File, error) {
		f, err := st.File(ctx, r.imp.AccountID, id)
		if errors.Is(err, store.ErrNotFound) {
			return nil, &contentError{"the uploaded file " + id + " is no longer available; upload it again"}
		}
		return f, err
	}
	fromBlob := func(name string, f *store.File) bundle.Source {
		return bundle.Source{Name: name, Size: f.Size, Open: func() (io.ReadCloser, error) { return blobs.Open(ctx, f.BlobKey) }}
	}
	if r.req.Mode == ModeJSON {
		b := &bundle.Bundle{}
		for _, p := range []struct {
			id, name string
			dst      *bundle.Source
		}{{r.req.BotDefinition, botdef.FileDefinition, &b.Definition}, {r.req.ConfigInfo, botdef.FileConfig, &b.Config}} {
			f, err := file(p.id)
			if err != nil {
				return nil, err
			}
			*p.dst = fromBlob(p.name, f)
		}
		if r.req.Icon != "" {
			f, err := file(r.req.Icon)
			if err != nil {
				return nil, err
			}
			src := fromBlob("icon", f)
			b.Icon = &src
		}
		seen := map[string]bool{}
		for _, id := range r.req.BotFunctions {
			if seen[id] { // one file named twice is one script (requests accepted before ids were merged)
				continue
			}
			seen[id] = true
			f, err := file(id)
			if err != nil {
				return nil, err
			}
			b.Functions = append(b.Functions, fromBlob(path.Base(f.Name), f))
		}
		return b, nil
	}
	f, err := file(r.req.ZipInfo)
	if err != nil {
		return nil, err
	}
	if f.Name != "file" {
		r.zipName = path.Base(f.Name)
	}
	ra, err := blobs.NewReaderAt(ctx, f.BlobKey)
	if err != nil {
		return nil, err
	}
	b, err := bundle.FromZip(ra, ra.Size(), r.s.cfg.Zip) // the bundle closes ra
	if err != nil {
		ra.Close()
	}
	return b, err
}
