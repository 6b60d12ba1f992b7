-- +goose Up
-- Seeing and steering imports (issue 14): lists, cancel, document
-- revisions for the event stream, idempotency keys.
--
-- rev counts the writes of an import's status document (1 at acceptance):
-- the event stream's ids derive from it. cancel_requested is set by a
-- cancel; from then on the import can only end cancelled (its commit and
-- every other finish refuse). dry_run is listed; older rows get it from
-- their documents.
ALTER TABLE imports ADD COLUMN rev INTEGER NOT NULL DEFAULT 1;
ALTER TABLE imports ADD COLUMN cancel_requested INTEGER NOT NULL DEFAULT 0;
ALTER TABLE imports ADD COLUMN dry_run INTEGER NOT NULL DEFAULT 0;
UPDATE imports SET dry_run = 1 WHERE CAST(doc AS TEXT) LIKE '%"dryRun":true%';

-- Lists: an account's requests newest first (keyset on seq), optionally
-- of one bot.
CREATE INDEX imports_account_seq ON imports (account_id, seq);
CREATE INDEX imports_account_bot_seq ON imports (account_id, bot_id, seq);
CREATE INDEX exports_account_seq ON exports (account_id, seq);

-- Idempotency-Key (IETF draft): one row per app and key. In flight, token
-- names the request holding it until lease_until (renewed while it runs);
-- done, it holds the answer to replay until expires_on.
CREATE TABLE idempotency_keys (
    app_id      TEXT NOT NULL,
    idem_key    TEXT NOT NULL,
    token       TEXT NOT NULL,
    done        INTEGER NOT NULL,
    fingerprint TEXT NOT NULL,
    status      INTEGER NOT NULL,
    header      BLOB NOT NULL,
    body        BLOB NOT NULL,
    created_on  INTEGER NOT NULL,
    expires_on  INTEGER NOT NULL,
    lease_until INTEGER NOT NULL,
    PRIMARY KEY (app_id, idem_key)
);
CREATE INDEX idempotency_keys_expiry ON idempotency_keys (expires_on);

-- +goose Down
DROP TABLE idempotency_keys;
DROP INDEX exports_account_seq;
DROP INDEX imports_account_bot_seq;
DROP INDEX imports_account_seq;
ALTER TABLE imports DROP COLUMN dry_run;
ALTER TABLE imports DROP COLUMN cancel_requested;
ALTER TABLE imports DROP COLUMN rev;
