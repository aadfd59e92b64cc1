-- The license lifecycle: the lowest generation accepted as proof of holding a license, and the audit sources
-- of licentia's own marketplace queries and of imports. SQLite dialect.

-- +goose Up
-- A reissue or a revoke raises proof_gen to the new generation, so an older (possibly leaked) code no longer
-- fetches the current one; renewals leave it.
ALTER TABLE licenses ADD COLUMN proof_gen INTEGER NOT NULL DEFAULT 1 CHECK (proof_gen >= 1);

-- SQLite cannot change a CHECK constraint in place: rebuild the audit log with the wider source list.
CREATE TABLE events_new (
    id             INTEGER NOT NULL PRIMARY KEY,
    license_id     TEXT    NOT NULL REFERENCES licenses (id),
    at             INTEGER NOT NULL,
    source         TEXT    NOT NULL CHECK (source IN ('koogallery', 'koogallery-query', 'cli', 'admin', 'api', 'import')),
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
INSERT INTO events_new SELECT * FROM events;
DROP TABLE events;
ALTER TABLE events_new RENAME TO events;
CREATE INDEX events_license ON events (license_id, id);

-- +goose Down
CREATE TABLE events_old (
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
INSERT INTO events_old SELECT * FROM events WHERE source IN ('koogallery', 'cli', 'admin', 'api');
DROP TABLE events;
ALTER TABLE events_old RENAME TO events;
CREATE INDEX events_license ON events (license_id, id);
ALTER TABLE licenses DROP COLUMN proof_gen;
