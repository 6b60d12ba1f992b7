-- +goose Up
-- Counters that move whenever a kind of row changes, so that caches in
-- every process (servers, replicas) can tell when to drop what they hold.
CREATE TABLE generations (
    name TEXT PRIMARY KEY,
    n    BIGINT NOT NULL
);

-- +goose Down
DROP TABLE generations;
