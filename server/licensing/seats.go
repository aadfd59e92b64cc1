package licensing

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/licentia/licentia/server/license"
	"github.com/licentia/licentia/server/store"
	"github.com/licentia/licentia/verifier"
)

// Seat outcomes as the Observer and the audit log name them.
const (
	SeatKept      = "kept"
	SeatTaken     = "taken"
	SeatRetaken   = "retaken"
	SeatClone     = "clone"
	SeatExhausted = "exhausted"
)

// Audit actions of seats.
const (
	ActSeatTaken = "seat_taken"
	ActSeatClone = "seat_clone"
	ActSeatFreed = "seat_freed"
)

// SeatError refuses a deployment a seat: every seat is taken by other deployments (Code "seats_exhausted"),
// or another machine holds the deployment's id ("deployment_clone"). Limit and Used are the license's seats.
type SeatError struct {
	Code        string
	Limit, Used int64
}

// Error codes of SeatError.
const (
	CodeSeatsExhausted  = "seats_exhausted"
	CodeDeploymentClone = "deployment_clone"
)

func (e *SeatError) Error() string {
	if e.Code == CodeDeploymentClone {
		return "this deployment id is in use on another machine (a copied installation?); free its seat, or give this installation its own id"
	}
	return fmt.Sprintf("every seat of this license is taken (%d of %d); free one, or buy more", e.Used, e.Limit)
}

// Seat takes, or keeps, a seat of license l for deployment d and returns the license with its code bound to
// d ("dep"), the seat's code of the license's current generation. A seat is taken by the first request of a
// new deployment, up to the limit of the product's policy (the license's quantity by default); the same
// machine again keeps its seat; a license that is not active takes no seat and is answered its own code,
// which says so. It fails with a *SeatError, or a *RequestError for a deployment out of bounds.
func (s *Service) Seat(ctx context.Context, l *store.License, d verifier.Deployment, by Actor) (*store.License, error) {
	if err := CheckDeployment(d); err != nil {
		return nil, err
	}
	return s.bindSeat(ctx, l, d, by, true)
}

// bindSeat binds the checked deployment d under the policy of l's product and runs its seat decision; sign
// asks for the seat's code.
func (s *Service) bindSeat(ctx context.Context, l *store.License, d verifier.Deployment, by Actor, sign bool) (*store.License, error) {
	p, err := s.st.Policy(ctx, l.ProductID)
	if err != nil {
		return nil, err
	}
	b, err := verifier.BindDeployment(d, license.DeploymentSalt(l.ID), p.Match)
	if err != nil {
		return nil, BadRequest("deployment: %s", deploymentProblem(err))
	}
	return s.seat(ctx, l, b, p, by, sign)
}

// MaxDeploymentIDLen is the longest deployment id the API takes (the verifier takes up to
// verifier.MaxDeploymentIDLen, for G1b device fingerprints).
const MaxDeploymentIDLen = 128

// CheckDeployment refuses a deployment out of bounds with a *RequestError, before any other work.
func CheckDeployment(d verifier.Deployment) error {
	if n := utf8.RuneCountInString(d.ID); n > MaxDeploymentIDLen {
		return BadRequest("deployment: id of %d characters, at most %d", n, MaxDeploymentIDLen)
	}
	if err := d.Validate(); err != nil {
		return BadRequest("deployment: %s", deploymentProblem(err))
	}
	return nil
}

// ActivateFor is Activate for an installation: when d is not nil, the activated license takes a seat for
// it (Seat) and its answer is the code bound to d.
func (s *Service) ActivateFor(ctx context.Context, code string, d *verifier.Deployment, by Actor) (*store.License, error) {
	if d != nil {
		if err := CheckDeployment(*d); err != nil {
			return nil, err
		}
	}
	// The activation's audit event names no deployment: only the seat's event does, by its hash.
	l, err := s.Activate(ctx, code, "", by)
	if err != nil || d == nil {
		return l, err
	}
	return s.bindSeat(ctx, l, *d, by, true)
}

// SeatOf is Seat for a request that names no deployment but presents a code bound to one: the binding is
// the code's own (verified by the caller), so the answer is the current code of the same seat.
func (s *Service) SeatOf(ctx context.Context, l *store.License, b *verifier.DeploymentClaim, by Actor) (*store.License, error) {
	if b == nil || b.Salt != verifierSalt(l.ID) {
		return l, nil // not a binding of this license's seats: answered as unbound
	}
	p, err := s.st.Policy(ctx, l.ProductID)
	if err != nil {
		return nil, err
	}
	return s.seat(ctx, l, b, p, by, true)
}

// bindDevice is Seat for a G1b device: the deployment is the deviceFingerprint alone (up to 1024
// characters, as the marketplace sends it), bound by its hash.
func (s *Service) bindDevice(ctx context.Context, l *store.License, fingerprint string) (*store.License, error) {
	p, err := s.st.Policy(ctx, l.ProductID)
	if err != nil {
		return nil, err
	}
	b := &verifier.DeploymentClaim{Salt: verifierSalt(l.ID), ID: verifier.DeploymentHash(license.DeploymentSalt(l.ID), "id", fingerprint)}
	return s.seat(ctx, l, b, p, Actor{Source: license.SourceKooGallery, Name: "koogallery"}, true)
}

