-- +goose Up
-- Bodies no record refers to any more (a failed or dry-run import's, which
-- can hold the env secrets of a refused upload) are found and deleted by
-- the cleanup job (store.DeleteOrphanBodies). A discard records the bodies
-- its versions referred to as candidates; PutBody records the body it
-- stores ahead of the version that will refer to it, with the time, so the
-- cleanup leaves it alone for a grace period. records_hash makes "does any
-- record refer to this body" one index lookup.
CREATE INDEX records_hash ON records (hash);
CREATE TABLE orphan_bodies (
    account_id TEXT NOT NULL,
    hash       BLOB NOT NULL,
    since      INTEGER NOT NULL,
    PRIMARY KEY (account_id, hash)
) WITHOUT ROWID;
-- Bodies orphaned before this migration.
INSERT INTO orphan_bodies (account_id, hash, since)
    SELECT account_id, hash, 0 FROM bodies b
    WHERE NOT EXISTS (SELECT 1 FROM records r WHERE r.hash = b.hash AND r.account_id = b.account_id);

-- +goose Down
DROP TABLE orphan_bodies;
DROP INDEX records_hash;
