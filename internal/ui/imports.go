package ui

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/botport/botport/internal/importer"
	"github.com/botport/botport/internal/kore"
	"github.com/botport/botport/internal/store"
)

const pageSize = 25

// row is an import as the list shows it.
type row struct {
	ID, BotID, BotName, Status string
	Seq                        int64
	NewBot, DryRun, Cancelled  bool
	Created, Ended             time.Time
	Queue                      string // a pending import's wait, in words
	CSRF                       string // for the row's cancel form
}

func newRow(it *store.ImportItem, csrf string) row {
	return row{ID: it.ID, BotID: it.BotID, BotName: it.BotName, Status: it.Status, Seq: it.Seq, NewBot: it.NewBot,
		DryRun: it.DryRun, Cancelled: it.Cancelled, Created: it.CreatedOn, Ended: it.FinishedOn, CSRF: csrf}
}

// Took is how long the import took, or waits so far.
func (r row) Took() string {
	if r.Ended.IsZero() {
		return ""
	}
	return duration(r.Ended.Sub(r.Created))
}

// StatusLabel is the status in words.
func (r row) StatusLabel() string {
	switch {
	case r.Cancelled:
		return "cancelled"
	case r.DryRun && r.Status == store.StatusSuccess:
		return "success (dry run)"
	}
	return r.Status
}

// queueWords says what a pending import waits for (store.Queue).
func queueWords(q store.Queue) string {
	switch q.State {
	case store.QueueAccount:
		return "waiting for a slot of the account (" + strconv.Itoa(q.Ahead) + " ahead)"
	case store.QueueBot:
		return "queued behind " + strconv.Itoa(q.Ahead) + " import(s) into the same bot"
	case store.QueueRecovery:
		return "waiting for recovery: its server stopped"
	}
	return ""
}

// importsData is the imports page.
type importsData struct {
	Rows           []row
	Bot, Status    string
	Bots           []*store.Bot
	Next, First    string // links to the next and the first page; "" when none
	LiveURL        string
	Statuses       []string
	OnFirstPage    bool
	NewestSeq      int64
	PendingOnPage  []string
	FilterSelected func(string, string) bool
}

// importsPage is GET /ui/imports: the account's imports, newest first,
// filtered by bot and status, a page at a time (keyset on acceptance
// order, as the API pages), live.
func (s *server) importsPage(w http.ResponseWriter, r *http.Request, sess *session) error {
	q := r.URL.Query()
	f := store.ListFilter{AccountID: sess.App.AccountID, Limit: pageSize + 1}
	d := importsData{Bot: q.Get("bot"), Status: q.Get("status"), Statuses: []string{store.StatusPending, store.StatusSuccess, store.StatusFailure}}
	if kore.IsBotID(d.Bot) {
		f.BotID = d.Bot
	} else {
		d.Bot = ""
	}
	switch d.Status {
	case store.StatusPending, store.StatusSuccess, store.StatusFailure:
		f.Status = d.Status
	default:
		d.Status = ""
	}
	if before, err := strconv.ParseInt(q.Get("before"), 10, 64); err == nil && before > 0 {
		f.Before = before
	}
	d.OnFirstPage = f.Before == 0
	items, err := s.cfg.Store.ListImports(r.Context(), f)
	if err != nil {
		return err
	}
	filters := url.Values{}
	if d.Bot != "" {
		filters.Set("bot", d.Bot)
	}
	if d.Status != "" {
		filters.Set("status", d.Status)
	}
	if len(items) > pageSize {
		items = items[:pageSize]
		next := url.Values{}
		for k, v := range filters {
			next[k] = v
		}
		next.Set("before", strconv.FormatInt(items[len(items)-1].Seq, 10))
		d.Next = "/ui/imports?" + next.Encode()
	}
	if !d.OnFirstPage {
		d.First = "/ui/imports?" + filters.Encode()
	}
	for _, it := range items {
		d.Rows = append(d.Rows, newRow(it, sess.CSRF()))
		if it.Status == store.StatusPending {
			d.PendingOnPage = append(d.PendingOnPage, it.ID)
		}
		d.NewestSeq = max(d.NewestSeq, it.Seq)
	}
	live := url.Values{}
	for k, v := range filters {
		live[k] = v
	}
	if d.OnFirstPage {
		live.Set("after", strconv.FormatInt(d.NewestSeq, 10))
	}
	for _, id := range d.PendingOnPage {
		live.Add("watch", id)
	}
	d.LiveURL = "/ui/imports/live?" + live.Encode()
	if d.Bots, _, err = s.cfg.Store.Bots(r.Context(), sess.App.AccountID, 0, 200); err != nil {
		return err
	}
	s.render(w, r, http.StatusOK, "imports", page{Title: "Imports", Nav: "imports", Session: sess, Data: d})
	return nil
}

