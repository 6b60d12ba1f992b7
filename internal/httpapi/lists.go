package httpapi

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/botport/botport/internal/kore"
	"github.com/botport/botport/internal/store"
)

// Page sizes of the lists (AIP-158): larger sizes count as maxPageSize,
// as Get Bots' limit does.
const (
	defaultPageSize = 50
	maxPageSize     = 500
)

// listRequest is a list call's parameters, checked: the store's filter and
// the page size.
type listRequest struct {
	filter   store.ListFilter
	pageSize int
	digest   string // of the collection and the filters: a page token is valid only with them
}

// pageToken is what a nextPageToken encodes (base64url of its JSON): the
// collection and filters it continues (Digest) and the position, the
// acceptance number of the last item sent (Before).
type pageToken struct {
	Digest string `json:"f"`
	Before int64  `json:"b"`
}

// parseList applies the list parameters' rules: each at most once; botId a
// bot id; status pending, success or failure; since and until RFC 3339;
// pageSize a number, 0 or absent for the default, over the maximum counted
// as the maximum; pageToken one this collection issued with the same
// filters. Any other value is 412.
func parseList(q url.Values, collection, accountID string) (*listRequest, error) {
	one := func(name string) (string, error) {
		vals := q[name]
		if len(vals) > 1 {
			return "", kore.ErrValidation
		}
		if len(vals) == 0 {
			return "", nil
		}
		return vals[0], nil
	}
	lr := &listRequest{filter: store.ListFilter{AccountID: accountID}, pageSize: defaultPageSize}
	f := &lr.filter
	var err error
	if f.BotID, err = one("botId"); err != nil || f.BotID != "" && !kore.IsBotID(f.BotID) {
		return nil, kore.ErrValidation
	}
	if f.Status, err = one("status"); err != nil {
		return nil, err
	}
	switch f.Status {
	case "", store.StatusPending, store.StatusSuccess, store.StatusFailure:
	default:
		return nil, kore.ErrValidation
	}
	for _, p := range []struct {
		name string
		at   *time.Time
	}{{"since", &f.Since}, {"until", &f.Until}} {
		v, err := one(p.name)
		if err != nil {
			return nil, err
		}
		if v == "" {
			continue
		}
		if *p.at, err = time.Parse(time.RFC3339, v); err != nil {
			return nil, kore.ErrValidation
		}
	}
	size, err := one("pageSize")
	if err != nil {
		return nil, err
	}
	if size != "" {
		n, err := strconv.ParseInt(size, 10, 64)
		var ne *strconv.NumError
		switch {
		case errors.As(err, &ne) && errors.Is(ne.Err, strconv.ErrRange) && !strings.HasPrefix(size, "-"):
			lr.pageSize = maxPageSize
		case err != nil || n < 0:
			return nil, kore.ErrValidation
		case n > 0:
			lr.pageSize = int(min(n, maxPageSize))
		}
	}
	lr.digest = listDigest(collection, f)
	tok, err := one("pageToken")
	if err != nil {
		return nil, err
	}
	if tok != "" {
		raw, err := base64.RawURLEncoding.DecodeString(tok)
		var pt pageToken
		if err != nil || json.Unmarshal(raw, &pt) != nil || pt.Digest != lr.digest || pt.Before <= 0 {
			return nil, kore.ErrValidation
		}
		f.Before = pt.Before
	}
	// One more than a page tells whether another page follows.
	f.Limit = lr.pageSize + 1
	return lr, nil
}

// listDigest names a collection and its filters. Times count by their
// instant, so the same filter written in another zone matches.
func listDigest(collection string, f *store.ListFilter) string {
	at := func(t time.Time) string {
		if t.IsZero() {
			return ""
		}
		return strconv.FormatInt(t.UnixMilli(), 10)
	}
	sum := sha256.Sum256([]byte(strings.Join([]string{collection, f.BotID, f.Status, at(f.Since), at(f.Until)}, "\x00")))
	return hex.EncodeToString(sum[:8])
}

