package licensing

import (
	"context"
	"time"

	"github.com/licentia/licentia/server/license"
	"github.com/licentia/licentia/server/store"
)

// queryBudget bounds the daily marketplace query a refresh makes: a slow marketplace delays a buyer's
// refresh by at most this much, and never fails it.
const queryBudget = 3 * time.Second

// Reconcile queries the marketplace for a license bound to a License 2.0 code, at most once per UTC day per
// code (claimed in the database, so replicas share it), and applies a difference as a new generation
// (source koogallery-query). Whatever goes wrong, it returns the license as the database has it.
func (s *Service) Reconcile(ctx context.Context, l *store.License) *store.License {
	day := utcDay(s.now())
	if l.MarketCode == "" || s.market == nil || l.QueriedDay >= day {
		return l
	}
	claimed, err := s.st.ClaimQueryDay(ctx, l.ID, day)
	if err != nil || !claimed {
		return l
	}
	qctx, cancel := context.WithTimeout(ctx, queryBudget)
	q, err := s.market.Query(qctx, l.MarketCode)
	cancel()
	if err != nil {
		s.log.WarnContext(ctx, "daily marketplace query failed; answering from the database", "license_id", l.ID, "err", err)
		return l
	}
	m := license.MarketState{Status: q.Status, ExpiresAt: unixOrZero(q.ExpiresAt)}
	next, out, err := s.ChangeIfApplied(ctx, l.ID, queryDelivery(s.now()), func(cur license.License, now time.Time) (license.License, license.Outcome, error) {
		return license.Reconcile(cur, m, now)
	})
	if err != nil {
		s.log.WarnContext(ctx, "apply the marketplace query", "license_id", l.ID, "err", err)
		return l
	}
	if !out.Applied { // the marketplace agrees: nothing to record
		return next
	}
	s.log.InfoContext(ctx, "license reconciled with the marketplace", "license_id", next.ID, "status", next.Status,
		"generation", next.Generation, "action", out.Action)
	return next
}

// queryDelivery is the audit description of the marketplace's query answer.
func queryDelivery(now time.Time) license.Delivery {
	return license.Delivery{At: now.Unix(), Source: license.SourceQuery, Actor: "koogallery", Activity: "query"}
}
