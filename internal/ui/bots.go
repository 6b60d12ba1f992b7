package ui

import (
	"errors"
	"net/http"
	"slices"
	"strconv"
	"time"

	"github.com/botport/botport/internal/exporter"
	"github.com/botport/botport/internal/importer"
	"github.com/botport/botport/internal/kore"
	"github.com/botport/botport/internal/store"
)

// botsData is the bots page.
type botsData struct {
	Bots       []*store.Bot
	Prev, Next string
}

// botsPage is GET /ui/bots: the account's bots, 50 a page.
func (s *server) botsPage(w http.ResponseWriter, r *http.Request, sess *session) error {
	const n = 50
	p, _ := strconv.Atoi(r.URL.Query().Get("page"))
	p = min(max(p, 0), 1<<20)
	bots, total, err := s.cfg.Store.Bots(r.Context(), sess.App.AccountID, p*n, n)
	if err != nil {
		return err
	}
	d := botsData{Bots: bots}
	if p > 0 {
		d.Prev = "/ui/bots?page=" + strconv.Itoa(p-1)
	}
	if (p+1)*n < total {
		d.Next = "/ui/bots?page=" + strconv.Itoa(p+1)
	}
	s.render(w, r, http.StatusOK, "bots", page{Title: "Bots", Nav: "bots", Session: sess, Data: d})
	return nil
}

// version is a version as the bot page lists it.
type version struct {
	Number             int
	Current, Published bool
	Created            time.Time
	Kind               string // what staged it: import, functions, restore, variables
	ImportID           string // for an import
	By                 string // the app that started the import, when known
	Hash               string
}

// What staged a version, in words.
func (v version) What() string {
	switch v.Kind {
	case store.StagedByImport:
		return "import"
	case store.StagedByFunctions:
		return "bot functions"
	case store.StagedByRestore:
		return "restore"
	case store.StagedByVariables:
		return "variables import"
	case "":
		return "unknown"
	}
	return v.Kind
}

// botData is the bot page.
type botData struct {
	Bot        *store.Bot
	Versions   []version // newest first
	Publish    *store.Publish
	Export     *exporter.Status
	ExportURL  string
	CanExport  bool
	From, To   int // the diff form's defaults
	ExportNote string
}

// botPage is GET /ui/bots/{botId}: versions with what created each, which
// is published, the diff form, restore and export.
func (s *server) botPage(w http.ResponseWriter, r *http.Request, sess *session) error {
	ctx := r.Context()
	bot, vs, err := s.botVersions(r, sess)
	if err != nil {
		return err
	}
	d := botData{Bot: bot, CanExport: s.cfg.Exporter != nil && sess.App.HasScope("bot_export")}
	apps := map[string]string{} // app id -> name, for the versions imports wrote
	for _, v := range vs {
		ver := version{Number: v.Number, Current: v.ID == bot.VersionID, Published: v.ID == bot.PublishedVersionID,
			Created: v.CommittedOn, Kind: v.StagedBy.Kind, Hash: short(v.ContentHash)}
		if v.StagedBy.Kind == store.StagedByImport {
			ver.ImportID = v.StagedBy.ID
			ver.By = s.importApp(r, sess, v.StagedBy.ID, apps)
		}
		d.Versions = append(d.Versions, ver)
	}
	slices.Reverse(d.Versions)
	if n := len(vs); n > 1 {
		d.From, d.To = vs[n-2].Number, vs[n-1].Number
	} else if n == 1 {
		d.From, d.To = vs[0].Number, vs[0].Number
	}
	if p, err := s.cfg.Store.LatestPublish(ctx, sess.App.AccountID, bot.ID); err == nil {
		d.Publish = p
	} else if !errors.Is(err, store.ErrNotFound) {
		return err
	}
	if d.CanExport {
		st, err := s.cfg.Exporter.Status(ctx, sess.App, bot.ID)
		switch {
		case err == nil:
			d.Export = st
			if st.Link != nil {
				// Relative: the download route is this server's (the API's
				// signed link; no session needed to follow it).
				d.ExportURL = "/api/public/bot/export/download/" + st.ID + "?expires=" + strconv.FormatInt(st.Link.Expires, 10) + "&sig=" + st.Link.Sig
			}
		case errors.Is(err, kore.ErrRequestID):
		default:
			return err
		}
	}
	s.render(w, r, http.StatusOK, "bot", page{Title: bot.Name, Nav: "bots", Session: sess, Data: d})
	return nil
}

