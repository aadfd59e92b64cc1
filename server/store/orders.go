package store

import (
	"context"
	"fmt"

	"github.com/jmoiron/sqlx"
)

// ActionOrderRecorded is the audit action recorded on a license when the marketplace notifies its order
// (orderNotify) after the license exists.
const ActionOrderRecorded = "order_recorded"

// MarketOrder is one line of an order the marketplace notified (orderNotify), as its order query described it.
// Times are unix seconds; 0 is unknown.
type MarketOrder struct {
	OrderID      string `db:"order_id"`
	OrderLineID  string `db:"order_line_id"`
	OrderType    string `db:"order_type"`
	ChargingMode string `db:"charging_mode"`
	ProductID    string `db:"product_id"`
	SKU          string `db:"sku"`
	CustomerID   string `db:"customer_id"`
	CustomerName string `db:"customer_name"`
	ExpiresAt    int64  `db:"expires_at"`
	// OrderedAt is the order's createTime.
	OrderedAt int64 `db:"ordered_at"`
	// NotifiedAt is when the first notification of the order arrived; RequestID that request's id.
	NotifiedAt int64  `db:"notified_at"`
	RequestID  string `db:"request_id"`
}

// Since is when the order started waiting for its activation: its creation, or its notification when the
// order query gave no creation time.
func (o *MarketOrder) Since() int64 {
	if o.OrderedAt > 0 {
		return o.OrderedAt
	}
	return o.NotifiedAt
}

// maxOrderLines bounds the lines recorded for one order (the order query answers one order).
const maxOrderLines = 100

const insertOrderQuery = `INSERT INTO market_orders (order_id, order_line_id, order_type, charging_mode, product_id,
	sku, customer_id, customer_name, expires_at, ordered_at, notified_at, request_id)
	VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`

const orderLicensesQuery = `SELECT id, status, generation, expires_at FROM licenses WHERE order_id = ? ORDER BY id LIMIT 100`

const orderRecordedQuery = `SELECT COUNT(*) FROM market_orders WHERE order_id = ?`

// OrderRecorded reports whether an order was recorded (RecordOrder) before.
func (st *Store) OrderRecorded(ctx context.Context, orderID string) (bool, error) {
	var n int
	if err := st.db.GetContext(ctx, &n, st.db.Rebind(orderRecordedQuery), orderID); err != nil {
		return false, fmt.Errorf("order recorded: %w", err)
	}
	return n > 0, nil
}

