package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/licentia/licentia/server/license"
	"github.com/licentia/licentia/verifier"
)

// Seat is a deployment holding a license (license.Seat).
type Seat = license.Seat

// Policy is a seller's seat policy for a product (license.Policy).
type Policy = license.Policy

type seatRow struct {
	LicenseID  string `db:"license_id"`
	Deployment string `db:"deployment"`
	Binding    string `db:"binding"`
	TakenAt    int64  `db:"taken_at"`
	SeenAt     int64  `db:"seen_at"`
	LeaseUntil int64  `db:"lease_until"`
	Code       string `db:"code"`
	CodeGen    int64  `db:"code_gen"`
	CloneAt    int64  `db:"clone_at"`
}

func (r *seatRow) seat() (*Seat, error) {
	b := new(verifier.DeploymentClaim)
	if err := json.Unmarshal([]byte(r.Binding), b); err != nil {
		return nil, fmt.Errorf("seat %s of %s: binding: %w", r.Deployment, r.LicenseID, err)
	}
	return &Seat{Deployment: r.Deployment, Binding: b, TakenAt: r.TakenAt, SeenAt: r.SeenAt, LeaseUntil: r.LeaseUntil,
		Code: r.Code, CodeGen: r.CodeGen, CloneAt: r.CloneAt}, nil
}

const (
	seatColumns      = `license_id, deployment, binding, taken_at, seen_at, lease_until, code, code_gen, clone_at`
	seatQuery        = `SELECT ` + seatColumns + ` FROM seats WHERE license_id = ? AND deployment = ?`
	seatsQuery       = `SELECT ` + seatColumns + ` FROM seats WHERE license_id = ? ORDER BY taken_at, deployment`
	liveSeatsQuery   = `SELECT COUNT(*) FROM seats WHERE license_id = ? AND (lease_until = 0 OR lease_until > ?)`
	deleteLapsedSeat = `DELETE FROM seats WHERE license_id = ? AND lease_until > 0 AND lease_until <= ?`
	upsertSeatQuery  = `INSERT INTO seats (` + seatColumns + `) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (license_id, deployment) DO UPDATE SET binding = excluded.binding, taken_at = excluded.taken_at,
		seen_at = excluded.seen_at, lease_until = excluded.lease_until, code = excluded.code,
		code_gen = excluded.code_gen, clone_at = excluded.clone_at`
	markCloneQuery  = `UPDATE seats SET clone_at = ? WHERE license_id = ? AND deployment = ?`
	deleteSeatQuery = `DELETE FROM seats WHERE license_id = ? AND deployment = ?`
	deleteSeats     = `DELETE FROM seats WHERE license_id = ?`
)

// SeatDecision decides a seat request inside the write transaction, given the license (its row locked
// where writes run concurrently), the deployment's seat (nil when it has none) and the number of live
// seats of the license. It returns what to write: the seat to store (nil: none changes), whether to mark the
// held seat as cloned, the audit event to record (nil: none) and the use owed to the usage report (nil:
// none; recorded only with a seat, in the same transaction, so a seat written is never a use lost). It must
// not block, and may be called more than once (a retried transaction), so it must have no effect outside its
// results.
type SeatDecision func(l *License, held *Seat, live int64) (SeatWrite, error)

// SeatWrite is what a SeatDecision writes.
type SeatWrite struct {
	Seat  *Seat
	Clone bool
	Event *Event
	Use   *Use
	// MaxUsesPerDay bounds the uses recorded per code and day (see RecordUse).
	MaxUsesPerDay int
}

// SeatResult is what TakeSeat wrote: the license as the decision saw it, and whether the use was the first of
// its day (FirstUse) or refused by the day's bound (UsesFull).
type SeatResult struct {
	License  *License
	FirstUse bool
	UsesFull bool
}

