package importer

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/botport/botport/internal/bundle"
	"github.com/botport/botport/internal/kore"
	"github.com/botport/botport/internal/store"
)

// ErrUploadGone means an import's uploaded files are no longer kept (their
// time to live passed after the import ended) or cannot be read as an
// upload any more (a damaged zip).
var ErrUploadGone = errors.New("importer: the import's uploaded files are no longer available")

// OpenUpload opens the files the account's import read, as its run opened
// them (separate uploads, or the entries of the uploaded zip), for the
// dashboard's excerpts around located problems. The caller closes the
// bundle. Errors: kore.ErrRequestID for an unknown id or another
// account's import; ErrUploadGone (wrapped with the reason); faults.
func (s *Service) OpenUpload(ctx context.Context, accountID, bir string) (*bundle.Bundle, error) {
	imp, err := s.cfg.Store.Import(ctx, accountID, bir)
	if errors.Is(err, store.ErrNotFound) {
		return nil, kore.ErrRequestID
	}
	if err != nil {
		return nil, err
	}
	var req Request
	if err := json.Unmarshal(imp.Request, &req); err != nil {
		return nil, fmt.Errorf("stored request of %s: %w", imp.ID, err)
	}
	b, err := (&run{s: s, imp: imp, req: &req}).openBundle(ctx)
	if ce, ok := asContent(err); ok {
		return nil, fmt.Errorf("%w: %s", ErrUploadGone, ce.msg)
	}
	return b, err
}
