package client

import (
	"context"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"time"
)

// ExportVersion writes the export zip of one committed version of a bot to
// w (GET /api/botport/bots/{botId}/versions/{n}/export; botport only, scope
// bot_export). A failure answered before any byte was written is retried
// like other reads; a stream cut off midway is an error (the zip is
// incomplete). An unknown version is a 404 *Error.
func (c *Client) ExportVersion(ctx context.Context, botID string, n int, w io.Writer) (*Downloaded, error) {
	path := fmt.Sprintf("/api/botport/bots/%s/versions/%d/export", url.PathEscape(botID), n)
	retries, backoff := c.Retries, c.MinBackoff
	if retries == 0 {
		retries = 4
	}
	if backoff <= 0 {
		backoff = 200 * time.Millisecond
	}
	for attempt := 0; ; attempt++ {
		resp, err := c.authedGet(ctx, path)
		if err == nil {
			defer resp.Body.Close()
			d := &Downloaded{}
			if _, params, perr := mime.ParseMediaType(resp.Header.Get("Content-Disposition")); perr == nil {
				d.FileName = params["filename"]
			}
			d.Size, err = io.Copy(w, resp.Body)
			return d, err
		}
		wait, retry := c.retryable(err, true, false)
		if !retry || attempt >= retries {
			return nil, err
		}
		if wait <= 0 {
			wait = backoff << attempt
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(wait):
		}
	}
}

// authedGet sends a GET with the credential and returns a 200 answer
// unread; any other answer becomes an *Error.
func (c *Client) authedGet(ctx context.Context, path string) (*http.Response, error) {
	tok, err := c.token()
	if err != nil {
		return nil, err
	}
	hr, err := http.NewRequestWithContext(ctx, http.MethodGet, c.BaseURL+path, nil)
	if err != nil {
		return nil, err
	}
	hr.Header.Set("auth", tok)
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
	return nil, errorOf(resp)
}
