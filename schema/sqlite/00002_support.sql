-- Support: admin API tokens, the shared rate-limit counters of the public refresh endpoint, and an index
-- for the revocation list. SQLite dialect; timestamps are INTEGER unix seconds, UTC.

-- +goose Up
-- Bearer tokens of the admin API. The secret part of a token is stored only as its SHA-256; the id is the
-- public part of the token and finds the row. A revoked token keeps its row, so the names that events
-- carry as actors stay explained; a name is unique among the tokens not revoked.
CREATE TABLE admin_tokens (
    id          TEXT    NOT NULL PRIMARY KEY CHECK (length(id) BETWEEN 1 AND 64),
    name        TEXT    NOT NULL CHECK (length(name) BETWEEN 1 AND 64),
    role        TEXT    NOT NULL CHECK (role IN ('read', 'support')),
    secret_hash BLOB    NOT NULL CHECK (length(secret_hash) = 32),
    created_at  INTEGER NOT NULL,
    revoked_at  INTEGER
) STRICT;
CREATE UNIQUE INDEX admin_tokens_live_name ON admin_tokens (name) WHERE revoked_at IS NULL;

-- Fixed-window request counters, one row per key and window, shared by every server on the database.
CREATE TABLE rate_limits (
    bucket     TEXT    NOT NULL PRIMARY KEY,
    hits       INTEGER NOT NULL CHECK (hits >= 1),
    expires_at INTEGER NOT NULL
) STRICT, WITHOUT ROWID;
CREATE INDEX rate_limits_expires ON rate_limits (expires_at);

-- The revocation list covers the licenses past their first generation; this index answers both its
-- content and its change fingerprint without reading the table.
CREATE INDEX licenses_superseded ON licenses (id, generation, status) WHERE generation > 1;

-- +goose Down
DROP INDEX licenses_superseded;
DROP TABLE rate_limits;
DROP TABLE admin_tokens;
