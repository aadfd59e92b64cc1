package license

import (
	"crypto/sha256"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/licentia/licentia/verifier"
)

// Seat policies: how many deployments may hold a license of a product.
const (
	SeatsQuantity  = "quantity"  // the license's purchased quantity (at least 1): the default
	SeatsUnlimited = "unlimited" // any number; seats are still recorded, for support and the usage report
	MaxFixedSeats  = 999999      // the largest fixed number of seats a policy may give
)

// Usage report modes: how the daily usage report counts a code's deployments.
const (
	UsageByID    = "id"    // each deployment's salted hash
	UsageByCount = "count" // the number of deployments active that day
)

// MaxLease is the longest lease a policy may set.
const MaxLease = 366 * 24 * time.Hour

// Policy is a seller's seat policy for one product.
type Policy struct {
	ProductID string
	// Seats is SeatsQuantity, SeatsUnlimited or a fixed number of seats (1 to MaxFixedSeats) in decimal.
	Seats string
	// Match is how many components a deployment-bound code needs to match; 0 for a strict majority
	// (verifier.DefaultMatch).
	Match int
	// LeaseSeconds frees a seat not checked in for that long; 0 holds seats until freed.
	LeaseSeconds int64
	// RequireFingerprint refuses a G1b getLicenseAsync without a deviceFingerprint (000903).
	RequireFingerprint bool
	// UsageMode is UsageByID or UsageByCount.
	UsageMode string
	UpdatedAt int64
	UpdatedBy string
}

// DefaultPolicy is the policy of a product the seller set none for: a seat per purchased unit, held until
// freed, each deployment reported by its hash.
func DefaultPolicy(productID string) Policy {
	return Policy{ProductID: productID, Seats: SeatsQuantity, UsageMode: UsageByID}
}

// ErrPolicy refuses a policy out of bounds.
var ErrPolicy = errors.New("invalid seat policy")

// Validate checks p's fields. Errors wrap ErrPolicy.
func (p Policy) Validate() error {
	switch {
	case p.ProductID == "" || len(p.ProductID) > 64:
		return fmt.Errorf("%w: product id must be 1 to 64 characters", ErrPolicy)
	case p.Match < 0 || p.Match > verifier.MaxComponents:
		return fmt.Errorf("%w: match %d, want 0 (a majority) to %d components", ErrPolicy, p.Match, verifier.MaxComponents)
	case p.LeaseSeconds < 0 || p.LeaseSeconds > int64(MaxLease/time.Second):
		return fmt.Errorf("%w: lease %ds, want 0 (none) to %s", ErrPolicy, p.LeaseSeconds, MaxLease)
	case p.UsageMode != UsageByID && p.UsageMode != UsageByCount:
		return fmt.Errorf("%w: usage mode %q, want %s or %s", ErrPolicy, p.UsageMode, UsageByID, UsageByCount)
	}
	_, err := ParseSeats(p.Seats)
	return err
}

