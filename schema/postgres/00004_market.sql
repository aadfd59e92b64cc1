-- License 2.0 and G1b: marketplace callbacks that arrive before their code is activated, the day a code was
-- last queried, and the outbox of uploads to the marketplace. PostgreSQL dialect.

-- +goose Up
-- The UTC day (days since 1970-01-01) licentia last queried the marketplace for the license's bound code:
-- at most one query per code and day, shared by every replica.
ALTER TABLE licenses ADD COLUMN market_queried_day BIGINT NOT NULL DEFAULT 0;

-- Callbacks for a License 2.0 code no license is bound to yet, kept in arrival order and folded into the
-- license when the code is activated. dedupe_key makes a resent renewal a no-op here too.
CREATE TABLE market_events (
    id            BIGSERIAL PRIMARY KEY,
    code          TEXT    NOT NULL CHECK (length(code) BETWEEN 1 AND 64),
    activity      TEXT    NOT NULL,
    scene         TEXT    NOT NULL DEFAULT '',
    status        TEXT    NOT NULL DEFAULT '',
    order_id      TEXT    NOT NULL DEFAULT '',
    order_line_id TEXT    NOT NULL DEFAULT '',
    product_id    TEXT    NOT NULL DEFAULT '',
    expires_at    BIGINT NOT NULL DEFAULT 0,
    dedupe_key    TEXT    UNIQUE,
    request_id    TEXT    NOT NULL DEFAULT '',
    received_at   BIGINT NOT NULL
);
CREATE INDEX market_events_code ON market_events (code, id);

-- Uploads owed to the marketplace (G1b getLicenseAsync: the code, by market-event file), retried until the
-- marketplace accepts them; event_id is the marketplace's, so a resent getLicenseAsync owes nothing new.
CREATE TABLE outbox (
    event_id   TEXT    NOT NULL PRIMARY KEY CHECK (length(event_id) BETWEEN 1 AND 64),
    license_id TEXT    NOT NULL REFERENCES licenses (id),
    content    TEXT    NOT NULL,
    attempts   BIGINT NOT NULL DEFAULT 0,
    next_at    BIGINT NOT NULL,
    done_at    BIGINT,
    last_error TEXT    NOT NULL DEFAULT '',
    created_at BIGINT NOT NULL
);
CREATE INDEX outbox_due ON outbox (next_at) WHERE done_at IS NULL;

-- +goose Down
DROP TABLE outbox;
DROP TABLE market_events;
ALTER TABLE licenses DROP COLUMN market_queried_day;
