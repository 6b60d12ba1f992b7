-- +goose Up
-- The version a bot's last successful publish made live (contract 4.9):
-- what exportType "published" exports. '' until the first publish.
ALTER TABLE bots ADD COLUMN published_vid TEXT NOT NULL DEFAULT '';
ALTER TABLE bots ADD COLUMN published_on BIGINT NOT NULL DEFAULT 0;

-- Publish requests. after_import is the seq of the bot's last import
-- accepted before the publish: publishes and imports of one bot run in
-- the order (import seq | after_import, publish seq).
CREATE TABLE publishes (
    seq          BIGSERIAL PRIMARY KEY,
    id           TEXT NOT NULL UNIQUE,
    account_id   TEXT NOT NULL,
    bot_id       TEXT NOT NULL,
    app_id       TEXT NOT NULL,
    created_by   TEXT NOT NULL,
    after_import BIGINT NOT NULL,
    comment      TEXT NOT NULL,
    train        BOOLEAN NOT NULL,
    status       TEXT NOT NULL,
    version_id   TEXT NOT NULL DEFAULT '',
    version      INTEGER NOT NULL DEFAULT 0,
    detail       BYTEA NOT NULL DEFAULT ''::bytea,
    message      TEXT NOT NULL DEFAULT '',
    created_on   BIGINT NOT NULL,
    started_on   BIGINT NOT NULL DEFAULT 0,
    finished_on  BIGINT
);
CREATE INDEX publishes_bot ON publishes (account_id, bot_id, seq);
CREATE INDEX publishes_bot_pending ON publishes (bot_id, after_import, seq) WHERE status = 'pending';
CREATE INDEX publishes_finished ON publishes (finished_on) WHERE finished_on IS NOT NULL;

-- +goose Down
DROP TABLE publishes;
ALTER TABLE bots DROP COLUMN published_on;
ALTER TABLE bots DROP COLUMN published_vid;
