package client

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// Upload is the answer of the upload call.
type Upload struct {
	FileID   string `json:"fileId"`
	Hash     string `json:"hash"`
	FileName string `json:"fileName"`
}

// UploadOptions describe an upload.
type UploadOptions struct {
	FileName  string // base name sent (default: "file")
	Extension string // json, js, png or zip (default: from FileName)
	Context   string // fileContext (default bulkImport)
	// Progress, when set, is called as bytes are sent.
	Progress func(sent int64)
}

// UploadFile uploads a local file. opts: WithIdempotencyKey.
func (c *Client) UploadFile(ctx context.Context, path string, progress func(sent int64), opts ...CallOption) (*Upload, error) {
	return c.Upload(ctx, func() (io.ReadCloser, error) { return os.Open(path) },
		UploadOptions{FileName: filepath.Base(path), Progress: progress}, opts...)
}

// Upload streams one file to POST /api/public/uploadfile. open is called for
// each attempt; every attempt sends the same form (one boundary), so an
// attempt repeated under an idempotency key matches the first. opts:
// WithIdempotencyKey.
func (c *Client) Upload(ctx context.Context, open func() (io.ReadCloser, error), o UploadOptions, opts ...CallOption) (*Upload, error) {
	if o.FileName == "" {
		o.FileName = "file"
	}
	if o.Extension == "" {
		o.Extension = strings.TrimPrefix(strings.ToLower(filepath.Ext(o.FileName)), ".")
	}
	if o.Context == "" {
		o.Context = "bulkImport"
	}
	// Under an idempotency key every attempt and every repeat of the
	// upload sends the same form: a boundary derived from the key.
	boundary := multipart.NewWriter(io.Discard).Boundary()
	if k := (request{}).with(opts).idemKey; k != "" {
		boundary = (&Keyed{Key: k}).boundary()
	} else if k := keyedFrom(ctx); k != nil {
		boundary = k.boundary()
	}
	var out Upload
	err := c.do(ctx, request{
		method: http.MethodPost, path: "/api/public/uploadfile",
		contentType: "multipart/form-data; boundary=" + boundary,
		body: func() (io.Reader, error) {
			src, err := open()
			if err != nil {
				return nil, err
			}
			pr, pw := io.Pipe()
			go func() {
				defer src.Close()
				mw := multipart.NewWriter(pw)
				_ = mw.SetBoundary(boundary)
				err := mw.WriteField("fileContext", o.Context)
				if err == nil {
					err = mw.WriteField("fileExtension", o.Extension)
				}
				if err == nil {
					var fw io.Writer
					if fw, err = mw.CreateFormFile("file", o.FileName); err == nil {
						_, err = io.Copy(&progressWriter{w: fw, fn: o.Progress}, src)
					}
				}
				if err == nil {
					err = mw.Close()
				}
				pw.CloseWithError(err)
			}()
			return pr, nil
		},
	}.with(opts), &out)
	if err != nil {
		return nil, err
	}
	return &out, nil
}

type progressWriter struct {
	w  io.Writer
	n  int64
	fn func(int64)
}

func (p *progressWriter) Write(b []byte) (int, error) {
	n, err := p.w.Write(b)
	p.n += int64(n)
	if p.fn != nil {
		p.fn(p.n)
	}
	return n, err
}

// ImportRequest is the body of an import start.
type ImportRequest struct {
	UploadMode    string         `json:"uploadMode,omitempty"` // JSON (default) or ZIP
	BotDefinition string         `json:"botDefinition,omitempty"`
	ConfigInfo    string         `json:"configInfo,omitempty"`
	Icon          string         `json:"icon,omitempty"`
	BotFunctions  []string       `json:"botFunctions,omitempty"`
	ZipInfo       string         `json:"zipInfo,omitempty"`
	Name          string         `json:"name,omitempty"`
	Purpose       string         `json:"purpose,omitempty"`
	ImportOptions *ImportOptions `json:"importOptions,omitempty"`
	DryRun        bool           `json:"dryRun,omitempty"` // botport extension
}

// ImportOptions selects an incremental import into an existing bot.
type ImportOptions struct {
	Tasks    []string       `json:"tasks,omitempty"`
	NLPData  []string       `json:"nlpData,omitempty"`
	Settings []string       `json:"settings,omitempty"`
	Options  *ImportSubOpts `json:"options,omitempty"`
}

// ImportSubOpts are the append/replace choices of an incremental import.
type ImportSubOpts struct {
	Utterances *AppendReplace `json:"utterances,omitempty"`
	Patterns   *AppendReplace `json:"patterns,omitempty"`
}

// AppendReplace picks append (default) or replace.
type AppendReplace struct {
	Append  bool `json:"append,omitempty"`
	Replace bool `json:"replace,omitempty"`
}

