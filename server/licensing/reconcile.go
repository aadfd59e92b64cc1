package licensing

import (
	"context"
	"sync"
	"time"

	"github.com/licentia/licentia/server/license"
	"github.com/licentia/licentia/server/store"
)

// queryBudget bounds the daily marketplace query a refresh makes: a slow marketplace delays a buyer's
// refresh by at most this much, and never fails it.
const queryBudget = 3 * time.Second

// A daily query that fails is tried again the same day, on a later refresh: at most queryAttempts times a
// day, queryRetryAfter apart (then doubling), for up to maxQueryRetries licenses at once per process (past
// that, a failed query waits for the next day, as it did before retries).
const (
	queryAttempts   = 4
	queryRetryAfter = 15 * time.Minute
	maxQueryRetries = 10000
)

// Reconcile queries the marketplace for a license bound to a License 2.0 code, at most once per UTC day per
// code (claimed in the database, so replicas share it; a failed query is retried later the same day, a few
// times), and applies a difference as a new generation (source koogallery-query) by license.Reconcile.
// Whatever goes wrong, it returns the license as the database has it.
func (s *Service) Reconcile(ctx context.Context, l *store.License) *store.License {
	now := s.now()
	day := utcDay(now)
	if s.market == nil || !l.QueryDue(day) || !s.retries.due(l.ID, day, now) {
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
		again := s.retries.failed(l.ID, day, now)
		if again {
			if err := s.st.UnclaimQueryDay(ctx, l.ID, day); err != nil {
				again = false
			}
		}
		s.log.WarnContext(ctx, "daily marketplace query failed; answering from the database", "license_id", l.ID,
			"err", err, "retry_today", again)
		return l
	}
	s.retries.done(l.ID)
	s.logUnreadable(ctx, l.ID, q.Unreadable)
	m := license.MarketState{Status: q.Status, ExpiresAt: unixOrZero(q.ExpiresAt), AskedAt: now.Unix()}
	last, err := s.st.LastCallback(ctx, l.ID)
	if err != nil {
		s.log.WarnContext(ctx, "apply the marketplace query", "license_id", l.ID, "err", err)
		return l
	}
	next, out, err := s.ChangeIfApplied(ctx, l.ID, queryDelivery(s.now()), func(cur license.License, now time.Time) (license.License, license.Outcome, error) {
		if cur.Generation != l.Generation { // changed since l was read, perhaps by a callback: count it as one
			last = max(last, cur.ChangedAt)
		}
		return license.Reconcile(cur, m, last, now)
	})
	if err != nil {
		s.log.WarnContext(ctx, "apply the marketplace query", "license_id", l.ID, "err", err)
		return l
	}
	if !out.Applied { // the marketplace agrees, or its answer may predate a callback: nothing to record
		return next
	}
	s.log.InfoContext(ctx, "license reconciled with the marketplace", "license_id", next.ID, "status", next.Status,
		"generation", next.Generation, "action", out.Action)
	return next
}

// logUnreadable logs the optional fields of a query answer that could not be read and were ignored.
func (s *Service) logUnreadable(ctx context.Context, id string, fields []string) {
	for _, f := range fields {
		s.log.WarnContext(ctx, "marketplace query answer: unreadable field ignored", "license_id", id, "field", f)
	}
}

// queryDelivery is the audit description of the marketplace's query answer.
func queryDelivery(now time.Time) license.Delivery {
	return license.Delivery{At: now.Unix(), Source: license.SourceQuery, Actor: "koogallery", Activity: "query"}
}

// queryRetries remembers the licenses whose daily query failed today: how often, and when to try again.
type queryRetries struct {
	mu sync.Mutex
	m  map[string]queryRetry
}

type queryRetry struct {
	day      int64
	attempts int
	next     time.Time
}

// due reports whether the license's daily query may be tried now: yes unless it failed today and its next
// try is later.
func (q *queryRetries) due(id string, day int64, now time.Time) bool {
	q.mu.Lock()
	defer q.mu.Unlock()
	r, ok := q.m[id]
	return !ok || r.day != day || !now.Before(r.next)
}

// failed records a failed query and reports whether it may be tried again today.
func (q *queryRetries) failed(id string, day int64, now time.Time) bool {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.m == nil {
		q.m = map[string]queryRetry{}
	}
	r, ok := q.m[id]
	if !ok || r.day != day {
		if !ok && len(q.m) >= maxQueryRetries {
			q.purge(day)
			if len(q.m) >= maxQueryRetries {
				return false
			}
		}
		r = queryRetry{day: day}
	}
	r.attempts++
	r.next = now.Add(queryRetryAfter << (r.attempts - 1))
	q.m[id] = r
	return r.attempts < queryAttempts
}

// done forgets a license whose query succeeded.
func (q *queryRetries) done(id string) {
	q.mu.Lock()
	delete(q.m, id)
	q.mu.Unlock()
}

// purge drops the entries of earlier days.
func (q *queryRetries) purge(day int64) {
	for id, r := range q.m {
		if r.day != day {
			delete(q.m, id)
		}
	}
}
