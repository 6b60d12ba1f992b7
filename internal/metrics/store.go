package metrics

import (
	"context"
	"database/sql"
	"time"

	"github.com/botport/botport/internal/store"
)

// Store returns s with the requests it accepts and ends counted: every
// acceptance and every end of an import, export or publish goes through
// one of the methods it overrides, whichever package calls it, so the
// counters need no hook in the packages that run the requests.
func (m *Metrics) Store(s store.Store) store.Store { return &counted{Store: s, m: m} }

type counted struct {
	store.Store
	m *Metrics
}

func (c *counted) CreateImport(ctx context.Context, imp *store.Import, limit int, enqueue store.Enqueue) error {
	err := c.Store.CreateImport(ctx, imp, limit, enqueue)
	if err == nil {
		c.m.Started(KindImport)
	}
	return err
}

func (c *counted) CommitVersion(ctx context.Context, cm *store.Commit) error {
	err := c.Store.CommitVersion(ctx, cm)
	if err == nil && cm.ImportID != "" {
		c.m.Ended(KindImport, store.StatusSuccess)
	}
	return err
}

func (c *counted) FinishImport(ctx context.Context, id, status string, doc []byte, at time.Time) error {
	err := c.Store.FinishImport(ctx, id, status, doc, at)
	if err == nil {
		c.m.Ended(KindImport, status)
	}
	return err
}

func (c *counted) CancelImport(ctx context.Context, accountID, id string, stop store.StopJob,
	cancelled func([]byte) ([]byte, error), at time.Time) (bool, error) {
	ended, err := c.Store.CancelImport(ctx, accountID, id, stop, cancelled, at)
	if err == nil && ended {
		c.m.Ended(KindImport, StatusCancelled)
	}
	return ended, err
}

func (c *counted) FinishCancelled(ctx context.Context, id string, doc []byte, at time.Time) error {
	err := c.Store.FinishCancelled(ctx, id, doc, at)
	if err == nil {
		c.m.Ended(KindImport, StatusCancelled)
	}
	return err
}

func (c *counted) CreateExport(ctx context.Context, e *store.Export, enqueue func(context.Context, *sql.Tx) error) error {
	err := c.Store.CreateExport(ctx, e, enqueue)
	if err == nil {
		c.m.Started(KindExport)
	}
	return err
}

func (c *counted) FinishExport(ctx context.Context, e *store.Export) error {
	err := c.Store.FinishExport(ctx, e)
	if err == nil {
		c.m.Ended(KindExport, e.Status)
	}
	return err
}

func (c *counted) CreatePublish(ctx context.Context, p *store.Publish, enqueue func(context.Context, *sql.Tx) error) error {
	err := c.Store.CreatePublish(ctx, p, enqueue)
	if err == nil {
		c.m.Started(KindPublish)
	}
	return err
}

func (c *counted) CommitPublish(ctx context.Context, pc *store.PublishCommit) (*store.Publish, error) {
	p, err := c.Store.CommitPublish(ctx, pc)
	if err == nil {
		c.m.Ended(KindPublish, store.StatusSuccess)
	}
	return p, err
}

func (c *counted) FailPublish(ctx context.Context, id, message string, started, at time.Time) error {
	err := c.Store.FailPublish(ctx, id, message, started, at)
	if err == nil {
		c.m.Ended(KindPublish, store.StatusFailure)
	}
	return err
}
