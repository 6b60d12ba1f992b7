package client

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
)

// ExportVersion writes the export zip of one committed version of a bot to
// w (GET /api/botport/bots/{botId}/versions/{n}/export; botport only, scope
// bot_export). A failure answered before any byte was written is retried
// like other reads; a stream cut off midway is an error (the zip is
// incomplete). An unknown version is a 404 *Error.
func (c *Client) ExportVersion(ctx context.Context, botID string, n int, w io.Writer) (*Downloaded, error) {
	path := fmt.Sprintf("/api/botport/bots/%s/versions/%d/export", url.PathEscape(botID), n)
	return c.fetch(ctx, path, func() (*http.Response, error) { return c.authedGet(ctx, path) }, w)
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
