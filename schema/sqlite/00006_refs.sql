-- One namespace for the references that name a license: no license id may equal a KooGallery License 2.0
-- code that is bound to a license or has callbacks kept for it, nor the reverse, so that a reference can
-- never name one license by its id and another by its code. SQLite dialect.

-- +goose Up
-- Every license id (kind id) and every marketplace code bound or kept (kind code). The triggers below keep
-- it, in the transaction of the write: a write that would make a reference name two licenses fails.
CREATE TABLE license_refs (
    ref  TEXT NOT NULL PRIMARY KEY,
    kind TEXT NOT NULL CHECK (kind IN ('id', 'code'))
) STRICT, WITHOUT ROWID;

-- Existing data: ids first; a code that equals an id (from before this rule) stays findable by code only.
INSERT INTO license_refs (ref, kind) SELECT id, 'id' FROM licenses;
INSERT OR IGNORE INTO license_refs (ref, kind) SELECT market_code, 'code' FROM licenses WHERE market_code IS NOT NULL;
INSERT OR IGNORE INTO license_refs (ref, kind) SELECT DISTINCT code, 'code' FROM market_events;

-- +goose StatementBegin
CREATE TRIGGER licenses_refs_insert AFTER INSERT ON licenses
BEGIN
    SELECT RAISE(ABORT, 'license reference taken: a license id may not equal a marketplace code')
    WHERE EXISTS (SELECT 1 FROM license_refs WHERE ref = NEW.id)
       OR NEW.id = NEW.market_code
       OR EXISTS (SELECT 1 FROM license_refs WHERE ref = NEW.market_code AND kind = 'id');
    INSERT INTO license_refs (ref, kind) VALUES (NEW.id, 'id');
    INSERT INTO license_refs (ref, kind) SELECT NEW.market_code, 'code'
    WHERE NEW.market_code IS NOT NULL AND NOT EXISTS (SELECT 1 FROM license_refs WHERE ref = NEW.market_code);
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER licenses_refs_bind AFTER UPDATE OF market_code ON licenses
WHEN NEW.market_code IS NOT NULL AND NEW.market_code IS NOT OLD.market_code
BEGIN
    SELECT RAISE(ABORT, 'license reference taken: a license id may not equal a marketplace code')
    WHERE EXISTS (SELECT 1 FROM license_refs WHERE ref = NEW.market_code AND kind = 'id');
    INSERT INTO license_refs (ref, kind) SELECT NEW.market_code, 'code'
    WHERE NOT EXISTS (SELECT 1 FROM license_refs WHERE ref = NEW.market_code);
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER market_events_refs AFTER INSERT ON market_events
BEGIN
    SELECT RAISE(ABORT, 'license reference taken: a license id may not equal a marketplace code')
    WHERE EXISTS (SELECT 1 FROM license_refs WHERE ref = NEW.code AND kind = 'id');
    INSERT INTO license_refs (ref, kind) SELECT NEW.code, 'code'
    WHERE NOT EXISTS (SELECT 1 FROM license_refs WHERE ref = NEW.code);
END;
-- +goose StatementEnd

-- +goose Down
DROP TRIGGER market_events_refs;
DROP TRIGGER licenses_refs_bind;
DROP TRIGGER licenses_refs_insert;
DROP TABLE license_refs;
