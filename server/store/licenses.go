package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/jmoiron/sqlx"

	"github.com/licentia/licentia/server/license"
)

// License flows, as license.Flow*.
const (
	FlowLicense1 = license.FlowLicense1
	FlowInstance = license.FlowInstance
)

// License is the license value the store persists; its rules live in package license.
type License = license.License

type licenseRow struct {
	ID           string         `db:"id"`
	OrderID      string         `db:"order_id"`
	OrderLineID  string         `db:"order_line_id"`
	Flow         string         `db:"flow"`
	ProductID    string         `db:"product_id"`
	SKU          string         `db:"sku"`
	CustomerID   string         `db:"customer_id"`
	CustomerName string         `db:"customer_name"`
	Quantity     int64          `db:"quantity"`
	PeriodType   string         `db:"period_type"`
	PeriodNumber int64          `db:"period_number"`
	Status       string         `db:"status"`
	StartsAt     int64          `db:"starts_at"`
	ExpiresAt    sql.NullInt64  `db:"expires_at"`
	Generation   int64          `db:"generation"`
	ChangedAt    int64          `db:"changed_at"`
	ProofGen     int64          `db:"proof_gen"`
	QueriedDay   int64          `db:"market_queried_day"`
	Code         string         `db:"code"`
	KeyID        string         `db:"key_id"`
	Test         int64          `db:"test"`
	MarketCode   sql.NullString `db:"market_code"`
	CreatedAt    int64          `db:"created_at"`
	Family       familyColumn   `db:"product_family"`
}

func (r *licenseRow) license() *License {
	return &License{
		ID: r.ID, OrderID: r.OrderID, OrderLineID: r.OrderLineID, Flow: r.Flow,
		ProductID: r.ProductID, SKU: r.SKU, CustomerID: r.CustomerID, CustomerName: r.CustomerName,
		Quantity: r.Quantity, PeriodType: r.PeriodType, PeriodNumber: r.PeriodNumber,
		Status: r.Status, StartsAt: r.StartsAt, ExpiresAt: r.ExpiresAt.Int64,
		Generation: r.Generation, ChangedAt: r.ChangedAt, ProofGen: r.ProofGen, QueriedDay: r.QueriedDay, Code: r.Code, KeyID: r.KeyID,
		Test: r.Test != 0, MarketCode: r.MarketCode.String, CreatedAt: r.CreatedAt, ProductFamily: r.Family,
	}
}

func rowOf(l *License) *licenseRow {
	var test int64
	if l.Test {
		test = 1
	}
	return &licenseRow{
		ID: l.ID, OrderID: l.OrderID, OrderLineID: l.OrderLineID, Flow: l.Flow,
		ProductID: l.ProductID, SKU: l.SKU, CustomerID: l.CustomerID, CustomerName: l.CustomerName,
		Quantity: l.Quantity, PeriodType: l.PeriodType, PeriodNumber: l.PeriodNumber,
		Status: l.Status, StartsAt: l.StartsAt, ExpiresAt: nullable(l.ExpiresAt),
		Generation: l.Generation, ChangedAt: l.ChangedAt, ProofGen: l.LowestProof(), QueriedDay: l.QueriedDay, Code: l.Code, KeyID: l.KeyID,
		Test: test, MarketCode: sql.NullString{String: l.MarketCode, Valid: l.MarketCode != ""}, CreatedAt: l.CreatedAt,
		Family: l.ProductFamily,
	}
}

const licenseColumns = `id, order_id, order_line_id, flow, product_id, sku, customer_id, customer_name,
	quantity, period_type, period_number, status, starts_at, expires_at, generation, changed_at, code,
	key_id, test, market_code, created_at, proof_gen, market_queried_day, product_family`

// querier is what reads need: the database or a transaction.
type querier interface {
	GetContext(ctx context.Context, dest any, query string, args ...any) error
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
	Rebind(query string) string
}

const licenseByIDQuery = `SELECT ` + licenseColumns + ` FROM licenses WHERE id = ?`
const licenseByMarketCodeQuery = `SELECT ` + licenseColumns + ` FROM licenses WHERE market_code = ?`
const licenseByOrderQuery = `SELECT ` + licenseColumns + ` FROM licenses WHERE order_id = ? AND order_line_id = ?`

