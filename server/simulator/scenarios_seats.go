package simulator

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/licentia/licentia/server/simulator/market"
	"github.com/licentia/licentia/verifier"
)

// installation is the simulator's installation n of the buyer's software: a stable id and the parts of its
// machine, distinct per n.
func (r *run) installation(n int) verifier.Deployment {
	return verifier.Deployment{ID: fmt.Sprintf("%s-install-%d", r.cfg.Prefix, n), Components: map[string][]string{
		"machine_id": {fmt.Sprintf("sim-machine-%d", n)}, "mac": {fmt.Sprintf("02:51:4d:00:00:%02x", n)},
		"hostname": {fmt.Sprintf("sim-host-%d", n)}}}
}

// activeCodeOf is activeCode for a code bought with quantity amount, its activation recorded as step; the
// answer is nil when the scenario cannot go on.
func (r *run) activeCodeOf(ctx context.Context, amount int, step Text) (*market.Server, string, *codeAnswer) {
	m := r.market()
	if m == nil || !r.api(ctx, stepActivations) {
		return nil, "", nil
	}
	mcode, _ := r.newCodeOf(m, market.Received, amount)
	if mcode == "" {
		return nil, "", nil
	}
	return m, mcode, r.activated(ctx, step, mcode)
}

// seats: a License 2.0 code bought with quantity 3 serves three installations of the buyer's software, each
// with a code bound to it; a fourth installation is refused 409 seats_exhausted with the limit and the seats in
// use; an installation that asks again keeps its seat and gets the same code. The activation itself names
// the simulator's deployment, which takes the first seat.
func seats(ctx context.Context, r *run) {
	_, _, act := r.activeCodeOf(ctx, 3, text("activation of a code bought with quantity 3: 200 (the first seat)"))
	if act == nil {
		return
	}
	code := act.Code
	codes := map[int]string{}
	for n := 2; n <= 3; n++ {
		a, err := r.refreshFor(ctx, code, r.installation(n))
		if err == nil {
			err = a.ok(false)
		}
		if !r.check(text("installation %d of 3 takes a seat: 200", n), err) {
			return
		}
		codes[n] = a.Code
		step := text("installation %d's code is bound to it and to no other machine", n)
		if c := Claims(a.Code); c == nil {
			r.skip(step, text(ReasonOpaque))
		} else {
			r.check(step, bindsMachine(c, r.installation(n), r.installation(n+10)))
		}
	}
	a, err := r.refreshFor(ctx, code, r.installation(4))
	if err == nil {
		err = a.refused(http.StatusConflict, "seats_exhausted")
	}
	if err == nil && (a.Error.Seats == nil || a.Error.Seats.Limit != 3 || a.Error.Seats.Used != 3) {
		err = errorf("seats %+v, want limit 3 and 3 used", a.Error.Seats)
	}
	r.check(text("a fourth installation: 409 seats_exhausted, limit 3, 3 used"), err)
	a, err = r.refreshFor(ctx, code, r.installation(2))
	if err == nil {
		err = a.ok(false)
	}
	if err == nil && a.Code != codes[2] {
		err = failure("installation 2 got another code than before")
	}
	r.check(text("installation 2 again keeps its seat and gets the same code"), err)
}

// bindsMachine checks that a licentia code's "dep" matches the installation d and not other.
func bindsMachine(c *verifier.Claims, d, other verifier.Deployment) error {
	if c.Deployment == nil {
		return failure("the code carries no deployment binding (dep)")
	}
	if _, _, ok := c.Deployment.Matches(d); !ok {
		return failure("the code's binding does not match its installation")
	}
	if _, _, ok := c.Deployment.Matches(other); ok {
		return failure("the code's binding matches another machine")
	}
	return nil
}

// usageReport: a code used by three installations (the activation's deployment and two refreshes, one of
// them twice) is reported with the usage-statistics call (topic 0000002290055385), each installation once,
// by an id that is not the installation's own id (licentia sends salted hashes). The stand-in checks the
// call's documented shape.
func usageReport(ctx context.Context, r *run) {
	m, mcode, act := r.activeCodeOf(ctx, 3, text("activation for the simulator's deployment: 200"))
	if act == nil {
		return
	}
	for _, n := range []int{2, 3, 3} {
		a, err := r.refreshFor(ctx, act.Code, r.installation(n))
		if err == nil {
			err = a.ok(false)
		}
		if !r.check(text("installation %d refreshes: 200", n), err) {
			return
		}
	}
	ids := r.waitUsage(ctx, m, mcode, 3)
	var err error
	switch {
	case len(ids) != 3:
		err = errorf("%d distinct installations reported within %s, want 3 (is the seller pointed at the stand-in with --koogallery-api?)", len(ids), r.cfg.UploadWait)
	default:
		for id, n := range ids {
			switch {
			case n != 1:
				err = errorf("an installation reported %d times for one day, want once", n)
			case id == r.cfg.Prefix || id == r.installation(2).ID || id == r.installation(3).ID:
				err = failure("an installation's own id was sent to the marketplace")
			}
		}
	}
	r.check(text("the usage report names each installation once, by a hash"), err)
}

// waitUsage waits, at most the upload wait, until the stand-in has accepted usage reports naming want
// installations of code, and returns how many times each id was reported.
func (r *run) waitUsage(ctx context.Context, m *market.Server, code string, want int) map[string]int {
	deadline := time.Now().Add(r.cfg.UploadWait)
	for {
		ids := map[string]int{}
		for _, c := range m.UsageCalls() {
			for _, u := range c.Usage {
				if u.Code == code {
					for _, id := range u.IDs {
						ids[id]++
					}
				}
			}
		}
		if len(ids) >= want || time.Now().After(deadline) || ctx.Err() != nil {
			return ids
		}
		select {
		case <-ctx.Done():
		case <-time.After(50 * time.Millisecond):
		}
	}
}
