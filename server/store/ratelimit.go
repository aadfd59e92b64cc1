package store

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/jmoiron/sqlx"
)

// Limit is one rate limit checked by Hit: at most Max hits on Key per window.
type Limit struct {
	Key string
	Max int64
}

const (
	hitQuery = `INSERT INTO rate_limits (bucket, hits, expires_at) VALUES (?, 1, ?)
	ON CONFLICT (bucket) DO UPDATE SET hits = rate_limits.hits + 1 RETURNING hits`
	purgeRateLimitsQuery = `DELETE FROM rate_limits WHERE expires_at <= ?`
)

// Hit counts one request against every limit in the current fixed window of length window (windows are
// aligned to the unix epoch) and reports whether all of them are still within their Max. When one is
// not, retryAfter is the time left until the window ends. The counters live in the database, so every
// server sharing it enforces the same limits; the request is counted even when it is refused.
func (st *Store) Hit(ctx context.Context, window time.Duration, limits ...Limit) (ok bool, retryAfter time.Duration, err error) {
	secs := max(int64(window/time.Second), 1)
	now := st.now().Unix()
	start := now - now%secs
	end := start + secs
	suffix := "@" + strconv.FormatInt(start, 10)
	ok = true
	err = st.w.do(ctx, func(ctx context.Context, tx *sqlx.Tx) error {
		ok = true
		for _, l := range limits {
			var hits int64
			if err := tx.GetContext(ctx, &hits, tx.Rebind(hitQuery), l.Key+suffix, end); err != nil {
				return err
			}
			if hits > l.Max {
				ok = false
			}
		}
		return nil
	})
	if err != nil {
		return false, 0, fmt.Errorf("rate limit: %w", err)
	}
	if !ok {
		retryAfter = time.Duration(end-now) * time.Second
	}
	return ok, retryAfter, nil
}

// PurgeRateLimits deletes the counters of windows that have ended, and returns how many.
func (st *Store) PurgeRateLimits(ctx context.Context) (int64, error) {
	var n int64
	now := st.now().Unix()
	err := st.w.do(ctx, func(ctx context.Context, tx *sqlx.Tx) error {
		res, err := tx.ExecContext(ctx, tx.Rebind(purgeRateLimitsQuery), now)
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("purge rate limits: %w", err)
	}
	return n, nil
}
