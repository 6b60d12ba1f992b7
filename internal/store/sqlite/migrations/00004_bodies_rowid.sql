-- +goose Up
-- Bodies move out of a WITHOUT ROWID table. There every row lived in the
-- primary-key b-tree, and SQLite reads a whole row, overflow pages and all,
-- to compare keys in a cell that overflows: with utterance chunks of up to
-- 1 MiB (and whole files), each insert read megabytes. Now the key index
-- holds only (account_id, hash) and the bodies sit in the rowid table.
CREATE TABLE bodies_rowid (
    account_id TEXT NOT NULL,
    hash       BLOB NOT NULL,
    body       BLOB NOT NULL,
    PRIMARY KEY (account_id, hash)
);
INSERT INTO bodies_rowid (account_id, hash, body) SELECT account_id, hash, body FROM bodies;
DROP TABLE bodies;
ALTER TABLE bodies_rowid RENAME TO bodies;

-- +goose Down
CREATE TABLE bodies_norowid (
    account_id TEXT NOT NULL,
    hash       BLOB NOT NULL,
    body       BLOB NOT NULL,
    PRIMARY KEY (account_id, hash)
) WITHOUT ROWID;
INSERT INTO bodies_norowid (account_id, hash, body) SELECT account_id, hash, body FROM bodies;
DROP TABLE bodies;
ALTER TABLE bodies_norowid RENAME TO bodies;
