package store

import (
	"context"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"
)

const (
	deleteExpiredNonceQuery = `DELETE FROM nonces WHERE nonce = ? AND expires_at < ?`
	insertNonceQuery        = `INSERT INTO nonces (nonce, expires_at) VALUES (?, ?) ON CONFLICT DO NOTHING`
	purgeNoncesQuery        = `DELETE FROM nonces WHERE expires_at < ?`
)

// UseNonce records nonce as seen until expires. It returns ErrReplay when the nonce was recorded before
// and has not expired. The record is shared by every server on the same database.
func (st *Store) UseNonce(ctx context.Context, nonce string, expires time.Time) error {
	now := st.now().Unix()
	err := st.w.do(ctx, func(ctx context.Context, tx *sqlx.Tx) error {
		if _, err := tx.ExecContext(ctx, tx.Rebind(deleteExpiredNonceQuery), nonce, now); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, tx.Rebind(insertNonceQuery), nonce, expires.Unix())
		if err != nil {
			return err
		}
		n, err := res.RowsAffected()
		if err != nil {
			return err
		}
		if n == 0 {
			return ErrReplay
		}
		return nil
	})
	if err != nil && err != ErrReplay {
		return fmt.Errorf("use nonce: %w", err)
	}
	return err
}

// PurgeNonces deletes the nonces that expired, and returns how many.
func (st *Store) PurgeNonces(ctx context.Context) (int64, error) {
	var n int64
	now := st.now().Unix()
	err := st.w.do(ctx, func(ctx context.Context, tx *sqlx.Tx) error {
		res, err := tx.ExecContext(ctx, tx.Rebind(purgeNoncesQuery), now)
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("purge nonces: %w", err)
	}
	return n, nil
}
