package client

import (
	"context"
	"io"
	"mime"
	"net/http"
	"net/url"
	"time"
)

// ExportRequest is the body of an export start. Lists are sent as given: a
// nil list is left out, an empty one is sent as [] (and echoed in the
// export's exportOptions).
type ExportRequest struct {
	ExportType    string         `json:"exportType"` // latest or published
	ExportOptions *ExportOptions `json:"exportOptions,omitempty"`
	SubTasks      *SubTasks      `json:"subTasks,omitempty"`
	// IncludeDependentTasks, with SubTasks, also exports the dialogs the
	// selected ones jump to. The capital I is the platform's spelling.
	IncludeDependentTasks *bool `json:"IncludeDependentTasks,omitempty"`
	AllTasks              *bool `json:"allTasks,omitempty"`
}

// ExportOptions selects what an export carries; nil exports everything.
type ExportOptions struct {
	Tasks    []string       `json:"tasks,omitzero"`
	NLPData  []string       `json:"nlpData,omitzero"`
	Settings []string       `json:"settings,omitzero"`
	Options  *ExportSubOpts `json:"options,omitempty"`
}

// ExportSubOpts are the export's per-group options.
type ExportSubOpts struct {
	BotVariables *BotVariablesOptions `json:"botVariables,omitempty"`
}

// BotVariablesOptions leaves variables out of an export.
type BotVariablesOptions struct {
	Ignore                     []string `json:"ignore,omitzero"` // keys of env and content variables
	IgnoreEnvironmentVariables bool     `json:"ignoreEnvironmentVariables,omitempty"`
	IgnoreContentVariables     bool     `json:"ignoreContentVariables,omitempty"`
}

// SubTasks restricts an export to some tasks: dialogs by name or dg- id.
type SubTasks struct {
	Dialogs []string `json:"dialogs,omitzero"`
	Alerts  []string `json:"alerts,omitzero"`
	Actions []string `json:"actions,omitzero"`
	Forms   []string `json:"forms,omitzero"`
}

// ExportStatus is an export start answer or an export status document. The
// download fields are set once the export succeeded; Message on failure.
type ExportStatus struct {
	ID          string `json:"_id"`
	BotID       string `json:"botId,omitempty"`
	StreamID    string `json:"streamId"`
	CreatedBy   string `json:"createdBy"`
	ExportType  string `json:"exportType"`
	RequestType string `json:"requestType"`
	Status      string `json:"status"`
	CreatedOn   string `json:"createdOn"`
	DownloadURL string `json:"downloadURL,omitempty"`
	FileID      string `json:"fileId,omitempty"`
	Store       *struct {
		URLParams string `json:"urlParams"`
	} `json:"store,omitempty"`
	FileSize string `json:"fileSize,omitempty"` // bytes, as a string
	Message  string `json:"message,omitempty"`
}

// Done reports whether the export ended (success, failure, or the
// platform's failed).
func (s *ExportStatus) Done() bool {
	return s.Status == "success" || s.Status == "failure" || s.Status == "failed"
}

// Export starts an export of a bot. opts: WithIdempotencyKey.
func (c *Client) Export(ctx context.Context, botID string, req ExportRequest, opts ...CallOption) (*ExportStatus, error) {
	var out ExportStatus
	if err := c.do(ctx, request{method: http.MethodPost, path: "/api/public/bot/" + url.PathEscape(botID) + "/export",
		contentType: "application/json", body: jsonBody(req)}.with(opts), &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// ExportStatus reads the status of a bot's latest export.
func (c *Client) ExportStatus(ctx context.Context, botID string) (*ExportStatus, error) {
	var out ExportStatus
	if err := c.do(ctx, request{method: http.MethodGet, path: "/api/public/bot/" + url.PathEscape(botID) + "/export/status", idempotent: true}, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// WaitExport polls a bot's export status every interval (default 1 s) until
// the export ber has ended. Only the latest export of a bot is reported, so
// a later export started meanwhile ends the wait with its document.
func (c *Client) WaitExport(ctx context.Context, botID, ber string, interval time.Duration) (*ExportStatus, error) {
	if interval <= 0 {
		interval = time.Second
	}
	for {
		st, err := c.ExportStatus(ctx, botID)
		if err != nil {
			return nil, err
		}
		if st.Done() || st.ID != ber {
			return st, nil
		}
		select {
		case <-ctx.Done():
			return st, ctx.Err()
		case <-time.After(interval):
		}
	}
}

// Downloaded describes a fetched export zip.
type Downloaded struct {
	FileName string // from Content-Disposition
	Size     int64  // bytes written
}

// Download fetches an export's downloadURL into w. The link carries its own
// authorization, so no credentials are sent. Failures answered before any
// byte was written are retried like other calls.
func (c *Client) Download(ctx context.Context, downloadURL string, w io.Writer) (*Downloaded, error) {
	path := downloadURL
	if u, err := url.Parse(downloadURL); err == nil {
		path = u.Path // the query is the link's signature: never announced
	}
	return c.fetch(ctx, path, func() (*http.Response, error) { return c.get(ctx, downloadURL) }, w)
}

// fetch copies the body of get's answer to w. Failures answered before any
// byte was written are retried like other reads (announced with path); a
// body cut off midway, or shorter than its Content-Length, is an error:
// the zip is incomplete.
func (c *Client) fetch(ctx context.Context, path string, get func() (*http.Response, error), w io.Writer) (*Downloaded, error) {
	retries, backoff := c.Retries, c.MinBackoff
	if retries == 0 {
		retries = 4
	}
	if backoff <= 0 {
		backoff = 200 * time.Millisecond
	}
	for attempt := 0; ; attempt++ {
		resp, err := get()
		if err == nil {
			defer resp.Body.Close()
			d := &Downloaded{}
			if _, params, perr := mime.ParseMediaType(resp.Header.Get("Content-Disposition")); perr == nil {
				d.FileName = params["filename"]
			}
			d.Size, err = io.Copy(w, resp.Body)
			if err == nil && resp.ContentLength >= 0 && d.Size != resp.ContentLength {
				err = io.ErrUnexpectedEOF
			}
			return d, err
		}
		wait, retry := c.retryable(err, true, false)
		if !retry || attempt >= retries {
			return nil, err
		}
		if wait <= 0 {
			wait = backoff << attempt
		}
		c.retrying(http.MethodGet, path, attempt, retries, wait, err)
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(wait):
		}
	}
}

// get sends an unauthenticated GET and returns a 200 answer; any other
// answer becomes an *Error.
func (c *Client) get(ctx context.Context, u string) (*http.Response, error) {
	hr, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, err
	}
	if c.UserAgent != "" {
		hr.Header.Set("User-Agent", c.UserAgent)
	}
	resp, err := c.httpClient().Do(hr)
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, &netError{err: err, beforeSend: isDialError(err)}
	}
	if resp.StatusCode == http.StatusOK {
		return resp, nil
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	return nil, apiError(resp, data)
}
