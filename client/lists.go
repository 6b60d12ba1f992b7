package client

import (
	"context"
	"errors"
	"iter"
	"net/http"
	"net/url"
	"strconv"
	"time"
)

// ListOptions filter and page a list of imports or exports (botport
// extension). Zero fields do not filter.
type ListOptions struct {
	BotID  string
	Status string    // pending, success or failure
	Since  time.Time // created at or after
	Until  time.Time // created before
	// PageSize is the most items per page (0: the server's default, 50;
	// at most 500).
	PageSize int
	// PageToken continues a list: the NextPageToken of the page before,
	// with the same filters.
	PageToken string
}

func (o ListOptions) query() string {
	q := url.Values{}
	set := func(k, v string) {
		if v != "" {
			q.Set(k, v)
		}
	}
	set("botId", o.BotID)
	set("status", o.Status)
	if !o.Since.IsZero() {
		set("since", o.Since.Format(time.RFC3339Nano))
	}
	if !o.Until.IsZero() {
		set("until", o.Until.Format(time.RFC3339Nano))
	}
	if o.PageSize != 0 {
		set("pageSize", strconv.Itoa(o.PageSize))
	}
	set("pageToken", o.PageToken)
	if len(q) == 0 {
		return ""
	}
	return "?" + q.Encode()
}

// ImportItem is an import as lists show it.
type ImportItem struct {
	ID        string `json:"_id"`
	Status    string `json:"status"`
	StreamID  string `json:"streamId,omitempty"` // the bot; a new bot's once it exists
	BotName   string `json:"botName"`
	CreatedOn string `json:"createdOn"`
	EndedOn   string `json:"endedOn,omitempty"`
	DryRun    bool   `json:"dryRun,omitempty"`
	Cancelled bool   `json:"cancelled,omitempty"`
}

// ImportsPage is one page of ListImports.
type ImportsPage struct {
	Imports       []ImportItem `json:"imports"`
	NextPageToken string       `json:"nextPageToken,omitempty"` // "" on the last page
}

// ExportItem is an export as lists show it.
type ExportItem struct {
	ID         string `json:"_id"`
	Status     string `json:"status"`
	StreamID   string `json:"streamId"`
	BotName    string `json:"botName"`
	ExportType string `json:"exportType"`
	CreatedOn  string `json:"createdOn"`
	EndedOn    string `json:"endedOn,omitempty"`
}

// ExportsPage is one page of ListExports.
type ExportsPage struct {
	Exports       []ExportItem `json:"exports"`
	NextPageToken string       `json:"nextPageToken,omitempty"`
}

// ListImports reads one page of the account's imports, newest first
// (GET /api/botport/imports; botport only). A list is stable while
// imports are accepted: later ones come before its first page, never
// inside it. A bad filter, page size or token is a 412 *Error.
func (c *Client) ListImports(ctx context.Context, o ListOptions) (*ImportsPage, error) {
	var out ImportsPage
	if err := c.do(ctx, request{method: http.MethodGet, path: "/api/botport/imports" + o.query(), idempotent: true}, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// ListExports reads one page of the account's exports, newest first
// (GET /api/botport/exports; botport only).
func (c *Client) ListExports(ctx context.Context, o ListOptions) (*ExportsPage, error) {
	var out ExportsPage
	if err := c.do(ctx, request{method: http.MethodGet, path: "/api/botport/exports" + o.query(), idempotent: true}, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// AllImports yields every import that matches o (from o.PageToken on),
// page after page; a failed page yields its error and ends.
func (c *Client) AllImports(ctx context.Context, o ListOptions) iter.Seq2[ImportItem, error] {
	return func(yield func(ImportItem, error) bool) {
		for {
			p, err := c.ListImports(ctx, o)
			if err != nil {
				yield(ImportItem{}, err)
				return
			}
			for _, it := range p.Imports {
				if !yield(it, nil) {
					return
				}
			}
			if p.NextPageToken == "" {
				return
			}
			o.PageToken = p.NextPageToken
		}
	}
}

// AllExports yields every export that matches o, page after page.
func (c *Client) AllExports(ctx context.Context, o ListOptions) iter.Seq2[ExportItem, error] {
	return func(yield func(ExportItem, error) bool) {
		for {
			p, err := c.ListExports(ctx, o)
			if err != nil {
				yield(ExportItem{}, err)
				return
			}
			for _, it := range p.Exports {
				if !yield(it, nil) {
					return
				}
			}
			if p.NextPageToken == "" {
				return
			}
			o.PageToken = p.NextPageToken
		}
	}
}

// CancelImport cancels a pending import (POST /api/botport/imports/{bir}/cancel;
// botport only) and returns its status document: final (status failure,
// Cancelled) unless the running import did not stop within the server's
// wait (then still pending; it never succeeds, and ends cancelled at its
// next stage boundary). Errors: a 409 *Error when the import had ended
// (a retried cancel that finds the import cancelled returns its document
// instead), a 400 *Error for an unknown id.
func (c *Client) CancelImport(ctx context.Context, bir string) (*Status, error) {
	var out Status
	err := c.do(ctx, request{method: http.MethodPost, path: "/api/botport/imports/" + url.PathEscape(bir) + "/cancel", idempotent: true}, &out)
	var e *Error
	if errors.As(err, &e) && e.StatusCode == http.StatusConflict {
		// An attempt that reached the server before a retry may have ended it.
		if st, serr := c.ImportStatus(ctx, bir); serr == nil && st.Cancelled {
			return st, nil
		}
	}
	if err != nil {
		return nil, err
	}
	return &out, nil
}
