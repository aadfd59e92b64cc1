package store

import (
	"context"
	"database/sql"
	"fmt"
	"math"

	"github.com/jmoiron/sqlx"
)

// UploadParked is the next_at of an upload that used up its attempts (dead-lettered): it is never due again
// until support retries it (RetryParkedUploads).
const UploadParked int64 = math.MaxInt64

// ActionRetryUpload is the audit action of a support retry of a license's dead-lettered uploads.
const ActionRetryUpload = "retry_upload"

// Upload is a delivery owed to the marketplace: a license's code for a G1b getLicenseAsync event.
type Upload struct {
	EventID   string `db:"event_id"`
	LicenseID string `db:"license_id"`
	Content   string `db:"content"`
	Attempts  int64  `db:"attempts"`
	NextAt    int64  `db:"next_at"`
}

const enqueueUploadQuery = `INSERT INTO outbox (event_id, license_id, content, next_at, created_at)
	VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`

// EnqueueUpload durably records that content is owed to the marketplace for eventID, due now. A second
// enqueue of the same event changes nothing and reports created false.
func (st *Store) EnqueueUpload(ctx context.Context, u *Upload, now int64) (created bool, err error) {
	n, err := st.execCount(ctx, "enqueue upload", enqueueUploadQuery, u.EventID, u.LicenseID, u.Content, now, now)
	return n == 1, err
}

const dueUploadsQuery = `SELECT event_id, license_id, content, attempts, next_at FROM outbox
	WHERE done_at IS NULL AND next_at <= ? ORDER BY next_at LIMIT ?`

// DueUploads returns up to limit uploads due at now.
func (st *Store) DueUploads(ctx context.Context, now int64, limit int) ([]Upload, error) {
	var us []Upload
	if err := st.db.SelectContext(ctx, &us, st.db.Rebind(dueUploadsQuery), now, limit); err != nil {
		return nil, fmt.Errorf("due uploads: %w", err)
	}
	return us, nil
}

const claimUploadQuery = `UPDATE outbox SET next_at = ?, attempts = attempts + 1
	WHERE event_id = ? AND next_at = ? AND done_at IS NULL`

// ClaimUpload leases a due upload until lease (unix seconds), so that one replica sends it at a time; it
// returns false when another took it first.
func (st *Store) ClaimUpload(ctx context.Context, u *Upload, lease int64) (bool, error) {
	n, err := st.execCount(ctx, "claim upload", claimUploadQuery, lease, u.EventID, u.NextAt)
	return n == 1, err
}

const finishUploadQuery = `UPDATE outbox SET done_at = ?, last_error = '' WHERE event_id = ?`
const retryUploadQuery = `UPDATE outbox SET next_at = ?, last_error = ? WHERE event_id = ? AND done_at IS NULL`

// FinishUpload records that the marketplace accepted the upload.
func (st *Store) FinishUpload(ctx context.Context, eventID string, now int64) error {
	return st.exec(ctx, "finish upload", finishUploadQuery, now, eventID)
}

// RetryUpload schedules the upload again at next, keeping a short description of why it failed.
func (st *Store) RetryUpload(ctx context.Context, eventID string, next int64, why string) error {
	return st.exec(ctx, "retry upload", retryUploadQuery, next, shortError(why), eventID)
}

const parkUploadQuery = `UPDATE outbox SET next_at = ?, last_error = ? WHERE event_id = ? AND done_at IS NULL`

// ParkUpload dead-letters an upload that used up its attempts: it stays owed, visible in UploadsOf, and is not
// tried again until RetryParkedUploads.
func (st *Store) ParkUpload(ctx context.Context, eventID, why string) error {
	return st.exec(ctx, "park upload", parkUploadQuery, UploadParked, shortError(why), eventID)
}

// UploadState is an upload as support sees it: never its content, which is the license's code.
type UploadState struct {
	EventID   string        `db:"event_id"`
	Attempts  int64         `db:"attempts"`
	NextAt    int64         `db:"next_at"`
	DoneAt    sql.NullInt64 `db:"done_at"`
	LastError string        `db:"last_error"`
	CreatedAt int64         `db:"created_at"`
}

// Parked reports whether the upload is dead-lettered.
func (u *UploadState) Parked() bool { return !u.DoneAt.Valid && u.NextAt == UploadParked }

const uploadsOfQuery = `SELECT event_id, attempts, next_at, done_at, last_error, created_at FROM outbox
	WHERE license_id = ? ORDER BY created_at DESC, event_id LIMIT ?`

// UploadsOf returns the newest uploads (at most limit) owed or made for the license with id licenseID.
func (st *Store) UploadsOf(ctx context.Context, licenseID string, limit int) ([]UploadState, error) {
	us := []UploadState{}
	if err := st.db.SelectContext(ctx, &us, st.db.Rebind(uploadsOfQuery), licenseID, limit); err != nil {
		return nil, fmt.Errorf("uploads of %s: %w", licenseID, err)
	}
	return us, nil
}

const countParkedQuery = `SELECT COUNT(*) FROM outbox WHERE done_at IS NULL AND next_at = ?`

// CountParkedUploads returns how many uploads are dead-lettered.
func (st *Store) CountParkedUploads(ctx context.Context) (int64, error) {
	var n int64
	if err := st.db.GetContext(ctx, &n, st.db.Rebind(countParkedQuery), UploadParked); err != nil {
		return 0, fmt.Errorf("count parked uploads: %w", err)
	}
	return n, nil
}

const retryParkedQuery = `UPDATE outbox SET next_at = ?, attempts = 0 WHERE license_id = ? AND done_at IS NULL AND next_at = ?`

// RetryParkedUploads makes the license's dead-lettered uploads due at now with a fresh count of attempts, and
// records ev (the audit event, action ActionRetryUpload) in the same transaction when there was one. It
// returns how many it made due; none records nothing.
func (st *Store) RetryParkedUploads(ctx context.Context, licenseID string, now int64, ev *Event) (int64, error) {
	var n int64
	err := st.w.do(ctx, func(ctx context.Context, tx *sqlx.Tx) error {
		res, err := tx.ExecContext(ctx, tx.Rebind(retryParkedQuery), now, licenseID, UploadParked)
		if err != nil {
			return err
		}
		if n, err = res.RowsAffected(); err != nil || n == 0 {
			return err
		}
		_, err = insertEvent(ctx, tx, ev)
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("retry parked uploads of %s: %w", licenseID, err)
	}
	return n, nil
}

// shortError keeps the first 200 bytes of a failure's description.
func shortError(why string) string {
	if len(why) > 200 {
		why = why[:200]
	}
	return why
}

// exec runs one write statement through the writer.
func (st *Store) exec(ctx context.Context, what, query string, args ...any) error {
	_, err := st.execCount(ctx, what, query, args...)
	return err
}

// execCount runs one write statement through the writer and returns the rows it affected.
func (st *Store) execCount(ctx context.Context, what, query string, args ...any) (int64, error) {
	var n int64
	err := st.w.do(ctx, func(ctx context.Context, tx *sqlx.Tx) error {
		res, err := tx.ExecContext(ctx, tx.Rebind(query), args...)
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("%s: %w", what, err)
	}
	return n, nil
}
