package support

import (
	"context"
	"time"

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
		v.LastReportedDay = time.Unix(s.LastReportedDay*86400, 0).UTC().Format(time.DateOnly)
	}
	return v, nil
}
