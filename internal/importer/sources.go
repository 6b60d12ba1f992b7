package importer

import (
	"archive/zip"
	"context"
	"errors"
	"fmt"
	"io"
	"path"

	"github.com/botport/botport/internal/blob"
	"github.com/botport/botport/internal/botdef"
	"github.com/botport/botport/internal/exportzip"
	"github.com/botport/botport/internal/store"
)

// source is one file of the upload: the name problems cite and a way to
// read it from its start, as often as needed.
type source struct {
	name string
	open func() (io.ReadCloser, error)
}

// sources are the upload's files, from separate uploads or from one zip.
type sources struct {
	def, config source
	icon        *source
	functions   []source
	ignored     []string
	close       func() error
}

// contentError is a problem with the upload itself (a damaged zip, a file
// that vanished), reported as the Bot Definition stage's failure.
type contentError struct{ msg string }

func (e *contentError) Error() string { return e.msg }

// asContent turns the errors that describe the upload into *contentError.
func asContent(err error) (*contentError, bool) {
	var ce *contentError
	if errors.As(err, &ce) {
		return ce, true
	}
	var ze *exportzip.Error
	if errors.As(err, &ze) {
		return &contentError{ze.Msg}, true
	}
	if errors.Is(err, blob.ErrNotFound) {
		return &contentError{"an uploaded file is no longer available; upload it again"}, true
	}
	return nil, false
}

func (r *run) openSources(ctx context.Context) (*sources, error) {
	st, blobs := r.s.cfg.Store, r.s.cfg.Blobs
	file := func(id string) (*store.File, error) {
		f, err := st.File(ctx, r.imp.AccountID, id)
		if errors.Is(err, store.ErrNotFound) {
			return nil, &contentError{"the uploaded file " + id + " is no longer available; upload it again"}
		}
		return f, err
	}
	fromBlob := func(name, key string) source {
		return source{name: name, open: func() (io.ReadCloser, error) { return blobs.Open(ctx, key) }}
	}
	if r.req.Mode == ModeJSON {
		s := &sources{close: func() error { return nil }}
		for _, p := range []struct {
			id   string
			name string
			dst  *source
		}{{r.req.BotDefinition, botdef.FileDefinition, &s.def}, {r.req.ConfigInfo, botdef.FileConfig, &s.config}} {
			f, err := file(p.id)
			if err != nil {
				return nil, err
			}
			*p.dst = fromBlob(p.name, f.BlobKey)
		}
		if r.req.Icon != "" {
			f, err := file(r.req.Icon)
			if err != nil {
				return nil, err
			}
			src := fromBlob("icon", f.BlobKey)
			s.icon = &src
		}
		for _, id := range r.req.BotFunctions {
			f, err := file(id)
			if err != nil {
				return nil, err
			}
			s.functions = append(s.functions, fromBlob(path.Base(f.Name), f.BlobKey))
		}
		return s, nil
	}
	f, err := file(r.req.ZipInfo)
	if err != nil {
		return nil, err
	}
	ra, err := blobs.NewReaderAt(ctx, f.BlobKey)
	if err != nil {
		return nil, err
	}
	b, err := exportzip.Read(ra, ra.Size(), r.s.cfg.Zip)
	if err != nil {
		ra.Close()
		return nil, err
	}
	entry := func(zf *zip.File, name string) source {
		return source{name: name, open: func() (io.ReadCloser, error) { return exportzip.Open(zf) }}
	}
	s := &sources{ignored: b.Ignored, close: ra.Close}
	s.def = entry(b.Definition, b.Definition.Name)
	s.config = entry(b.Config, b.Config.Name)
	if b.Icon != nil {
		src := entry(b.Icon, b.Icon.Name)
		s.icon = &src
	}
	for _, fn := range b.Functions {
		s.functions = append(s.functions, entry(fn, path.Base(fn.Name)))
	}
	return s, nil
}

// readAll reads a whole source, bounded by limit bytes.
func readAll(src source, limit int64) ([]byte, error) {
	rc, err := src.open()
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	b, err := io.ReadAll(io.LimitReader(rc, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(b)) > limit {
		return nil, &contentError{fmt.Sprintf("%s is larger than %d bytes", src.name, limit)}
	}
	return b, nil
}
