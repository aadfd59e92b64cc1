package license

import (
	"fmt"
	"time"
)

// Statuses of a License 2.0 code as the marketplace reports them (the status of the query answer and of the
// activate answer's license_code_info, server/koogallery's LicenseInfo and LicenseCodeInfo). They are defined
// here, once, because the lifecycle decides on them and server/license imports no wire package; the
// marketplace may add others, which Reconcile ignores.
const (
	MarketAlive    = "ALIVE"
	MarketExpired  = "EXPIRED"
	MarketReleased = "RELEASED"
)

// MarketState is what the marketplace says of a License 2.0 code: its status and expiry (0: none given), and
// for a query answer when it was asked (0: not known).
type MarketState struct {
	Status    string
	ExpiresAt int64
	AskedAt   int64
}

// QueryLag is how long after a callback the marketplace's query may still answer as before it: the
// marketplace documents no bound, and a renewal rolled back by a lagging answer costs the buyer a paid
// period, while waiting a day for the next query costs nothing. Reconcile trusts a query asked this soon
// after the license's latest marketplace change for a release only.
const QueryLag = 3600 // seconds

// Activate returns the first generation of a license bound to a marketplace code the buyer activated: l
// describes it (MarketCode, order, product, quantity), m is the marketplace's answer, whose expiry is taken.
// It refuses a released code with ErrReleased: a code released before activation never yields a valid code.
func Activate(l License, m MarketState, now time.Time) (License, Outcome, error) {
	if m.Status == MarketReleased {
		return License{}, Outcome{}, ErrReleased
	}
	l.ExpiresAt = m.ExpiresAt
	if l.StartsAt == 0 || l.ExpiresAt != 0 && l.StartsAt >= l.ExpiresAt {
		l.StartsAt = min(now.Unix(), max(l.ExpiresAt-1, 0))
	}
	next, _, err := Create(l, now)
	return next, Outcome{Action: ActActivate, Applied: err == nil}, err
}

// Reconcile brings a license in line with the marketplace's query of its bound code, which is authoritative:
// RELEASED releases it; ALIVE or EXPIRED take the marketplace's expiry when it gives one, and ALIVE thaws a
// frozen license whose expiry is ahead. A released or revoked license, or one that already agrees, is left
// as it is. lastChange is when the marketplace last changed the license by a callback (0: never): a query
// asked less than QueryLag after it may predate that change, and it releases or changes nothing — the next
// day's query reconciles the rest.
func Reconcile(cur License, m MarketState, lastChange int64, now time.Time) (License, Outcome, error) {
	if cur.Terminal() {
		return cur, ignored(ActReconcile, "license is "+cur.Status), nil
	}
	if m.Status != MarketReleased && m.AskedAt != 0 && lastChange > m.AskedAt-QueryLag {
		return cur, ignored(ActReconcile, "the query may predate the latest callback"), nil
	}
	next := cur
	switch m.Status {
	case MarketReleased:
		next.Status = Released
	case MarketAlive, MarketExpired:
		if m.ExpiresAt != 0 {
			next.ExpiresAt = m.ExpiresAt
		}
		if m.Status == MarketAlive && cur.Status == Frozen && (next.ExpiresAt == 0 || next.ExpiresAt > now.Unix()) {
			next.Status = Active
		}
	default:
		return cur, ignored(ActReconcile, "unknown marketplace status "+m.Status), nil
	}
	if next.Status == cur.Status && next.ExpiresAt == cur.ExpiresAt {
		return cur, ignored(ActReconcile, "the marketplace agrees"), nil
	}
	next, out := advance(cur, next, ActReconcile, now)
	return next, out, nil
}

// Pending is a marketplace callback that arrived before its code was activated.
type Pending struct {
	// Kind is PendingValidity, PendingFreeze, PendingUnfreeze or PendingRelease.
	Kind     int
	Validity Validity // for PendingValidity
}

// Kinds of pending callback.
const (
	PendingValidity = iota
	PendingFreeze
	PendingUnfreeze
	PendingRelease
)

// ApplyPending applies a callback kept from before the activation, by the same rule as when it arrives
// for a bound license.
func ApplyPending(cur License, p Pending, now time.Time) (License, Outcome, error) {
	switch p.Kind {
	case PendingValidity:
		return Renew(cur, p.Validity, now)
	case PendingFreeze:
		return Freeze(cur, now)
	case PendingUnfreeze:
		return Unfreeze(cur, now)
	default:
		return Release(cur, now)
	}
}

// QueryDue reports whether the license's marketplace code is due its daily query on day (days since
// 1970-01-01 UTC): a license bound to a code is queried at most once a UTC day.
func (l *License) QueryDue(day int64) bool {
	return l.MarketCode != "" && !l.Terminal() && l.QueriedDay < day
}

// Activation is what a License 2.0 activation has learnt, in the order it learnt it: the license the
// marketplace's activation answer describes (MarketCode, order, product, quantity), the first state (the
// query's status and expiry, or the activation answer's estimate of the expiry when the query gives none),
// the callbacks kept for the code from before (oldest first, with when each arrived), and the query.
type Activation struct {
	License License
	First   MarketState
	Kept    []Kept
	Query   MarketState
}

// Kept is a callback kept for a code not activated yet, and when it arrived (unix seconds).
type Kept struct {
	Pending
	ReceivedAt int64
}

// Step is one change of an activation's fold, for its audit event: Before is nil for the activation itself;
// Kept is the index of the kept callback it applies, -1 for the activation, len(Kept) for the query.
type Step struct {
	Before *License
	After  License
	Out    Outcome
	Kept   int
}

// Fold is the license an activation creates: the activation (Activate), then every kept callback by the rule
// it would have met on a bound license (ApplyPending), then the query — newest of all, authoritative
// (Reconcile) unless it may predate the newest kept callback. It returns the license and one step for each
// audit event: the activation, every kept callback, and the query when it changed something. It refuses a
// code the marketplace released, before or by the fold, with ErrReleased.
func Fold(a Activation, now time.Time) (License, []Step, error) {
	cur, out, err := Activate(a.License, a.First, now)
	if err != nil {
		return License{}, nil, err
	}
	steps := []Step{{After: cur, Out: out, Kept: -1}}
	var lastChange int64
	for i, k := range a.Kept {
		next, out, err := ApplyPending(cur, k.Pending, now)
		if err != nil {
			return License{}, nil, err
		}
		before := cur
		steps = append(steps, Step{Before: &before, After: next, Out: out, Kept: i})
		cur, lastChange = next, max(lastChange, k.ReceivedAt)
	}
	next, out, err := Reconcile(cur, a.Query, lastChange, now)
	if err != nil {
		return License{}, nil, err
	}
	if out.Applied {
		before := cur
		steps = append(steps, Step{Before: &before, After: next, Out: out, Kept: len(a.Kept)})
		cur = next
	}
	if cur.Status == Released {
		return License{}, nil, fmt.Errorf("the marketplace released the code: %w", ErrReleased)
	}
	return cur, steps, nil
}
