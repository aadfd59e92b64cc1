-- Support: admin API tokens, the shared rate-limit counters of the public refresh endpoint, and an index
-- for the revocation list. PostgreSQL dialect; timestamps are BIGINT unix seconds, UTC.

-- +goose Up
CREATE TABLE admin_tokens (
    id          TEXT   NOT NULL PRIMARY KEY CHECK (length(id) BETWEEN 1 AND 64),
    name        TEXT   NOT NULL CHECK (length(name) BETWEEN 1 AND 64),
    role        TEXT   NOT NULL CHECK (role IN ('read', 'support')),
    secret_hash BYTEA  NOT NULL CHECK (length(secret_hash) = 32),
    created_at  BIGINT NOT NULL,
    revoked_at  BIGINT
);
CREATE UNIQUE INDEX admin_tokens_live_name ON admin_tokens (name) WHERE revoked_at IS NULL;

CREATE TABLE rate_limits (
    bucket     TEXT   NOT NULL PRIMARY KEY,
    hits       BIGINT NOT NULL CHECK (hits >= 1),
    expires_at BIGINT NOT NULL
);
CREATE INDEX rate_limits_expires ON rate_limits (expires_at);

CREATE INDEX licenses_superseded ON licenses (id, generation, status) WHERE generation > 1;

-- +goose Down
DROP INDEX licenses_superseded;
DROP TABLE rate_limits;
DROP TABLE admin_tokens;