// Status is an import status document.
type Status struct {
	ID            string         `json:"_id"`
	Status        string         `json:"status"`
	StreamRefID   string         `json:"streamRefId"`
	StatusLogs    []LogEntry     `json:"statusLogs"`
	CreatedBy     string         `json:"createdBy"`
	RequestType   string         `json:"requestType"`
	CreatedOn     string         `json:"createdOn"`
	StreamID      string         `json:"streamId,omitempty"`
	Message       string         `json:"message,omitempty"`
	Summary       *Summary       `json:"summary,omitempty"`
	DryRun        bool           `json:"dryRun,omitempty"`
	Cancelled     bool           `json:"cancelled,omitempty"` // ended by a cancel (botport extension)
	Changes       []Change       `json:"changes,omitempty"`
	ChangeSummary *ChangeSummary `json:"changeSummary,omitempty"`
	// Queue says why a pending import waits (botport extension): absent
	// while it runs or is about to, and once it ended.
	Queue *Queue `json:"queue,omitempty"`
}

// The states of a waiting import's Queue.
const (
	QueueBot      = "bot"      // earlier imports into the same bot run first
	QueueAccount  = "account"  // the account runs its share of imports already (fair sharing)
	QueueRecovery = "recovery" // the server that ran it stopped; it runs again from its start
)

// Queue is the botport member "queue" of a pending import's status
// document: what the import waits for.
type Queue struct {
	State string `json:"state"` // QueueBot, QueueAccount or QueueRecovery
	// Ahead counts the imports that run first: earlier imports into the
	// bot (QueueBot), the account's imports waiting before it
	// (QueueAccount). Zero for QueueRecovery.
	Ahead int `json:"ahead,omitempty"`
}

// ChangeSummary counts a dry run's changes (botport extension).
type ChangeSummary struct {
	Create    int `json:"create"`
	Update    int `json:"update"`
	Delete    int `json:"delete"`
	Unchanged int `json:"unchanged"`
}

// Done reports whether the import ended (success, failure, or the platform's failed).
func (s *Status) Done() bool {
	return s.Status == "success" || s.Status == "failure" || s.Status == "failed"
}

// LogEntry is one stage of a status document.
type LogEntry struct {
	TaskType string    `json:"taskType"`
	TaskName string    `json:"taskName"`
	Status   string    `json:"status"`
	Message  string    `json:"message,omitempty"`
	Errors   []Problem `json:"errors,omitempty"`
	Warnings []Problem `json:"warnings,omitempty"`
}

// Problem is a located finding about an uploaded file (botport extension).
type Problem struct {
	File      string `json:"file"`
	Pointer   string `json:"pointer"`
	Line      int    `json:"line,omitempty"`
	Column    int    `json:"column,omitempty"`
	Code      string `json:"code"`
	Message   string `json:"message"`
	Component string `json:"component,omitempty"`
}

// String formats the problem as a compiler would: file:line:col: message.
func (p Problem) String() string {
	loc := p.File
	if p.Line > 0 {
		loc = fmt.Sprintf("%s:%d:%d", p.File, p.Line, p.Column)
	}
	if p.Component != "" {
		return loc + ": " + p.Component + ": " + p.Message
	}
	return loc + ": " + p.Message
}

// Summary counts problems (botport extension).
type Summary struct {
	Errors   int `json:"errors"`
	Warnings int `json:"warnings"`
}

// Change is one line of a dry run's preview (botport extension).
type Change struct {
	Kind   string `json:"kind"`
	Ident  string `json:"ident"`
	Name   string `json:"name,omitempty"`
	Action string `json:"action"`
	Detail string `json:"detail,omitempty"`
}

