-- The product family of a license: the other KooGallery productIds it carried before a renewal changed its
-- product (a switch between monthly and yearly, a trial conversion), which its codes carry in the "pids"
-- claim (verifier/doc.go). A JSON array of strings, oldest first, at most 8; '' for none. Licenses whose
-- product changed before this migration start their family at their next change. PostgreSQL dialect.

-- +goose Up
ALTER TABLE licenses ADD COLUMN product_family TEXT NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE licenses DROP COLUMN product_family;