// nextToken is the token of the page after the one that ended at seq.
func (lr *listRequest) nextToken(seq int64) string {
	b, _ := json.Marshal(pageToken{Digest: lr.digest, Before: seq})
	return base64.RawURLEncoding.EncodeToString(b)
}

// importListItem is one import of GET /api/botport/imports.
type importListItem struct {
	ID        string `json:"_id"`
	Status    string `json:"status"`
	StreamID  string `json:"streamId,omitempty"`
	BotName   string `json:"botName"`
	CreatedOn string `json:"createdOn"`
	EndedOn   string `json:"endedOn,omitempty"`
	DryRun    bool   `json:"dryRun,omitempty"`
	Cancelled bool   `json:"cancelled,omitempty"`
}

// listImports is GET /api/botport/imports (botport extension): the
// account's imports, newest first, a page at a time.
func (s *server) listImports(w http.ResponseWriter, r *http.Request, app *store.App) error {
	lr, err := parseList(r.URL.Query(), "imports", app.AccountID)
	if err != nil {
		return err
	}
	items, err := s.cfg.Store.ListImports(r.Context(), lr.filter)
	if err != nil {
		return err
	}
	out := struct {
		Imports       []importListItem `json:"imports"`
		NextPageToken string           `json:"nextPageToken,omitempty"`
	}{Imports: make([]importListItem, 0, min(len(items), lr.pageSize))}
	for i, it := range items {
		if i == lr.pageSize {
			out.NextPageToken = lr.nextToken(items[i-1].Seq)
			break
		}
		li := importListItem{ID: it.ID, Status: it.Status, BotName: it.BotName, CreatedOn: kore.FormatTime(it.CreatedOn),
			DryRun: it.DryRun, Cancelled: it.Cancelled}
		// As the status document has it: a new bot's id once it exists.
		if !it.NewBot || it.Status == store.StatusSuccess && !it.DryRun {
			li.StreamID = it.BotID
		}
		if !it.FinishedOn.IsZero() {
			li.EndedOn = kore.FormatTime(it.FinishedOn)
		}
		out.Imports = append(out.Imports, li)
	}
	writeJSON(w, http.StatusOK, kore.Encode(out))
	return nil
}

// exportListItem is one export of GET /api/botport/exports.
type exportListItem struct {
	ID         string `json:"_id"`
	Status     string `json:"status"`
	StreamID   string `json:"streamId"`
	BotName    string `json:"botName"`
	ExportType string `json:"exportType"`
	CreatedOn  string `json:"createdOn"`
	EndedOn    string `json:"endedOn,omitempty"`
}

// listExports is GET /api/botport/exports (botport extension).
func (s *server) listExports(w http.ResponseWriter, r *http.Request, app *store.App) error {
	lr, err := parseList(r.URL.Query(), "exports", app.AccountID)
	if err != nil {
		return err
	}
	items, err := s.cfg.Store.ListExports(r.Context(), lr.filter)
	if err != nil {
		return err
	}
	out := struct {
		Exports       []exportListItem `json:"exports"`
		NextPageToken string           `json:"nextPageToken,omitempty"`
	}{Exports: make([]exportListItem, 0, min(len(items), lr.pageSize))}
	for i, it := range items {
		if i == lr.pageSize {
			out.NextPageToken = lr.nextToken(items[i-1].Seq)
			break
		}
		li := exportListItem{ID: it.ID, Status: it.Status, StreamID: it.BotID, BotName: it.BotName, ExportType: it.ExportType,
			CreatedOn: kore.FormatTime(it.CreatedOn)}
		if !it.FinishedOn.IsZero() {
			li.EndedOn = kore.FormatTime(it.FinishedOn)
		}
		out.Exports = append(out.Exports, li)
	}
	writeJSON(w, http.StatusOK, kore.Encode(out))
	return nil
}
