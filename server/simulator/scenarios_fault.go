package simulator

import (
	"context"
	"slices"
	"time"

	"github.com/licentia/licentia/server/koogallery"
	"github.com/licentia/licentia/server/license"
	"github.com/licentia/licentia/verifier"
)

// wrongKey signs the forged requests.
const wrongKey = "not-the-access-key"

// staleBy is how old the stale requests' timestamp is; KooGallery allows 60 seconds.
const staleBy = 10 * time.Minute

type forgery struct {
	name Text
	opts []koogallery.SignOption
}

// forgeries are the ways a request can fail authentication. stale applies only to the POST flows:
// License 1.0 documents no clock window.
func (r *run) forgeries(legacy bool) []forgery {
	f := []forgery{
		{text("a corrupted signature"), []koogallery.SignOption{koogallery.Corrupt()}},
		{text("a wrong key"), []koogallery.SignOption{koogallery.WithKey(wrongKey)}},
		{text("no signature"), []koogallery.SignOption{koogallery.Unsigned()}},
		{text("a parameter changed after signing"), []koogallery.SignOption{koogallery.Tampered()}},
	}
	if legacy {
		f[0].name, f[2].name = text("a corrupted authToken"), text("no authToken")
	} else {
		f = append(f, forgery{text("a timestamp 10 minutes old"), []koogallery.SignOption{koogallery.At(r.cfg.Now().Add(-staleBy))}})
	}
	return f
}

// negative: the seller must refuse every forged, stale or replayed request, and none of them may change
// anything.
func negative(ctx context.Context, r *run) {
	for _, legacy := range []bool{true, false} {
		o := r.newOrder(legacy, r.id("O"), "", nil)
		act := o.activity()
		if !r.instances(o, text("%s: forged, stale and replayed sends are refused", act)) || !r.placed(o) {
			continue
		}
		var forged []string
		for _, f := range r.forgeries(legacy) {
			req, bid := r.createRequest(o, f.opts...)
			forged = append(forged, bid)
			r.refuse(ctx, text("%s with %v: refused", act, f.name), req)
		}
		req, _ := r.createRequest(o)
		a, err := r.c.Do(ctx, req)
		if err == nil {
			a, err = r.settle(ctx, a)
		}
		if err == nil {
			err = a.Created()
		}
		if err == nil && slices.Contains(forged, a.InstanceID) {
			err = errorf("instanceId %q is a forged request's businessId: a refused request created the license", a.InstanceID)
		}
		if !r.check(text("the genuine %s after the forged ones creates the license, untouched by them", act), err) {
			continue
		}
		o.first, o.last = a, a
		r.code(text("the genuine %s's code is generation 1", act), a.License, want{gen: 1, st: verifier.StatusActive})
		if !legacy {
			replay(ctx, r, o)
		}
		forgedChanges(ctx, r, o)
	}
}

// replay sends one genuine request twice, byte for byte: the second must be refused.
func replay(ctx context.Context, r *run, o *order) {
	req, _ := r.createRequest(o)
	if r.send(ctx, text("a genuine resend of %s: accepted", o.activity()), req) {
		r.refuse(ctx, text("the same request replayed with its nonce: refused"), req)
	}
}

// forgedChanges sends forged renewals, freezes and releases for o's license; all must be refused and the
// license must stay as it was.
func forgedChanges(ctx context.Context, r *run, o *order) {
	inst := o.first.InstanceID
	var calls []callback
	if o.legacy {
		calls = []callback{
			{true, map[string]string{"activity": koogallery.ActivityRefreshLicense, "instanceId": inst, "orderId": r.id("R"), "expireTime": "20991231000000"}},
			{true, map[string]string{"activity": koogallery.ActivityExpireLicense, "instanceId": inst, "orderId": o.params["orderId"]}},
			{true, map[string]string{"activity": koogallery.ActivityReleaseLicense, "instanceId": inst, "orderId": o.params["orderId"]}},
		}
	} else {
		calls = []callback{
			{false, r.refresh(o, license.SceneRenewal, "20991231000000")},
			{false, status(o, koogallery.StatusFreeze)},
			{false, map[string]string{"activity": koogallery.ActivityReleaseInstance, "instanceId": inst, "orderId": o.params["orderId"]}},
		}
	}
	for _, c := range calls {
		for _, f := range r.forgeries(c.legacy) {
			var req *koogallery.Request
			if c.legacy {
				req = r.c.LegacyRequest(c.body, f.opts...)
			} else {
				req = r.c.SignedRequest(c.body, f.opts...)
			}
			r.refuse(ctx, text("%s with %v: refused", label(c.body), f.name), req)
		}
	}
	r.unchanged(ctx, text("after the forged changes the license is unchanged"), o)
}

// retryLegacyCreate: the marketplace gives up on a getLicense (its answer is lost) and retries hourly,
// three times; every retry must get the same instanceId and license.
func retryLegacyCreate(ctx context.Context, r *run) {
	o := r.newOrder(true, r.id("O"), "", nil)
	req, _ := r.createRequest(o)
	r.c.DoLost(ctx, req)
	var first *koogallery.Reply
	for i := 1; i <= 3; i++ {
		r.pause(ctx)
		req, _ := r.createRequest(o)
		a, err := r.c.Do(ctx, req)
		if err == nil {
			err = a.Created()
		}
		if err == nil && first != nil {
			err = same(first, a)
		}
		if !r.check(text("getLicense retry %d of 3 after a lost answer: same instanceId and license", i), err) {
			return
		}
		if first == nil {
			first = a
		}
	}
	r.code(text("the retried getLicense's code is generation 1"), first.License, want{gen: 1, st: verifier.StatusActive})
}

// retryCallbacks: a renewal and a freeze whose answers are lost are retried every 2 minutes, 60 times in
// all; every attempt must be accepted and the change applied once.
func retryCallbacks(ctx context.Context, r *run) {
	o := r.buy(ctx, false, r.id("O"), "", nil)
	if o == nil {
		return
	}
	exp, expUnix := r.expire(60)
	steps := []struct {
		body map[string]string
		want want
	}{
		{r.refresh(o, license.SceneRenewal, exp), want{gen: 2, st: verifier.StatusActive, exp: expUnix}},
		{status(o, koogallery.StatusFreeze), want{gen: 3, st: verifier.StatusFrozen, exp: expUnix}},
	}
	for _, s := range steps {
		l := label(s.body)
		r.c.DoLost(ctx, r.c.SignedRequest(s.body))
		r.pause(ctx)
		if !r.post(ctx, text("%s retry 2 of 60 after a lost answer: accepted", l), s.body) {
			return
		}
		r.observe(ctx, text("after %s retry 2 the change is applied", l), o, s.want)
		var failed error
		bad := 0
		for i := 3; i <= 60; i++ {
			r.pause(ctx)
			a, err := r.c.Signed(ctx, s.body)
			if err == nil {
				err = a.Accepted()
			}
			if err != nil {
				bad++
				if failed == nil {
					failed = errorf("retry %d: %w", i, err)
				}
			}
		}
		if bad > 0 {
			failed = errorf("%d of 58 retries refused; %w", bad, failed)
		}
		r.check(text("%s retries 3 to 60: all accepted", l), failed)
		r.unchanged(ctx, text("after 60 attempts of %s the license changed once", l), o)
	}
}
