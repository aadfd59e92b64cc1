package store

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/jmoiron/sqlx"

	"github.com/licentia/licentia/server/license"
)

// Event sources, as license.Source*.
const (
	SourceKooGallery = license.SourceKooGallery
	SourceQuery      = license.SourceQuery
	SourceCLI        = license.SourceCLI
	SourceAdmin      = license.SourceAdmin
	SourceAPI        = license.SourceAPI
	SourceImport     = license.SourceImport
)

// Event is one entry of a license's audit log (license.Event).
type Event = license.Event

type eventRow struct {
	ID            int64          `db:"id"`
	LicenseID     string         `db:"license_id"`
	At            int64          `db:"at"`
	Source        string         `db:"source"`
	Actor         string         `db:"actor"`
	Action        string         `db:"action"`
	Activity      string         `db:"activity"`
	Scene         string         `db:"scene"`
	OrderID       string         `db:"order_id"`
	OrderLineID   string         `db:"order_line_id"`
	DedupeKey     sql.NullString `db:"dedupe_key"`
	Reason        string         `db:"reason"`
	RequestID     string         `db:"request_id"`
	BeforeStatus  string         `db:"before_status"`
	AfterStatus   string         `db:"after_status"`
	BeforeExpires sql.NullInt64  `db:"before_expires"`
	AfterExpires  sql.NullInt64  `db:"after_expires"`
	Generation    int64          `db:"generation"`
}

const insertEventQuery = `INSERT INTO events (license_id, at, source, actor, action, activity, scene,
	order_id, order_line_id, dedupe_key, reason, request_id, before_status, after_status, before_expires,
	after_expires, generation) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`

func insertEvent(ctx context.Context, tx *sqlx.Tx, ev *Event) (sql.Result, error) {
	res, err := tx.ExecContext(ctx, tx.Rebind(insertEventQuery), ev.LicenseID, ev.At, ev.Source, ev.Actor,
		ev.Action, ev.Activity, ev.Scene, ev.OrderID, ev.OrderLineID,
		sql.NullString{String: ev.DedupeKey, Valid: ev.DedupeKey != ""}, ev.Reason, ev.RequestID,
		ev.BeforeStatus, ev.AfterStatus, nullable(ev.BeforeExpires), nullable(ev.AfterExpires), ev.Generation)
	if err != nil && isUnique(err) {
		return nil, ErrDuplicate
	}
	return res, err
}

const eventSeenQuery = `SELECT COUNT(*) FROM events WHERE dedupe_key = ?`

func eventSeen(ctx context.Context, tx *sqlx.Tx, key string) (bool, error) {
	var n int
	if err := tx.GetContext(ctx, &n, tx.Rebind(eventSeenQuery), key); err != nil {
		return false, err
	}
	return n > 0, nil
}

const eventsQuery = `SELECT id, license_id, at, source, actor, action, activity, scene, order_id,
	order_line_id, dedupe_key, reason, request_id, before_status, after_status, before_expires,
	after_expires, generation FROM events WHERE license_id = ? ORDER BY id`

// Events returns the audit log of the license with id licenseID, oldest first.
func (st *Store) Events(ctx context.Context, licenseID string) ([]Event, error) {
	var rows []eventRow
	if err := st.db.SelectContext(ctx, &rows, st.db.Rebind(eventsQuery), licenseID); err != nil {
		return nil, fmt.Errorf("list events: %w", err)
	}
	out := make([]Event, len(rows))
	for i, r := range rows {
		out[i] = Event{
			ID: r.ID, LicenseID: r.LicenseID, At: r.At, Source: r.Source, Actor: r.Actor, Action: r.Action,
			Activity: r.Activity, Scene: r.Scene, OrderID: r.OrderID, OrderLineID: r.OrderLineID,
			DedupeKey: r.DedupeKey.String, Reason: r.Reason, RequestID: r.RequestID,
			BeforeStatus: r.BeforeStatus, AfterStatus: r.AfterStatus,
			BeforeExpires: r.BeforeExpires.Int64, AfterExpires: r.AfterExpires.Int64, Generation: r.Generation,
		}
	}
	return out, nil
}