// ImportNew starts an import as a new bot. opts: WithIdempotencyKey.
func (c *Client) ImportNew(ctx context.Context, req ImportRequest, opts ...CallOption) (*Status, error) {
	var out Status
	if err := c.do(ctx, request{method: http.MethodPost, path: "/api/public/bot/import", contentType: "application/json",
		body: jsonBody(req)}.with(opts), &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// ImportInto starts an import into an existing bot. opts:
// WithIdempotencyKey.
func (c *Client) ImportInto(ctx context.Context, botID string, req ImportRequest, opts ...CallOption) (*Status, error) {
	var out Status
	if err := c.do(ctx, request{method: http.MethodPost, path: "/api/public/bot/" + url.PathEscape(botID) + "/import",
		contentType: "application/json", body: jsonBody(req)}.with(opts), &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// ImportStatus reads an import's status document.
func (c *Client) ImportStatus(ctx context.Context, bir string) (*Status, error) {
	var out Status
	if err := c.do(ctx, request{method: http.MethodGet, path: "/api/public/bot/import/status/" + url.PathEscape(bir), idempotent: true}, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// ImportStatusRaw reads an import's status document exactly as the server
// sent it.
func (c *Client) ImportStatusRaw(ctx context.Context, bir string) (json.RawMessage, error) {
	var out json.RawMessage
	if err := c.do(ctx, request{method: http.MethodGet, path: "/api/public/bot/import/status/" + url.PathEscape(bir), idempotent: true}, &out); err != nil {
		return nil, err
	}
	return out, nil
}

// Wait polls an import every interval (default 1 s, the platform's polite
// rate) until it ends, calling progress with each new document. Polls are
// conditional (If-None-Match): an unchanged document costs a 304, when the
// server sends ETags (botport does).
func (c *Client) Wait(ctx context.Context, bir string, interval time.Duration, progress func(*Status)) (*Status, error) {
	if interval <= 0 {
		interval = time.Second
	}
	var last *Status
	var etag string
	for {
		var st Status
		var unchanged bool
		var tag string
		req := request{method: http.MethodGet, path: "/api/public/bot/import/status/" + url.PathEscape(bir), idempotent: true,
			notModified: &unchanged, etag: &tag}
		if etag != "" && last != nil {
			req.header = http.Header{"If-None-Match": {etag}}
		}
		if err := c.do(ctx, req, &st); err != nil {
			return nil, err
		}
		if !unchanged {
			last, etag = &st, tag
			if progress != nil {
				progress(last)
			}
		}
		if last.Done() {
			return last, nil
		}
		select {
		case <-ctx.Done():
			return last, ctx.Err()
		case <-time.After(interval):
		}
	}
}

// Bot is a Get Bots entry.
type Bot struct {
	ID              string `json:"_id"`
	Name            string `json:"name"`
	AccountID       string `json:"accountId"`
	Purpose         string `json:"purpose"`
	Type            string `json:"type"`
	Status          string `json:"status,omitempty"`
	DefaultLanguage string `json:"defaultLanguage"`
	Description     string `json:"description"`
	Icon            string `json:"icon"`
	CreatedOn       string `json:"createdOn"`
	CreatedBy       string `json:"createdBy"`
}

// BotsPage is one page of Get Bots.
type BotsPage struct {
	Total         int   `json:"total"`
	AvailableMore bool  `json:"availableMore"`
	Bots          []Bot `json:"bots"`
}

// Bots reads page (0-based) of the account's bots, limit per page (at most 50).
func (c *Client) Bots(ctx context.Context, page, limit int) (*BotsPage, error) {
	var out BotsPage
	path := fmt.Sprintf("/api/public/bots?offset=%d&limit=%d", page, limit)
	if err := c.do(ctx, request{method: http.MethodGet, path: path, idempotent: true}, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// AllBots pages through Get Bots as deploy scripts do.
func (c *Client) AllBots(ctx context.Context) ([]Bot, error) {
	var all []Bot
	for page := 0; ; page++ {
		p, err := c.Bots(ctx, page, 50)
		if err != nil {
			return nil, err
		}
		all = append(all, p.Bots...)
		if !p.AvailableMore || len(p.Bots) == 0 {
			return all, nil
		}
	}
}

// Function is one script of an import bot functions call.
type Function struct {
	FileName string `json:"fileName"`
	FileID   string `json:"fileId"`
}

// FunctionsResult is the answer of an import bot functions call.
type FunctionsResult struct {
	RequestType string `json:"requestType"`
	Status      string `json:"status"`
	CreatedOn   string `json:"createdOn"`
	ID          string `json:"_id"`
	FileID      string `json:"fileId"`
	FileName    string `json:"fileName"`
}

// ImportFunctions writes bot-functions scripts into a bot (synchronous).
// opts: WithIdempotencyKey.
func (c *Client) ImportFunctions(ctx context.Context, botID string, fns []Function, opts ...CallOption) (*FunctionsResult, error) {
	var out FunctionsResult
	if err := c.do(ctx, request{method: http.MethodPost, path: "/api/public/bot/" + url.PathEscape(botID) + "/import/botfunctions",
		contentType: "application/json", body: jsonBody(fns), idempotent: true}.with(opts), &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// Version is one immutable version of a bot (botport's extension API).
type Version struct {
	Version      int    `json:"version"`
	Current      bool   `json:"current"`
	Published    bool   `json:"published"` // the version the last publish made live
	CreatedOn    string `json:"createdOn"`
	ImportID     string `json:"importId,omitempty"` // the import that made it, if any
	ContentHash  string `json:"contentHash"`
	RestoredFrom int    `json:"restoredFrom,omitempty"`
}

// Versions lists a bot's versions, oldest first
// (GET /api/botport/bots/{botId}/versions; botport only, not the platform).
func (c *Client) Versions(ctx context.Context, botID string) ([]Version, error) {
	var out struct {
		Versions []Version `json:"versions"`
	}
	path := "/api/botport/bots/" + url.PathEscape(botID) + "/versions"
	if err := c.do(ctx, request{method: http.MethodGet, path: path, idempotent: true}, &out); err != nil {
		return nil, err
	}
	return out.Versions, nil
}

// RestoreVersion makes version n's content current again as a new version,
// which it returns (POST /api/botport/bots/{botId}/versions/{n}/restore;
// botport only).
func (c *Client) RestoreVersion(ctx context.Context, botID string, n int) (*Version, error) {
	var out struct {
		Version *Version `json:"version"`
	}
	path := fmt.Sprintf("/api/botport/bots/%s/versions/%d/restore", url.PathEscape(botID), n)
	if err := c.do(ctx, request{method: http.MethodPost, path: path}, &out); err != nil {
		return nil, err
	}
	return out.Version, nil
}