// TakeSeat runs decide for license id's seat of deployment (a deployment hash) and stores what it decided,
// atomically: seats of one license are decided one at a time on every replica, so no more are taken than
// the decision allows. Lapsed seats of the license are deleted when a seat is written. Errors from decide
// are returned wrapped, ErrNotFound when id names no license.
func (st *Store) TakeSeat(ctx context.Context, id, deployment string, now int64, decide SeatDecision) (SeatResult, error) {
	var out SeatResult
	err := st.w.do(ctx, func(ctx context.Context, tx *sqlx.Tx) error {
		out = SeatResult{}
		cur, err := lookupID(ctx, tx, id, st.rowLocks)
		if err != nil {
			return err
		}
		held, err := getSeat(ctx, tx, id, deployment)
		if err != nil {
			return err
		}
		var live int64
		if err := tx.GetContext(ctx, &live, tx.Rebind(liveSeatsQuery), id, now); err != nil {
			return err
		}
		w, err := decide(cur, held, live)
		if err != nil {
			return err
		}
		out.License = cur
		if w.Clone && held != nil {
			if _, err := tx.ExecContext(ctx, tx.Rebind(markCloneQuery), now, id, deployment); err != nil {
				return err
			}
		}
		if next := w.Seat; next != nil {
			if _, err := tx.ExecContext(ctx, tx.Rebind(deleteLapsedSeat), id, now); err != nil {
				return err
			}
			b, err := json.Marshal(next.Binding)
			if err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, tx.Rebind(upsertSeatQuery), id, next.Deployment, string(b), next.TakenAt,
				next.SeenAt, next.LeaseUntil, next.Code, next.CodeGen, next.CloneAt); err != nil {
				return err
			}
			if w.Use != nil {
				if out.FirstUse, out.UsesFull, err = recordUse(ctx, tx, *w.Use, w.MaxUsesPerDay); err != nil {
					return err
				}
			}
		}
		if ev := w.Event; ev != nil {
			ev.LicenseID = cur.ID
			if _, err := insertEvent(ctx, tx, ev); err != nil {
				return err
			}
		}
		return nil
	})
	switch {
	case err == nil:
		return out, nil
	case errors.Is(err, ErrNotFound):
		return SeatResult{}, ErrNotFound
	default:
		return SeatResult{}, fmt.Errorf("take seat of %s: %w", id, err)
	}
}

func getSeat(ctx context.Context, q querier, id, deployment string) (*Seat, error) {
	var r seatRow
	err := q.GetContext(ctx, &r, q.Rebind(seatQuery), id, deployment)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return r.seat()
}

// Seat returns the seat of deployment of license id, or nil when it holds none.
func (st *Store) Seat(ctx context.Context, id, deployment string) (*Seat, error) {
	s, err := getSeat(context.WithoutCancel(ctx), st.db, id, deployment) // one row by key: see readLicense
	if err != nil {
		return nil, fmt.Errorf("seat of %s: %w", id, err)
	}
	return s, nil
}

// LiveSeats returns how many seats of license id are live at unix time now (held, their lease not passed).
func (st *Store) LiveSeats(ctx context.Context, id string, now int64) (int64, error) {
	var n int64
	if err := st.db.GetContext(ctx, &n, st.db.Rebind(liveSeatsQuery), id, now); err != nil {
		return 0, fmt.Errorf("live seats of %s: %w", id, err)
	}
	return n, nil
}

// Seats returns the seats of license id, lapsed ones included, oldest first.
func (st *Store) Seats(ctx context.Context, id string) ([]Seat, error) {
	var rows []seatRow
	if err := st.db.SelectContext(ctx, &rows, st.db.Rebind(seatsQuery), id); err != nil {
		return nil, fmt.Errorf("seats of %s: %w", id, err)
	}
	out := make([]Seat, 0, len(rows))
	for i := range rows {
		s, err := rows[i].seat()
		if err != nil {
			return nil, err
		}
		out = append(out, *s)
	}
	return out, nil
}

// FreeSeat frees the seat deployment holds of license id, recording ev, atomically. It returns how many
// seats it freed (1); freeing a seat that is not held is ErrNotFound, and writes nothing. ApplyFreeingSeats
// frees every seat of a license with a change of it.
func (st *Store) FreeSeat(ctx context.Context, id, deployment string, ev Event) (int64, error) {
	var n int64
	err := st.w.do(ctx, func(ctx context.Context, tx *sqlx.Tx) error {
		n = 0
		if _, err := lookupID(ctx, tx, id, st.rowLocks); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, tx.Rebind(deleteSeatQuery), id, deployment)
		if err != nil {
			return err
		}
		if n, err = res.RowsAffected(); err != nil {
			return err
		}
		if n == 0 {
			return ErrNotFound
		}
		ev.LicenseID = id
		_, err = insertEvent(ctx, tx, &ev)
		return err
	})
	if err != nil && !errors.Is(err, ErrNotFound) {
		return 0, fmt.Errorf("free a seat of %s: %w", id, err)
	}
	return n, err
}

type policyRow struct {
	ProductID          string `db:"product_id"`
	Seats              string `db:"seats"`
	Match              int    `db:"match_components"`
	LeaseSeconds       int64  `db:"lease_seconds"`
	RequireFingerprint int64  `db:"require_fingerprint"`
	UsageMode          string `db:"usage_mode"`
	UpdatedAt          int64  `db:"updated_at"`
	UpdatedBy          string `db:"updated_by"`
}

