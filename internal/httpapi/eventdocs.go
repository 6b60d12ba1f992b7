package httpapi

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/botport/botport/internal/exporter"
	"github.com/botport/botport/internal/kore"
	"github.com/botport/botport/internal/publish"
	"github.com/botport/botport/internal/store"
)

// EventDocuments renders the data of webhook events (webhook.Documents):
// the status document of the request an event names, as its status route
// answers it, with one difference: an export's carries no download link
// (a link lasts an hour and a delivery may be retried for days; fileId
// and fileSize are there, and the export status route signs a fresh
// link).
type EventDocuments struct {
	Store interface {
		ImportDoc(ctx context.Context, accountID, id string) (doc []byte, status string, err error)
		Export(ctx context.Context, accountID, id string) (*store.Export, error)
		Publish(ctx context.Context, accountID, id string) (*store.Publish, error)
	}
}

// Document implements webhook.Documents. Errors: store.ErrNotFound when
// the request is gone; a fault for an event type of no known kind.
func (d EventDocuments) Document(ctx context.Context, ev *store.WebhookEvent) ([]byte, error) {
	kind, _, _ := strings.Cut(ev.Type, ".")
	switch kind {
	case "import":
		doc, _, err := d.Store.ImportDoc(ctx, ev.AccountID, ev.Subject)
		return doc, err
	case "export":
		e, err := d.Store.Export(ctx, ev.AccountID, ev.Subject)
		if err != nil {
			return nil, err
		}
		st := &exporter.Status{ID: e.ID, BotID: e.BotID, CreatedBy: e.CreatedBy, ExportType: e.ExportType, State: e.Status,
			CreatedOn: e.CreatedOn}
		if e.Status == store.StatusFailure {
			st.Message = e.Message
		}
		doc := exportStatusDocument(st)
		if e.Status == store.StatusSuccess {
			doc.FileID, doc.FileSize = e.FileID, strconv.FormatInt(e.FileSize, 10)
		}
		return kore.Encode(doc), nil
	case "publish":
		p, err := d.Store.Publish(ctx, ev.AccountID, ev.Subject)
		if err != nil {
			return nil, err
		}
		st, err := publish.StatusOf(p)
		if err != nil {
			return nil, err
		}
		return kore.Encode(publishStatusDocument(st)), nil
	}
	return nil, fmt.Errorf("webhook event %s: unknown type %q", ev.ID, ev.Type)
}
