-- licentia schema, PostgreSQL dialect. Timestamps are BIGINT unix seconds, UTC.

-- +goose Up
CREATE TABLE licenses (
    id            TEXT    NOT NULL PRIMARY KEY CHECK (length(id) BETWEEN 1 AND 64),
    order_id      TEXT    NOT NULL CHECK (length(order_id) BETWEEN 1 AND 64),
    order_line_id TEXT    NOT NULL DEFAULT '' CHECK (length(order_line_id) <= 64),
    flow          TEXT    NOT NULL CHECK (flow IN ('license1', 'instance', 'admin')),
    product_id    TEXT    NOT NULL DEFAULT '',
    sku           TEXT    NOT NULL DEFAULT '',
    customer_id   TEXT    NOT NULL DEFAULT '',
    customer_name TEXT    NOT NULL DEFAULT '',
    quantity      BIGINT  NOT NULL DEFAULT 0 CHECK (quantity >= 0),
    period_type   TEXT    NOT NULL DEFAULT '',
    period_number BIGINT  NOT NULL DEFAULT 0 CHECK (period_number >= 0),
    status        TEXT    NOT NULL CHECK (status IN ('active', 'frozen', 'released', 'revoked')),
    starts_at     BIGINT  NOT NULL,
    expires_at    BIGINT,
    generation    BIGINT  NOT NULL CHECK (generation >= 1),
    changed_at    BIGINT  NOT NULL,
    code          TEXT    NOT NULL,
    key_id        TEXT    NOT NULL,
    test          BIGINT  NOT NULL DEFAULT 0 CHECK (test IN (0, 1)),
    market_code   TEXT    UNIQUE,
    created_at    BIGINT  NOT NULL,
    UNIQUE (order_id, order_line_id)
);
CREATE INDEX licenses_customer ON licenses (customer_id);
CREATE INDEX licenses_product ON licenses (product_id);
CREATE INDEX licenses_expires ON licenses (expires_at);

CREATE TABLE events (
    id             BIGSERIAL PRIMARY KEY,
    license_id     TEXT    NOT NULL REFERENCES licenses (id),
    at             BIGINT  NOT NULL,
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
    before_expires BIGINT,
    after_expires  BIGINT,
    generation     BIGINT  NOT NULL CHECK (generation >= 1)
);
CREATE INDEX events_license ON events (license_id, id);

CREATE TABLE nonces (
    nonce      TEXT   NOT NULL PRIMARY KEY,
    expires_at BIGINT NOT NULL
);
CREATE INDEX nonces_expires ON nonces (expires_at);

-- +goose Down
DROP TABLE nonces;
DROP TABLE events;
DROP TABLE licenses;