// RecordOrder durably records the lines of one order (at most 100; every line must carry the same order id)
// in one transaction. A line recorded before is kept as it was: a repeated notification changes nothing and
// reports created false. When the order's first line is recorded and licenses of the order exist already,
// each gets an audit event (action ActionOrderRecorded, state unchanged) described by ev, whose LicenseID,
// statuses, expiries and generation are filled in here.
func (st *Store) RecordOrder(ctx context.Context, lines []MarketOrder, ev Event) (created bool, err error) {
	switch {
	case len(lines) == 0:
		return false, fmt.Errorf("record order: no line")
	case len(lines) > maxOrderLines:
		return false, fmt.Errorf("record order: %d lines, at most %d", len(lines), maxOrderLines)
	}
	for _, o := range lines[1:] {
		if o.OrderID != lines[0].OrderID {
			return false, fmt.Errorf("record order: lines of orders %s and %s", lines[0].OrderID, o.OrderID)
		}
	}
	err = st.w.do(ctx, func(ctx context.Context, tx *sqlx.Tx) error {
		created = false
		var seen int
		if err := tx.GetContext(ctx, &seen, tx.Rebind(orderRecordedQuery), lines[0].OrderID); err != nil {
			return err
		}
		for _, o := range lines {
			res, err := tx.ExecContext(ctx, tx.Rebind(insertOrderQuery), o.OrderID, o.OrderLineID, o.OrderType,
				o.ChargingMode, o.ProductID, o.SKU, o.CustomerID, o.CustomerName, o.ExpiresAt, o.OrderedAt,
				o.NotifiedAt, o.RequestID)
			if err != nil {
				return err
			}
			if n, err := res.RowsAffected(); err != nil {
				return err
			} else if n > 0 {
				created = true
			}
		}
		if !created || seen > 0 {
			return nil
		}
		var ls []struct {
			ID         string `db:"id"`
			Status     string `db:"status"`
			Generation int64  `db:"generation"`
			ExpiresAt  *int64 `db:"expires_at"`
		}
		if err := tx.SelectContext(ctx, &ls, tx.Rebind(orderLicensesQuery), lines[0].OrderID); err != nil {
			return err
		}
		for _, l := range ls {
			e := ev
			e.LicenseID, e.Action, e.BeforeStatus, e.AfterStatus, e.Generation = l.ID, ActionOrderRecorded, l.Status, l.Status, l.Generation
			if l.ExpiresAt != nil {
				e.BeforeExpires, e.AfterExpires = *l.ExpiresAt, *l.ExpiresAt
			}
			e.DedupeKey = ""
			if _, err := insertEvent(ctx, tx, &e); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return false, fmt.Errorf("record order: %w", err)
	}
	return created, nil
}

// Order types that change an order already delivered (a renewal, a conversion, a change, an unsubscription):
// they need no activation of their own. Every other type (NEW, TRIAL, one the marketplace adds) does.
const settledTypes = `('RENEW', 'UNSUBSCRIBE', 'CHANGE', 'TRIAL_TO_FORMAL')`

// sinceExpr is the order's age basis; market_orders_since indexes it.
const sinceExpr = `(CASE WHEN ordered_at > 0 THEN ordered_at ELSE notified_at END)`

const unactivatedOrdersWhere = ` FROM market_orders o WHERE o.order_type NOT IN ` + settledTypes + `
	AND ` + sinceExpr + ` <= ? AND NOT EXISTS (SELECT 1 FROM licenses l WHERE l.order_id = o.order_id)`

const unactivatedOrdersQuery = `SELECT o.order_id, o.order_line_id, o.order_type, o.charging_mode, o.product_id,
	o.sku, o.customer_id, o.customer_name, o.expires_at, o.ordered_at, o.notified_at, o.request_id` +
	unactivatedOrdersWhere + ` ORDER BY ` + sinceExpr + `, o.order_id, o.order_line_id LIMIT ?`

// A code with kept callbacks whose first callback came before the bound, unless a release was kept for it
// (the marketplace took the code back: nothing is waiting).
const keptCodesGroup = ` FROM market_events GROUP BY code
	HAVING MIN(received_at) <= ? AND SUM(CASE WHEN activity = 'releaseLicenseCode' THEN 1 ELSE 0 END) = 0`

const keptCodesQuery = `SELECT code, MIN(received_at) AS first_at, COUNT(*) AS callbacks, MAX(order_id) AS order_id,
	MAX(product_id) AS product_id` + keptCodesGroup + ` ORDER BY first_at, code LIMIT ?`

// KeptCode is a License 2.0 code the marketplace sent callbacks for that no license is bound to: a code
// never activated on this server.
type KeptCode struct {
	Code string `db:"code"`
	// FirstAt is when its first kept callback arrived (unix seconds).
	FirstAt   int64  `db:"first_at"`
	Callbacks int64  `db:"callbacks"`
	OrderID   string `db:"order_id"`
	ProductID string `db:"product_id"`
}

// Unactivated is what waits for an activation: the notified orders no license on this server carries (of a
// type that needs one), and the License 2.0 codes with kept callbacks.
type Unactivated struct {
	Orders []MarketOrder
	Codes  []KeptCode
}

// UnactivatedBefore returns up to limit (at most 1000) of each kind that have waited since before (unix
// seconds) or longer, oldest first.
func (st *Store) UnactivatedBefore(ctx context.Context, before int64, limit int) (*Unactivated, error) {
	limit = min(max(limit, 1), 1000)
	var u Unactivated
	if err := st.db.SelectContext(ctx, &u.Orders, st.db.Rebind(unactivatedOrdersQuery), before, limit); err != nil {
		return nil, fmt.Errorf("unactivated orders: %w", err)
	}
	if err := st.db.SelectContext(ctx, &u.Codes, st.db.Rebind(keptCodesQuery), before, limit); err != nil {
		return nil, fmt.Errorf("unactivated codes: %w", err)
	}
	return &u, nil
}

// CountUnactivated counts what UnactivatedBefore lists: the order lines and the kept codes waiting since
// before or longer.
func (st *Store) CountUnactivated(ctx context.Context, before int64) (orders, codes int64, err error) {
	if err := st.db.GetContext(ctx, &orders, st.db.Rebind(`SELECT COUNT(*)`+unactivatedOrdersWhere), before); err != nil {
		return 0, 0, fmt.Errorf("count unactivated orders: %w", err)
	}
	if err := st.db.GetContext(ctx, &codes, st.db.Rebind(`SELECT COUNT(*) FROM (SELECT code`+keptCodesGroup+`) AS kept`), before); err != nil {
		return 0, 0, fmt.Errorf("count unactivated codes: %w", err)
	}
	return orders, codes, nil
}