// CheckIn counts deployment d's use of license l without a new code: it takes or keeps its seat as Seat
// does, which renews the seat's lease.
func (s *Service) CheckIn(ctx context.Context, l *store.License, d verifier.Deployment, by Actor) error {
	if err := CheckDeployment(d); err != nil {
		return err
	}
	_, err := s.bindSeat(ctx, l, d, by, false)
	return err
}

// verifierSalt is the "dep" claim's salt of license id's seats.
func verifierSalt(id string) string {
	return base64.RawURLEncoding.EncodeToString(license.DeploymentSalt(id))
}

// seat runs the seat decision of binding b for l under policy p; sign asks for the seat's code.
func (s *Service) seat(ctx context.Context, l *store.License, b *verifier.DeploymentClaim, p store.Policy, by Actor, sign bool) (*store.License, error) {
	now := s.now().Unix()
	if held, err := s.st.Seat(ctx, l.ID, b.ID); err != nil {
		return nil, err
	} else if unchanged(held, l, b, p, now, sign) { // the common case: nothing to write
		s.obs.Seat(SeatKept)
		c := *l
		if sign {
			c.Code = held.Code
		}
		return &c, nil
	}
	limit, unlimited := p.Limit(l.Quantity)
	// Requests for one license's seats wait their turn here, in memory, rather than in the database's row
	// lock with a connection each: a burst of new deployments past the limit is then refused by the read
	// below, and only the requests that may take a seat write (replicas still meet at the row lock).
	defer s.seatTurns.wait(l.ID)()
	if !unlimited {
		held, err := s.st.Seat(ctx, l.ID, b.ID)
		if err != nil {
			return nil, err
		}
		if held == nil || !held.Live(now) {
			live, err := s.st.LiveSeats(ctx, l.ID, now)
			if err != nil {
				return nil, err
			}
			if live >= limit {
				s.obs.Seat(SeatExhausted)
				return nil, &SeatError{Code: CodeSeatsExhausted, Limit: limit, Used: live}
			}
		}
	}
	req := license.SeatRequest{Binding: b, Limit: limit, Unlimited: unlimited, LeaseSeconds: p.LeaseSeconds}
	var outcome license.SeatOutcome
	var used int64
	var bound *store.License
	var use *store.Use // the use the write recorded, if any
	res, err := s.st.TakeSeat(ctx, l.ID, b.ID, now, func(cur *store.License, held *store.Seat, live int64) (store.SeatWrite, error) {
		bound, used, use = nil, live, nil
		if cur.Status != license.Active || cur.Test {
			outcome = license.SeatKept
			return store.SeatWrite{}, nil
		}
		var next *store.Seat
		outcome, next = license.TakeSeat(held, live, req, now)
		switch outcome {
		case license.SeatsExhausted:
			return store.SeatWrite{}, nil
		case license.SeatClone:
			ev := seatEvent(cur, ActSeatClone, b.ID, by, now)
			return store.SeatWrite{Clone: true, Event: &ev}, nil
		}
		if sign {
			if held != nil && held.CodeGen == cur.Generation && held.Code != "" && sameBinding(held.Binding, next.Binding) {
				next.Code, next.CodeGen = held.Code, held.CodeGen
			} else {
				code, err := s.issuerFor(cur).SignBound(cur, next.Binding)
				if err != nil {
					return store.SeatWrite{}, err
				}
				next.Code, next.CodeGen = code, cur.Generation
			}
			c := *cur
			c.Code = next.Code
			bound = &c
		} else if held != nil {
			next.Code, next.CodeGen = held.Code, held.CodeGen
		}
		use = useOf(cur, b.ID, p.UsageMode, now)
		w := store.SeatWrite{Seat: next, Use: use, MaxUsesPerDay: UsageMaxDeployments}
		if outcome != license.SeatKept {
			e := seatEvent(cur, ActSeatTaken, b.ID, by, now)
			w.Event = &e
		}
		return w, nil
	})
	if err != nil {
		return nil, err
	}
	cur := res.License
	if use != nil {
		s.useRecorded(ctx, use, res.FirstUse, res.UsesFull)
	}
	s.obs.Seat(seatOutcomeName(outcome))
	switch outcome {
	case license.SeatsExhausted:
		return nil, &SeatError{Code: CodeSeatsExhausted, Limit: limit, Used: used}
	case license.SeatClone:
		s.log.WarnContext(ctx, "deployment id claimed by another machine while its seat is held", "license_id", l.ID,
			"deployment", b.ID)
		return nil, &SeatError{Code: CodeDeploymentClone, Limit: limit, Used: used}
	}
	if bound != nil {
		return bound, nil
	}
	return cur, nil
}

