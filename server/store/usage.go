package store

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/jmoiron/sqlx"

	"github.com/licentia/licentia/schema"
	"github.com/licentia/licentia/server/license"
)

// Usage report modes, as the usage_reports table stores them (license.UsageByID, license.UsageByCount).
const (
	UsageModeID    = license.UsageByID
	UsageModeCount = license.UsageByCount
)

// UsageKey names one use owed to the marketplace's usage report: a marketplace code, a deployment (the salted
// hash of its id) and a UTC day (days since 1970-01-01).
type UsageKey struct {
	MarketCode string `db:"market_code"`
	Deployment string `db:"deployment"`
	Day        int64  `db:"day"`
}

// Use is the first use of a marketplace code by a deployment on a UTC day.
type Use struct {
	UsageKey
	LicenseID string `db:"license_id"`
	// Mode is UsageModeID or UsageModeCount.
	Mode        string `db:"mode"`
	FirstUsedAt int64  `db:"first_used_at"`
}

// ClaimedUse is a use a sender claimed: with its count of claims and, for its code and day, how many
// deployments were recorded (the active_num of a count report).
type ClaimedUse struct {
	Use
	Attempts int64 `db:"attempts"`
	Active   int64 `db:"active"`
}

// UsageSummary is a license's usage report as support sees it.
type UsageSummary struct {
	// LastReportedDay is the latest UTC day (days since 1970-01-01) with a use the marketplace accepted; -1
	// when none.
	LastReportedDay int64
	// Pending counts the uses waiting to be reported; Dead those dead-lettered.
	Pending, Dead int64
}

const recordUseQuery = `INSERT INTO usage_reports (market_code, deployment, day, license_id, mode, first_used_at, next_at)
	SELECT ?, ?, ?, ?, ?, ?, ?
	WHERE (SELECT COUNT(*) FROM usage_reports WHERE market_code = ? AND day = ?) < ?
	ON CONFLICT DO NOTHING`

const useExistsQuery = `SELECT COUNT(*) FROM usage_reports WHERE market_code = ? AND deployment = ? AND day = ?`

// RecordUse durably records u, due at once, unless its (code, deployment, day) is recorded already or the code
// already has maxPerDay deployments that day. first reports whether this call recorded it; full that it was
// not recorded because of maxPerDay.
func (st *Store) RecordUse(ctx context.Context, u Use, maxPerDay int) (first, full bool, err error) {
	err = st.w.do(ctx, func(ctx context.Context, tx *sqlx.Tx) error {
		first, full, err = recordUse(ctx, tx, u, maxPerDay)
		return err
	})
	if err != nil {
		return false, false, fmt.Errorf("record use: %w", err)
	}
	return first, full, nil
}

// recordUse is RecordUse inside the transaction tx.
func recordUse(ctx context.Context, tx *sqlx.Tx, u Use, maxPerDay int) (first, full bool, err error) {
	res, err := tx.ExecContext(ctx, tx.Rebind(recordUseQuery), u.MarketCode, u.Deployment, u.Day, u.LicenseID,
		u.Mode, u.FirstUsedAt, u.FirstUsedAt, u.MarketCode, u.Day, maxPerDay)
	if err != nil {
		return false, false, err
	}
	n, err := res.RowsAffected()
	if err != nil || n == 1 {
		return n == 1, false, err
	}
	var exists int64
	if err := tx.GetContext(ctx, &exists, tx.Rebind(useExistsQuery), u.MarketCode, u.Deployment, u.Day); err != nil {
		return false, false, err
	}
	return false, exists == 0, nil
}

const claimUsageQuery = `UPDATE usage_reports SET claim = ?, next_at = ?, attempts = attempts + 1
	WHERE reported_at IS NULL AND dead_at IS NULL AND next_at <= ? AND (market_code, deployment, day) IN (
		SELECT market_code, deployment, day FROM usage_reports
		WHERE reported_at IS NULL AND dead_at IS NULL AND next_at <= ?
		ORDER BY next_at, market_code, deployment, day LIMIT ?%s)`

const claimedUsageQuery = `SELECT u.market_code, u.deployment, u.day, u.license_id, u.mode, u.first_used_at, u.attempts,
	(SELECT COUNT(*) FROM usage_reports a WHERE a.market_code = u.market_code AND a.day = u.day) AS active
	FROM usage_reports u WHERE u.claim = ? AND u.claim <> '' AND u.reported_at IS NULL AND u.dead_at IS NULL
	ORDER BY u.day, u.market_code, u.deployment`

