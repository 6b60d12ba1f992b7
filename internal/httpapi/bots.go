package httpapi

import (
	"net/http"
	"strconv"

	"github.com/botport/botport/internal/kore"
	"github.com/botport/botport/internal/store"
)

// botJSON is a Get Bots entry. Every field is always present; the platform's
// jwtApps (it carries client secrets) is never returned.
type botJSON struct {
	ID              string `json:"_id"`
	Name            string `json:"name"`
	AccountID       string `json:"accountId"`
	Purpose         string `json:"purpose"`
	Type            string `json:"type"`
	Status          string `json:"status"`
	DefaultLanguage string `json:"defaultLanguage"`
	Description     string `json:"description"`
	Icon            string `json:"icon"`
	CreatedOn       string `json:"createdOn"`
	CreatedBy       string `json:"createdBy"`
}

// listBots is GET /bots: offset is a page index, limit at most 50.
func (s *server) listBots(w http.ResponseWriter, r *http.Request, app *store.App) error {
	q := r.URL.Query()
	intParam := func(name string, def, minimum int) (int, error) {
		vals := q[name]
		if len(vals) == 0 || vals[0] == "" {
			return def, nil
		}
		n, err := strconv.Atoi(vals[0])
		if err != nil || n < minimum || len(vals) > 1 {
			return 0, kore.ErrValidation
		}
		return n, nil
	}
	page, err := intParam("offset", 0, 0)
	if err != nil {
		return err
	}
	limit, err := intParam("limit", 50, 1)
	if err != nil {
		return err
	}
	limit = min(limit, 50)
	skip := min(page, 1<<40) * limit // past any real total, without overflow
	bots, total, err := s.cfg.Store.Bots(r.Context(), app.AccountID, skip, limit)
	if err != nil {
		return err
	}
	out := struct {
		Total         int       `json:"total"`
		AvailableMore bool      `json:"availableMore"`
		Bots          []botJSON `json:"bots"`
	}{Total: total, AvailableMore: skip+limit < total, Bots: make([]botJSON, 0, len(bots))}
	for _, b := range bots {
		out.Bots = append(out.Bots, botJSON{
			ID: b.ID, Name: b.Name, AccountID: b.AccountID, Purpose: b.Purpose, Type: b.Type, Status: "configured",
			DefaultLanguage: b.DefaultLanguage, Description: b.Description, Icon: b.Icon,
			CreatedOn: kore.FormatTime(b.CreatedOn), CreatedBy: b.CreatedBy,
		})
	}
	writeJSON(w, http.StatusOK, kore.Encode(out))
	return nil
}
