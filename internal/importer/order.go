package importer

import (
	"context"

	"github.com/botport/botport/internal/store"
)

// workAhead counts what must end before imp runs: the bot's imports
// accepted before it (ImportsAhead) and its publishes accepted before it
// (PublishesAhead at the import's position: a publish accepted after it
// waits for it instead). Imports and publishes of one bot are one order
// (store.Publish).
func (s *Service) workAhead(ctx context.Context, imp *store.Import) (int, error) {
	imports, err := s.cfg.Store.ImportsAhead(ctx, imp.BotID, imp.Seq)
	if err != nil {
		return 0, err
	}
	publishes, err := s.cfg.Store.PublishesAhead(ctx, imp.BotID, imp.Seq, 0)
	return imports + publishes, err
}
