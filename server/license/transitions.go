package license

import (
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"time"
)

// RenewalKind says how a validity update moves the expiry.
type RenewalKind int

// Kinds of validity update. The marketplace's scenes map onto them: RENEWAL, TRIAL_TO_FORMAL, RENEWAL_CHANGE
// and License 1.0 refreshLicense are renewals; UNSUBSCRIBE_RENEWAL_PERIOD (退续费) is an unrenewal; a scene the
// marketplace may add later sets the expiry to what it says.
const (
	// Renewal only ever moves the expiry later, and thaws a frozen license whose new expiry is ahead.
	Renewal RenewalKind = iota
	// Unrenewal sets the expiry to what the marketplace says, earlier included.
	Unrenewal
	// SetExpiry sets the expiry to what the marketplace says (an unknown scene).
	SetExpiry
)

// Scenes of a validity update (the "scene" of refreshLicenseCode and refreshInstance). They are defined here,
// once, because the lifecycle decides on them (KindOf) and server/license imports no wire package.
const (
	SceneRenewal       = "RENEWAL"
	SceneTrialToFormal = "TRIAL_TO_FORMAL"
	SceneRenewalChange = "RENEWAL_CHANGE"
	SceneUnrenew       = "UNSUBSCRIBE_RENEWAL_PERIOD"
)

// Scene returns the scene a validity update counts as: a callback without one is a renewal (License 1.0's
// refreshLicense has none, and neither do some pages' examples).
func Scene(scene string) string {
	if scene == "" {
		return SceneRenewal
	}
	return scene
}

// KindOf is how a validity update of the scene moves the expiry: the renewal scenes (and none) are renewals,
// 退续费 an unrenewal, a scene the marketplace may add later sets the expiry to what it says.
func KindOf(scene string) RenewalKind {
	switch Scene(scene) {
	case SceneRenewal, SceneTrialToFormal, SceneRenewalChange:
		return Renewal
	case SceneUnrenew:
		return Unrenewal
	default:
		return SetExpiry
	}
}

// Create returns the first generation of the license l describes (its order, product, customer, times):
// active, generation 1, changed and created now, starting now unless l says when. It returns an error
// wrapping ErrInvalid for a license that would end before it starts.
//
// A test license (a marketplace probe, testFlag 1) whose expiry has already passed starts just before it,
// as an import does: a probe's dates are sample data — the HTTP Body signing page's own example (topic
// 0070649476) is signed in 2024 for an order that ended in 2022 — and a probe must get its answer; the
// test code it gets has expired.
func Create(l License, now time.Time) (License, Outcome, error) {
	if l.StartsAt == 0 && l.Test && l.ExpiresAt != 0 && l.ExpiresAt <= now.Unix() {
		l.StartsAt = l.ExpiresAt - 1
	}
	if l.StartsAt == 0 {
		l.StartsAt = now.Unix()
	}
	if l.ExpiresAt != 0 && l.ExpiresAt <= l.StartsAt {
		return License{}, Outcome{}, fmt.Errorf("expiry %d is not after the start %d: %w", l.ExpiresAt, l.StartsAt, ErrInvalid)
	}
	l.Status, l.Generation, l.ProofGen = Active, 1, 1
	l.ChangedAt, l.CreatedAt = now.Unix(), now.Unix()
	l.Code, l.KeyID = "", ""
	return l, Outcome{Action: ActCreate, Applied: true}, nil
}

// Import returns the first generation of a license carried over from another system: as Create makes it,
// but in the status it had there (Active when status is empty; Frozen, Released or Revoked), and an expiry
// already past starts just before it. It records the action "create", as the audit log always has for an
// import (the event's source says import).
func Import(l License, status string, now time.Time) (License, Outcome, error) {
	switch status {
	case "", Active, Frozen, Released, Revoked:
	default:
		return License{}, Outcome{}, fmt.Errorf("status %q: %w", status, ErrInvalid)
	}
	if l.StartsAt == 0 && l.ExpiresAt != 0 && l.ExpiresAt <= now.Unix() {
		l.StartsAt = l.ExpiresAt - 1
	}
	next, out, err := Create(l, now)
	if err != nil {
		return License{}, Outcome{}, err
	}
	if status != "" {
		next.Status = status
	}
	return next, out, nil
}

// NeedsOrder reports whether a G1b newInstance lacks what its license needs (expiry, product, customer) and
// must be completed from the marketplace's order query. License 1.0 getLicense carries everything itself.
func NeedsOrder(l License) bool {
	return l.Flow == FlowInstance && (l.ExpiresAt == 0 || l.ProductID == "" || l.CustomerID == "")
}

// OrderLine is what the marketplace's order query says of one order line, read.
type OrderLine struct {
	ExpiresAt  int64 // 0: none given
	Periodic   bool  // charged by period (PERIOD): it must have an expiry
	ProductID  string
	SKU        string
	Quantity   int64 // 0: none given
	PeriodType string
	// CustomerID and CustomerName are the order's buyer.
	CustomerID   string
	CustomerName string
}

