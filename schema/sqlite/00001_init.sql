-- licentia schema, SQLite dialect. Timestamps are INTEGER unix seconds, UTC.

-- +goose Up
-- One row per license (= one KooGallery instance). Idempotency of creates lives in the UNIQUE constraint
-- on (order_id, order_line_id): a resent create can never make a second row.
CREATE TABLE licenses (
    id            TEXT    NOT NULL PRIMARY KEY CHECK (length(id) BETWEEN 1 AND 64),
    order_id      TEXT    NOT NULL CHECK (length(order_id) BETWEEN 1 AND 64),
    order_line_id TEXT    NOT NULL DEFAULT '' CHECK (length(order_line_id) <= 64),
    flow          TEXT    NOT NULL CHECK (flow IN ('license1', 'instance', 'admin')),
    product_id    TEXT    NOT NULL DEFAULT '',
    sku           TEXT    NOT NULL DEFAULT '',
    customer_id   TEXT    NOT NULL DEFAULT '',
    customer_name TEXT    NOT NULL DEFAULT '',
    quantity      INTEGER NOT NULL DEFAULT 0 CHECK (quantity >= 0),
    period_type   TEXT    NOT NULL DEFAULT '',
    period_number INTEGER NOT NULL DEFAULT 0 CHECK (period_number >= 0),
    status        TEXT    NOT NULL CHECK (status IN ('active', 'frozen', 'released', 'revoked')),
    starts_at     INTEGER NOT NULL,
    expires_at    INTEGER,            -- NULL: perpetual
    generation    INTEGER NOT NULL CHECK (generation >= 1),
    changed_at    INTEGER NOT NULL,   -- time of the state change that produced this generation (iat)
    code          TEXT    NOT NULL,
    key_id        TEXT    NOT NULL,
    test          INTEGER NOT NULL DEFAULT 0 CHECK (test IN (0, 1)),
    market_code   TEXT    UNIQUE,     -- a KooGallery License 2.0 code bound to this license
    created_at    INTEGER NOT NULL,
    UNIQUE (order_id, order_line_id)
) STRICT;
CREATE INDEX licenses_customer ON licenses (customer_id);
CREATE INDEX licenses_product ON licenses (product_id);
CREATE INDEX licenses_expires ON licenses (expires_at);

-- The audit log: every change of a license, from the marketplace, the CLI or the admin API. A marketplace
-- event carries the key it is deduplicated on; the UNIQUE constraint makes a resent event a no-op.
CREATE TABLE events (
    id             INTEGER NOT NULL PRIMARY KEY,
    license_id     TEXT    NOT NULL REFERENCES licenses (id),
    at             INTEGER NOT NULL,
    source         TEXT    NOT NULL CHECK (source IN ('koogallery', 'cli', 'admin', 'api')),
    actor          TEXT    NOT NULL DEFAULT '',
    action         TEXT    NOT NULL,
    activity       TEXT    NOT NULL DEFAULT '',
    scene          TEXT    NOT NULL DEFAULT '',
    order_id       TEXT    NOT NULL DEFAULT '',
    order_line_id  TEXT    NOT NULL DEFAULT '',
    dedupe_key     TEXT    UNIQUE,
    reason         TEXT    NOT NULL DEFAULT '',
    request_id     TEXT    NOT NULL DEFAULT '',
    before_status  TEXT    NOT NULL DEFAULT '',
    after_status   TEXT    NOT NULL,
    before_expires INTEGER,
    after_expires  INTEGER,
    generation     INTEGER NOT NULL CHECK (generation >= 1)
) STRICT;
CREATE INDEX events_license ON events (license_id, id);

-- Nonces of signed marketplace requests seen recently; a repeat is a replay.
CREATE TABLE nonces (
    nonce      TEXT    NOT NULL PRIMARY KEY,
    expires_at INTEGER NOT NULL
) STRICT, WITHOUT ROWID;
CREATE INDEX nonces_expires ON nonces (expires_at);

-- +goose Down
DROP TABLE nonces;
DROP TABLE events;
DROP TABLE licenses;
