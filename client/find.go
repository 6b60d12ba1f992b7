package client

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"time"
)

// BotsNamed returns the account's bots whose name is exactly name, oldest
// first, reading every page of Get Bots (names are not unique).
func (c *Client) BotsNamed(ctx context.Context, name string) ([]Bot, error) {
	all, err := c.AllBots(ctx)
	if err != nil {
		return nil, err
	}
	var out []Bot
	for _, b := range all {
		if b.Name == name {
			out = append(out, b)
		}
	}
	return out, nil
}

// errorOf reads an answer other than 200 into an *Error.
func errorOf(resp *http.Response) *Error {
	data, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	e := &Error{StatusCode: resp.StatusCode, Msg: http.StatusText(resp.StatusCode)}
	var env struct {
		Errors []struct {
			Msg  string `json:"msg"`
			Code int    `json:"code"`
		} `json:"errors"`
	}
	if json.Unmarshal(data, &env) == nil && len(env.Errors) > 0 {
		e.Msg, e.Code = env.Errors[0].Msg, env.Errors[0].Code
	}
	if s, err := strconv.Atoi(resp.Header.Get("Retry-After")); err == nil {
		e.RetryAfter = time.Duration(s) * time.Second
	}
	return e
}
