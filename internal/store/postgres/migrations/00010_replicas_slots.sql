-- +goose Up
-- Replica liveness (internal/replica): one row per server process, whose
-- lease the process renews every few seconds. expires_on is read against
-- the database's clock, so replicas' clocks need not agree. id is the
-- process's River client id: a running job's attempted_by names it.
CREATE TABLE replicas (
    id         TEXT PRIMARY KEY,
    name       TEXT NOT NULL,
    pid        INTEGER NOT NULL,
    workers    INTEGER NOT NULL,
    started_on BIGINT NOT NULL,
    expires_on BIGINT NOT NULL
);
CREATE INDEX replicas_name ON replicas (name);

-- Fair sharing of workers between accounts: a pending import holds one of
-- its account's slots while admitted (its job ready to run or running); a
-- parked import's job waits in River's pending state until a slot frees.
CREATE TABLE import_slots (
    import_id  TEXT PRIMARY KEY,
    account_id TEXT NOT NULL,
    job_id     BIGINT NOT NULL,
    seq        BIGINT NOT NULL,
    admitted   BOOLEAN NOT NULL
);
CREATE INDEX import_slots_account ON import_slots (account_id, admitted, seq);

-- The replica that runs, or last ran, a pending import: without a live
-- lease, the import waits for recovery.
ALTER TABLE imports ADD COLUMN run_by TEXT NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE imports DROP COLUMN run_by;
DROP TABLE import_slots;
DROP TABLE replicas;
