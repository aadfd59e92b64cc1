package simulator

import (
	"context"
	"errors"
	"fmt"
	"net/http"

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

// seats: a License 2.0 code bought with quantity 3 serves three installations of the buyer's software, each
// with a code bound to it; a fourth installation is refused 409 seats_exhausted with the limit and the seats in
// use; an installation that asks again keeps its seat and gets the same code. The activation itself names
// the simulator's deployment, which takes the first seat.
func seats(ctx context.Context, r *run) {
	m := r.market()
	if m == nil || !r.api(ctx, stepActivations) {
		return
	}
	mcode, _ := r.newCodeOf(m, market.Received, 3)
	if mcode == "" {
		return
	}
	act := r.activated(ctx, "activation of a code bought with quantity 3: 200 (the first seat)", mcode)
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
		if !r.check(fmt.Sprintf("installation %d of 3 takes a seat: 200", n), err) {
			return
		}
		codes[n] = a.Code
		step := fmt.Sprintf("installation %d's code is bound to it and to no other machine", n)
		if c := Claims(a.Code); c == nil {
			r.skip(step, opaque)
		} else {
			r.check(step, bindsMachine(c, r.installation(n), r.installation(n+10)))
		}
	}
	a, err := r.refreshFor(ctx, code, r.installation(4))
	if err == nil {
		err = a.refused(http.StatusConflict, "seats_exhausted")
	}
	if err == nil && (a.Error.Seats == nil || a.Error.Seats.Limit != 3 || a.Error.Seats.Used != 3) {
		err = fmt.Errorf("seats %+v, want limit 3 and 3 used", a.Error.Seats)
	}
	r.check("a fourth installation: 409 seats_exhausted, limit 3, 3 used", err)
	a, err = r.refreshFor(ctx, code, r.installation(2))
	if err == nil {
		err = a.ok(false)
	}
	if err == nil && a.Code != codes[2] {
		err = errors.New("installation 2 got another code than before")
	}
	r.check("installation 2 again keeps its seat and gets the same code", err)
}

// bindsMachine checks that a licentia code's "dep" matches the installation d and not other.
func bindsMachine(c *verifier.Claims, d, other verifier.Deployment) error {
	if c.Deployment == nil {
		return errors.New("the code carries no deployment binding (dep)")
	}
	if _, _, ok := c.Deployment.Matches(d); !ok {
		return errors.New("the code's binding does not match its installation")
	}
	if _, _, ok := c.Deployment.Matches(other); ok {
		return errors.New("the code's binding matches another machine")
	}
	return nil
}
