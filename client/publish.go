package client

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"time"
)

// PublishRequest is the body of a publish (contract 4.9).
type PublishRequest struct {
	VersionComment string `json:"versionComment"` // required, 1 to 1,000 characters
	// InitiateTraining defaults to true on the server when nil.
	InitiateTraining *bool `json:"initiateTraining,omitempty"`
}

// PublishResource is one entry of a publish answer: a dialog, or one of
// the fixed resources NL, SETTINGS and CHANNELS.
type PublishResource struct {
	ResourceType string        `json:"resourceType"` // dialog, NL, SETTINGS, CHANNELS
	ResourceID   string        `json:"resourceId,omitempty"`
	SbResourceID string        `json:"sbResourceId,omitempty"`
	Status       string        `json:"status"` // SUCCESS
	Result       PublishResult `json:"result"`
}

// PublishResult is a publish answer entry's result: state, comment and
// time for dialogs; id, type and modules for fixed resources.
type PublishResult struct {
	State          string   `json:"state,omitempty"`
	VersionComment string   `json:"versionComment,omitempty"`
	PublishedOn    string   `json:"publishedOn,omitempty"`
	Name           string   `json:"name"`
	ResourceID     string   `json:"resourceId,omitempty"`
	ResourceType   string   `json:"resourceType,omitempty"`
	Modules        []string `json:"modules,omitempty"`
}

// PublishStatus is the publish status document (contract 4.10).
type PublishStatus struct {
	ID                 string           `json:"_id"`
	JobType            string           `json:"jobType"`
	StreamID           string           `json:"streamId"`
	Action             string           `json:"action"`
	CreatedBy          string           `json:"createdBy"`
	PercentageComplete int              `json:"percentageComplete"`
	RequestedTime      string           `json:"requestedTime"`
	Status             string           `json:"status"` // inprogress, successful or failed
	LastModifiedOn     string           `json:"lastModifiedOn"`
	InitiatedOn        string           `json:"initiatedOn"`
	StatusSummary      []PublishSummary `json:"statusSummary"`
	Message            string           `json:"message,omitempty"` // botport, on failure
}

// PublishSummary is one resource of a publish status.
type PublishSummary struct {
	ResourceID   string   `json:"resourceId"`
	ResourceType string   `json:"resourceType"`
	Name         string   `json:"name"`
	Modules      []string `json:"modules"`
	Status       string   `json:"status"` // SUCCESS or FAILED
}

// Done reports whether the publish ended (successful or failed).
func (s *PublishStatus) Done() bool { return s.Status == "successful" || s.Status == "failed" }

// Publish makes the bot's current version its published one (the version
// exportType "published" exports) and returns the platform's
// per-resource answer. The publish itself runs as a job: follow it with
// PublishStatus or WaitPublish. It is not retried once sent: a second
// publish would be a second request.
func (c *Client) Publish(ctx context.Context, botID string, req PublishRequest) ([]PublishResource, error) {
	var out []PublishResource
	if err := c.do(ctx, request{method: http.MethodPost, path: "/api/public/bot/" + url.PathEscape(botID) + "/publish",
		contentType: "application/json", body: jsonBody(req)}, &out); err != nil {
		return nil, err
	}
	return out, nil
}

// PublishStatus reads the status of the bot's latest publish.
func (c *Client) PublishStatus(ctx context.Context, botID string) (*PublishStatus, error) {
	var out PublishStatus
	if err := c.do(ctx, request{method: http.MethodGet, path: "/api/public/bot/" + url.PathEscape(botID) + "/publish/status",
		idempotent: true}, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// WaitPublish polls the bot's publish status every interval (default 1 s,
// the platform's polite rate) until the latest publish has ended, calling
// progress with each document read (it may be nil).
func (c *Client) WaitPublish(ctx context.Context, botID string, interval time.Duration, progress func(*PublishStatus)) (*PublishStatus, error) {
	if interval <= 0 {
		interval = time.Second
	}
	for {
		st, err := c.PublishStatus(ctx, botID)
		if err != nil {
			return nil, err
		}
		if progress != nil {
			progress(st)
		}
		if st.Done() {
			return st, nil
		}
		select {
		case <-ctx.Done():
			return st, ctx.Err()
		case <-time.After(interval):
		}
	}
}

// Variable is one bot variable as the variables APIs exchange it (contract
// 4.11): env variables carry Value, content (locale) variables LocaleData.
type Variable struct {
	Key            string              `json:"key"`
	Value          *string             `json:"value,omitempty"`
	Hint           string              `json:"hint"`
	AudioTag       string              `json:"audioTag"`
	VariableType   string              `json:"variableType"` // env or locale
	Scope          string              `json:"scope"`        // prePopulated, askOnInstall or hidden
	Group          string              `json:"group"`
	PropagateValue bool                `json:"propagateValue"`
	VNameSpace     []VariableNamespace `json:"vNameSpace,omitempty"`
	IsSecured      bool                `json:"isSecured"`
	LocaleData     json.RawMessage     `json:"localeData,omitempty"` // {"<lang>": {value, hint, audioTag}}
}

// VariableNamespace names a namespace a variable belongs to.
type VariableNamespace struct {
	Name  string `json:"name"`
	RefID string `json:"refId"`
}

// VariablesResult is the answer of a variables import.
type VariablesResult struct {
	Message string `json:"message"` // "N Variables imported/updated successfully."
}

// variablesPath is the builder API path of a bot's variables call.
func variablesPath(botID, call string) string {
	return "/api/1.1/public/builder/bot/" + url.PathEscape(botID) + "/variables/" + call
}

// ExportVariables reads the bot's variables: env, then content variables.
func (c *Client) ExportVariables(ctx context.Context, botID string) ([]Variable, error) {
	var out []Variable
	if err := c.do(ctx, request{method: http.MethodPost, path: variablesPath(botID, "export"), idempotent: true}, &out); err != nil {
		return nil, err
	}
	return out, nil
}

// ExportVariablesRaw reads the bot's variables exactly as the server sent
// them.
func (c *Client) ExportVariablesRaw(ctx context.Context, botID string) (json.RawMessage, error) {
	var out json.RawMessage
	if err := c.do(ctx, request{method: http.MethodPost, path: variablesPath(botID, "export"), idempotent: true}, &out); err != nil {
		return nil, err
	}
	return out, nil
}

// ImportVariables creates or replaces the bot's variables named in vars
// (by key and type), as one new bot version; others are kept.
func (c *Client) ImportVariables(ctx context.Context, botID string, vars []Variable) (*VariablesResult, error) {
	b, err := json.Marshal(vars)
	if err != nil {
		return nil, err
	}
	return c.ImportVariablesRaw(ctx, botID, b)
}

// ImportVariablesRaw sends body as the variables import: an array of
// variables, or {"botVariables": [...]}.
func (c *Client) ImportVariablesRaw(ctx context.Context, botID string, body []byte) (*VariablesResult, error) {
	var out VariablesResult
	if err := c.do(ctx, request{method: http.MethodPost, path: variablesPath(botID, "import"), contentType: "application/json",
		body: bytesBody(body), idempotent: true}, &out); err != nil {
		return nil, err
	}
	return &out, nil
}