// Complete fills in what a G1b newInstance left out (see NeedsOrder) from its order line: what the callback
// itself carried wins. A periodic line without an expiry is refused with ErrInvalid: a code is never
// perpetual because a field was missing.
func Complete(l License, o OrderLine) (License, error) {
	if l.ExpiresAt == 0 {
		l.ExpiresAt = o.ExpiresAt
	}
	if o.Periodic && l.ExpiresAt == 0 {
		return License{}, fmt.Errorf("periodic order line %s has no expireTime: %w", l.OrderLineID, ErrInvalid)
	}
	l.ProductID = cmp.Or(l.ProductID, o.ProductID)
	l.SKU = cmp.Or(l.SKU, o.SKU)
	if l.Quantity == 0 && o.Quantity > 0 {
		l.Quantity = o.Quantity
	}
	l.PeriodType = cmp.Or(l.PeriodType, o.PeriodType)
	l.CustomerID = cmp.Or(l.CustomerID, o.CustomerID)
	l.CustomerName = cmp.Or(l.CustomerName, o.CustomerName)
	return l, nil
}

// TestLicense returns the license a probe create (testFlag=1) answers, from the first generation Create
// returned for it: never stored, with an id derived from the order, so every probe of one order gets the
// same code; it starts (and was changed) at the probe's effectiveTime, or at 0 when it gave none.
func TestLicense(l License) License {
	sum := sha256.Sum256([]byte(l.OrderID + "\x00" + l.OrderLineID))
	l.ID = "test-" + hex.EncodeToString(sum[:12])
	if l.StartsAt == l.ChangedAt { // no effectiveTime given
		l.StartsAt = 0
	}
	l.ChangedAt = l.StartsAt
	l.Test = true
	return l
}

// Validity is a validity update from the marketplace.
type Validity struct {
	// Kind says how the expiry moves.
	Kind RenewalKind
	// ExpiresAt is the new expiry the marketplace sent (unix seconds).
	ExpiresAt int64
	// ProductID is the new product when the period type changed (also on trial to formal); "" keeps it.
	ProductID string
}

// Renew applies a validity update. A renewal, a trial conversion or a renewal change only ever moves the
// expiry later (a late or resent older renewal cannot roll back a newer one; a perpetual license stays
// perpetual), and a paid renewal thaws a frozen license whose new expiry is still ahead. An unrenewal or an
// unknown scene sets the expiry to what the marketplace says, earlier included. A new product is taken in
// every scene, and the one it replaces joins the license's product family (CarryProduct). A released or
// revoked license takes no change.
func Renew(cur License, r Validity, now time.Time) (License, Outcome, error) {
	next := cur
	action := ActUnrenew
	switch r.Kind {
	case Renewal:
		action = ActRenew
		if cur.ExpiresAt != 0 && r.ExpiresAt > cur.ExpiresAt {
			next.ExpiresAt = r.ExpiresAt
			if cur.Status == Frozen && r.ExpiresAt > now.Unix() {
				next.Status = Active
			}
		}
	case Unrenewal:
		next.ExpiresAt = r.ExpiresAt
	default:
		action = ActSetExpiry
		next.ExpiresAt = r.ExpiresAt
	}
	if r.ProductID != "" {
		next.ProductID, next.ProductFamily = r.ProductID, CarryProduct(cur, r.ProductID)
	}
	switch {
	case cur.Terminal():
		return cur, ignored(action, "license is "+cur.Status), nil
	case next.ExpiresAt == cur.ExpiresAt && next.ProductID == cur.ProductID && next.Status == cur.Status:
		return cur, ignored(action, "expireTime does not move the expiry"), nil
	}
	next, out := advance(cur, next, action, now)
	return next, out, nil
}

// Freeze blocks use of an active license (the order expired and its grace period passed); the data stays.
func Freeze(cur License, now time.Time) (License, Outcome, error) {
	return setStatus(cur, Active, Frozen, ActFreeze, now)
}

// Unfreeze restores a frozen license.
func Unfreeze(cur License, now time.Time) (License, Outcome, error) {
	return setStatus(cur, Frozen, Active, ActUnfreeze, now)
}

func setStatus(cur License, from, to, action string, now time.Time) (License, Outcome, error) {
	switch cur.Status {
	case to:
		return cur, ignored(action, "license is already "+to), nil
	case from:
		next := cur
		next.Status = to
		next, out := advance(cur, next, action, now)
		return next, out, nil
	default:
		return cur, ignored(action, "license is "+cur.Status), nil
	}
}

// Release ends a license for good (retention period over, or unsubscribed): every code of it is void.
// Releasing a released or revoked license changes nothing.
func Release(cur License, now time.Time) (License, Outcome, error) {
	if cur.Terminal() {
		reason := "license is " + cur.Status
		if cur.Status == Released {
			reason = "license is already released"
		}
		return cur, ignored(ActRelease, reason), nil
	}
	next := cur
	next.Status = Released
	next, out := advance(cur, next, ActRelease, now)
	return next, out, nil
}

// Reissue signs a new generation with the same entitlement (support staff, after a leak), which supersedes
// every older code and stops older codes from serving as proof. It refuses a revoked or released license
// with ErrRevoked or ErrReleased.
func Reissue(cur License, now time.Time) (License, Outcome, error) {
	switch cur.Status {
	case Revoked:
		return cur, Outcome{}, ErrRevoked
	case Released:
		return cur, Outcome{}, ErrReleased
	}
	next, out := advance(cur, cur, ActReissue, now)
	next.ProofGen = next.Generation
	return next, out, nil
}

// Revoke makes a license revoked for good: every code of it fails everywhere, none serves as proof.
// Revoking a revoked license changes nothing.
func Revoke(cur License, now time.Time) (License, Outcome, error) {
	if cur.Status == Revoked {
		return cur, ignored(ActRevoke, "license is already revoked"), nil
	}
	next := cur
	next.Status = Revoked
	next, out := advance(cur, next, ActRevoke, now)
	next.ProofGen = next.Generation
	return next, out, nil
}
