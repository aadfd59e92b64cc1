package simulator

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/licentia/licentia/server/koogallery"
	"github.com/licentia/licentia/verifier"
)

// opaque is the reason given when a state check needs a licentia code and the seller's license is not one.
const opaque = "the license is opaque (not a licentia code): its state cannot be observed"

// order is one purchase made by a scenario: its create call (without businessId, which is fresh on every
// send) and the answers it got.
type order struct {
	legacy bool
	params map[string]string
	first  *koogallery.Reply // the first accepted create answer
	last   *koogallery.Reply // the latest accepted create answer
}

func (o *order) activity() string { return o.params["activity"] }

// newOrder describes a purchase without sending it. lineID "" gives a POST order a line id of its own.
// extra overrides or adds create parameters.
func (r *run) newOrder(legacy bool, orderID, lineID string, extra map[string]string) *order {
	exp, _ := r.expire(30)
	p := map[string]string{
		"orderId": orderID, "productId": "SIM-P-MONTH", "skuCode": "SIM-SKU-1", "customerId": r.cfg.Prefix + "-cust",
		"expireTime": exp, "periodType": "month", "amount": "2",
	}
	if legacy {
		p["activity"] = koogallery.ActivityGetLicense
		p["customerName"] = "模拟买家 SIM & Co"
	} else {
		p["activity"] = koogallery.ActivityNewInstance
		if lineID == "" {
			lineID = orderID + "-000001"
		}
		p["orderLineId"] = lineID
	}
	for k, v := range extra {
		p[k] = v
	}
	return &order{legacy: legacy, params: p}
}

// createRequest builds a send of o's create with a fresh businessId, and returns that businessId.
func (r *run) createRequest(o *order, opts ...koogallery.SignOption) (*koogallery.Request, string) {
	p := make(map[string]string, len(o.params)+1)
	for k, v := range o.params {
		p[k] = v
	}
	bid := r.id("b")
	p["businessId"] = bid
	if o.legacy {
		return r.c.LegacyRequest(p, opts...), bid
	}
	return r.c.SignedRequest(p, opts...), bid
}

// buy sends o's first create and records the step; it returns the order, or nil when the create failed.
func (r *run) buy(ctx context.Context, legacy bool, orderID, lineID string, extra map[string]string) *order {
	o := r.newOrder(legacy, orderID, lineID, extra)
	req, _ := r.createRequest(o)
	a, err := r.c.Do(ctx, req)
	if err == nil {
		err = a.Created()
	}
	if !r.check(o.activity()+" "+r.short(orderID, o.params["orderLineId"])+": creates a license", err) {
		return nil
	}
	o.first, o.last = a, a
	return o
}

// short names an order in step names: its id without the run's prefix, and its line's last part.
func (r *run) short(orderID, lineID string) string {
	s := "order " + strings.TrimPrefix(orderID, r.cfg.Prefix+"-")
	if i := strings.LastIndexByte(lineID, '-'); i >= 0 {
		s += " line " + lineID[i+1:]
	}
	return s
}

// resend sends o's create again with a fresh businessId (and nonce) and checks the answer is a create of
// the same instance.
func (r *run) resend(ctx context.Context, o *order) (*koogallery.Reply, error) {
	req, _ := r.createRequest(o)
	a, err := r.c.Do(ctx, req)
	if err != nil {
		return nil, err
	}
	if err := a.Created(); err != nil {
		return nil, err
	}
	if a.InstanceID != o.first.InstanceID {
		return nil, fmt.Errorf("instanceId %q, want %q as first answered", a.InstanceID, o.first.InstanceID)
	}
	return a, nil
}

// unchanged resends o's create and checks that the answer is identical to the latest one: same
// instanceId, same license. Nothing happened to the license in between that may change it.
func (r *run) unchanged(ctx context.Context, step string, o *order) {
	a, err := r.resend(ctx, o)
	if err == nil {
		err = same(o.last, a)
	}
	if r.check(step, err) {
		o.last = a
	}
}

