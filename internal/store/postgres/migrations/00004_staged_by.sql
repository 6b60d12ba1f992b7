-- +goose Up
-- Who staged a version gets columns of its own. import_id used to carry it
-- for every writer, told apart by prefixes: "fn-<vid>" for bot-functions
-- writes, "restore-<vid>" for restores, the import's bir for imports.
ALTER TABLE versions ADD COLUMN staged_kind TEXT NOT NULL DEFAULT '';
ALTER TABLE versions ADD COLUMN staged_id TEXT NOT NULL DEFAULT '';
UPDATE versions SET staged_kind = 'functions', staged_id = substr(import_id, 4) WHERE import_id LIKE 'fn-%';
UPDATE versions SET staged_kind = 'restore', staged_id = substr(import_id, 9) WHERE import_id LIKE 'restore-%';
UPDATE versions SET staged_kind = 'import', staged_id = import_id WHERE import_id LIKE 'bir-%';
UPDATE versions SET staged_id = import_id WHERE staged_kind = '' AND import_id IS NOT NULL;
DROP INDEX versions_import;
ALTER TABLE versions DROP COLUMN import_id;
CREATE INDEX versions_staged ON versions (staged_kind, staged_id) WHERE num IS NULL;

-- A bot's next commit reserved for one writer (store.HoldBot).
ALTER TABLE bots ADD COLUMN held_by TEXT NOT NULL DEFAULT '';
ALTER TABLE bots ADD COLUMN held_until BIGINT NOT NULL DEFAULT 0;

-- +goose Down
ALTER TABLE bots DROP COLUMN held_until;
ALTER TABLE bots DROP COLUMN held_by;
DROP INDEX versions_staged;
ALTER TABLE versions ADD COLUMN import_id TEXT;
UPDATE versions SET import_id = CASE staged_kind
    WHEN 'functions' THEN 'fn-' || staged_id
    WHEN 'restore' THEN 'restore-' || staged_id
    WHEN 'import' THEN staged_id
    WHEN '' THEN NULLIF(staged_id, '')
    ELSE staged_kind || '-' || staged_id END;
CREATE INDEX versions_import ON versions (import_id) WHERE num IS NULL;
ALTER TABLE versions DROP COLUMN staged_id;
ALTER TABLE versions DROP COLUMN staged_kind;
