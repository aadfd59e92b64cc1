package simulator

import (
	"context"

	"github.com/licentia/licentia/server/koogallery"
	"github.com/licentia/licentia/server/license"
	"github.com/licentia/licentia/verifier"
)

// refresh returns a refreshInstance (§4, §3) of o's license to expireTime, from a new order.
func (r *run) refresh(o *order, scene, expireTime string) map[string]string {
	orderID := r.id("R")
	return map[string]string{"activity": koogallery.ActivityRefreshInstance, "instanceId": o.first.InstanceID, "orderId": orderID,
		"orderLineId": orderID + "-000001", "scene": scene, "expireTime": expireTime}
}

// status returns an updateInstanceStatus (§4, §3) of o's license.
func status(o *order, s string) map[string]string {
	return map[string]string{"activity": koogallery.ActivityUpdateInstanceStatus, "instanceId": o.first.InstanceID, "status": s}
}

// renewal: a renewal moves the expiry later, in the instance flow (refreshInstance RENEWAL, §4) and License 1.0
// (refreshLicense, §1.6). License 2.0's refreshLicenseCode is played on marketplace codes (code-callbacks).
func renewal(ctx context.Context, r *run) {
	if o := r.buy(ctx, false, r.id("O"), "", nil); o != nil {
		exp, expUnix := r.expire(60)
		if r.post(ctx, text("refreshInstance RENEWAL: accepted"), r.refresh(o, license.SceneRenewal, exp)) {
			r.observe(ctx, text("after the renewal the code is generation 2 with the new expiry"), o,
				want{gen: 2, st: verifier.StatusActive, exp: expUnix})
		}
	}
	if o := r.buy(ctx, true, r.id("O"), "", nil); o != nil {
		exp, expUnix := r.expire(60)
		p := map[string]string{"activity": koogallery.ActivityRefreshLicense, "instanceId": o.first.InstanceID, "orderId": r.id("R"),
			"expireTime": exp, "periodType": "month", "periodNumber": "1"}
		if r.get(ctx, text("refreshLicense: accepted"), p) {
			r.observe(ctx, text("after refreshLicense the code is generation 2 with the new expiry"), o,
				want{gen: 2, st: verifier.StatusActive, exp: expUnix})
		}
	}
}

// resentRenewal: the marketplace resends a renewal (new nonce, same renewal order); it applies once.
func resentRenewal(ctx context.Context, r *run) {
	o := r.buy(ctx, false, r.id("O"), "", nil)
	if o == nil {
		return
	}
	exp, expUnix := r.expire(60)
	body := r.refresh(o, license.SceneRenewal, exp)
	if !r.post(ctx, text("refreshInstance RENEWAL: accepted"), body) {
		return
	}
	r.observe(ctx, text("after the renewal the code is generation 2"), o, want{gen: 2, exp: expUnix})
	if r.post(ctx, text("the same renewal resent with a new nonce: accepted"), body) {
		r.unchanged(ctx, text("the resent renewal changed nothing: same instanceId and license"), o)
	}
}

// unrenewal: 退续费 moves the expiry earlier, and a resent unrenewal changes nothing more.
func unrenewal(ctx context.Context, r *run) {
	o := r.buy(ctx, false, r.id("O"), "", nil)
	if o == nil {
		return
	}
	exp2, exp2Unix := r.expire(60)
	if !r.post(ctx, text("refreshInstance RENEWAL: accepted"), r.refresh(o, license.SceneRenewal, exp2)) {
		return
	}
	r.observe(ctx, text("after the renewal the code is generation 2"), o, want{gen: 2, exp: exp2Unix})
	exp3, exp3Unix := r.expire(20)
	body := r.refresh(o, license.SceneUnrenew, exp3)
	if !r.post(ctx, text("refreshInstance UNSUBSCRIBE_RENEWAL_PERIOD to an earlier expiry: accepted"), body) {
		return
	}
	r.observe(ctx, text("after the unrenewal the code is generation 3 with the earlier expiry"), o,
		want{gen: 3, st: verifier.StatusActive, exp: exp3Unix})
	if r.post(ctx, text("the same unrenewal resent with a new nonce: accepted"), body) {
		r.unchanged(ctx, text("the resent unrenewal changed nothing"), o)
	}
}

// outOfOrder: two renewals arrive in the wrong order; the earlier one must not shorten the license.
func outOfOrder(ctx context.Context, r *run) {
	o := r.buy(ctx, false, r.id("O"), "", nil)
	if o == nil {
		return
	}
	exp2, _ := r.expire(60)
	exp3, exp3Unix := r.expire(90)
	first, second := r.refresh(o, license.SceneRenewal, exp2), r.refresh(o, license.SceneRenewal, exp3)
	ok := r.post(ctx, text("the second renewal (to +90 days) arrives first: accepted"), second)
	ok = r.post(ctx, text("the first renewal (to +60 days) arrives late: accepted"), first) && ok
	if ok {
		r.observe(ctx, text("the expiry is the later renewal's (+90 days), generation 2"), o,
			want{gen: 2, st: verifier.StatusActive, exp: exp3Unix})
	}
}