// observe resends o's create to see the license's current state: the answer must be a create of the same
// instance, and for a licentia code its claims must match w. For an opaque license only the instanceId is
// checked; after a release, when a seller need not answer creates any more, the step is skipped.
func (r *run) observe(ctx context.Context, step string, o *order, w want) {
	if Claims(o.first.License) == nil {
		if w.st == verifier.StatusReleased {
			r.skip(step, opaque)
			return
		}
		a, err := r.resend(ctx, o)
		if err == nil {
			o.last = a
			r.rep.add(Result{Scenario: r.scenario, Step: step, Status: Pass, Reason: "instanceId checked; " + opaque})
			return
		}
		r.check(step, err)
		return
	}
	a, err := r.resend(ctx, o)
	if err == nil {
		err = r.claimsMatch(a.License, w)
	}
	if r.check(step, err) {
		o.last = a
	}
}

// code checks the claims of a license answered directly; skipped for an opaque license.
func (r *run) code(step, license string, w want) {
	if Claims(license) == nil {
		r.skip(step, opaque)
		return
	}
	r.check(step, r.claimsMatch(license, w))
}

// want is what a licentia code's claims must say. Zero fields are not checked; probe is always checked.
type want struct {
	gen   int64
	st    string
	exp   int64
	pid   string
	ord   string
	oli   string
	sub   string
	probe bool
}

// claimsMatch decodes a licentia code, checks its signature when the run has public keys, and compares
// its claims with w.
func (r *run) claimsMatch(license string, w want) error {
	c := Claims(license)
	if c == nil {
		return errors.New("license is not a licentia code any more")
	}
	r.rep.sawLicentiaCode()
	if r.cfg.Keys != nil {
		// Any product: the claims, pid included, are compared with what was sent below.
		if _, err := verifier.New(r.cfg.Keys, verifier.WithAnyProduct(), verifier.AllowTest()).Verify(license); err != nil {
			var ce *verifier.CodeError
			if !errors.As(err, &ce) || ce.Claims == nil { // Claims are set when only the state was rejected
				return fmt.Errorf("code does not verify with the public keys: %s", verifier.Reason(err))
			}
		}
	}
	var errs []string
	mismatch := func(claim string, got, want any) {
		errs = append(errs, fmt.Sprintf("claim %s = %v, want %v", claim, got, want))
	}
	if w.gen != 0 && c.Generation != w.gen {
		mismatch("gen", c.Generation, w.gen)
	}
	if w.st != "" && c.Status != w.st {
		mismatch("st", c.Status, w.st)
	}
	if w.exp != 0 && c.ExpiresAt != w.exp {
		mismatch("exp", unix(c.ExpiresAt), unix(w.exp))
	}
	if w.pid != "" && c.ProductID != w.pid {
		mismatch("pid", c.ProductID, w.pid)
	}
	if w.ord != "" && c.OrderID != w.ord {
		mismatch("ord", c.OrderID, w.ord)
	}
	if w.oli != "" && c.OrderLineID != w.oli {
		mismatch("oli", c.OrderLineID, w.oli)
	}
	if w.sub != "" && c.LicenseID != w.sub {
		mismatch("sub", c.LicenseID, w.sub)
	}
	if c.Test != w.probe {
		mismatch("test", c.Test, w.probe)
	}
	if len(errs) > 0 {
		return errors.New(strings.Join(errs, "; "))
	}
	return nil
}

func unix(sec int64) string {
	if sec == 0 {
		return "none"
	}
	return time.Unix(sec, 0).UTC().Format(time.RFC3339)
}

// send sends req and checks the seller accepted it.
func (r *run) send(ctx context.Context, step string, req *koogallery.Request) bool {
	a, err := r.c.Do(ctx, req)
	if err == nil {
		err = a.Accepted()
	}
	return r.check(step, err)
}

// post sends a signed POST callback and checks the seller accepted it.
func (r *run) post(ctx context.Context, step string, body map[string]string) bool {
	return r.send(ctx, step, r.c.SignedRequest(body))
}

// get sends a License 1.0 GET callback and checks the seller accepted it.
func (r *run) get(ctx context.Context, step string, params map[string]string) bool {
	return r.send(ctx, step, r.c.LegacyRequest(params))
}

// refuse sends req and checks the seller refused it.
func (r *run) refuse(ctx context.Context, step string, req *koogallery.Request) bool {
	a, err := r.c.Do(ctx, req)
	if err == nil {
		err = a.Rejected()
	}
	return r.check(step, err)
}
