package simulator

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"time"

	"github.com/licentia/licentia/server/koogallery"
	"github.com/licentia/licentia/verifier"
)

// ReasonOpaque is the reason given when a state check needs a licentia code and the seller's license is not one.
const ReasonOpaque = "the license is opaque (not a licentia code): its state cannot be observed"

// ReasonInstanceOnly is the note on a passed state check of an opaque license: only its instanceId was checked.
const ReasonInstanceOnly = "instanceId checked; " + ReasonOpaque

// order is one purchase made by a scenario: its create call (without businessId, which is fresh on every
// send) and the answers it got.
type order struct {
	legacy bool
	params map[string]string
	// terms are what the marketplace's order query answers for a newInstance; nil for getLicense.
	terms map[string]string
	first *koogallery.Reply // the first accepted create answer
	last  *koogallery.Reply // the latest accepted create answer
}

func (o *order) activity() string { return o.params["activity"] }

// Terms of a purchase, as newOrder's extra names them: License 1.0 getLicense carries them as its own parameters
// (topic 0000001353181669); a newInstance carries none of them (topics 0070649427, 0070649092: activity, orderId,
// orderLineId, businessId, testFlag), and the marketplace holds them in the order, which the seller fetches with
// the order query (0070649116).
const (
	termProduct   = "productId"
	termSKU       = "skuCode"
	termCustomer  = "customerId"
	termExpiry    = "expireTime"
	termPeriod    = "periodType"
	termAmount    = "amount"
	termOrderType = "orderType" // the order query's orderType (NEW, TRIAL); not a getLicense parameter
	termTest      = "testFlag"  // a parameter of both creates
)

// instanceCreateFields are the fields the newInstance pages document (topics 0070649427, 0070649092), besides
// businessId, which each send adds.
var instanceCreateFields = []string{"activity", "orderId", "orderLineId", termTest}

// ReasonNoOrderQuery is the reason given when a newInstance step is skipped for want of the OpenAPI stand-in.
const ReasonNoOrderQuery = "newInstance carries only its order (topics 0070649427, 0070649092): the seller fetches product, " +
	"customer and expiry with the order query, which needs the KooGallery OpenAPI stand-in (licentia simulate starts " +
	"one when LICENTIA_KOOGALLERY_AK and LICENTIA_KOOGALLERY_SK are set)"

