// Package license is the life of a license in one place: the License value, its statuses and every
// transition it can go through — create, renew, unrenew, trial-to-formal, spec change, freeze, unfreeze,
// release, reissue, revoke, and the License 2.0 ones (activate, apply an event that arrived before
// activation, reconcile with the marketplace's query). Each transition is a function from the current state,
// the change and the time to the next state and an Outcome: applied (a new generation), ignored with a reason,
// or refused with an error.
//
// The package does no I/O: no HTTP, SQL, metrics or logging. The store persists what a transition returns
// and enforces uniqueness; the code is signed by Issuer as part of computing the next state (Ed25519 is
// deterministic, so a transition that a transaction retry recomputes gives the same bytes); metrics and logs
// are written once, by the caller, after the write committed.
package license

import (
	"errors"
	"time"

	"github.com/licentia/licentia/verifier"
)

// Statuses of a license: the "st" claim of its code.
const (
	Active   = verifier.StatusActive
	Frozen   = verifier.StatusFrozen
	Released = verifier.StatusReleased
	Revoked  = verifier.StatusRevoked
)

// Flows: the marketplace interface that created a license.
const (
	FlowLicense1 = "license1" // License 1.0 getLicense (GET), keyed on orderId
	FlowInstance = "instance" // newInstance (POST), keyed on orderId + orderLineId; License 2.0 activations too
)

// License is one license: the entitlement, its current state and its current signed code. Times are unix
// seconds, UTC; ExpiresAt 0 means perpetual.
type License struct {
	ID           string
	OrderID      string
	OrderLineID  string
	Flow         string
	ProductID    string
	SKU          string
	CustomerID   string
	CustomerName string
	Quantity     int64
	PeriodType   string
	PeriodNumber int64
	Status       string
	StartsAt     int64
	ExpiresAt    int64
	// Generation counts the changes of the signed state: 1 on create, +1 on every applied transition.
	Generation int64
	// ChangedAt is the time of the change that produced this generation (the code's iat).
	ChangedAt int64
	// ProofGen is the lowest generation of a code accepted as proof of holding the license (refresh, the
	// buyer page). A reissue or a revoke raises it to the new generation, so a leaked code stops fetching
	// the new ones; renewals and other marketplace changes leave it, so a buyer's old code still fetches the
	// renewed one.
	ProofGen int64
	Code     string
	KeyID    string
	Test     bool
	// MarketCode is the KooGallery License 2.0 code bound to the license ("" for none).
	MarketCode string
	// QueriedDay is the UTC day (days since 1970-01-01) the bound code was last queried at the marketplace.
	QueriedDay int64
	CreatedAt  int64

	// ProductFamily are the other productIds the license carried before a renewal changed ProductID,
	// oldest first, at most MaxProductFamily: the "pids" claim of its codes (see CarryProduct).
	ProductFamily []string
}

// Terminal reports whether the license is released or revoked: every code of it is void for good and no
// later change applies.
func (l *License) Terminal() bool { return l.Status == Released || l.Status == Revoked }

// MinValid is the lowest generation of the license whose code still verifies, as the revocation list says:
// the current one, or one above it for a released or revoked license, whose every code is void.
func (l *License) MinValid() int64 {
	if l.Terminal() {
		return l.Generation + 1
	}
	return l.Generation
}

// LowestProof is the lowest generation whose code proves the holding of the license (ProofGen; a license
// stored before proof generations existed has 0, which counts as 1).
func (l *License) LowestProof() int64 { return max(l.ProofGen, 1) }

// Accepts reports whether a genuine code of generation gen is accepted as proof of holding the license.
func (l *License) Accepts(gen int64) bool {
	return gen >= l.LowestProof() && gen <= l.Generation
}

// Proof is what a genuine code (signed by one of the seller's keys) proves of a license this database holds.
type Proof int

const (
	// Proves: the code proves the holding of the license.
	Proves Proof = iota
	// Foreign: the code is of another license that happens to share the id (another deployment sharing the
	// keys, or a database restored from an old backup): another order, or a generation never issued here.
	Foreign
	// Void: a reissue or revoke after the code stopped it serving as proof.
	Void
)

// ProofOf judges a genuine code of order orderID and generation gen that names this license.
func (l *License) ProofOf(orderID string, gen int64) Proof {
	switch {
	case l.OrderID != orderID || gen > l.Generation:
		return Foreign
	case !l.Accepts(gen):
		return Void
	}
	return Proves
}

// Outcome says what a transition did.
type Outcome struct {
	// Action names the change asked for, as the audit log records it: "create", "renew", "unrenew",
	// "set_expiry", "freeze", "unfreeze", "release", "reissue", "revoke", "activate", "reconcile".
	Action string
	// Applied is true when the change made a new generation; false when it was ignored.
	Applied bool
	// Reason says why an ignored change changed nothing.
	Reason string
}

// Actions as the audit log names them.
const (
	ActCreate    = "create"
	ActRenew     = "renew"
	ActUnrenew   = "unrenew"
	ActSetExpiry = "set_expiry"
	ActFreeze    = "freeze"
	ActUnfreeze  = "unfreeze"
	ActRelease   = "release"
	ActReissue   = "reissue"
	ActRevoke    = "revoke"
	ActActivate  = "activate"
	ActReconcile = "reconcile"
	// ActIgnored is the action recorded for a change that was ignored; the event's reason says why.
	ActIgnored = "ignored"
)

// Errors of the transitions that refuse a change.
var (
	// ErrRevoked refuses a reissue of a revoked license.
	ErrRevoked = errors.New("license is revoked")
	// ErrReleased refuses a reissue of a released license, or an activation of a released code.
	ErrReleased = errors.New("license is released")
	// ErrInvalid refuses a change whose data cannot describe a license (for example an expiry before its
	// start).
	ErrInvalid = errors.New("invalid license data")
)

func ignored(action, reason string) Outcome { return Outcome{Action: action, Reason: reason} }

// advance makes next the generation after cur, changed at now.
func advance(cur, next License, action string, now time.Time) (License, Outcome) {
	next.Generation = cur.Generation + 1
	next.ChangedAt = now.Unix()
	next.Code, next.KeyID = "", ""
	return next, Outcome{Action: action, Applied: true}
}
