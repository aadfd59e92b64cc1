-- A bounded revocation list. SQLite dialect.

-- +goose Up
-- The revocation list: a license is listed only while an older code of it could still verify and grant
-- more than its current state (license.Revise decides), written in the transaction of the change. until is
-- the unix time from which no such code verifies (0: never, a perpetual code); past it the entry is left
-- out of the list and purged.
CREATE TABLE revocations (
    license_id TEXT    NOT NULL PRIMARY KEY REFERENCES licenses (id),
    min_gen    INTEGER NOT NULL CHECK (min_gen >= 1),
    until      INTEGER NOT NULL CHECK (until >= 0)
) STRICT, WITHOUT ROWID;
CREATE INDEX revocations_until ON revocations (until) WHERE until > 0;

-- One row that every change of the list moves (seq), with the time of the change: a server asks it,
-- not the whole table, whether its signed list is current.
CREATE TABLE revocations_version (
    id         INTEGER NOT NULL PRIMARY KEY CHECK (id = 1),
    seq        INTEGER NOT NULL,
    changed_at INTEGER NOT NULL
) STRICT;
INSERT INTO revocations_version (id, seq, changed_at) VALUES (1, 1, 0);

-- The list so far held every license past generation 1. Carry those entries over, each until 90 days
-- (a bound on the grace of its codes, plus margin) after the latest expiry any earlier generation had,
-- or for good when one was perpetual.
INSERT INTO revocations (license_id, min_gen, until)
SELECT l.id,
       CASE WHEN l.status IN ('released', 'revoked') THEN l.generation + 1 ELSE l.generation END,
       COALESCE((SELECT CASE WHEN MIN(COALESCE(e.before_expires, 0)) = 0 THEN 0
                             ELSE MAX(e.before_expires) + 90 * 86400 END
                 FROM events e WHERE e.license_id = l.id AND e.before_status <> ''), 0)
FROM licenses l WHERE l.generation > 1;

DROP INDEX licenses_superseded;

-- +goose Down
CREATE INDEX licenses_superseded ON licenses (id, generation, status) WHERE generation > 1;
DROP TABLE revocations_version;
DROP TABLE revocations;
