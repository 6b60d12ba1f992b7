-- +goose Up
CREATE TABLE accounts (
    id         TEXT PRIMARY KEY,
    name       TEXT NOT NULL UNIQUE,
    created_on BIGINT NOT NULL
);

CREATE TABLE apps (
    id          TEXT COLLATE "C" PRIMARY KEY,
    account_id  TEXT NOT NULL REFERENCES accounts (id),
    name        TEXT NOT NULL,
    secret      TEXT NOT NULL,
    algorithm   TEXT NOT NULL,
    scopes      TEXT NOT NULL,
    user_id     TEXT NOT NULL,
    disabled    BOOLEAN NOT NULL DEFAULT FALSE,
    enforce_jti BOOLEAN NOT NULL DEFAULT FALSE,
    created_on  BIGINT NOT NULL
);
CREATE INDEX apps_account ON apps (account_id);

CREATE TABLE files (
    id         TEXT PRIMARY KEY,
    account_id TEXT NOT NULL,
    blob_key   TEXT NOT NULL,
    name       TEXT NOT NULL,
    context    TEXT NOT NULL,
    extension  TEXT NOT NULL,
    size       BIGINT NOT NULL,
    sha1       TEXT NOT NULL,
    created_on BIGINT NOT NULL,
    expires_on BIGINT NOT NULL
);
CREATE INDEX files_expiry ON files (expires_on);

CREATE TABLE imports (
    seq           BIGSERIAL PRIMARY KEY,
    id            TEXT NOT NULL UNIQUE,
    account_id    TEXT NOT NULL,
    app_id        TEXT NOT NULL,
    created_by    TEXT NOT NULL,
    bot_id        TEXT NOT NULL,
    new_bot       BOOLEAN NOT NULL,
    stream_ref_id TEXT NOT NULL,
    bot_name      TEXT NOT NULL,
    status        TEXT NOT NULL,
    request       BYTEA NOT NULL,
    doc           BYTEA NOT NULL,
    created_on    BIGINT NOT NULL,
    finished_on   BIGINT
);
CREATE INDEX imports_bot_pending ON imports (bot_id, seq) WHERE status = 'pending';
CREATE INDEX imports_finished ON imports (finished_on) WHERE finished_on IS NOT NULL;

CREATE TABLE import_files (
    import_id TEXT NOT NULL,
    file_id   TEXT NOT NULL,
    PRIMARY KEY (import_id, file_id)
);
CREATE INDEX import_files_file ON import_files (file_id);

CREATE TABLE bots (
    id               TEXT COLLATE "C" PRIMARY KEY,
    account_id       TEXT NOT NULL,
    ref_id           TEXT NOT NULL,
    name             TEXT NOT NULL,
    purpose          TEXT NOT NULL,
    type             TEXT NOT NULL,
    default_language TEXT NOT NULL,
    description      TEXT NOT NULL,
    icon             TEXT NOT NULL,
    color            TEXT NOT NULL,
    created_on       BIGINT NOT NULL,
    created_by       TEXT NOT NULL,
    current_vid      TEXT NOT NULL,
    version          INTEGER NOT NULL,
    updated_on       BIGINT NOT NULL
);
CREATE INDEX bots_account_created ON bots (account_id, created_on, id);

CREATE TABLE versions (
    id           TEXT PRIMARY KEY,
    bot_id       TEXT NOT NULL,
    account_id   TEXT NOT NULL,
    num          INTEGER,
    import_id    TEXT,
    layout       BYTEA NOT NULL,
    content_hash TEXT NOT NULL,
    created_on   BIGINT NOT NULL,
    committed_on BIGINT
);
CREATE UNIQUE INDEX versions_bot_num ON versions (bot_id, num) WHERE num IS NOT NULL;
CREATE INDEX versions_import ON versions (import_id) WHERE num IS NULL;

-- Text columns that order rows compare bytes, as in SQLite.
CREATE TABLE records (
    vid        TEXT NOT NULL,
    file       TEXT COLLATE "C" NOT NULL,
    member     TEXT COLLATE "C" NOT NULL,
    seq        INTEGER NOT NULL,
    account_id TEXT NOT NULL,
    kind       TEXT NOT NULL,
    ident      TEXT NOT NULL,
    ref_id     TEXT NOT NULL,
    name       TEXT NOT NULL,
    n          INTEGER NOT NULL,
    hash       BYTEA NOT NULL,
    PRIMARY KEY (vid, file, member, seq)
);
CREATE INDEX records_kind ON records (vid, kind);

CREATE TABLE bodies (
    account_id TEXT NOT NULL,
    hash       BYTEA NOT NULL,
    body       BYTEA NOT NULL,
    PRIMARY KEY (account_id, hash)
);

CREATE TABLE links (
    vid        TEXT NOT NULL,
    from_kind  TEXT NOT NULL,
    from_ident TEXT NOT NULL,
    to_kind    TEXT NOT NULL,
    to_ident   TEXT NOT NULL,
    PRIMARY KEY (vid, from_kind, from_ident, to_kind, to_ident)
);

CREATE TABLE settings (
    key   TEXT PRIMARY KEY,
    value BYTEA NOT NULL
);

-- +goose Down
DROP TABLE settings;
DROP TABLE links;
DROP TABLE bodies;
DROP TABLE records;
DROP TABLE versions;
DROP TABLE bots;
DROP TABLE import_files;
DROP TABLE imports;
DROP TABLE files;
DROP TABLE apps;
DROP TABLE accounts;
