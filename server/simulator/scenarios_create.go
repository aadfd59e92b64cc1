package simulator

import (
	"cmp"
	"context"
	"sync"

	"github.com/licentia/licentia/server/koogallery"
	"github.com/licentia/licentia/server/license"
	"github.com/licentia/licentia/verifier"
)

// purchase: a License 1.0 getLicense and a newInstance each create a license; a resend with a new
// businessId gets the same instanceId and the same license.
func purchase(ctx context.Context, r *run) {
	var firsts []*koogallery.Reply
	for _, legacy := range []bool{true, false} {
		exp, expUnix := r.expire(30)
		o := r.buy(ctx, legacy, r.id("O"), "", map[string]string{"expireTime": exp})
		if o == nil {
			continue
		}
		act := o.activity()
		r.code(text("%s: code is generation 1, active, for this order and instance", act), o.first.License, want{
			gen: 1, st: verifier.StatusActive, exp: expUnix, ord: o.params["orderId"], oli: o.params["orderLineId"],
			sub: o.first.InstanceID,
		})
		r.unchanged(ctx, text("%s: a resend with a new businessId gets the same instanceId and license", act), o)
		firsts = append(firsts, o.first)
	}
	if len(firsts) == 2 {
		r.check(text("two orders get two instanceIds and two licenses"), distinct(firsts[0], firsts[1]))
	}
}

func distinct(a, b *koogallery.Reply) error {
	switch {
	case a.InstanceID == b.InstanceID:
		return errorf("both orders got instanceId %q", a.InstanceID)
	case a.License == b.License:
		return failure("both orders got the same license")
	}
	return nil
}

// resendStorm: the first create of an order arrives N times at once (the marketplace resends while the
// seller is still working on the first); every answer must carry the same instanceId and license. A newInstance
// may also be answered 000004 (still processing) with that instanceId while the seller queries the order; the
// marketplace then asks with queryInstance.
func resendStorm(ctx context.Context, r *run) {
	n := r.cfg.Concurrency
	for _, legacy := range []bool{true, false} {
		o := r.newOrder(legacy, r.id("O"), "", nil)
		act := o.activity()
		step := text("%s: %d concurrent sends of a new order get one instanceId and one license", act, n)
		if !r.instances(o, step) || !r.placed(o) {
			continue
		}
		answers := make([]*koogallery.Reply, n)
		errs := make([]error, n)
		reqs := make([]*koogallery.Request, n)
		for i := range reqs {
			reqs[i], _ = r.createRequest(o) // fresh businessId and nonce each
		}
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() { answers[i], errs[i] = r.c.Do(ctx, reqs[i]) })
		}
		wg.Wait()
		first, err := r.stormError(ctx, answers, errs)
		if !r.check(step, err) {
			continue
		}
		o.first, o.last = first, first
		r.code(text("%s: the storm's code is generation 1", act), o.first.License, want{gen: 1, st: verifier.StatusActive})
		r.unchanged(ctx, text("%s: a resend after the storm gets the same answer", act), o)
	}
}

// stormError reports the first of the storm's answers that is not a create of the same instance with the same
// license, and how many such answers there were; on success it returns the create answer. An answer 000004 (still
// processing) must name the same instance, whose license is then asked for with queryInstance (settle).
func (r *run) stormError(ctx context.Context, answers []*koogallery.Reply, errs []error) (*koogallery.Reply, error) {
	var created *koogallery.Reply // the first 000000 answer, or the settled first 000004 answer
	instance := ""
	var first error
	bad := 0
	fail := func(i int, err error) {
		bad++
		if first == nil {
			first = errorf("answer %d: %w", i+1, err)
		}
	}
	for i, a := range answers {
		err := errs[i]
		if err == nil && a.ResultCode == koogallery.ResultProcessing {
			err = a.FormError()
		} else if err == nil {
			err = a.Created()
		}
		if err == nil && instance != "" && a.InstanceID != instance {
			err = errorf("instanceId %q, want %q as answered before", a.InstanceID, instance)
		}
		if err != nil {
			fail(i, err)
			continue
		}
		instance = cmp.Or(instance, a.InstanceID)
		if created == nil && a.ResultCode == koogallery.ResultOK {
			created = a
		}
	}
	if bad == 0 && created == nil { // every send was answered 000004
		s, err := r.settle(ctx, answers[0])
		if err != nil {
			fail(0, err)
		}
		created = s
	}
	for i, a := range answers {
		if created != nil && errs[i] == nil && a.ResultCode == koogallery.ResultOK {
			if err := same(created, a); err != nil {
				fail(i, err)
			}
		}
	}
	if bad > 0 {
		return nil, errorf("%d of %d answers wrong; %w", bad, len(answers), first)
	}
	return created, nil
}

