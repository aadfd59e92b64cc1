package license

import "time"

// Statuses of a License 2.0 code as the marketplace reports them (the status of the query answer and of the
// activate answer's license_code_info, server/koogallery's LicenseInfo and LicenseCodeInfo). They are defined
// here, once, because the lifecycle decides on them and server/license imports no wire package; the
// marketplace may add others, which Reconcile ignores.
const (
	MarketAlive    = "ALIVE"
	MarketExpired  = "EXPIRED"
	MarketReleased = "RELEASED"
)

// MarketState is what the marketplace says of a License 2.0 code: its status and expiry (0: none given).
type MarketState struct {
	Status    string
	ExpiresAt int64
}

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
// as it is.
func Reconcile(cur License, m MarketState, now time.Time) (License, Outcome, error) {
	if cur.Terminal() {
		return cur, ignored(ActReconcile, "license is "+cur.Status), nil
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
