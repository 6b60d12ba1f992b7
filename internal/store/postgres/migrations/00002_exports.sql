-- +goose Up
CREATE TABLE exports (
    seq         BIGSERIAL PRIMARY KEY,
    id          TEXT NOT NULL UNIQUE,
    account_id  TEXT NOT NULL,
    bot_id      TEXT NOT NULL,
    version_id  TEXT NOT NULL,
    created_by  TEXT NOT NULL,
    export_type TEXT NOT NULL,
    options     BYTEA NOT NULL,
    status      TEXT NOT NULL,
    file_id     TEXT NOT NULL DEFAULT '',
    blob_key    TEXT NOT NULL DEFAULT '',
    file_size   BIGINT NOT NULL DEFAULT 0,
    message     TEXT NOT NULL DEFAULT '',
    created_on  BIGINT NOT NULL,
    finished_on BIGINT
);
CREATE INDEX exports_bot ON exports (account_id, bot_id, seq);
CREATE INDEX exports_bot_pending ON exports (bot_id, seq) WHERE status = 'pending';
CREATE INDEX exports_finished ON exports (finished_on) WHERE finished_on IS NOT NULL;

-- +goose Down
DROP TABLE exports;