// orderLines: two lines of one order are two purchases with two licenses.
func orderLines(ctx context.Context, r *run) {
	orderID := r.id("O")
	o1 := r.buy(ctx, false, orderID, orderID+"-000001", nil)
	o2 := r.buy(ctx, false, orderID, orderID+"-000002", nil)
	if o1 == nil || o2 == nil {
		return
	}
	r.check(text("two lines of one order get two instanceIds and two licenses"), distinct(o1.first, o2.first))
	r.code(text("line 1's code names line 1"), o1.first.License, want{gen: 1, ord: orderID, oli: orderID + "-000001"})
	r.code(text("line 2's code names line 2"), o2.first.License, want{gen: 1, ord: orderID, oli: orderID + "-000002"})
	r.unchanged(ctx, text("a resend of line 1 gets line 1's answer"), o1)
	r.unchanged(ctx, text("a resend of line 2 gets line 2's answer"), o2)
}

// probes: the marketplace re-runs the seller's debug cases twice a day with testFlag=1 and made-up ids;
// every one must succeed, the same probe must get the same answer, and no probe may touch a real license.
func probes(ctx context.Context, r *run) {
	for _, legacy := range []bool{true, false} {
		o := r.newOrder(legacy, r.id("MOCK"), "", map[string]string{"testFlag": "1"})
		var answers []*koogallery.Reply
		for i := range 2 {
			req, _ := r.createRequest(o)
			a, err := r.c.Do(ctx, req)
			if err == nil {
				err = a.Created()
			}
			if err == nil && i == 1 {
				err = same(answers[0], a)
			}
			if !r.check(text("probe %s on a made-up order, send %d: accepted, same answer every time", o.activity(), i+1), err) {
				break
			}
			answers = append(answers, a)
		}
		if len(answers) > 0 {
			r.code(text("probe %s: the code is a test code", o.activity()), answers[0].License, want{probe: true})
		}
	}
	mock := r.id("MOCK")
	exp, _ := r.expire(365)
	for _, pc := range probeCallbacks(mock, exp) {
		pc.body["testFlag"] = "1"
		step := text("probe %s on a made-up license: accepted", label(pc.body))
		if pc.legacy {
			r.get(ctx, step, pc.body)
		} else {
			r.post(ctx, step, pc.body)
		}
	}
	probeRealLicense(ctx, r)
}

type callback struct {
	legacy bool
	body   map[string]string
}

// probeCallbacks returns one call per change callback of every flow, for the made-up id.
func probeCallbacks(id, exp string) []callback {
	return []callback{
		{false, map[string]string{"activity": koogallery.ActivityRefreshLicenseCode, "license": id, "orderId": id + "-R", "orderLineId": id + "-R-1",
			"scene": license.SceneRenewal, "expireTime": exp}},
		{false, map[string]string{"activity": koogallery.ActivityUpdateLicenseCodeStatus, "license": id, "status": koogallery.StatusFreeze}},
		{false, map[string]string{"activity": koogallery.ActivityUpdateLicenseCodeStatus, "license": id, "status": koogallery.StatusUnfreeze}},
		{false, map[string]string{"activity": koogallery.ActivityReleaseLicenseCode, "license": id}},
		{false, map[string]string{"activity": koogallery.ActivityRefreshInstance, "instanceId": id, "orderId": id + "-R", "orderLineId": id + "-R-1",
			"scene": license.SceneRenewal, "expireTime": exp}},
		{false, map[string]string{"activity": koogallery.ActivityUpdateInstanceStatus, "instanceId": id, "status": koogallery.StatusFreeze}},
		{false, map[string]string{"activity": koogallery.ActivityReleaseInstance, "instanceId": id, "orderId": id}},
		{true, map[string]string{"activity": koogallery.ActivityRefreshLicense, "instanceId": id, "orderId": id + "-R", "expireTime": exp}},
		{true, map[string]string{"activity": koogallery.ActivityExpireLicense, "instanceId": id, "orderId": id}},
		{true, map[string]string{"activity": koogallery.ActivityReleaseLicense, "instanceId": id, "orderId": id}},
	}
}

// probeRealLicense sends probes that name a real license and checks that the license did not change.
func probeRealLicense(ctx context.Context, r *run) {
	o := r.buy(ctx, false, r.id("O"), "", nil)
	if o == nil {
		return
	}
	inst := o.first.InstanceID
	for _, b := range []map[string]string{
		{"activity": koogallery.ActivityUpdateInstanceStatus, "instanceId": inst, "status": koogallery.StatusFreeze, "testFlag": "1"},
		{"activity": koogallery.ActivityRefreshInstance, "instanceId": inst, "orderId": r.id("R"), "orderLineId": "1",
			"scene": license.SceneUnrenew, "expireTime": "20000101000000", "testFlag": "1"},
		{"activity": koogallery.ActivityReleaseInstance, "instanceId": inst, "orderId": o.params["orderId"], "testFlag": "1"},
	} {
		r.post(ctx, text("probe %s on a real license: accepted", label(b)), b)
	}
	probeCreate := r.newOrder(false, o.params["orderId"], o.params["orderLineId"], map[string]string{"testFlag": "1"})
	req, _ := r.createRequest(probeCreate)
	r.send(ctx, text("probe newInstance naming a real order: accepted"), req)
	r.unchanged(ctx, text("after the probes the real license is unchanged"), o)
}

// label names a callback in step names: its activity, and its status or scene when it has one.
func label(b map[string]string) string {
	l := b["activity"]
	if v := b["status"]; v != "" {
		l += " " + v
	}
	if v := b["scene"]; v != "" {
		l += " " + v
	}
	return l
}
