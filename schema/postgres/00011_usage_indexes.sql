-- Indexes for the usage report at scale. PostgreSQL dialect.
--
-- A seat's first use of a day counts the code's uses of that day (RecordUse), and the sender counts them for
-- each use it claimed: with only the primary key (market_code, deployment, day) both read every use of the code
-- kept (up to 400 days of each deployment). The sender's claim took the due uses in order through a sort of all
-- of them, and found its claimed ones by reading every use not yet reported: a backlog (the marketplace down
-- for a day at a million licenses) made each batch cost the whole backlog.

-- +goose Up
CREATE INDEX usage_reports_code_day ON usage_reports (market_code, day);
DROP INDEX usage_reports_due;
CREATE INDEX usage_reports_due ON usage_reports (next_at, market_code, deployment, day) WHERE reported_at IS NULL AND dead_at IS NULL;
CREATE INDEX usage_reports_claim ON usage_reports (claim) WHERE claim <> '';

-- +goose Down
DROP INDEX usage_reports_claim;
DROP INDEX usage_reports_due;
CREATE INDEX usage_reports_due ON usage_reports (next_at) WHERE reported_at IS NULL AND dead_at IS NULL;
DROP INDEX usage_reports_code_day;