// The same lookups for a write that changes the row: on PostgreSQL the row stays locked until the write
// commits, so a concurrent change on any replica waits and then sees this one.
const licenseByIDForUpdateQuery = licenseByIDQuery + ` FOR UPDATE`

// getLicense reads one license with query (licenseColumns, in their order) through q.
func getLicense(ctx context.Context, q querier, query string, args ...any) (*License, error) {
	return scanLicense(q.QueryRowContext(ctx, q.Rebind(query), args...))
}

// scanLicense reads the license of row, whose columns are licenseColumns in their order: field by field,
// without reflection, as the hot reads (refresh, resend, activation) need.
func scanLicense(row *sql.Row) (*License, error) {
	var r licenseRow
	err := row.Scan(&r.ID, &r.OrderID, &r.OrderLineID, &r.Flow, &r.ProductID, &r.SKU, &r.CustomerID,
		&r.CustomerName, &r.Quantity, &r.PeriodType, &r.PeriodNumber, &r.Status, &r.StartsAt, &r.ExpiresAt,
		&r.Generation, &r.ChangedAt, &r.Code, &r.KeyID, &r.Test, &r.MarketCode, &r.CreatedAt, &r.ProofGen,
		&r.QueriedDay, &r.Family)
	if err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return nil, ErrNotFound
		}
		return nil, err
	}
	return r.license(), nil
}

// readLicense reads one license outside any transaction with one of the prepared lookups (see
// Store.prepare): the statement is parsed once per connection, not once per read. The read is one row by a
// unique key, bounded; it is not cut short when ctx is cancelled (quick), so that database/sql and the
// driver need not watch ctx (a goroutine and a callback a read).
func (st *Store) readLicense(ctx context.Context, query string, args ...any) (*License, error) {
	ctx = context.WithoutCancel(ctx)
	if stmt := st.reads[query]; stmt != nil {
		return scanLicense(stmt.QueryRowContext(ctx, args...))
	}
	return getLicense(ctx, st.db, query, args...)
}

// preparedReads are the lookups readLicense prepares.
var preparedReads = []string{licenseByIDQuery, licenseByOrderQuery, licenseByMarketCodeQuery}

// prepare prepares the lookups of preparedReads. A lookup that cannot be prepared is run unprepared.
func (st *Store) prepare(ctx context.Context) {
	st.reads = make(map[string]*sql.Stmt, len(preparedReads))
	for _, q := range preparedReads {
		if stmt, err := st.db.PrepareContext(ctx, st.db.Rebind(q)); err == nil {
			st.reads[q] = stmt
		}
	}
}

// lookupID finds a license by its id; forUpdate locks the row it finds.
func lookupID(ctx context.Context, q querier, id string, forUpdate bool) (*License, error) {
	if forUpdate {
		return getLicense(ctx, q, licenseByIDForUpdateQuery, id)
	}
	return getLicense(ctx, q, licenseByIDQuery, id)
}

// LicenseByOrder returns the license created for orderID and orderLineID ("" for License 1.0 orders), or
// ErrNotFound.
func (st *Store) LicenseByOrder(ctx context.Context, orderID, orderLineID string) (*License, error) {
	l, err := st.readLicense(ctx, licenseByOrderQuery, orderID, orderLineID)
	if err != nil && !errors.Is(err, ErrNotFound) {
		return nil, fmt.Errorf("get license by order: %w", err)
	}
	return l, err
}

const insertLicenseQuery = `INSERT INTO licenses (` + licenseColumns + `) VALUES (?, ?, ?, ?, ?, ?, ?, ?,
	?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`

// args returns the row's values in licenseColumns order. Writes bind them positionally: the hot insert
// path stays free of sqlx's named-query parsing and reflection.
func (r *licenseRow) args() []any {
	return []any{r.ID, r.OrderID, r.OrderLineID, r.Flow, r.ProductID, r.SKU, r.CustomerID, r.CustomerName,
		r.Quantity, r.PeriodType, r.PeriodNumber, r.Status, r.StartsAt, r.ExpiresAt, r.Generation, r.ChangedAt,
		r.Code, r.KeyID, r.Test, r.MarketCode, r.CreatedAt, r.ProofGen, r.QueriedDay, r.Family}
}

