-- The revocation list by change: each entry carries the time it last changed, and an entry that leaves the
-- list stays behind as a tombstone (min_gen 0), so a server can answer what changed since a time
-- (GET /v1/revocations?since=). SQLite dialect.

-- +goose Up
-- changed_at is the unix time of the entry's latest change (0: before this migration, i.e. before any list
-- a verifier holds from a server that answers changes). min_gen 0 is a tombstone: the entry left the list
-- at changed_at; the whole list leaves tombstones out, and they are purged after the server's delta horizon.
-- SQLite cannot alter a CHECK constraint: the table is made anew.
CREATE TABLE revocations_next (
    license_id TEXT    NOT NULL PRIMARY KEY REFERENCES licenses (id),
    min_gen    INTEGER NOT NULL CHECK (min_gen >= 0),
    until      INTEGER NOT NULL CHECK (until >= 0),
    changed_at INTEGER NOT NULL DEFAULT 0 CHECK (changed_at >= 0)
) STRICT, WITHOUT ROWID;
INSERT INTO revocations_next (license_id, min_gen, until, changed_at)
SELECT license_id, min_gen, until, 0 FROM revocations;
DROP TABLE revocations;
ALTER TABLE revocations_next RENAME TO revocations;
CREATE INDEX revocations_until ON revocations (until) WHERE until > 0;
CREATE INDEX revocations_changed ON revocations (changed_at);

-- +goose Down
CREATE TABLE revocations_prev (
    license_id TEXT    NOT NULL PRIMARY KEY REFERENCES licenses (id),
    min_gen    INTEGER NOT NULL CHECK (min_gen >= 1),
    until      INTEGER NOT NULL CHECK (until >= 0)
) STRICT, WITHOUT ROWID;
INSERT INTO revocations_prev (license_id, min_gen, until)
SELECT license_id, min_gen, until FROM revocations WHERE min_gen >= 1;
DROP TABLE revocations;
ALTER TABLE revocations_prev RENAME TO revocations;
CREATE INDEX revocations_until ON revocations (until) WHERE until > 0;
