package support

import (
	"context"

	"github.com/licentia/licentia/server/license"
	"github.com/licentia/licentia/server/store"
)

// UsageView is the marketplace's daily usage report (授权码软件使用统计) of a license's marketplace code.
type UsageView struct {
	// LastReportedDay is the latest UTC day (YYYY-MM-DD) whose use the marketplace accepted; absent when none.
	LastReportedDay string `json:"last_reported_day,omitempty"`
	// Pending counts the uses (deployment and day) waiting to be reported; Dead those the marketplace did not
	// accept until their attempts ran out.
	Pending int64 `json:"pending"`
	Dead    int64 `json:"dead"`
}

// usageOf returns the usage report view of l; nil for a license without a marketplace code.
func (sp *Desk) usageOf(ctx context.Context, l *store.License) (*UsageView, error) {
	if l.MarketCode == "" {
		return nil, nil
	}
	s, err := sp.st.UsageOf(ctx, l.ID)
	if err != nil {
		return nil, err
	}
	v := &UsageView{Pending: s.Pending, Dead: s.Dead}
	if s.LastReportedDay >= 0 {
		v.LastReportedDay = license.DayDate(s.LastReportedDay)
	}
	return v, nil
}

// UsageRetry is the outcome of RetryUsage.
type UsageRetry struct {
	LicenseID string `json:"license_id"`
	// Day is the UTC day (YYYY-MM-DD) whose dead-lettered uses were retried: today's.
	Day string `json:"day"`
	// Retried counts the dead-lettered uses of Day made due again; 0 when there was none (nothing is recorded).
	Retried int64 `json:"retried"`
	// Older counts the dead-lettered uses of earlier days, left as they are: the marketplace counts a usage
	// report on the day it arrives, so they can no longer be reported for their own day.
	Older int64 `json:"older"`
}

// RetryUsage makes the dead-lettered uses of today (UTC) of the license ref names due again now, each with a
// fresh count of attempts, and records the audit event (action store.ActionRetryUsage) with the reason. It
// returns a *licensing.RequestError for a missing reason or a license without a marketplace code, and the
// errors of find.
func (sp *Desk) RetryUsage(ctx context.Context, ref string, req ChangeRequest) (*UsageRetry, error) {
	l, reason, err := sp.target(ctx, ref, req)
	if err != nil {
		return nil, err
	}
	day, n, older, err := sp.svc.RetryUsage(ctx, l, reason, req.Actor)
	if err != nil {
		return nil, err
	}
	return &UsageRetry{LicenseID: l.ID, Day: license.DayDate(day), Retried: n, Older: older}, nil
}
