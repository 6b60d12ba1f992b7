-- +goose Up
-- Signed webhooks (issue 14): an account's endpoints, the outbox of events
-- the transactions that end requests write, and each endpoint's deliveries
-- with their attempts.
--
-- events holds the subscribed event types between commas (",a,b,"), so
-- that the outbox write matches one with LIKE '%,type,%' on both engines.
-- secret is the whsec_ secret, sealed like apps' secrets.
CREATE TABLE webhooks (
    id         TEXT PRIMARY KEY,
    account_id TEXT NOT NULL,
    app_id     TEXT NOT NULL,
    url        TEXT NOT NULL,
    events     TEXT NOT NULL,
    secret     BLOB NOT NULL,
    created_on INTEGER NOT NULL
);
CREATE INDEX webhooks_account ON webhooks (account_id, created_on);

-- The outbox: one row per ended request of an account with a webhook
-- subscribed to its type, written in the transaction that ends the
-- request. dispatched_on is set when its deliveries and their jobs are
-- written (body, the payload every delivery sends, with them).
CREATE TABLE webhook_events (
    seq           INTEGER PRIMARY KEY AUTOINCREMENT,
    id            TEXT NOT NULL UNIQUE,
    account_id    TEXT NOT NULL,
    type          TEXT NOT NULL,
    subject       TEXT NOT NULL,
    created_on    INTEGER NOT NULL,
    dispatched_on INTEGER,
    body          BLOB NOT NULL DEFAULT x''
);
CREATE INDEX webhook_events_undispatched ON webhook_events (seq) WHERE dispatched_on IS NULL;
CREATE INDEX webhook_events_dispatched ON webhook_events (dispatched_on) WHERE dispatched_on IS NOT NULL;

-- One event to one endpoint. status: pending, succeeded or failed.
CREATE TABLE webhook_deliveries (
    seq        INTEGER PRIMARY KEY AUTOINCREMENT,
    webhook_id TEXT NOT NULL,
    event_id   TEXT NOT NULL,
    status     TEXT NOT NULL,
    attempts   INTEGER NOT NULL DEFAULT 0,
    created_on INTEGER NOT NULL,
    ended_on   INTEGER,
    UNIQUE (webhook_id, event_id)
);
CREATE INDEX webhook_deliveries_webhook ON webhook_deliveries (webhook_id, seq);
CREATE INDEX webhook_deliveries_event ON webhook_deliveries (event_id);

CREATE TABLE webhook_attempts (
    delivery_seq INTEGER NOT NULL,
    attempt      INTEGER NOT NULL,
    at           INTEGER NOT NULL,
    duration_ms  INTEGER NOT NULL,
    status_code  INTEGER NOT NULL,
    error        TEXT NOT NULL,
    PRIMARY KEY (delivery_seq, attempt)
);

-- +goose Down
DROP TABLE webhook_attempts;
DROP TABLE webhook_deliveries;
DROP TABLE webhook_events;
DROP TABLE webhooks;
