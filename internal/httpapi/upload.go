package httpapi

import (
	"errors"
	"io"
	"mime"
	"net/http"
	"path"
	"strings"

	"github.com/botport/botport/internal/kore"
	"github.com/botport/botport/internal/store"
	"github.com/botport/botport/internal/upload"
)

// errFileTooLarge stops the blob write when the file part passes the limit.
var errFileTooLarge = errors.New("file over the upload limit")

// partReader reads the file part for the upload service: it fails with
// errFileTooLarge past max bytes and remembers a failed read of the request
// body, so that a body cut short (the client's fault) is told apart from a
// failing store (ours). It keeps the first bytes, from which an upload
// without fileExtension is recognised.
type partReader struct {
	r       io.Reader
	n       int64
	max     int64
	readErr error
	head    []byte
}

func (l *partReader) Read(p []byte) (int, error) {
	n, err := l.r.Read(p)
	if len(l.head) < upload.HeadSize {
		l.head = append(l.head, p[:min(n, upload.HeadSize-len(l.head))]...)
	}
	l.n += int64(n)
	if l.n > l.max {
		return n, errFileTooLarge
	}
	if err != nil && err != io.EOF {
		l.readErr = err
	}
	return n, err
}

// uploadFile is POST /uploadfile: one multipart file, streamed to the
// upload service while it is hashed and counted; the service records it once
// the other parts are read and valid. Without fileExtension (or with an
// empty one) the extension is the file name's, else the content's
// (upload.Service.Extension); one that is present and unknown is 412.
func (s *server) uploadFile(w http.ResponseWriter, r *http.Request, app *store.App) error {
	// The whole body may hold the file plus small text parts. Size comes
	// before syntax (contract 1.6): a declared length over it is 413 unread.
	if r.ContentLength > s.cfg.UploadLimit+s.cfg.BodyLimit {
		return kore.ErrUploadTooLarge(s.cfg.UploadLimit)
	}
	ct, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || ct != "multipart/form-data" {
		return kore.ErrValidation
	}
	r.Body = http.MaxBytesReader(w, r.Body, s.cfg.UploadLimit+s.cfg.BodyLimit)
	mr, err := r.MultipartReader()
	if err != nil {
		return kore.ErrValidation
	}
	var f *store.File // the written file, once the file part is read
	var head []byte   // its first bytes
	name, clientName := "file", ""
	cleanup := func() {
		if f != nil {
			if err := s.uploads.Discard(r.Context(), f); err != nil {
				s.log.WarnContext(r.Context(), "delete refused upload", "request_id", requestID(r), "error", err)
			}
		}
	}
	var ctx, ext string
	var haveCtx, haveExt bool
	for {
		part, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			cleanup()
			var mbe *http.MaxBytesError
			if errors.As(err, &mbe) {
				return kore.ErrUploadTooLarge(s.cfg.UploadLimit)
			}
			return kore.ErrValidation
		}
		switch part.FormName() {
		case "file":
			if f != nil {
				cleanup()
				return kore.ErrValidation
			}
			if n := baseName(part.FileName()); n != "" {
				name, clientName = n, n
			}
			pr := &partReader{r: part, max: s.cfg.UploadLimit}
			written, err := s.uploads.Write(r.Context(), app.AccountID, pr)
			var mbe *http.MaxBytesError
			switch {
			case errors.Is(err, errFileTooLarge) || errors.As(pr.readErr, &mbe):
				return kore.ErrUploadTooLarge(s.cfg.UploadLimit)
			case pr.readErr != nil:
				return kore.ErrValidation // the body ended or broke inside the file part
			case err != nil:
				return err
			}
			f, head = written, pr.head
		case "fileContext", "fileExtension":
			v, err := io.ReadAll(io.LimitReader(part, 1025))
			if err != nil || len(v) > 1024 {
				cleanup()
				return kore.ErrValidation
			}
			if part.FormName() == "fileContext" {
				if haveCtx {
					cleanup()
					return kore.ErrValidation
				}
				ctx, haveCtx = strings.TrimSpace(string(v)), true
			} else {
				if haveExt {
					cleanup()
					return kore.ErrValidation
				}
				ext, haveExt = strings.ToLower(strings.TrimPrefix(strings.TrimSpace(string(v)), ".")), true
			}
		default:
			if _, err := io.Copy(io.Discard, part); err != nil {
				cleanup()
				var mbe *http.MaxBytesError
				if errors.As(err, &mbe) {
					return kore.ErrUploadTooLarge(s.cfg.UploadLimit)
				}
				return kore.ErrValidation
			}
		}
	}
	if f == nil || f.Size == 0 || ctx == "" || (ext != "" && !upload.KnownExtension(ext)) {
		cleanup()
		return kore.ErrValidation
	}
	if ext == "" {
		var err error
		if ext, err = s.uploads.Extension(r.Context(), f, clientName, head); err != nil {
			cleanup()
			return err
		}
	}
	f.Name, f.Context, f.Extension = name, ctx, ext
	if err := s.uploads.Save(r.Context(), f); err != nil {
		cleanup()
		return err
	}
	writeJSON(w, http.StatusOK, kore.Encode(struct {
		FileID   string `json:"fileId"`
		Hash     string `json:"hash"`
		FileName string `json:"fileName"`
	}{f.ID, f.SHA1, f.Name}))
	return nil
}

// baseName is the last element of a client's file name, either slash.
func baseName(name string) string {
	name = path.Base(strings.ReplaceAll(name, "\\", "/"))
	if name == "." || name == ".." || name == "/" {
		return ""
	}
	return name
}
