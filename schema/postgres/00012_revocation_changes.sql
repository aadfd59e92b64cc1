-- The revocation list by change: each entry carries the time it last changed, and an entry that leaves the
-- list stays behind as a tombstone (min_gen 0), so a server can answer what changed since a time
-- (GET /v1/revocations?since=). PostgreSQL dialect.

-- +goose Up
-- changed_at is the unix time of the entry's latest change (0: before this migration, i.e. before any list
-- a verifier holds from a server that answers changes). min_gen 0 is a tombstone: the entry left the list
-- at changed_at; the whole list leaves tombstones out, and they are purged after the server's delta horizon.
ALTER TABLE revocations DROP CONSTRAINT revocations_min_gen_check;
ALTER TABLE revocations ADD CONSTRAINT revocations_min_gen_check CHECK (min_gen >= 0);
ALTER TABLE revocations ADD COLUMN changed_at BIGINT NOT NULL DEFAULT 0 CHECK (changed_at >= 0);
CREATE INDEX revocations_changed ON revocations (changed_at);

-- +goose Down
DROP INDEX revocations_changed;
DELETE FROM revocations WHERE min_gen = 0;
ALTER TABLE revocations DROP COLUMN changed_at;
ALTER TABLE revocations DROP CONSTRAINT revocations_min_gen_check;
ALTER TABLE revocations ADD CONSTRAINT revocations_min_gen_check CHECK (min_gen >= 1);