// newOrder describes a purchase without sending it: a License 1.0 getLicense with the purchase's terms as its
// parameters, or a newInstance with only the documented fields. lineID "" gives a newInstance a line id of its own.
// extra overrides or adds terms (productId, skuCode, customerId, expireTime, periodType, amount, orderType) and
// testFlag. A newInstance's terms are for the marketplace to hold: see place.
func (r *run) newOrder(legacy bool, orderID, lineID string, extra map[string]string) *order {
	exp, _ := r.expire(30)
	p := map[string]string{
		"orderId": orderID, termProduct: "SIM-P-MONTH", termSKU: "SIM-SKU-1", termCustomer: r.cfg.Prefix + "-cust",
		termExpiry: exp, termPeriod: "month", termAmount: "2", termOrderType: koogallery.OrderTypeNew,
	}
	for k, v := range extra {
		p[k] = v
	}
	o := &order{legacy: legacy, params: p}
	if legacy {
		p["activity"] = koogallery.ActivityGetLicense
		p["customerName"] = "模拟买家 SIM & Co"
		delete(p, termOrderType)
		return o
	}
	p["activity"] = koogallery.ActivityNewInstance
	if lineID == "" {
		lineID = orderID + "-000001"
	}
	p["orderLineId"] = lineID
	o.terms, o.params = p, map[string]string{}
	for _, k := range instanceCreateFields {
		if v, ok := p[k]; ok {
			o.params[k] = v
		}
	}
	return o
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

// buy sends o's first create and records the step; it returns the order, or nil when the create failed or,
// for a newInstance without the stand-in, was skipped.
func (r *run) buy(ctx context.Context, legacy bool, orderID, lineID string, extra map[string]string) *order {
	o := r.newOrder(legacy, orderID, lineID, extra)
	step := text("%s %v: creates a license", o.activity(), r.short(orderID, o.params["orderLineId"]))
	if !r.instances(o, step) || !r.placed(o) {
		return nil
	}
	req, _ := r.createRequest(o)
	a, err := r.c.Do(ctx, req)
	if err == nil {
		a, err = r.settle(ctx, a)
	}
	if err == nil {
		err = a.Created()
	}
	if !r.check(step, err) {
		return nil
	}
	o.first, o.last = a, a
	return o
}

// instances reports whether the run can play o's create: always for getLicense and a probe; a newInstance needs
// the stand-in's order query, and is otherwise recorded as step, skipped.
func (r *run) instances(o *order, step Text) bool {
	if o.legacy || o.params[termTest] == "1" || r.cfg.Market != nil {
		return true
	}
	r.skip(step, text(ReasonNoOrderQuery))
	return false
}

// placed holds a newInstance's order in the stand-in (see place) and reports whether it could; a failure is
// recorded as a failed step.
func (r *run) placed(o *order) bool {
	err := r.place(o)
	return err == nil || r.check(text("the marketplace holds order %s", strings.TrimPrefix(o.params["orderId"], r.cfg.Prefix+"-")), err)
}

// place holds a newInstance's order with its terms in the stand-in, as the marketplace holds every order before it
// calls the seller, so that the seller's order query (topic 0070649116) answers them; the lines of one order are
// held together. A getLicense carries its terms and a probe (testFlag=1) names a made-up order: neither is held.
func (r *run) place(o *order) error {
	if o.legacy || o.params[termTest] == "1" {
		return nil
	}
	t := o.terms
	line := koogallery.OrderLine{OrderLineID: t["orderLineId"], ChargingMode: koogallery.ChargingPeriod, ExpireTime: t[termExpiry],
		PeriodType: t[termPeriod], PeriodNumber: "1", ProductInfo: []koogallery.ProductInfo{{ProductID: t[termProduct],
			SKUCode: t[termSKU], LinearValue: koogallery.Number(t[termAmount])}}}
	sh := r.shared
	sh.mu.Lock()
	defer sh.mu.Unlock()
	info, held := sh.orders[t["orderId"]]
	if !held {
		info = koogallery.OrderInfo{OrderID: t["orderId"], OrderType: t[termOrderType], CreateTime: koogallery.FormatTime(r.cfg.Now()),
			BuyerInfo: &koogallery.BuyerInfo{CustomerID: t[termCustomer], CustomerName: "模拟买家 SIM & Co"}}
	}
	info.OrderLine = append(slices.DeleteFunc(slices.Clone(info.OrderLine), func(l koogallery.OrderLine) bool {
		return l.OrderLineID == line.OrderLineID
	}), line)
	if err := r.cfg.Market.AddOrder(info); err != nil {
		return err
	}
	if sh.orders == nil {
		sh.orders = map[string]koogallery.OrderInfo{}
	}
	sh.orders[info.OrderID] = info
	return nil
}

// maxQueries bounds how often settle asks after an instance still being created.
const maxQueries = 50

// settle follows a create answered 000004 (still processing) as the marketplace does: it asks with queryInstance
// in its documented form (topics 0070649093, 0070649428: activity and the instanceId the 000004 answer named)
// until the instance is created, and returns a create answer with the instanceId and license the query answered.
// Any other answer is returned as it is.
func (r *run) settle(ctx context.Context, a *koogallery.Reply) (*koogallery.Reply, error) {
	if a.ResultCode != koogallery.ResultProcessing {
		return a, nil
	}
	if err := a.FormError(); err != nil {
		return nil, err
	}
	id := a.InstanceID
	if id == "" {
		return nil, failure("000004 (still processing) without the instanceId the marketplace asks queryInstance about")
	}
	for range maxQueries {
		r.pause(ctx)
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
		q, err := r.c.Signed(ctx, map[string]string{"activity": koogallery.ActivityQueryInstance, "instanceId": id})
		if err != nil {
			return nil, err
		}
		if err := q.FormError(); err != nil {
			return nil, errorf("queryInstance %s: %w", id, err)
		}
		switch q.ResultCode {
		case koogallery.ResultProcessing:
			continue
		case koogallery.ResultOK:
			license, err := queriedLicense(q.Body, id)
			if err != nil {
				return nil, errorf("queryInstance %s: %w", id, err)
			}
			return &koogallery.Reply{HTTPStatus: q.HTTPStatus, Header: q.Header, Body: q.Body, ResultCode: koogallery.ResultOK,
				ResultMsg: q.ResultMsg, InstanceID: id, License: license}, nil
		default:
			return nil, errorf("queryInstance %s: resultCode %s (%s), want 000000 or 000004", id, q.ResultCode, q.ResultMsg)
		}
	}
	return nil, errorf("instance %s still being created after %d queryInstance calls", id, maxQueries)
}

// queriedLicense returns the license of instance id in a queryInstance answer's info[] (topic 0070649428).
func queriedLicense(body []byte, id string) (string, error) {
	var ans struct {
		Info []struct {
			InstanceID string `json:"instanceId"`
			License    string `json:"license"`
		} `json:"info"`
	}
	if err := json.Unmarshal(body, &ans); err != nil {
		return "", errorf("info: %w", err)
	}
	for _, in := range ans.Info {
		if in.InstanceID == id && in.License != "" {
			return in.License, nil
		}
	}
	return "", errorf("info[] has no license for instance %s", id)
}

// short names an order in step names: its id without the run's prefix, and its line's last part.
func (r *run) short(orderID, lineID string) Text {
	id := strings.TrimPrefix(orderID, r.cfg.Prefix+"-")
	if i := strings.LastIndexByte(lineID, '-'); i >= 0 {
		return text("order %s line %s", id, lineID[i+1:])
	}
	return text("order %s", id)
}

// resend sends o's create again with a fresh businessId (and nonce) and checks the answer is a create of
// the same instance.
func (r *run) resend(ctx context.Context, o *order) (*koogallery.Reply, error) {
	req, _ := r.createRequest(o)
	a, err := r.c.Do(ctx, req)
	if err == nil {
		a, err = r.settle(ctx, a)
	}
	if err != nil {
		return nil, err
	}
	if err := a.Created(); err != nil {
		return nil, err
	}
	if a.InstanceID != o.first.InstanceID {
		return nil, errorf("instanceId %q, want %q as first answered", a.InstanceID, o.first.InstanceID)
	}
	return a, nil
}

// unchanged resends o's create and checks that the answer is identical to the latest one: same
// instanceId, same license. Nothing happened to the license in between that may change it.
func (r *run) unchanged(ctx context.Context, step Text, o *order) {
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
func (r *run) observe(ctx context.Context, step Text, o *order, w want) {
	if Claims(o.first.License) == nil {
		if w.st == verifier.StatusReleased {
			r.skip(step, text(ReasonOpaque))
			return
		}
		a, err := r.resend(ctx, o)
		if err == nil {
			o.last = a
			r.record(step, Pass, ReasonInstanceOnly, text(ReasonInstanceOnly))
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
func (r *run) code(step Text, license string, w want) {
	if Claims(license) == nil {
		r.skip(step, text(ReasonOpaque))
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
		return failure("license is not a licentia code any more")
	}
	r.rep.sawLicentiaCode()
	if r.cfg.Keys != nil {
		// Any product: the claims, pid included, are compared with what was sent below.
		if _, err := verifier.New(r.cfg.Keys, verifier.WithAnyProduct(), verifier.AllowTest()).Verify(license); err != nil {
			var ce *verifier.CodeError
			if !errors.As(err, &ce) || ce.Claims == nil { // Claims are set when only the state was rejected
				return errorf("code does not verify with the public keys: %s", verifier.Reason(err))
			}
		}
	}
	var errs []any
	mismatch := func(claim string, got, want any) {
		errs = append(errs, text("claim %s = %v, want %v", claim, got, want))
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
		return errorf("%v", Joined{Items: errs, Sep: "; "})
	}
	return nil
}

// unix names a claim's time in a failure: RFC 3339, or the Text "none".
func unix(sec int64) any {
	if sec == 0 {
		return text("none")
	}
	return time.Unix(sec, 0).UTC().Format(time.RFC3339)
}

// send sends req and checks the seller accepted it.
func (r *run) send(ctx context.Context, step Text, req *koogallery.Request) bool {
	a, err := r.c.Do(ctx, req)
	if err == nil {
		err = a.Accepted()
	}
	return r.check(step, err)
}

// post sends a signed POST callback and checks the seller accepted it.
func (r *run) post(ctx context.Context, step Text, body map[string]string) bool {
	return r.send(ctx, step, r.c.SignedRequest(body))
}

// get sends a License 1.0 GET callback and checks the seller accepted it.
func (r *run) get(ctx context.Context, step Text, params map[string]string) bool {
	return r.send(ctx, step, r.c.LegacyRequest(params))
}

// refuse sends req and checks the seller refused it.
func (r *run) refuse(ctx context.Context, step Text, req *koogallery.Request) bool {
	a, err := r.c.Do(ctx, req)
	if err == nil {
		err = a.Rejected()
	}
	return r.check(step, err)
}