// Create stores l with its audit events (the first records its creation; an activation adds one for each
// marketplace callback folded into it), unless the order line has a license already: one with the same order
// and order line, or — for a License 2.0 code, whose order id the loser of a concurrent activation may not
// know — one bound to the same marketplace code with the same order line. It returns the stored license,
// which is the existing one when created is false. For a license bound to a marketplace code, it deletes the
// callbacks kept for the code up to id consumed (those folded into evs), in the same transaction. It returns
// ErrConflict when l.ID is taken by a license of another order (the caller picks another id), and ErrRefTaken
// when l.ID is a KooGallery License 2.0 code the database knows, or l's code a license's id.
func (st *Store) Create(ctx context.Context, l *License, evs []Event, consumed int64) (stored *License, created bool, err error) {
	err = st.w.do(ctx, func(ctx context.Context, tx *sqlx.Tx) error {
		stored, created = nil, false
		existing, err := insertLicense(ctx, tx, l)
		if err != nil || existing != nil {
			stored = existing
			return err
		}
		for i := range evs {
			evs[i].LicenseID = l.ID
			if _, err := insertEvent(ctx, tx, &evs[i]); err != nil {
				return err
			}
		}
		if l.MarketCode != "" && consumed > 0 {
			if _, err := tx.ExecContext(ctx, tx.Rebind(deletePendingQuery), l.MarketCode, consumed); err != nil {
				return err
			}
		}
		stored, created = l, true
		return nil
	})
	if err != nil {
		return nil, false, fmt.Errorf("create license: %w", err)
	}
	if created {
		st.licensesChanged()
	}
	return stored, created, nil
}

// insertLicense inserts l unless its order line has a license already (see Create), which it returns; it
// returns ErrConflict when the insert collided with a license of another order line (an id in use).
func insertLicense(ctx context.Context, tx *sqlx.Tx, l *License) (*License, error) {
	res, err := tx.ExecContext(ctx, tx.Rebind(insertLicenseQuery), rowOf(l).args()...)
	if err != nil {
		return nil, refErr(err)
	}
	if n, err := res.RowsAffected(); err != nil || n == 1 {
		return nil, err
	}
	existing, err := getLicense(ctx, tx, licenseByOrderQuery, l.OrderID, l.OrderLineID)
	if errors.Is(err, ErrNotFound) && l.MarketCode != "" {
		existing, err = getLicense(ctx, tx, licenseByMarketCodeQuery, l.MarketCode)
		if err == nil && existing.OrderLineID != l.OrderLineID {
			existing, err = nil, ErrNotFound
		}
	}
	if errors.Is(err, ErrNotFound) {
		return nil, ErrConflict
	}
	return existing, err
}

// Mutation proposes a change to cur. It returns the next state (nil: the license stays as it is) and the
// audit event to record (nil: record nothing). It runs inside the write transaction and must not block.
type Mutation func(cur *License) (next *License, ev *Event, err error)

// ErrDuplicate is returned by Apply when an event with the same dedupe key was applied before.
var ErrDuplicate = errors.New("event already applied")

const updateLicenseQuery = `UPDATE licenses SET product_id = ?, sku = ?, quantity = ?, period_type = ?,
	period_number = ?, status = ?, starts_at = ?, expires_at = ?, generation = ?, changed_at = ?, code = ?,
	key_id = ?, market_code = ?, proof_gen = ?, product_family = ? WHERE id = ? AND generation = ?`

// Apply changes the license whose id is ref with fn, atomically (a License 2.0 callback finds the id by
// its code first, with LicenseByCode: a code is bound once and for good). When dedupeKey
// is not empty and an event with that key was recorded before, fn is not called and Apply returns the
// current license with ErrDuplicate. The recorded event carries dedupeKey, so a resent event is a no-op
// however many times it comes. Apply returns the license as it is after the change, and ErrNotFound
// when ref names no license; errors from fn are returned as they are. fn may be called more than once
// (PostgreSQL retries a write the database aborted), so it must have no effect outside its result.
func (st *Store) Apply(ctx context.Context, ref, dedupeKey string, fn Mutation) (*License, error) {
	l, _, err := st.apply(ctx, ref, dedupeKey, fn, nil)
	return l, err
}

