package store

import (
	"context"
	"fmt"
)

// RevocationState identifies one state of the revocation list's content. Every change of a license's
// signed state raises its generation, so the number of licenses past generation 1 and the sum of their
// generations change whenever the list does, on whichever server made the change.
type RevocationState struct {
	Licenses    int64
	Generations int64
}

// Revocation is one entry of the revocation list: a license past its first generation.
type Revocation struct {
	LicenseID  string
	Generation int64
	Status     string
}

type revocationRow struct {
	LicenseID  string `db:"id"`
	Generation int64  `db:"generation"`
	Status     string `db:"status"`
}

const (
	revocationStateQuery = `SELECT COUNT(*) AS licenses, CAST(COALESCE(SUM(generation), 0) AS BIGINT) AS generations
	FROM licenses WHERE generation > 1`
	revocationsQuery = `SELECT id, generation, status FROM licenses WHERE generation > 1 ORDER BY id`
)

// RevocationState returns the current state of the revocation list's content. It is cheap (an aggregate
// over an index), so a server may ask on every request whether its cached list is still current.
func (st *Store) RevocationState(ctx context.Context) (RevocationState, error) {
	var row struct {
		Licenses    int64 `db:"licenses"`
		Generations int64 `db:"generations"`
	}
	if err := st.db.GetContext(ctx, &row, st.db.Rebind(revocationStateQuery)); err != nil {
		return RevocationState{}, fmt.Errorf("revocation state: %w", err)
	}
	return RevocationState{Licenses: row.Licenses, Generations: row.Generations}, nil
}

// Revocations returns every license past its first generation, ordered by id, and the state of the
// content it returned (computed from the rows themselves, so it describes exactly this content even when
// a write lands meanwhile).
func (st *Store) Revocations(ctx context.Context) ([]Revocation, RevocationState, error) {
	var rows []revocationRow
	if err := st.db.SelectContext(ctx, &rows, st.db.Rebind(revocationsQuery)); err != nil {
		return nil, RevocationState{}, fmt.Errorf("list revocations: %w", err)
	}
	out := make([]Revocation, len(rows))
	s := RevocationState{Licenses: int64(len(rows))}
	for i, r := range rows {
		out[i] = Revocation(r)
		s.Generations += r.Generation
	}
	return out, s, nil
}
