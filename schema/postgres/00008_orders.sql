-- Orders the marketplace notified (orderNotify, topic 0000002091799153), as its order query described them:
-- one row per order line, recorded before the notification is answered, so that orders whose License 2.0
-- code was never activated can be shown to the seller. PostgreSQL dialect.

-- +goose Up
-- order_type is the order query's (NEW, TRIAL, RENEW, …); ordered_at its createTime (0 when it gave none or
-- an unreadable one); notified_at when the first notification arrived; request_id that request's id.
CREATE TABLE market_orders (
    order_id      TEXT    NOT NULL CHECK (length(order_id) BETWEEN 1 AND 64),
    order_line_id TEXT    NOT NULL DEFAULT '' CHECK (length(order_line_id) <= 64),
    order_type    TEXT    NOT NULL DEFAULT '',
    charging_mode TEXT    NOT NULL DEFAULT '',
    product_id    TEXT    NOT NULL DEFAULT '',
    sku           TEXT    NOT NULL DEFAULT '',
    customer_id   TEXT    NOT NULL DEFAULT '',
    customer_name TEXT    NOT NULL DEFAULT '',
    expires_at    BIGINT  NOT NULL DEFAULT 0,
    ordered_at    BIGINT  NOT NULL DEFAULT 0,
    notified_at   BIGINT  NOT NULL,
    request_id    TEXT    NOT NULL DEFAULT '',
    PRIMARY KEY (order_id, order_line_id)
);
CREATE INDEX market_orders_since ON market_orders ((CASE WHEN ordered_at > 0 THEN ordered_at ELSE notified_at END));

-- +goose Down
DROP TABLE market_orders;