// ApplyFreeingSeats is Apply without a dedupe key that also frees every seat of the license in the same
// transaction, recording seatEv (its license id, generation, status and expiry those of the license as fn
// left it): the change and the freed seats commit together or not at all. It returns how many seats it freed.
func (st *Store) ApplyFreeingSeats(ctx context.Context, ref string, fn Mutation, seatEv Event) (*License, int64, error) {
	return st.apply(ctx, ref, "", fn, &seatEv)
}

// apply is Apply, freeing the license's seats and recording seatEv after the change when seatEv is not nil.
func (st *Store) apply(ctx context.Context, ref, dedupeKey string, fn Mutation, seatEv *Event) (*License, int64, error) {
	var out *License
	var dup, listed bool
	var freed int64
	err := st.w.do(ctx, func(ctx context.Context, tx *sqlx.Tx) error {
		out, dup, listed, freed = nil, false, false, 0
		cur, err := lookupID(ctx, tx, ref, st.rowLocks)
		if err != nil {
			return err
		}
		if dedupeKey != "" {
			seen, err := eventSeen(ctx, tx, dedupeKey)
			if err != nil {
				return err
			}
			if seen { // not an error inside the transaction: it wrote nothing and its batch goes on
				out, dup = cur, true
				return nil
			}
		}
		next, ev, err := fn(cur)
		if err != nil {
			return err
		}
		out = cur
		if next != nil {
			if err := updateLicense(ctx, tx, cur.Generation, next); err != nil {
				return err
			}
			if listed, err = st.reviseRevocation(ctx, tx, cur, next); err != nil {
				return err
			}
			out = next
		}
		if ev != nil {
			ev.LicenseID = cur.ID
			ev.DedupeKey = dedupeKey
			if _, err := insertEvent(ctx, tx, ev); err != nil {
				return err
			}
		}
		if seatEv != nil {
			freed, err = freeAllSeats(ctx, tx, out, *seatEv)
		}
		return err
	})
	if err == nil && listed {
		st.revWrites.Add(1)
	}
	if err == nil && !dup {
		st.licensesChanged()
	}
	switch {
	case err == nil && dup:
		return out, 0, ErrDuplicate
	case err == nil:
		return out, freed, nil
	case errors.Is(err, ErrDuplicate):
		return out, 0, ErrDuplicate
	case errors.Is(err, ErrNotFound):
		return nil, 0, ErrNotFound
	default:
		return nil, 0, fmt.Errorf("update license %s: %w", ref, err)
	}
}

// freeAllSeats frees every seat of l inside tx and records ev for it, with l's generation, status and expiry.
func freeAllSeats(ctx context.Context, tx *sqlx.Tx, l *License, ev Event) (int64, error) {
	res, err := tx.ExecContext(ctx, tx.Rebind(deleteSeats), l.ID)
	if err != nil {
		return 0, err
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, err
	}
	ev.LicenseID, ev.Generation = l.ID, l.Generation
	ev.BeforeStatus, ev.AfterStatus, ev.BeforeExpires, ev.AfterExpires = l.Status, l.Status, l.ExpiresAt, l.ExpiresAt
	_, err = insertEvent(ctx, tx, &ev)
	return n, err
}

func updateLicense(ctx context.Context, tx *sqlx.Tx, prevGen int64, next *License) error {
	r := rowOf(next)
	res, err := tx.ExecContext(ctx, tx.Rebind(updateLicenseQuery), r.ProductID, r.SKU, r.Quantity, r.PeriodType,
		r.PeriodNumber, r.Status, r.StartsAt, r.ExpiresAt, r.Generation, r.ChangedAt, r.Code, r.KeyID,
		r.MarketCode, r.ProofGen, r.Family, r.ID, prevGen)
	if err != nil {
		if isRefTaken(err) {
			return ErrRefTaken
		}
		if isUnique(err) {
			return ErrConflict
		}
		return err
	}
	n, err := res.RowsAffected()
	if err != nil {
		return err
	}
	if n != 1 {
		return ErrConflict
	}
	return nil
}