// ClaimUsage leases up to limit uses due at now to the sender holding token (unique to the claim) until lease
// (unix seconds), counting an attempt for each, and returns them. A use is held by one sender at a time,
// across replicas: PostgreSQL skips rows another replica is claiming; SQLite has a single writer. A use whose
// sender died is due again once its lease ends.
func (st *Store) ClaimUsage(ctx context.Context, token string, now, lease int64, limit int) ([]ClaimedUse, error) {
	lock := ""
	if st.dialect == schema.Postgres {
		lock = " FOR UPDATE SKIP LOCKED"
	}
	var out []ClaimedUse
	err := st.w.do(ctx, func(ctx context.Context, tx *sqlx.Tx) error {
		out = nil
		if _, err := tx.ExecContext(ctx, tx.Rebind(fmt.Sprintf(claimUsageQuery, lock)), token, lease, now, now, limit); err != nil {
			return err
		}
		return tx.SelectContext(ctx, &out, tx.Rebind(claimedUsageQuery), token)
	})
	if err != nil {
		return nil, fmt.Errorf("claim usage: %w", err)
	}
	return out, nil
}

const (
	usageSentQuery = `UPDATE usage_reports SET reported_at = ?, last_error = '', claim = ''
		WHERE claim = ? AND market_code = ? AND deployment = ? AND day = ? AND reported_at IS NULL`
	usageRetryQuery = `UPDATE usage_reports SET next_at = ?, last_error = ?, claim = ''
		WHERE claim = ? AND market_code = ? AND deployment = ? AND day = ? AND reported_at IS NULL`
	usageReleaseQuery = `UPDATE usage_reports SET next_at = ?, attempts = attempts - 1, claim = ''
		WHERE claim = ? AND market_code = ? AND deployment = ? AND day = ? AND reported_at IS NULL AND attempts > 0`
	usageDeadQuery = `UPDATE usage_reports SET dead_at = ?, last_error = ?, claim = ''
		WHERE claim = ? AND market_code = ? AND deployment = ? AND day = ? AND reported_at IS NULL`
)

// UsageSent records that the marketplace accepted the uses keys, claimed under token, at unix time at.
func (st *Store) UsageSent(ctx context.Context, token string, keys []UsageKey, at int64) error {
	return st.updateUsage(ctx, "usage sent", usageSentQuery, token, keys, at)
}

// UsageRetry makes the uses keys, claimed under token, due again at next, with why the attempt failed.
func (st *Store) UsageRetry(ctx context.Context, token string, keys []UsageKey, next int64, why string) error {
	return st.updateUsage(ctx, "usage retry", usageRetryQuery, token, keys, next, shortError(why))
}

// UsageRelease gives back the uses keys, claimed under token but not sent (a claim about to end, a
// shutdown): due again at next, their claim's attempt not counted.
func (st *Store) UsageRelease(ctx context.Context, token string, keys []UsageKey, next int64) error {
	return st.updateUsage(ctx, "usage release", usageReleaseQuery, token, keys, next)
}

// UsageDead dead-letters the uses keys, claimed under token, at unix time at, with why the last attempt
// failed: they are not tried again and count in CountDeadUsage and UsageOf.
func (st *Store) UsageDead(ctx context.Context, token string, keys []UsageKey, at int64, why string) error {
	return st.updateUsage(ctx, "usage dead", usageDeadQuery, token, keys, at, shortError(why))
}