// problem is a located problem with the lines around it.
type problem struct {
	Where, Code, Message, Component, Pointer string
	Warning                                  bool
	Excerpt                                  []excerptLine
}

// importData is the import page.
type importData struct {
	Row      row
	Stages   []stage
	Waited   string
	Problems []problem
	Warnings []problem
	Message  string
	Gone     string // why excerpts are missing
	Summary  *importer.Summary
}

// importPage is GET /ui/imports/{bir}: the stages as a timeline with
// durations, every located problem with the uploaded file's lines around
// it (values masked), a cancel button while pending.
func (s *server) importPage(w http.ResponseWriter, r *http.Request, sess *session) error {
	ctx := r.Context()
	bir := r.PathValue("bir")
	if !kore.IsImportID(bir) {
		return errNotFound
	}
	imp, err := s.cfg.Store.Import(ctx, sess.App.AccountID, bir)
	if errors.Is(err, store.ErrNotFound) {
		return errNotFound
	}
	if err != nil {
		return err
	}
	doc, err := importer.DecodeDoc(imp.Doc)
	if err != nil {
		return err
	}
	raw, err := s.cfg.Store.ImportTimes(ctx, sess.App.AccountID, bir)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return err
	}
	d := importData{Row: importRow(imp, sess.CSRF()), Message: doc.Message, Summary: doc.Summary}
	var waited time.Duration
	d.Stages, waited = timeline(doc, importer.DecodeStageTimes(raw))
	if waited >= 0 {
		d.Waited = duration(waited)
	}
	if imp.Status == store.StatusPending {
		if st, err := s.cfg.Store.ImportState(ctx, sess.App.AccountID, bir, imp.Rev); err == nil {
			d.Row.Queue = queueWords(st.Queue)
		}
	}
	if err := s.problems(r, sess, doc, &d); err != nil {
		return err
	}
	s.render(w, r, http.StatusOK, "import", page{Title: "Import " + bir, Nav: "imports", Session: sess, Data: d})
	return nil
}

func importRow(imp *store.Import, csrf string) row {
	return newRow(&store.ImportItem{ID: imp.ID, Seq: imp.Seq, BotID: imp.BotID, NewBot: imp.NewBot, BotName: imp.BotName,
		Status: imp.Status, DryRun: imp.DryRun, Cancelled: imp.Cancelled, CreatedOn: imp.CreatedOn, FinishedOn: imp.FinishedOn}, csrf)
}

// importDocument is GET /ui/imports/{bir}/document: the raw status
// document, as the API answers it, indented.
func (s *server) importDocument(w http.ResponseWriter, r *http.Request, sess *session) error {
	bir := r.PathValue("bir")
	if !kore.IsImportID(bir) {
		return errNotFound
	}
	doc, _, err := s.cfg.Store.ImportDoc(r.Context(), sess.App.AccountID, bir)
	if errors.Is(err, store.ErrNotFound) {
		return errNotFound
	}
	if err != nil {
		return err
	}
	var b bytes.Buffer
	if err := json.Indent(&b, doc, "", "  "); err != nil {
		return err
	}
	b.WriteByte('\n')
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	_, err = w.Write(b.Bytes())
	return err
}

// cancelImport is POST /ui/imports/{bir}/cancel: the importer's cancel,
// then back to where the form was.
func (s *server) cancelImport(w http.ResponseWriter, r *http.Request, sess *session) error {
	bir := r.PathValue("bir")
	_, err := s.cfg.Importer.Cancel(r.Context(), sess.App, bir)
	switch {
	case errors.Is(err, kore.ErrRequestID):
		return errNotFound
	case errors.Is(err, importer.ErrEnded):
		s.errorPage(w, r, sess, http.StatusConflict, "The import had already ended: it was not cancelled.")
		return nil
	case err != nil:
		return err
	}
	back := "/ui/imports/" + bir
	if r.PostForm.Get("back") == "list" {
		back = "/ui/imports"
	}
	http.Redirect(w, r, back, http.StatusSeeOther)
	return nil
}