// trialToFormal: a trial converted to a paid subscription gets the formal product and expiry.
func trialToFormal(ctx context.Context, r *run) {
	trialExp, _ := r.expire(7)
	o := r.buy(ctx, false, r.id("O"), "", map[string]string{termProduct: "SIM-P-TRIAL", termOrderType: koogallery.OrderTypeTrial,
		termExpiry: trialExp})
	if o == nil {
		return
	}
	exp, expUnix := r.expire(365)
	orderID := r.id("F")
	body := map[string]string{"activity": koogallery.ActivityRefreshInstance, "instanceId": o.first.InstanceID, "orderId": orderID,
		"orderLineId": orderID + "-000001", "scene": license.SceneTrialToFormal, "productId": "SIM-P-YEAR", "expireTime": exp}
	if r.post(ctx, text("refreshInstance TRIAL_TO_FORMAL: accepted"), body) {
		r.observe(ctx, text("after the conversion the code has the formal product and expiry, generation 2"), o,
			want{gen: 2, st: verifier.StatusActive, exp: expUnix, pid: "SIM-P-YEAR"})
	}
}

// freezeUnfreeze: FREEZE and UNFREEZE of the instance flow (updateInstanceStatus, §4), each sent twice, and
// License 1.0 expireLicense (§1.7).
func freezeUnfreeze(ctx context.Context, r *run) {
	if o := r.buy(ctx, false, r.id("O"), "", nil); o != nil {
		steps := []struct {
			body map[string]string
			want want
		}{
			{status(o, koogallery.StatusFreeze), want{gen: 2, st: verifier.StatusFrozen}},
			{status(o, koogallery.StatusUnfreeze), want{gen: 3, st: verifier.StatusActive}},
		}
		for _, s := range steps {
			l := label(s.body)
			ok := r.post(ctx, text("%s: accepted", l), s.body)
			ok = r.post(ctx, text("%s sent again: accepted", l), s.body) && ok
			if !ok {
				return
			}
			r.observe(ctx, text("after %s the code says %s", l, s.want.st), o, s.want)
		}
	}
	if o := r.buy(ctx, true, r.id("O"), "", nil); o != nil {
		p := map[string]string{"activity": koogallery.ActivityExpireLicense, "instanceId": o.first.InstanceID, "orderId": o.params["orderId"]}
		if r.get(ctx, text("expireLicense: accepted"), p) {
			r.observe(ctx, text("after expireLicense the code says frozen"), o, want{gen: 2, st: verifier.StatusFrozen})
		}
	}
}

// releaseCall returns the release call named activity for o: releaseLicense (§1.7) or releaseInstance (§4).
func (r *run) releaseCall(o *order, activity string) callback {
	if activity == koogallery.ActivityReleaseLicense {
		return callback{true, map[string]string{"activity": activity, "instanceId": o.first.InstanceID, "orderId": o.params["orderId"]}}
	}
	return callback{false, map[string]string{"activity": activity, "instanceId": o.first.InstanceID, "orderId": o.params["orderId"]}}
}

// sendCall sends a callback as a GET or POST and checks the seller accepted it.
func (r *run) sendCall(ctx context.Context, step Text, c callback) bool {
	if c.legacy {
		return r.get(ctx, step, c.body)
	}
	return r.post(ctx, step, c.body)
}

// release: releaseInstance and releaseLicense each end a license (releaseLicenseCode: code-callbacks).
func release(ctx context.Context, r *run) {
	for _, act := range []string{koogallery.ActivityReleaseInstance, koogallery.ActivityReleaseLicense} {
		o := r.buy(ctx, act == koogallery.ActivityReleaseLicense, r.id("O"), "", nil)
		if o == nil {
			continue
		}
		if r.sendCall(ctx, text("%s: accepted", act), r.releaseCall(o, act)) {
			r.observe(ctx, text("after %s the code says released", act), o, want{gen: 2, st: verifier.StatusReleased})
		}
	}
}

// releaseTwice: a release sent twice is answered 000000 both times and applies once.
func releaseTwice(ctx context.Context, r *run) {
	for _, act := range []string{koogallery.ActivityReleaseInstance, koogallery.ActivityReleaseLicense} {
		o := r.buy(ctx, act == koogallery.ActivityReleaseLicense, r.id("O"), "", nil)
		if o == nil {
			continue
		}
		rc := r.releaseCall(o, act)
		ok := r.sendCall(ctx, text("%s: accepted", act), rc)
		ok = r.sendCall(ctx, text("%s sent again: accepted", act), rc) && ok
		if ok {
			r.observe(ctx, text("after two %s the code says released, generation 2", act), o, want{gen: 2, st: verifier.StatusReleased})
		}
	}
}