// updateUsage applies one of the finishing updates to every key in one transaction: the query's arguments
// are set, then the token and the key.
func (st *Store) updateUsage(ctx context.Context, what, query, token string, keys []UsageKey, set ...any) error {
	err := st.w.do(ctx, func(ctx context.Context, tx *sqlx.Tx) error {
		stmt := tx.Rebind(query)
		for _, k := range keys {
			args := append(append([]any(nil), set...), token, k.MarketCode, k.Deployment, k.Day)
			if _, err := tx.ExecContext(ctx, stmt, args...); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	return nil
}

// ActionRetryUsage is the audit action of a support retry of a license's dead-lettered uses.
const ActionRetryUsage = "retry_usage"

const (
	retryDeadUsageQuery = `UPDATE usage_reports SET dead_at = NULL, attempts = 0, next_at = ?, claim = ''
		WHERE license_id = ? AND day >= ? AND reported_at IS NULL AND dead_at IS NOT NULL`
	countOlderDeadUsageQuery = `SELECT COUNT(*) FROM usage_reports
		WHERE license_id = ? AND day < ? AND reported_at IS NULL AND dead_at IS NOT NULL`
)

// RetryDeadUsage makes the dead-lettered uses of the license with id licenseID of day fromDay (days since
// 1970-01-01, UTC) and later due at now with a fresh count of attempts, keeping their last error, and records
// ev (the audit event, action ActionRetryUsage) in the same transaction when there was one. It returns how
// many it made due, and how many dead-lettered uses of earlier days it left as they are.
func (st *Store) RetryDeadUsage(ctx context.Context, licenseID string, fromDay, now int64, ev *Event) (retried, older int64, err error) {
	err = st.w.do(ctx, func(ctx context.Context, tx *sqlx.Tx) error {
		retried, older = 0, 0
		if err := tx.GetContext(ctx, &older, tx.Rebind(countOlderDeadUsageQuery), licenseID, fromDay); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, tx.Rebind(retryDeadUsageQuery), now, licenseID, fromDay)
		if err != nil {
			return err
		}
		if retried, err = res.RowsAffected(); err != nil || retried == 0 {
			return err
		}
		_, err = insertEvent(ctx, tx, ev)
		return err
	})
	if err != nil {
		return 0, 0, fmt.Errorf("retry dead usage of %s: %w", licenseID, err)
	}
	return retried, older, nil
}

const usageOfQuery = `SELECT
	COALESCE(MAX(CASE WHEN reported_at IS NOT NULL THEN day END), -1),
	COALESCE(SUM(CASE WHEN reported_at IS NULL AND dead_at IS NULL THEN 1 ELSE 0 END), 0),
	COALESCE(SUM(CASE WHEN reported_at IS NULL AND dead_at IS NOT NULL THEN 1 ELSE 0 END), 0)
	FROM usage_reports WHERE license_id = ?`

// UsageOf summarises the usage report of the license with id licenseID.
func (st *Store) UsageOf(ctx context.Context, licenseID string) (UsageSummary, error) {
	var s UsageSummary
	row := st.db.QueryRowxContext(ctx, st.db.Rebind(usageOfQuery), licenseID)
	if err := row.Scan(&s.LastReportedDay, &s.Pending, &s.Dead); err != nil {
		return UsageSummary{}, fmt.Errorf("usage of %s: %w", licenseID, err)
	}
	return s, nil
}

const (
	countDeadUsageQuery    = `SELECT COUNT(*) FROM usage_reports WHERE reported_at IS NULL AND dead_at IS NOT NULL`
	countPendingUsageQuery = `SELECT COUNT(*) FROM usage_reports WHERE reported_at IS NULL AND dead_at IS NULL`
)

// CountDeadUsage returns how many uses are dead-lettered.
func (st *Store) CountDeadUsage(ctx context.Context) (int64, error) {
	var n int64
	if err := st.db.GetContext(ctx, &n, countDeadUsageQuery); err != nil {
		return 0, fmt.Errorf("count dead usage: %w", err)
	}
	return n, nil
}

// CountPendingUsage returns how many uses wait to be reported (neither reported nor dead-lettered).
func (st *Store) CountPendingUsage(ctx context.Context) (int64, error) {
	var n int64
	if err := st.db.GetContext(ctx, &n, countPendingUsageQuery); err != nil {
		return 0, fmt.Errorf("count pending usage: %w", err)
	}
	return n, nil
}

const purgeUsageQuery = `DELETE FROM usage_reports WHERE day < ? AND (reported_at IS NOT NULL OR dead_at IS NOT NULL)`

// PurgeUsage deletes the uses of days before beforeDay that were reported or dead-lettered, and returns how many.
func (st *Store) PurgeUsage(ctx context.Context, beforeDay int64) (int64, error) {
	return st.execCount(ctx, "purge usage", purgeUsageQuery, beforeDay)
}

// Uses returns every recorded use of the marketplace code, oldest day first (tests and support).
func (st *Store) Uses(ctx context.Context, marketCode string) ([]UseState, error) {
	var out []UseState
	if err := st.db.SelectContext(ctx, &out, st.db.Rebind(usesQuery), marketCode); err != nil {
		return nil, fmt.Errorf("uses of a code: %w", err)
	}
	return out, nil
}

const usesQuery = `SELECT market_code, deployment, day, license_id, mode, first_used_at, attempts, next_at, last_error,
	reported_at, dead_at FROM usage_reports WHERE market_code = ? ORDER BY day, deployment`

// UseState is a recorded use with where its report stands.
type UseState struct {
	Use
	Attempts   int64         `db:"attempts"`
	NextAt     int64         `db:"next_at"`
	LastError  string        `db:"last_error"`
	ReportedAt sql.NullInt64 `db:"reported_at"`
	DeadAt     sql.NullInt64 `db:"dead_at"`
}
