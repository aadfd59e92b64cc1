-- The license lifecycle: the lowest generation accepted as proof of holding a license, and the audit sources
-- of licentia's own marketplace queries and of imports. PostgreSQL dialect.

-- +goose Up
-- A reissue or a revoke raises proof_gen to the new generation, so an older (possibly leaked) code no longer
-- fetches the current one; renewals leave it.
ALTER TABLE licenses ADD COLUMN proof_gen BIGINT NOT NULL DEFAULT 1 CHECK (proof_gen >= 1);
ALTER TABLE events DROP CONSTRAINT events_source_check;
ALTER TABLE events ADD CONSTRAINT events_source_check
    CHECK (source IN ('koogallery', 'koogallery-query', 'cli', 'admin', 'api', 'import'));

-- +goose Down
DELETE FROM events WHERE source NOT IN ('koogallery', 'cli', 'admin', 'api');
ALTER TABLE events DROP CONSTRAINT events_source_check;
ALTER TABLE events ADD CONSTRAINT events_source_check CHECK (source IN ('koogallery', 'cli', 'admin', 'api'));
ALTER TABLE licenses DROP COLUMN proof_gen;
