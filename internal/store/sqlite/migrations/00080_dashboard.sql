-- +goose Up
-- The web dashboard (issue 16).
--
-- Apps flagged admin may open the operators' pages (River UI).
ALTER TABLE apps ADD COLUMN admin INTEGER NOT NULL DEFAULT 0;

-- When each stage of an import ended, for the dashboard's timeline: the
-- importer's own encoding, kept beside the status document so that the
-- document's bytes (the wire contract) stay as they are.
ALTER TABLE imports ADD COLUMN stage_times BLOB NOT NULL DEFAULT X'';

-- Dashboard sessions. The cookie carries a random id; the row is keyed by
-- its SHA-256, so a copy of the database opens no session. secret_tag binds
-- the session to the app's secret of the sign-in (a rotated secret ends
-- it); csrf is the token every form of the session posts back.
CREATE TABLE ui_sessions (
    id_sha256  TEXT PRIMARY KEY,
    app_id     TEXT NOT NULL,
    account_id TEXT NOT NULL,
    csrf       TEXT NOT NULL,
    secret_tag TEXT NOT NULL,
    created_on BIGINT NOT NULL,
    expires_on BIGINT NOT NULL
);
CREATE INDEX ui_sessions_expires ON ui_sessions (expires_on);

-- +goose Down
DROP TABLE ui_sessions;
ALTER TABLE imports DROP COLUMN stage_times;
ALTER TABLE apps DROP COLUMN admin;