// ParseSeats reads a policy's seats: SeatsQuantity, SeatsUnlimited or a number from 1 to MaxFixedSeats.
// It returns the fixed number, or 0 for the other two.
func ParseSeats(s string) (int64, error) {
	switch s {
	case SeatsQuantity, SeatsUnlimited:
		return 0, nil
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n < 1 || n > MaxFixedSeats || strings.HasPrefix(s, "+") || strings.HasPrefix(s, "0") {
		return 0, fmt.Errorf("%w: seats %q, want %s, %s or a number from 1 to %d", ErrPolicy, s, SeatsQuantity,
			SeatsUnlimited, MaxFixedSeats)
	}
	return n, nil
}

// Limit is the number of seats a license of quantity units has under p; unlimited is true when there is no
// limit. A license without a quantity counts as one unit.
func (p Policy) Limit(quantity int64) (limit int64, unlimited bool) {
	switch p.Seats {
	case SeatsUnlimited:
		return 0, true
	case SeatsQuantity, "":
		return max(quantity, 1), false
	}
	n, err := ParseSeats(p.Seats)
	if err != nil { // a policy is validated before it is stored; a bad one is the strictest
		return 1, false
	}
	return n, false
}

// DeploymentSalt is the salt of the deployment hashes of license id: the first bytes of SHA-256 over a
// fixed label and the id. Each license has its own, so one machine's hashes differ from license to license
// and a table of hashes made for one license is useless for another; it needs no storage, since the
// license id never changes.
func DeploymentSalt(id string) []byte {
	sum := sha256.Sum256([]byte("licentia deployment salt\x00" + id))
	return sum[:verifier.DeploymentSaltLen]
}

// Seat is one deployment holding a license.
type Seat struct {
	// Deployment is the hash of the deployment id (the "dep" claim's "id").
	Deployment string
	// Binding is the "dep" claim codes answered to the deployment carry.
	Binding *verifier.DeploymentClaim
	// TakenAt, SeenAt: when the seat was taken, when it was last used (activation, refresh, check-in).
	TakenAt, SeenAt int64
	// LeaseUntil frees the seat when it passes without a check-in; 0 never.
	LeaseUntil int64
	// Code is the deployment-bound code last signed for the seat, of license generation CodeGen.
	Code    string
	CodeGen int64
	// CloneAt is when another machine last claimed the deployment while the seat was held; 0 never.
	CloneAt int64
}

// Live reports whether s holds its license at unix time now: held until freed, or its lease not passed.
func (s *Seat) Live(now int64) bool { return s.LeaseUntil == 0 || now < s.LeaseUntil }

// SameMachine reports whether binding b describes the machine seat binding held describes: with components,
// at least held.Match of them share a hash (both are salted alike: the license's salt); without, the same
// id. It is the server's side of verifier.DeploymentClaim.Matches, on hashes.
func SameMachine(held, b *verifier.DeploymentClaim) bool {
	if len(held.Components) == 0 {
		return held.ID == b.ID
	}
	matched := 0
	for name, hs := range held.Components {
		for _, h := range b.Components[name] {
			if containsString(hs, h) {
				matched++
				break
			}
		}
	}
	return matched >= held.Match
}

func containsString(s []string, v string) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}

// SeatOutcome is what a request for a seat gets.
type SeatOutcome int

const (
	// SeatKept: the deployment holds its seat already (the same machine); the seat is renewed.
	SeatKept SeatOutcome = iota
	// SeatTaken: a new deployment took a free seat (or the machine of a lapsed seat took one again).
	SeatTaken
	// SeatRetaken: the deployment's seat had lapsed (its lease passed) and another machine carrying the
	// deployment id takes a seat anew.
	SeatRetaken
	// SeatClone: another machine carries the id of a deployment whose seat is live: the request is refused
	// and the seat reported as cloned.
	SeatClone
	// SeatsExhausted: a new deployment, and every seat is taken.
	SeatsExhausted
)

// SeatRequest asks for a seat of a license for the deployment binding describes.
type SeatRequest struct {
	Binding *verifier.DeploymentClaim
	// Limit is the number of seats (Policy.Limit); Unlimited, no limit.
	Limit     int64
	Unlimited bool
	// LeaseSeconds is the policy's lease; 0 for none.
	LeaseSeconds int64
}

// TakeSeat decides a request for a seat at unix time now, given the deployment's seat (nil when it holds
// none) and the number of live seats of the license (its own included). It returns the outcome and the
// seat as it is to be stored (nil for SeatClone and SeatsExhausted, which change no seat but the clone
// mark, which the caller records).
func TakeSeat(held *Seat, live int64, r SeatRequest, now int64) (SeatOutcome, *Seat) {
	lease := int64(0)
	if r.LeaseSeconds > 0 {
		lease = now + r.LeaseSeconds
	}
	if held != nil && held.Live(now) {
		if !SameMachine(held.Binding, r.Binding) {
			return SeatClone, nil
		}
		next := *held
		next.Binding, next.SeenAt, next.LeaseUntil = r.Binding, now, lease
		return SeatKept, &next
	}
	if !r.Unlimited && live >= r.Limit { // a lapsed seat is not live: it counts for nobody
		return SeatsExhausted, nil
	}
	seat := &Seat{Deployment: r.Binding.ID, Binding: r.Binding, TakenAt: now, SeenAt: now, LeaseUntil: lease}
	if held != nil && !SameMachine(held.Binding, r.Binding) {
		return SeatRetaken, seat
	}
	return SeatTaken, seat
}
