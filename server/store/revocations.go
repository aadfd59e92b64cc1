package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/jmoiron/sqlx"

	"github.com/licentia/licentia/server/license"
)

// RevocationState identifies one state of the revocation list's content: Seq moves with every change of
// an entry, on whichever server made it; ChangedAt is the time of the latest change (unix seconds).
// Entries also leave the list as time passes (Revocation.Until), which a reader applies itself.
type RevocationState struct {
	Seq       int64
	ChangedAt int64
}

// Revocation is one entry of the revocation list: codes of LicenseID below MinGen are void until Until
// (unix seconds; 0: for good). ChangedAt is the unix time of the entry's latest change (0: before the
// store kept it). An entry with MinGen 0 is a tombstone: the entry left the list at ChangedAt; it is
// kept so that a server can tell a verifier what left the list since a time, and purged later
// (PurgeRevocations).
type Revocation struct {
	LicenseID string `db:"license_id"`
	MinGen    int64  `db:"min_gen"`
	Until     int64  `db:"until"`
	ChangedAt int64  `db:"changed_at"`
}

// Tombstone reports whether r is the trace of an entry that left the list.
func (r Revocation) Tombstone() bool { return r.MinGen == 0 }

const (
	revocationStateQuery = `SELECT seq, changed_at FROM revocations_version WHERE id = 1`
	revocationsQuery     = `SELECT license_id, min_gen, until, changed_at FROM revocations
	WHERE min_gen > 0 AND (until = 0 OR until > ?)`
	revocationRowsQuery = `SELECT license_id, min_gen, until, changed_at FROM revocations`
	revocationQuery     = `SELECT min_gen, until FROM revocations WHERE license_id = ?`
	upsertRevocation    = `INSERT INTO revocations (license_id, min_gen, until, changed_at) VALUES (?, ?, ?, ?)
	ON CONFLICT (license_id) DO UPDATE SET min_gen = excluded.min_gen, until = excluded.until,
	changed_at = excluded.changed_at`
	bumpRevocations       = `UPDATE revocations_version SET seq = seq + 1, changed_at = ? WHERE id = 1`
	purgeRevocationsQuery = `DELETE FROM revocations WHERE (min_gen = 0 AND changed_at < ?) OR (until > 0 AND until < ?)`
)

// RevocationState returns the current state of the revocation list's content: one row read, so a server
// may ask often whether its cached list is still current.
func (st *Store) RevocationState(ctx context.Context) (RevocationState, error) {
	var s RevocationState
	if err := st.db.QueryRowContext(ctx, revocationStateQuery).Scan(&s.Seq, &s.ChangedAt); err != nil {
		return RevocationState{}, fmt.Errorf("revocation state: %w", err)
	}
	return s, nil
}

// Revocations returns the entries of the revocation list at unix time now (those whose Until has not
// passed, tombstones left out), in no particular order, and the state of the content it returned, read in
// one transaction with the entries.
func (st *Store) Revocations(ctx context.Context, now int64) ([]Revocation, RevocationState, error) {
	return st.revocations(ctx, revocationsQuery, now)
}

// RevocationRows returns every row the store keeps of the revocation list: the entries listed, those
// whose Until passed and tombstones, not yet purged, in no particular order, and the state of the content
// it returned, read in one transaction with the rows. A server answers the list and its changes since a
// time from them.
func (st *Store) RevocationRows(ctx context.Context) ([]Revocation, RevocationState, error) {
	return st.revocations(ctx, revocationRowsQuery)
}

func (st *Store) revocations(ctx context.Context, query string, args ...any) ([]Revocation, RevocationState, error) {
	tx, err := st.db.BeginTxx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, RevocationState{}, fmt.Errorf("list revocations: %w", err)
	}
	defer tx.Rollback()
	var s RevocationState
	if err := tx.QueryRowContext(ctx, revocationStateQuery).Scan(&s.Seq, &s.ChangedAt); err != nil {
		return nil, RevocationState{}, fmt.Errorf("list revocations: %w", err)
	}
	var rows []Revocation
	if err := tx.SelectContext(ctx, &rows, tx.Rebind(query), args...); err != nil {
		return nil, RevocationState{}, fmt.Errorf("list revocations: %w", err)
	}
	return rows, s, nil
}

// PurgeRevocations deletes the rows that left the list before the unix time before: tombstones changed
// before it and entries whose Until is before it. It returns how many it deleted. The list's content
// does not change (readers leave those rows out already); what changes is how far back a server can
// still tell what left the list, so before must be no later than the start of the server's delta
// horizon.
func (st *Store) PurgeRevocations(ctx context.Context, before int64) (int64, error) {
	var n int64
	err := st.w.do(ctx, func(ctx context.Context, tx *sqlx.Tx) error {
		res, err := tx.ExecContext(ctx, tx.Rebind(purgeRevocationsQuery), before, before)
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("purge revocations: %w", err)
	}
	return n, nil
}

// RevocationWrites counts the changes of the revocation list this store committed: a server in this
// process sees its own changes at once by comparing it, without asking the database.
func (st *Store) RevocationWrites() int64 { return st.revWrites.Load() }

// reviseRevocation keeps the license's revocation-list entry in step with the change from cur to next,
// inside the change's transaction (license.Revise decides). It reports whether the entry changed.
func (st *Store) reviseRevocation(ctx context.Context, tx *sqlx.Tx, cur, next *License) (bool, error) {
	var prev license.Revocation
	err := tx.QueryRowContext(ctx, tx.Rebind(revocationQuery), cur.ID).Scan(&prev.MinGen, &prev.Until)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return false, err
	}
	now := st.now().Unix()
	rev := license.Revise(prev, *cur, *next, license.CodeGrace(cur.Code), now)
	if rev == prev {
		return false, nil
	}
	// An entry that leaves stays as a tombstone (min_gen 0) with the time it left.
	if _, err = tx.ExecContext(ctx, tx.Rebind(upsertRevocation), cur.ID, rev.MinGen, rev.Until, now); err != nil {
		return false, err
	}
	if !prev.Listed(now) && !rev.Listed(now) {
		return false, nil // an ended entry dropped: the list says the same
	}
	if _, err := tx.ExecContext(ctx, tx.Rebind(bumpRevocations), now); err != nil {
		return false, err
	}
	return true, nil
}
