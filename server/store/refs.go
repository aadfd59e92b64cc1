package store

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5/pgconn"
)

// ErrRefTaken means a write would let one reference name two licenses: a license id that equals a
// KooGallery License 2.0 code bound to a license or kept with callbacks awaiting its activation, or such a
// code that equals a license id. The database refuses it (table license_refs), whichever path writes.
var ErrRefTaken = errors.New("a license id may not equal a KooGallery license code, nor a code a license id")

// isRefTaken reports whether err is the database refusing a write by the rule of license_refs: SQLite's
// triggers raise a constraint error; on PostgreSQL the triggers' claims collide on license_refs' key.
func isRefTaken(err error) bool {
	if isSQLiteTrigger(err) {
		return true
	}
	var pe *pgconn.PgError
	return errors.As(err, &pe) && pe.Code == pgUniqueViolation && pe.ConstraintName == "license_refs_pkey"
}

// refErr turns the database's refusal by the rule of license_refs into ErrRefTaken.
func refErr(err error) error {
	if err != nil && isRefTaken(err) {
		return ErrRefTaken
	}
	return err
}

// AmbiguousRefError is a reference that is one license's id and the marketplace code bound to another. The
// database refuses such pairs; only data written before the rule can hold one.
type AmbiguousRefError struct {
	// ByID is the license whose id the reference is; ByCode the license the code is bound to.
	ByID, ByCode *License
}

func (e *AmbiguousRefError) Error() string {
	return fmt.Sprintf("the reference is the id of a license of order %s and the KooGallery license code bound to "+
		"license %s: name the first by its order id, the second by its license id", e.ByID.OrderID, e.ByCode.ID)
}

// Unwrap makes the error match ErrConflict.
func (e *AmbiguousRefError) Unwrap() error { return ErrConflict }

// License returns the license whose id, or bound KooGallery License 2.0 code, is ref (as support staff
// name one). It returns ErrNotFound when none is, and an *AmbiguousRefError (matching ErrConflict) when ref
// is one license's id and another's code.
func (st *Store) License(ctx context.Context, ref string) (*License, error) {
	byID, err := st.readLicense(ctx, licenseByIDQuery, ref)
	if err != nil && !errors.Is(err, ErrNotFound) {
		return nil, fmt.Errorf("get license: %w", err)
	}
	byCode, err2 := st.readLicense(ctx, licenseByMarketCodeQuery, ref)
	if err2 != nil && !errors.Is(err2, ErrNotFound) {
		return nil, fmt.Errorf("get license: %w", err2)
	}
	switch {
	case byID != nil && byCode != nil && byID.ID != byCode.ID:
		return nil, &AmbiguousRefError{ByID: byID, ByCode: byCode}
	case byID != nil:
		return byID, nil
	case byCode != nil:
		return byCode, nil
	}
	return nil, ErrNotFound
}

// LicenseByID returns the license whose id is id, or ErrNotFound.
func (st *Store) LicenseByID(ctx context.Context, id string) (*License, error) {
	l, err := st.readLicense(ctx, licenseByIDQuery, id)
	if err != nil && !errors.Is(err, ErrNotFound) {
		return nil, fmt.Errorf("get license: %w", err)
	}
	return l, err
}

// LicenseByCode returns the license the KooGallery License 2.0 code is bound to, or ErrNotFound.
func (st *Store) LicenseByCode(ctx context.Context, code string) (*License, error) {
	l, err := st.readLicense(ctx, licenseByMarketCodeQuery, code)
	if err != nil && !errors.Is(err, ErrNotFound) {
		return nil, fmt.Errorf("get license by marketplace code: %w", err)
	}
	return l, err
}

const marketCodeKnownQuery = `SELECT COUNT(*) FROM license_refs WHERE ref = ? AND kind = 'code'`

// IsMarketCode reports whether ref is a KooGallery License 2.0 code this database knows: bound to a license
// now, or kept with callbacks before its activation (once known, always). No license id may equal one.
func (st *Store) IsMarketCode(ctx context.Context, ref string) (bool, error) {
	var n int
	if err := st.db.GetContext(ctx, &n, st.db.Rebind(marketCodeKnownQuery), ref); err != nil {
		return false, fmt.Errorf("look up marketplace code: %w", err)
	}
	return n > 0, nil
}
