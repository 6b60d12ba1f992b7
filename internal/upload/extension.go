package upload

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"path"
	"strings"

	"github.com/go-json-experiment/json/jsontext"

	"github.com/botport/botport/internal/store"
)

// Extensions are the fileExtension values an upload may carry (contract
// 4.1).
var Extensions = []string{"json", "js", "png", "zip"}

// KnownExtension reports whether ext (lowercase, without a dot) is one of
// Extensions.
func KnownExtension(ext string) bool {
	for _, e := range Extensions {
		if ext == e {
			return true
		}
	}
	return false
}

// ExtensionOf returns the known extension of a file name (case-insensitive),
// or "" when it has none or another one.
func ExtensionOf(name string) string {
	ext := strings.ToLower(strings.TrimPrefix(path.Ext(name), "."))
	if KnownExtension(ext) {
		return ext
	}
	return ""
}

// HeadSize is how many leading bytes ExtensionByContent looks at.
const HeadSize = 8

// File signatures.
var (
	zipSignatures = [][]byte{[]byte("PK\x03\x04"), []byte("PK\x05\x06"), []byte("PK\x07\x08")} // local file, empty archive, spanned
	pngSignature  = []byte("\x89PNG\r\n\x1a\n")
)

// ExtensionByContent recognises an upload from its first bytes (head, at
// least HeadSize of them when the file has that many) and, when needed,
// its whole content: a zip or PNG signature, else json when the file is one
// JSON value (isJSON reads it; a leading UTF-8 byte order mark is allowed),
// else js. Errors: isJSON's (the file could not be read).
func ExtensionByContent(head []byte, isJSON func() (bool, error)) (string, error) {
	for _, sig := range zipSignatures {
		if bytes.HasPrefix(head, sig) {
			return "zip", nil
		}
	}
	if bytes.HasPrefix(head, pngSignature) {
		return "png", nil
	}
	ok, err := isJSON()
	switch {
	case err != nil:
		return "", err
	case ok:
		return "json", nil
	}
	return "js", nil
}

// IsJSON reads r to its end, or to the first byte that is not JSON, and
// reports whether it holds exactly one JSON value (after an optional UTF-8
// byte order mark). It streams: nothing is held but the decoder's window.
// Errors: r's.
func IsJSON(r io.Reader) (bool, error) {
	br := bufio.NewReader(r)
	if bom, err := br.Peek(3); err == nil && bytes.Equal(bom, []byte("\xef\xbb\xbf")) {
		_, _ = br.Discard(3)
	}
	src := &readErr{r: br}
	// Duplicate names and invalid UTF-8 still make a JSON file: the import
	// that uses it judges its content.
	dec := jsontext.NewDecoder(src, jsontext.AllowDuplicateNames(true), jsontext.AllowInvalidUTF8(true))
	for {
		_, err := dec.ReadToken()
		if src.err != nil {
			return false, src.err
		}
		if err != nil {
			return false, nil // not JSON (or empty)
		}
		if dec.StackDepth() == 0 {
			break
		}
	}
	_, err := dec.ReadToken()
	if src.err != nil {
		return false, src.err
	}
	return errors.Is(err, io.EOF), nil
}

// readErr remembers a read failure, so that it is told apart from a
// syntax error.
type readErr struct {
	r   io.Reader
	err error
}

func (e *readErr) Read(p []byte) (int, error) {
	n, err := e.r.Read(p)
	if err != nil && err != io.EOF {
		e.err = err
	}
	return n, err
}

// Extension decides the extension of a written file that came without
// fileExtension (contract 4.1): the client's file name's when it is known,
// else the content's (ExtensionByContent), reading the file again from the
// blob store only when its first bytes are no signature. head holds the
// file's first bytes. Errors: the blob store's faults.
func (s *Service) Extension(ctx context.Context, f *store.File, name string, head []byte) (string, error) {
	if ext := ExtensionOf(name); ext != "" {
		return ext, nil
	}
	return ExtensionByContent(head, func() (bool, error) {
		rc, err := s.Blobs.Open(ctx, f.BlobKey)
		if err != nil {
			return false, fmt.Errorf("read upload %s: %w", f.ID, err)
		}
		defer rc.Close()
		ok, err := IsJSON(rc)
		if err != nil {
			return false, fmt.Errorf("read upload %s: %w", f.ID, err)
		}
		return ok, nil
	})
}
