-- +goose Up
-- JTI enforcement (contract 2.3): the jti values an app's tokens used, kept
-- until the token could no longer be accepted (exp + leeway), so a replay is
-- refused across restarts and replicas. The jti is kept as its SHA-256: a
-- bounded key, and no token material at rest.
CREATE TABLE used_jtis (
    app_id     TEXT NOT NULL,
    jti_sha256 TEXT NOT NULL,
    expires_on BIGINT NOT NULL,
    PRIMARY KEY (app_id, jti_sha256)
);
CREATE INDEX used_jtis_expires ON used_jtis (expires_on);

-- Rate limits (contract section 6): one row per bucket, holding the
-- admissions of its rolling windows (the ratelimit package's encoding).
-- Every replica updates a bucket under its row lock, so the counters are
-- shared and exact.
CREATE TABLE rate_buckets (
    key        TEXT PRIMARY KEY,
    state      BLOB NOT NULL,
    expires_on BIGINT NOT NULL
);
CREATE INDEX rate_buckets_expires ON rate_buckets (expires_on);

-- +goose Down
DROP TABLE rate_buckets;
DROP TABLE used_jtis;