// unchanged reports whether a request of binding b for l at unix time now would find its seat as it is,
// live, of the same machine with the same binding, its code (when sign) of l's generation, seen today and
// its lease (if any) more than half left: then nothing needs writing, and the stored seat answers.
func unchanged(held *store.Seat, l *store.License, b *verifier.DeploymentClaim, p store.Policy, now int64, sign bool) bool {
	switch {
	case held == nil || l.Status != license.Active || l.Test || !held.Live(now) || !sameBinding(held.Binding, b):
		return false
	case sign && (held.Code == "" || held.CodeGen != l.Generation):
		return false
	case held.SeenAt/86400 != now/86400: // the first use of a UTC day is recorded
		return false
	case p.LeaseSeconds > 0 && held.LeaseUntil-now < p.LeaseSeconds/2:
		return false
	}
	return true
}

// useOf is the use a seat's request makes of license l, owed to the usage report: its marketplace code's,
// by the deployment's hash, on the UTC day of now; nil for a license the report does not cover (no
// marketplace code, a test license).
func useOf(l *store.License, deployment, mode string, now int64) *store.Use {
	if l.MarketCode == "" || l.Test {
		return nil
	}
	return &store.Use{UsageKey: store.UsageKey{MarketCode: l.MarketCode, Deployment: deployment, Day: license.UsageDay(time.Unix(now, 0))},
		LicenseID: l.ID, Mode: mode, FirstUsedAt: now}
}

func seatEvent(cur *store.License, action, deployment string, by Actor, now int64) store.Event {
	return noteEvent(cur, action, "deployment "+deployment, by, now)
}

func sameBinding(a, b *verifier.DeploymentClaim) bool {
	if a.Salt != b.Salt || a.ID != b.ID || a.Match != b.Match || len(a.Components) != len(b.Components) {
		return false
	}
	for name, hs := range a.Components {
		if !slices.Equal(hs, b.Components[name]) {
			return false
		}
	}
	return true
}

func seatOutcomeName(o license.SeatOutcome) string {
	switch o {
	case license.SeatTaken:
		return SeatTaken
	case license.SeatRetaken:
		return SeatRetaken
	case license.SeatClone:
		return SeatClone
	case license.SeatsExhausted:
		return SeatExhausted
	}
	return SeatKept
}

// deploymentProblem is the message of a deployment refused by the verifier's bounds, without its prefix.
func deploymentProblem(err error) string {
	msg := err.Error()
	if p := verifier.ErrDeployment.Error() + ": "; len(msg) > len(p) && msg[:len(p)] == p {
		return msg[len(p):]
	}
	if errors.Is(err, verifier.ErrDeployment) {
		return "out of bounds"
	}
	return msg
}

// SeatsOf returns the seats of license l and its seat limit under its product's policy (unlimited: none).
func (s *Service) SeatsOf(ctx context.Context, l *store.License) (seats []store.Seat, p store.Policy, err error) {
	if p, err = s.st.Policy(ctx, l.ProductID); err != nil {
		return nil, p, err
	}
	seats, err = s.st.Seats(ctx, l.ID)
	return seats, p, err
}

// FreeSeat frees the seat of deployment (its hash as SeatsOf lists it, or the deployment id itself) of
// license l, recording who and why (ChangeFreeingSeats frees every seat with a change). It returns the
// seats freed; store.ErrNotFound when the deployment holds no seat.
func (s *Service) FreeSeat(ctx context.Context, l *store.License, deployment, reason string, by Actor) (int64, error) {
	ev := seatEvent(l, ActSeatFreed, deployment, by, s.now().Unix())
	ev.Reason = reason
	n, err := s.st.FreeSeat(ctx, l.ID, deployment, ev)
	if errors.Is(err, store.ErrNotFound) { // not a hash: the deployment id, hashed as its seat is
		n, err = s.st.FreeSeat(ctx, l.ID, verifier.DeploymentHash(license.DeploymentSalt(l.ID), "id", deployment), ev)
	}
	return n, err
}

// seatTurns makes the seat requests of one license take turns in this process. Its entries live while a
// request of their license waits or runs: it holds no more entries than requests in flight.
type seatTurns struct {
	mu sync.Mutex
	m  map[string]*seatTurn
}

type seatTurn struct {
	mu   sync.Mutex
	refs int
}

// wait waits for license id's turn and returns the function that ends it.
func (t *seatTurns) wait(id string) (done func()) {
	t.mu.Lock()
	if t.m == nil {
		t.m = map[string]*seatTurn{}
	}
	e := t.m[id]
	if e == nil {
		e = &seatTurn{}
		t.m[id] = e
	}
	e.refs++
	t.mu.Unlock()
	e.mu.Lock()
	return func() {
		e.mu.Unlock()
		t.mu.Lock()
		if e.refs--; e.refs == 0 {
			delete(t.m, id)
		}
		t.mu.Unlock()
	}
}