// botVersions reads the path's bot of the session's account and its
// versions, oldest first.
func (s *server) botVersions(r *http.Request, sess *session) (*store.Bot, []*store.Version, error) {
	id := r.PathValue("botId")
	if !kore.IsBotID(id) {
		return nil, nil, errNotFound
	}
	bot, err := s.cfg.Store.Bot(r.Context(), sess.App.AccountID, id)
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil, errNotFound
	}
	if err != nil {
		return nil, nil, err
	}
	vs, err := s.cfg.Store.Versions(r.Context(), sess.App.AccountID, id)
	if err != nil {
		return nil, nil, err
	}
	return bot, vs, nil
}

// importApp names the app that started an import ("" when the import is
// past retention or its app is gone).
func (s *server) importApp(r *http.Request, sess *session, bir string, names map[string]string) string {
	imp, err := s.cfg.Store.Import(r.Context(), sess.App.AccountID, bir)
	if err != nil {
		return ""
	}
	if n, ok := names[imp.AppID]; ok {
		return n
	}
	name := ""
	if app, err := s.cfg.Apps.App(r.Context(), imp.AppID); err == nil && app.AccountID == sess.App.AccountID {
		name = app.Name
	}
	names[imp.AppID] = name
	return name
}

func short(hash string) string {
	if len(hash) > 12 {
		return hash[:12]
	}
	return hash
}

// restoreData is the restore confirmation page.
type restoreData struct {
	Bot     *store.Bot
	Version int
	Next    int
}

// restorePage is GET /ui/bots/{botId}/restore?version=N: what a restore
// does, and the button that does it.
func (s *server) restorePage(w http.ResponseWriter, r *http.Request, sess *session) error {
	bot, vs, err := s.botVersions(r, sess)
	if err != nil {
		return err
	}
	n, err := strconv.Atoi(r.URL.Query().Get("version"))
	if err != nil || !slices.ContainsFunc(vs, func(v *store.Version) bool { return v.Number == n }) {
		return errNotFound
	}
	s.render(w, r, http.StatusOK, "restore", page{Title: "Restore version " + strconv.Itoa(n), Nav: "bots", Session: sess,
		Data: restoreData{Bot: bot, Version: n, Next: bot.Version + 1}})
	return nil
}

// restore is POST /ui/bots/{botId}/restore: the importer's restore (a new
// version with the content of the one chosen), then back to the bot.
func (s *server) restore(w http.ResponseWriter, r *http.Request, sess *session) error {
	id := r.PathValue("botId")
	n, err := strconv.Atoi(r.PostForm.Get("version"))
	if err != nil || n < 1 || !kore.IsBotID(id) {
		return errNotFound
	}
	_, err = s.cfg.Importer.Restore(r.Context(), sess.App, id, n)
	switch {
	case errors.Is(err, kore.ErrStreamID), errors.Is(err, importer.ErrVersion):
		return errNotFound
	case errors.Is(err, importer.ErrBusy):
		s.errorPage(w, r, sess, http.StatusConflict, "An import is changing the bot right now: try the restore again in a moment.")
		return nil
	case err != nil:
		return err
	}
	http.Redirect(w, r, "/ui/bots/"+id+"#versions", http.StatusSeeOther)
	return nil
}

// export is POST /ui/bots/{botId}/export: an export of the current version
// (the exporter's; a small one is finished before it answers), then back
// to the bot, where the download link is.
func (s *server) export(w http.ResponseWriter, r *http.Request, sess *session) error {
	id := r.PathValue("botId")
	if s.cfg.Exporter == nil || !kore.IsBotID(id) {
		return errNotFound
	}
	_, err := s.cfg.Exporter.Start(r.Context(), sess.App, id, &exporter.Request{ExportType: exporter.TypeLatest})
	if errors.Is(err, kore.ErrStreamID) {
		return errNotFound
	}
	if err != nil {
		return err
	}
	http.Redirect(w, r, "/ui/bots/"+id+"#export", http.StatusSeeOther)
	return nil
}
