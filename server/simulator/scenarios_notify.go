package simulator

import (
	"context"
	"errors"
	"slices"
	"time"

	"github.com/licentia/licentia/server/koogallery"
	"github.com/licentia/licentia/server/koogallery/conformance"
	"github.com/licentia/licentia/server/license"
	"github.com/licentia/licentia/verifier"
)

// orderNotification: the marketplace's order notification (orderNotify, topic 0000002091799149) carries only
// the order id; the seller fetches the order with the order query and answers 000000, once per delivery, also
// when it is resent. A seller answering anything else is retried for 3 hours and then needs a manual restart in
// the seller console.
func orderNotification(ctx context.Context, r *run) {
	if r.market() == nil {
		return
	}
	o := r.newOrder(false, r.id("N"), "", nil)
	if !r.placed(o) {
		return
	}
	body := map[string]string{"activity": koogallery.ActivityOrderNotify, "orderId": o.params["orderId"]}
	if !r.post(ctx, text("orderNotify of a paid order: 000000"), body) {
		return
	}
	r.post(ctx, text("the same orderNotify resent: 000000"), body)
}

// periodChange: a renewal that switches between monthly and yearly carries the other period's productId
// (refreshLicenseCode, topic 0070649167). The renewed code names the new product, and software bound to the
// product the code was sold under still accepts it (the "pids" claim of a licentia code): a buyer's software
// must not lock out at its first renewal.
func periodChange(ctx context.Context, r *run) {
	m, code, a := r.activeCode(ctx)
	if a == nil {
		return
	}
	sold := Claims(a.Code)
	if sold == nil {
		r.skip(text("the renewed code keeps its product binding"), text(ReasonOpaque))
		return
	}
	yearly := sold.ProductID + "-YEAR"
	exp := r.day(400)
	body := r.codeCallback(koogallery.ActivityRefreshLicenseCode, code, license.SceneRenewal, exp)
	body["productId"] = yearly
	if !r.check(text("the marketplace records the yearly renewal"), m.SetExpiry(code, exp)) ||
		!r.post(ctx, text("refreshLicenseCode switching to the yearly product: accepted"), body) {
		return
	}
	next, err := r.refreshCode(ctx, a.Code)
	if err == nil {
		err = changed(next, a.Generation, 1, verifier.StatusActive, exp)
	}
	if !r.check(text("the renewed code is the next generation, active, to the renewal's expiry"), err) {
		return
	}
	r.code(text("the renewed code names the yearly product"), next.Code, want{gen: next.Generation, pid: yearly, sub: a.LicenseID})
	if r.cfg.Keys == nil { // without the keys, what the claims say a verifier accepts
		var err error
		if c := Claims(next.Code); c == nil || !slices.Contains(c.ProductIDs, sold.ProductID) {
			err = errorf("the renewed code's products are %v, without %s", claimProducts(c), sold.ProductID)
		}
		r.check(text("the renewed code still names the product it was sold under (pids)"), err)
		return
	}
	at := func() time.Time { return r.cfg.Now() }
	for _, p := range []string{sold.ProductID, yearly} {
		_, err := verifier.New(r.cfg.Keys, verifier.WithProduct(p), verifier.WithTime(at)).Verify(next.Code)
		if err != nil {
			err = errorf("verify: %s", verifier.Reason(err))
		}
		r.check(text("software bound to %s accepts the renewed code", p), err)
	}
	_, err = verifier.New(r.cfg.Keys, verifier.WithProduct(sold.ProductID+"-OTHER"), verifier.WithTime(at)).Verify(next.Code)
	if !errors.Is(err, verifier.ErrWrongProduct) {
		err = errorf("verify = %v, want %v", err, verifier.ErrWrongProduct)
	} else {
		err = nil
	}
	r.check(text("software bound to another product refuses it (wrong_product)"), err)
}

// laggingQuery: the marketplace's query may still answer as before a callback it has just sent. A renewal
// arrives right after the activation, before the seller's first query of the day, and the query (the stand-in
// not yet changed) still gives the old expiry: the renewed code must keep the renewal, not roll a paid period
// back (the daily query, topic 0070649245).
func laggingQuery(ctx context.Context, r *run) {
	_, code, a := r.activeCode(ctx)
	if a == nil {
		return
	}
	exp := r.day(120)
	body := r.codeCallback(koogallery.ActivityRefreshLicenseCode, code, license.SceneRenewal, exp)
	if !r.post(ctx, text("refreshLicenseCode renewal to +120 days, the marketplace's query not yet showing it: accepted"), body) {
		return
	}
	next, err := r.refreshCode(ctx, a.Code)
	if err == nil {
		err = changed(next, a.Generation, 1, verifier.StatusActive, exp)
	}
	r.check(text("the day's first refresh keeps the renewal whatever the lagging query says"), err)
}

// claimProducts is pid and pids of c, for a failure message.
func claimProducts(c *verifier.Claims) []string {
	if c == nil {
		return nil
	}
	return append([]string{c.ProductID}, c.ProductIDs...)
}

// nestedBody: newInstance as the HTTP Body signing page prints it (topic 0070649476): buyerInfo{}, and orderInfo[]
// with productInfo[] and extendParams[], numbers as JSON numbers — the page's own example, a probe (testFlag 1),
// signed now with the seller's key. The seller answers 000000 with an instanceId and a test code for the nested
// order, and the same again when it is resent. The example's order ended in 2022: a probe's dates are sample data.
func nestedBody(ctx context.Context, r *run) {
	body, err := conformance.ExampleBody(nestedExample)
	if !r.check(text("the HTTP Body signing page's example is in the conformance corpus"), err) {
		return
	}
	var answers []*koogallery.Reply
	for i := range 2 {
		a, err := r.c.Do(ctx, r.c.SignedRawRequest(koogallery.ActivityNewInstance, body))
		if err == nil {
			err = a.Created()
		}
		if err == nil && i == 1 {
			err = same(answers[0], a)
		}
		if !r.check(text("newInstance with buyerInfo{} and orderInfo[] as printed, send %d: 000000, same answer every time", i+1), err) {
			return
		}
		answers = append(answers, a)
	}
	r.code(text("the code is a test code for the nested order"), answers[0].License,
		want{probe: true, ord: "CS2210101920BWXLK", pid: "OFFI788963615933718528"})
}

// nestedExample is the corpus example nestedBody sends.
const nestedExample = "0070649476/request"
