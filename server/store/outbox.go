package store

import (
	"context"
	"fmt"

	"github.com/jmoiron/sqlx"
)

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
	if len(why) > 200 {
		why = why[:200]
	}
	return st.exec(ctx, "retry upload", retryUploadQuery, next, why, eventID)
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