func (r *policyRow) policy() Policy {
	return Policy{ProductID: r.ProductID, Seats: r.Seats, Match: r.Match, LeaseSeconds: r.LeaseSeconds,
		RequireFingerprint: r.RequireFingerprint != 0, UsageMode: r.UsageMode, UpdatedAt: r.UpdatedAt, UpdatedBy: r.UpdatedBy}
}

const (
	policyColumns     = `product_id, seats, match_components, lease_seconds, require_fingerprint, usage_mode, updated_at, updated_by`
	policyQuery       = `SELECT ` + policyColumns + ` FROM product_policies WHERE product_id = ?`
	policiesQuery     = `SELECT ` + policyColumns + ` FROM product_policies ORDER BY product_id`
	upsertPolicyQuery = `INSERT INTO product_policies (` + policyColumns + `) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (product_id) DO UPDATE SET seats = excluded.seats, match_components = excluded.match_components,
		lease_seconds = excluded.lease_seconds, require_fingerprint = excluded.require_fingerprint,
		usage_mode = excluded.usage_mode, updated_at = excluded.updated_at, updated_by = excluded.updated_by`
	deletePolicyQuery = `DELETE FROM product_policies WHERE product_id = ?`
)

// Policy returns the seat policy of product productID: the one the seller set, or license.DefaultPolicy.
func (st *Store) Policy(ctx context.Context, productID string) (Policy, error) {
	now := st.now()
	if p, ok := st.policies.get(productID, now); ok {
		return p, nil
	}
	writes := st.policies.writes.Load() // before the read: a write committed meanwhile makes the entry stale
	var r policyRow
	err := st.db.GetContext(ctx, &r, st.db.Rebind(policyQuery), productID)
	var p Policy
	switch {
	case errors.Is(err, sql.ErrNoRows):
		p = license.DefaultPolicy(productID)
	case err != nil:
		return Policy{}, fmt.Errorf("policy of %s: %w", productID, err)
	default:
		p = r.policy()
	}
	st.policies.put(productID, p, now, writes)
	return p, nil
}

// policyFresh is how long a product's policy, once read, is used without reading it again: a policy set
// through another process (the CLI, a replica) applies within it; one set through this store at once.
const policyFresh = time.Second

// maxCachedPolicies bounds the policy cache; past it the cache starts again empty.
const maxCachedPolicies = 1024

// policyCache keeps the policies read recently, so that every seat request does not read its product's
// policy again.
type policyCache struct {
	writes atomic.Int64 // policy changes made through this store
	mu     sync.Mutex
	m      map[string]cachedPolicy
}

type cachedPolicy struct {
	p      Policy
	at     time.Time
	writes int64
}

func (c *policyCache) get(product string, now time.Time) (Policy, bool) {
	c.mu.Lock()
	e, ok := c.m[product]
	c.mu.Unlock()
	if !ok || e.writes != c.writes.Load() || now.Before(e.at) || now.Sub(e.at) >= policyFresh {
		return Policy{}, false
	}
	return e.p, true
}

func (c *policyCache) put(product string, p Policy, now time.Time, writes int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil || len(c.m) >= maxCachedPolicies {
		c.m = make(map[string]cachedPolicy)
	}
	c.m[product] = cachedPolicy{p: p, at: now, writes: writes}
}

// Policies returns the policies sellers set, by product.
func (st *Store) Policies(ctx context.Context) ([]Policy, error) {
	var rows []policyRow
	if err := st.db.SelectContext(ctx, &rows, policiesQuery); err != nil {
		return nil, fmt.Errorf("policies: %w", err)
	}
	out := make([]Policy, len(rows))
	for i := range rows {
		out[i] = rows[i].policy()
	}
	return out, nil
}

// SetPolicy stores p (validated first) as its product's policy, replacing any before it.
func (st *Store) SetPolicy(ctx context.Context, p Policy) error {
	if err := p.Validate(); err != nil {
		return err
	}
	req := int64(0)
	if p.RequireFingerprint {
		req = 1
	}
	_, err := st.execCount(ctx, "set policy of "+p.ProductID, upsertPolicyQuery, p.ProductID, p.Seats, p.Match,
		p.LeaseSeconds, req, p.UsageMode, p.UpdatedAt, p.UpdatedBy)
	st.policies.writes.Add(1)
	return err
}

// DeletePolicy removes the policy of productID, whose licenses then follow license.DefaultPolicy; it
// returns ErrNotFound when there was none.
func (st *Store) DeletePolicy(ctx context.Context, productID string) error {
	n, err := st.execCount(ctx, "delete policy of "+productID, deletePolicyQuery, productID)
	st.policies.writes.Add(1)
	if err == nil && n == 0 {
		return ErrNotFound
	}
	return err
}
