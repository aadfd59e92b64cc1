package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/jmoiron/sqlx"

	"github.com/licentia/licentia/server/license"
)

// MarketEvent is a License 2.0 callback for a code that no license is bound to yet (the buyer has not
// activated it), kept until the activation folds it into the new license.
type MarketEvent struct {
	ID          int64  `db:"id"`
	Code        string `db:"code"`
	Activity    string `db:"activity"`
	Scene       string `db:"scene"`
	Status      string `db:"status"`
	OrderID     string `db:"order_id"`
	OrderLineID string `db:"order_line_id"`
	ProductID   string `db:"product_id"`
	ExpiresAt   int64  `db:"expires_at"`
	DedupeKey   string `db:"dedupe_key"`
	RequestID   string `db:"request_id"`
	ReceivedAt  int64  `db:"received_at"`
}

// ErrBound is returned by SavePending when a license is bound to the code by now: apply the callback to it.
var ErrBound = errors.New("a license is bound to the code")

const insertMarketEventQuery = `INSERT INTO market_events (code, activity, scene, status, order_id, order_line_id,
	product_id, expires_at, dedupe_key, request_id, received_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`

const boundQuery = `SELECT COUNT(*) FROM licenses WHERE market_code = ?`

// SavePending durably keeps ev for its code. It returns ErrBound when a license is bound to the code (the
// activation won the race: apply the callback to the license instead), ErrDuplicate when an event with
// the same dedupe key was kept or applied before, and ErrRefTaken when the code is a license's id.
func (st *Store) SavePending(ctx context.Context, ev *MarketEvent) error {
	err := st.w.do(ctx, func(ctx context.Context, tx *sqlx.Tx) error {
		var n int
		if err := tx.GetContext(ctx, &n, tx.Rebind(boundQuery), ev.Code); err != nil {
			return err
		}
		if n > 0 {
			return ErrBound
		}
		if ev.DedupeKey != "" {
			if seen, err := eventSeen(ctx, tx, ev.DedupeKey); err != nil || seen {
				if err == nil {
					err = ErrDuplicate
				}
				return err
			}
		}
		_, err := tx.ExecContext(ctx, tx.Rebind(insertMarketEventQuery), ev.Code, ev.Activity, ev.Scene, ev.Status,
			ev.OrderID, ev.OrderLineID, ev.ProductID, ev.ExpiresAt,
			sql.NullString{String: ev.DedupeKey, Valid: ev.DedupeKey != ""}, ev.RequestID, ev.ReceivedAt)
		if err != nil && isRefTaken(err) {
			return ErrRefTaken
		}
		if err != nil && isUnique(err) {
			return ErrDuplicate
		}
		return err
	})
	switch {
	case err == nil, errors.Is(err, ErrBound), errors.Is(err, ErrDuplicate), errors.Is(err, ErrRefTaken):
		return err
	default:
		return fmt.Errorf("save pending marketplace event: %w", err)
	}
}

const pendingQuery = `SELECT id, code, activity, scene, status, order_id, order_line_id, product_id, expires_at,
	COALESCE(dedupe_key, '') AS dedupe_key, request_id, received_at FROM market_events WHERE code = ? ORDER BY id`

// Pending returns the events kept for code, oldest first.
func (st *Store) Pending(ctx context.Context, code string) ([]MarketEvent, error) {
	var evs []MarketEvent
	if err := st.db.SelectContext(ctx, &evs, st.db.Rebind(pendingQuery), code); err != nil {
		return nil, fmt.Errorf("pending marketplace events: %w", err)
	}
	return evs, nil
}

const deletePendingQuery = `DELETE FROM market_events WHERE code = ? AND id <= ?`

// DeletePending deletes the events kept for code up to id upTo (they were applied to its license).
func (st *Store) DeletePending(ctx context.Context, code string, upTo int64) error {
	return st.exec(ctx, "delete pending marketplace events", deletePendingQuery, code, upTo)
}

const claimQueryDayQuery = `UPDATE licenses SET market_queried_day = ? WHERE id = ? AND market_queried_day < ?`

// ClaimQueryDay records that the license's bound code is queried today (day: days since 1970-01-01, UTC). It
// returns false when this or another replica did so already today: at most one query per code and day.
func (st *Store) ClaimQueryDay(ctx context.Context, id string, day int64) (bool, error) {
	n, err := st.execCount(ctx, "claim query day", claimQueryDayQuery, day, id, day)
	return n == 1, err
}

const unclaimQueryDayQuery = `UPDATE licenses SET market_queried_day = ? WHERE id = ? AND market_queried_day = ?`

// UnclaimQueryDay gives back today's claim of ClaimQueryDay after the query failed, so that a later call may
// claim it again.
func (st *Store) UnclaimQueryDay(ctx context.Context, id string, day int64) error {
	return st.exec(ctx, "unclaim query day", unclaimQueryDayQuery, day-1, id, day)
}

const lastCallbackQuery = `SELECT COALESCE(MAX(at), 0) FROM events WHERE license_id = ? AND source = ?`

// LastCallback returns when a marketplace callback last reached the license (unix seconds; 0: never).
func (st *Store) LastCallback(ctx context.Context, id string) (int64, error) {
	var at int64
	if err := st.db.GetContext(ctx, &at, st.db.Rebind(lastCallbackQuery), id, license.SourceKooGallery); err != nil {
		return 0, fmt.Errorf("last marketplace callback: %w", err)
	}
	return at, nil
}
