-- One namespace for the references that name a license: no license id may equal a KooGallery License 2.0
-- code that is bound to a license or has callbacks kept for it, nor the reverse, so that a reference can
-- never name one license by its id and another by its code. PostgreSQL dialect.

-- +goose Up
-- Every license id (kind id) and every marketplace code bound or kept (kind code). The triggers below keep
-- it, in the transaction of the write. Its primary key is what makes the rule hold across concurrent
-- writers: an id claims its row with a plain insert (which fails on any reference), a code with an insert
-- that waits for a concurrent claim of the same text and then checks what it is.
CREATE TABLE license_refs (
    ref  TEXT NOT NULL PRIMARY KEY,
    kind TEXT NOT NULL CHECK (kind IN ('id', 'code'))
);

-- Existing data: ids first; a code that equals an id (from before this rule) stays findable by code only.
INSERT INTO license_refs (ref, kind) SELECT id, 'id' FROM licenses;
INSERT INTO license_refs (ref, kind) SELECT market_code, 'code' FROM licenses WHERE market_code IS NOT NULL
ON CONFLICT (ref) DO NOTHING;
INSERT INTO license_refs (ref, kind) SELECT DISTINCT code, 'code' FROM market_events ON CONFLICT (ref) DO NOTHING;

-- +goose StatementBegin
CREATE FUNCTION license_refs_claim(value TEXT, claim TEXT) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    IF claim = 'id' THEN
        INSERT INTO license_refs (ref, kind) VALUES (value, 'id');
        RETURN;
    END IF;
    INSERT INTO license_refs (ref, kind) VALUES (value, 'code') ON CONFLICT (ref) DO NOTHING;
    IF EXISTS (SELECT 1 FROM license_refs WHERE ref = value AND kind = 'id') THEN
        RAISE EXCEPTION 'license reference taken: a license id may not equal a marketplace code'
            USING ERRCODE = 'unique_violation', CONSTRAINT = 'license_refs_pkey';
    END IF;
END;
$$;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE FUNCTION licenses_refs() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM license_refs_claim(NEW.id, 'id');
    END IF;
    IF NEW.market_code IS NOT NULL AND (TG_OP = 'INSERT' OR NEW.market_code IS DISTINCT FROM OLD.market_code) THEN
        PERFORM license_refs_claim(NEW.market_code, 'code');
    END IF;
    RETURN NULL;
END;
$$;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE FUNCTION market_events_refs() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM license_refs_claim(NEW.code, 'code');
    RETURN NULL;
END;
$$;
-- +goose StatementEnd

CREATE TRIGGER licenses_refs AFTER INSERT OR UPDATE OF market_code ON licenses
FOR EACH ROW EXECUTE FUNCTION licenses_refs();
CREATE TRIGGER market_events_refs AFTER INSERT ON market_events
FOR EACH ROW EXECUTE FUNCTION market_events_refs();

-- +goose Down
DROP TRIGGER market_events_refs ON market_events;
DROP TRIGGER licenses_refs ON licenses;
DROP FUNCTION market_events_refs();
DROP FUNCTION licenses_refs();
DROP FUNCTION license_refs_claim(TEXT, TEXT);
DROP TABLE license_refs;
