package support

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"unicode"
	"unicode/utf8"

	"github.com/licentia/licentia/server/license"
	"github.com/licentia/licentia/server/licensing"
	"github.com/licentia/licentia/server/store"
	"github.com/licentia/licentia/verifier"
)

// maxDeploymentRef caps a deployment named to free its seat, in characters: a G1b device fingerprint is up
// to 1,024 (a deployment id up to verifier.MaxDeploymentIDLen, a hash far less).
const maxDeploymentRef = 1024

// SeatUse is how many seats a license holds and may hold, as "show" and "seats" report it.
type SeatUse struct {
	// Policy is the product's seat policy: "quantity", "unlimited" or a fixed number.
	Policy string `json:"policy"`
	// Limit is the license's seat limit; null when unlimited.
	Limit *int64 `json:"limit"`
	// Used counts the live seats (held until freed, or their lease not passed).
	Used int64 `json:"used"`
}

// SeatView is one deployment holding a license. It never holds a raw deployment value or the seat's code.
type SeatView struct {
	// Deployment is the salted hash of the deployment id (the "dep" claim's id): what free-seat takes.
	Deployment string `json:"deployment"`
	// Components counts the machine components the seat's binding holds.
	Components int    `json:"components"`
	TakenAt    string `json:"taken_at"`
	// SeenAt is the seat's last use: an activation, a refresh or a check-in.
	SeenAt string `json:"seen_at"`
	// LeaseUntil frees the seat when it passes without a check-in; null: held until freed.
	LeaseUntil *string `json:"lease_until"`
	// Live is false for a seat whose lease passed: it counts for nobody and goes on the next seat taken.
	Live bool `json:"live"`
	// CloneAt is when another machine last carried the deployment's id while the seat was held; null never.
	CloneAt *string `json:"clone_at"`
	// CodeGeneration is the license generation of the seat's code; Current is true when it is the
	// license's current generation (an older one is answered anew at the seat's next refresh).
	CodeGeneration int64 `json:"code_generation"`
	Current        bool  `json:"current"`
}

// Seats is the answer of "seats": the license's seat use and its seats, oldest first.
type Seats struct {
	LicenseID string     `json:"license_id"`
	Use       SeatUse    `json:"use"`
	Seats     []SeatView `json:"seats"`
}

// SeatsFreed is the outcome of FreeSeat.
type SeatsFreed struct {
	LicenseID string `json:"license_id"`
	// Deployment is the hash of the deployment whose seat was freed.
	Deployment string `json:"deployment"`
	Freed      int64  `json:"freed"`
}

// seatUse returns the seat use of license l under policy p, counting seats live at unix time now.
func seatUse(l *store.License, p store.Policy, seats []store.Seat, now int64) SeatUse {
	u := SeatUse{Policy: p.Seats}
	if u.Policy == "" {
		u.Policy = license.SeatsQuantity
	}
	if limit, unlimited := p.Limit(l.Quantity); !unlimited {
		u.Limit = &limit
	}
	for i := range seats {
		if seats[i].Live(now) {
			u.Used++
		}
	}
	return u
}

func newSeatView(l *store.License, s *store.Seat, now int64) SeatView {
	v := SeatView{Deployment: s.Deployment, TakenAt: RFC3339(s.TakenAt), SeenAt: RFC3339(s.SeenAt),
		LeaseUntil: OptRFC3339(s.LeaseUntil), Live: s.Live(now), CloneAt: OptRFC3339(s.CloneAt),
		CodeGeneration: s.CodeGen, Current: s.Code != "" && s.CodeGen == l.Generation}
	if s.Binding != nil {
		v.Components = len(s.Binding.Components)
	}
	return v
}

// Seats returns the seats of the license ref names (see find), with its limit under its product's policy.
func (sp *Desk) Seats(ctx context.Context, ref string) (*Seats, error) {
	l, err := sp.find(ctx, ref)
	if err != nil {
		return nil, err
	}
	return sp.seatsOf(ctx, l)
}

