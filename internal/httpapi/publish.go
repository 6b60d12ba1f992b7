package httpapi

import (
	"net/http"

	"github.com/botport/botport/internal/kore"
	"github.com/botport/botport/internal/publish"
	"github.com/botport/botport/internal/store"
)

// The fixed resources of a publish answer and status (contract 4.9, 4.10),
// with the modules the platform lists for them.
var (
	nlModules       = []string{"nl_model", "settings"}
	settingsModules = []string{"general", "bot_variables", "pii", "ivr", "hold_resume", "custom_script", "advanced"}
)

// publishDialogEntry is a dialog's entry of the publish answer.
type publishDialogEntry struct {
	ResourceType string              `json:"resourceType"`
	ResourceID   string              `json:"resourceId"`
	SbResourceID string              `json:"sbResourceId"`
	Status       string              `json:"status"`
	Result       publishDialogResult `json:"result"`
}

type publishDialogResult struct {
	State          string `json:"state"`
	VersionComment string `json:"versionComment"`
	PublishedOn    string `json:"publishedOn"`
	Name           string `json:"name"`
}

// publishFixedEntry is a fixed resource's entry of the publish answer.
type publishFixedEntry struct {
	ResourceType string             `json:"resourceType"`
	Status       string             `json:"status"`
	Result       publishFixedResult `json:"result"`
}

type publishFixedResult struct {
	ResourceID   string   `json:"resourceId"`
	ResourceType string   `json:"resourceType"`
	Modules      []string `json:"modules"`
	Name         string   `json:"name"`
}

// publishStart is POST /bot/{botId}/publish: versionComment is required (1
// to 1,000 characters after trimming), initiateTraining optional (default
// true). The answer lists each dialog, then NL, SETTINGS and CHANNELS.
func (s *server) publishStart(w http.ResponseWriter, r *http.Request, app *store.App) error {
	f, err := s.readFields(w, r)
	if err != nil {
		return err
	}
	comment, err := f.str("versionComment")
	if err != nil {
		return err
	}
	comment, ok := publish.CheckComment(comment)
	if !ok {
		return kore.ErrValidation
	}
	train, err := f.optBool("initiateTraining")
	if err != nil {
		return err
	}
	req := publish.Request{Comment: comment, Train: train == nil || *train}
	botID := r.PathValue("botId")
	if !kore.IsBotID(botID) {
		return kore.ErrStreamID
	}
	acc, err := s.cfg.Publisher.Start(r.Context(), app, botID, req)
	if err != nil {
		return err
	}
	on := kore.FormatTime(acc.PublishedOn)
	out := make([]any, 0, len(acc.Dialogs)+3)
	for _, d := range acc.Dialogs {
		out = append(out, publishDialogEntry{ResourceType: "dialog", ResourceID: d.ID, SbResourceID: d.ID, Status: "SUCCESS",
			Result: publishDialogResult{State: "published", VersionComment: acc.Comment, PublishedOn: on, Name: d.Name}})
	}
	for _, fx := range fixedResources(acc.Channels, true) {
		out = append(out, publishFixedEntry{ResourceType: fx.ResourceType, Status: "SUCCESS", Result: fx})
	}
	writeJSON(w, http.StatusOK, kore.Encode(out))
	return nil
}

// fixedResources are NL, SETTINGS and CHANNELS, in the answer's order; the
// status lists SETTINGS first and CHANNELS only when channels are enabled.
func fixedResources(channels []string, answer bool) []publishFixedResult {
	nl := publishFixedResult{ResourceID: "NL", ResourceType: "NL", Modules: nlModules, Name: "Natural Language"}
	settings := publishFixedResult{ResourceID: "SETTINGS", ResourceType: "SETTINGS", Modules: settingsModules, Name: "Settings"}
	ch := publishFixedResult{ResourceID: "CHANNELS", ResourceType: "CHANNELS", Modules: channels, Name: "Channels"}
	if ch.Modules == nil {
		ch.Modules = []string{}
	}
	if answer {
		return []publishFixedResult{nl, settings, ch}
	}
	out := []publishFixedResult{settings, nl}
	if len(channels) > 0 {
		out = append(out, ch)
	}
	return out
}

// publishStatusDoc is the publish status document (contract 4.10), in the
// platform's field order; message (botport) only on failure.
type publishStatusDoc struct {
	ID                 string               `json:"_id"`
	JobType            string               `json:"jobType"`
	StreamID           string               `json:"streamId"`
	V                  int                  `json:"__v"`
	Action             string               `json:"action"`
	CreatedBy          string               `json:"createdBy"`
	PercentageComplete int                  `json:"percentageComplete"`
	RequestedTime      string               `json:"requestedTime"`
	Status             string               `json:"status"`
	LastModifiedOn     string               `json:"lastModifiedOn"`
	InitiatedOn        string               `json:"initiatedOn"`
	StatusSummary      []publishSummaryItem `json:"statusSummary"`
	Message            string               `json:"message,omitempty"`
}

type publishSummaryItem struct {
	ResourceID   string   `json:"resourceId"`
	ResourceType string   `json:"resourceType"`
	Name         string   `json:"name"`
	Modules      []string `json:"modules"`
	Status       string   `json:"status"`
}

// publishStatus is GET /bot/{botId}/publish/status: the bot's latest
// publish. While it waits or runs it is inprogress at 0% with an empty
// summary; it ends successful (100%, every resource SUCCESS) or failed
// (every resource FAILED, with botport's message).
func (s *server) publishStatus(w http.ResponseWriter, r *http.Request, app *store.App) error {
	botID := r.PathValue("botId")
	if !kore.IsBotID(botID) {
		return kore.ErrStreamID
	}
	st, err := s.cfg.Publisher.Status(r.Context(), app, botID)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, kore.Encode(publishStatusDocument(st)))
	return nil
}

// publishStatusDocument is a publish's status document (the status route's
// answer and publish events' data).
func publishStatusDocument(st *publish.Status) publishStatusDoc {
	requested := kore.FormatTime(st.RequestedOn)
	doc := publishStatusDoc{ID: st.ID, JobType: "PUBLISH_BOT", StreamID: st.BotID, Action: "RUN", CreatedBy: st.CreatedBy,
		RequestedTime: requested, Status: "inprogress", LastModifiedOn: requested, InitiatedOn: requested,
		StatusSummary: []publishSummaryItem{}}
	if st.State != store.StatusPending {
		doc.LastModifiedOn, doc.InitiatedOn = kore.FormatTime(st.FinishedOn), kore.FormatTime(st.StartedOn)
		doc.Status, doc.PercentageComplete = "successful", 100
		item := "SUCCESS"
		if st.State == store.StatusFailure {
			doc.Status, doc.PercentageComplete, item, doc.Message = "failed", 0, "FAILED", st.Message
		}
		for _, fx := range fixedResources(st.Channels, false) {
			doc.StatusSummary = append(doc.StatusSummary, publishSummaryItem{ResourceID: fx.ResourceID, ResourceType: fx.ResourceType,
				Name: fx.Name, Modules: fx.Modules, Status: item})
		}
	}
	return doc
}
