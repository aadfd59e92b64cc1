-- Uses of License 2.0 marketplace codes owed to the marketplace's usage report (授权码软件使用统计, topic
-- 0000002290055385): one row per (marketplace code, deployment, UTC day), recorded at the deployment's first use
-- that day, before the use is answered, and reported once. SQLite dialect.

-- +goose Up
-- deployment is the salted hash of the deployment id (never the id itself); day counts UTC days since
-- 1970-01-01; mode is how it is reported: 'id' (the deployment as a client id) or 'count' (the day's number of
-- deployments of the code as active_num). next_at is when the sender tries it next and, while a sender holds
-- it (claim, its token), the end of that lease; attempts counts the claims. reported_at is set when the
-- marketplace accepted it, dead_at when it ran out of attempts (dead-lettered); last_error says why the last
-- attempt failed.
CREATE TABLE usage_reports (
    market_code   TEXT    NOT NULL CHECK (length(market_code) BETWEEN 1 AND 64),
    deployment    TEXT    NOT NULL CHECK (length(deployment) BETWEEN 1 AND 64),
    day           INTEGER NOT NULL,
    license_id    TEXT    NOT NULL,
    mode          TEXT    NOT NULL CHECK (mode IN ('id', 'count')),
    first_used_at INTEGER NOT NULL,
    attempts      INTEGER NOT NULL DEFAULT 0,
    next_at       INTEGER NOT NULL,
    claim         TEXT    NOT NULL DEFAULT '',
    last_error    TEXT    NOT NULL DEFAULT '',
    reported_at   INTEGER,
    dead_at       INTEGER,
    PRIMARY KEY (market_code, deployment, day)
) STRICT;
CREATE INDEX usage_reports_due ON usage_reports (next_at) WHERE reported_at IS NULL AND dead_at IS NULL;
CREATE INDEX usage_reports_license ON usage_reports (license_id, day);
CREATE INDEX usage_reports_day ON usage_reports (day);

-- +goose Down
DROP TABLE usage_reports;