func (sp *Desk) seatsOf(ctx context.Context, l *store.License) (*Seats, error) {
	seats, p, err := sp.svc.SeatsOf(ctx, l)
	if err != nil {
		return nil, err
	}
	now := sp.now().Unix()
	out := &Seats{LicenseID: l.ID, Use: seatUse(l, p, seats, now), Seats: make([]SeatView, len(seats))}
	for i := range seats {
		out.Seats[i] = newSeatView(l, &seats[i], now)
	}
	return out, nil
}

// FreeSeat frees the seat deployment holds of the license ref names, recording the reason and the actor
// (audit action licensing.ActSeatFreed). deployment is the hash Seats lists, or the deployment id itself,
// which is hashed as its seat is and never stored or logged. It returns store.ErrNotFound (wrapped) when
// the deployment holds no seat of the license, a *licensing.RequestError for a missing reason or
// deployment, and the errors of find.
func (sp *Desk) FreeSeat(ctx context.Context, ref, deployment string, req ChangeRequest) (*SeatsFreed, error) {
	if err := checkDeploymentRef(deployment); err != nil {
		return nil, err
	}
	l, reason, err := sp.target(ctx, ref, req)
	if err != nil {
		return nil, err
	}
	seats, err := sp.st.Seats(ctx, l.ID)
	if err != nil {
		return nil, err
	}
	hash := SeatKey(l.ID, deployment, seatHashes(seats))
	n, err := sp.svc.FreeSeat(ctx, l, hash, reason, req.Actor)
	if errors.Is(err, store.ErrNotFound) {
		return nil, fmt.Errorf("license %s: no seat of deployment %s: %w", l.ID, hash, store.ErrNotFound)
	}
	if err != nil {
		return nil, err
	}
	return &SeatsFreed{LicenseID: l.ID, Deployment: hash, Freed: n}, nil
}

// SeatKey returns the seat hash that deployment names among held, the hashes of license licenseID's seats:
// deployment itself when it is one of them, otherwise the hash of deployment as a deployment id. The remote
// CLI uses it so that a raw deployment id never travels in a URL.
func SeatKey(licenseID, deployment string, held []string) string {
	if slices.Contains(held, deployment) {
		return deployment
	}
	return verifier.DeploymentHash(license.DeploymentSalt(licenseID), "id", deployment)
}

func seatHashes(seats []store.Seat) []string {
	hs := make([]string, len(seats))
	for i := range seats {
		hs[i] = seats[i].Deployment
	}
	return hs
}

// SeatHashes returns the deployment hashes of s's seats.
func (s *Seats) SeatHashes() []string {
	hs := make([]string, len(s.Seats))
	for i := range s.Seats {
		hs[i] = s.Seats[i].Deployment
	}
	return hs
}

// checkDeploymentRef refuses a deployment reference that cannot name a seat: empty (which would mean every
// seat to the layer below), too long, or holding a control character.
func checkDeploymentRef(d string) error {
	switch {
	case d == "":
		return licensing.BadRequest("no deployment given: name the seat by the hash 'codes seats' lists, or by the deployment id")
	case !utf8.ValidString(d) || utf8.RuneCountInString(d) > maxDeploymentRef:
		return licensing.BadRequest("the deployment must be valid UTF-8 of at most %d characters", maxDeploymentRef)
	case hasControl(d):
		return licensing.BadRequest("the deployment holds a control character")
	}
	return nil
}

func hasControl(s string) bool {
	for _, r := range s {
		if unicode.IsControl(r) {
			return true
		}
	}
	return false
}

// seatUseOf is the seat use "show" reports for l.
func (sp *Desk) seatUseOf(ctx context.Context, l *store.License) (*SeatUse, error) {
	seats, p, err := sp.svc.SeatsOf(ctx, l)
	if err != nil {
		return nil, err
	}
	u := seatUse(l, p, seats, sp.now().Unix())
	return &u, nil
}
