package license

import (
	"errors"
	"testing"

	"github.com/licentia/licentia/verifier"
)

func binding(t *testing.T, id string, comps map[string][]string) *verifier.DeploymentClaim {
	t.Helper()
	c, err := verifier.BindDeployment(verifier.Deployment{ID: id, Components: comps}, DeploymentSalt("L-1"), 0)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestTakeSeat: the seat rules, one case per outcome.
func TestTakeSeat(t *testing.T) {
	const now = 1_000_000
	machine := map[string][]string{"machine_id": {"m1"}, "mac": {"aa"}, "hostname": {"h1"}}
	nicReplaced := map[string][]string{"machine_id": {"m1"}, "mac": {"bb"}, "hostname": {"h1"}}
	clone := map[string][]string{"machine_id": {"m1"}, "mac": {"cc"}, "hostname": {"h2"}}
	held := &Seat{Deployment: binding(t, "d1", machine).ID, Binding: binding(t, "d1", machine), TakenAt: 10, SeenAt: 20}
	leased := *held
	leased.LeaseUntil = now + 1
	lapsed := *held
	lapsed.LeaseUntil = now
	for _, tc := range []struct {
		name  string
		held  *Seat
		live  int64
		req   SeatRequest
		want  SeatOutcome
		lease int64
	}{
		{"new deployment, a seat free", nil, 2, SeatRequest{Binding: binding(t, "d2", nil), Limit: 3}, SeatTaken, 0},
		{"new deployment, every seat taken", nil, 3, SeatRequest{Binding: binding(t, "d2", nil), Limit: 3}, SeatsExhausted, 0},
		{"new deployment, unlimited", nil, 1000, SeatRequest{Binding: binding(t, "d2", nil), Unlimited: true}, SeatTaken, 0},
		{"same machine again, at the limit", held, 3, SeatRequest{Binding: binding(t, "d1", machine), Limit: 3}, SeatKept, 0},
		{"same machine, NIC replaced", held, 3, SeatRequest{Binding: binding(t, "d1", nicReplaced), Limit: 3}, SeatKept, 0},
		{"same id on another machine, seat held", held, 1, SeatRequest{Binding: binding(t, "d1", clone), Limit: 3}, SeatClone, 0},
		{"same id on another machine, lease live", &leased, 1, SeatRequest{Binding: binding(t, "d1", clone), Limit: 3, LeaseSeconds: 60}, SeatClone, 0},
		{"same id on another machine, lease passed", &lapsed, 0, SeatRequest{Binding: binding(t, "d1", clone), Limit: 3, LeaseSeconds: 60}, SeatRetaken, now + 60},
		{"lease passed, others took every seat", &lapsed, 3, SeatRequest{Binding: binding(t, "d1", machine), Limit: 3, LeaseSeconds: 60}, SeatsExhausted, 0},
		{"lease passed, same machine back", &lapsed, 0, SeatRequest{Binding: binding(t, "d1", machine), Limit: 3, LeaseSeconds: 60}, SeatTaken, now + 60},
		{"check-in renews the lease", &leased, 1, SeatRequest{Binding: binding(t, "d1", machine), Limit: 1, LeaseSeconds: 60}, SeatKept, now + 60},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, seat := TakeSeat(tc.held, tc.live, tc.req, now)
			if got != tc.want {
				t.Fatalf("TakeSeat = %v, want %v", got, tc.want)
			}
			switch got {
			case SeatClone, SeatsExhausted:
				if seat != nil {
					t.Errorf("seat = %+v, want none", seat)
				}
				return
			}
			if seat == nil || seat.Deployment != tc.req.Binding.ID || seat.Binding != tc.req.Binding || seat.SeenAt != now || seat.LeaseUntil != tc.lease {
				t.Fatalf("seat = %+v, want deployment %s seen now with lease until %d", seat, tc.req.Binding.ID, tc.lease)
			}
			if want := int64(now); got == SeatKept {
				if seat.TakenAt != tc.held.TakenAt {
					t.Errorf("kept seat taken at %d, want %d as before", seat.TakenAt, tc.held.TakenAt)
				}
			} else if seat.TakenAt != want {
				t.Errorf("new seat taken at %d, want %d", seat.TakenAt, want)
			}
		})
	}
}

// TestPolicy: the limits a policy gives, and the policies refused.
func TestPolicy(t *testing.T) {
	for _, tc := range []struct {
		seats     string
		qty       int64
		limit     int64
		unlimited bool
	}{
		{SeatsQuantity, 10, 10, false}, {SeatsQuantity, 0, 1, false}, {"", 3, 3, false}, {"5", 10, 5, false},
		{SeatsUnlimited, 10, 0, true},
	} {
		p := DefaultPolicy("P")
		p.Seats = tc.seats
		if l, u := p.Limit(tc.qty); l != tc.limit || u != tc.unlimited {
			t.Errorf("seats %q quantity %d: Limit = %d, %v; want %d, %v", tc.seats, tc.qty, l, u, tc.limit, tc.unlimited)
		}
	}
	if err := DefaultPolicy("P").Validate(); err != nil {
		t.Errorf("DefaultPolicy.Validate() = %v", err)
	}
	for _, bad := range []func(*Policy){
		func(p *Policy) { p.Seats = "0" }, func(p *Policy) { p.Seats = "-1" }, func(p *Policy) { p.Seats = "+3" },
		func(p *Policy) { p.Seats = "03" }, func(p *Policy) { p.Seats = "1000000" }, func(p *Policy) { p.Seats = "many" },
		func(p *Policy) { p.Match = 17 }, func(p *Policy) { p.LeaseSeconds = -1 }, func(p *Policy) { p.UsageMode = "all" },
		func(p *Policy) { p.ProductID = "" },
	} {
		p := DefaultPolicy("P")
		bad(&p)
		if err := p.Validate(); !errors.Is(err, ErrPolicy) {
			t.Errorf("Validate(%+v) = %v, want ErrPolicy", p, err)
		}
	}
}

// TestDeploymentSalt: each license has its own salt, the same every time.
func TestDeploymentSalt(t *testing.T) {
	a, b := DeploymentSalt("L-1"), DeploymentSalt("L-2")
	if len(a) != verifier.DeploymentSaltLen || string(a) == string(b) || string(a) != string(DeploymentSalt("L-1")) {
		t.Errorf("salts %x, %x: want %d bytes, distinct per license, stable", a, b, verifier.DeploymentSaltLen)
	}
}
