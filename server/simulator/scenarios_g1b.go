package simulator

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/licentia/licentia/server/koogallery"
	"github.com/licentia/licentia/server/simulator/market"
	"github.com/licentia/licentia/verifier"
)

// uploads returns the stand-in's uploads for eventID.
func uploads(m *market.Server, eventID string) []market.Upload {
	var out []market.Upload
	for _, u := range m.Uploads() {
		if u.EventID == eventID {
			out = append(out, u)
		}
	}
	return out
}

// waitUpload waits until the stand-in holds an upload for eventID, and returns the uploads, or nil after
// Config.UploadWait.
func (r *run) waitUpload(ctx context.Context, m *market.Server, eventID string) []market.Upload {
	deadline := time.Now().Add(r.cfg.UploadWait)
	for {
		if u := uploads(m, eventID); len(u) > 0 || time.Now().After(deadline) || ctx.Err() != nil {
			return u
		}
		select {
		case <-ctx.Done():
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// getLicenseAsync: G1b's getLicenseAsync (§3) is answered 000000, and the instance's licence then reaches the
// marketplace through the market-event file upload (CHARACTERS up to 1,024 characters, else FILE with its
// SHA256); a resend with the same eventId is answered 000000 and uploads nothing different.
func getLicenseAsync(ctx context.Context, r *run) {
	m := r.market()
	if m == nil {
		return
	}
	exp, expUnix := r.expire(30)
	o := r.buy(ctx, false, r.id("O"), "", map[string]string{"expireTime": exp})
	if o == nil {
		return
	}
	eventID := r.id("EV")
	body := map[string]string{"activity": koogallery.ActivityGetLicenseAsync, "instanceId": o.first.InstanceID,
		"effectiveTime": asyncTime(r.cfg.Now()), "expireTime": asyncTime(time.Unix(expUnix, 0)), "eventId": eventID}
	if !r.post(ctx, text("getLicenseAsync for the instance: accepted"), body) {
		return
	}
	got := r.waitUpload(ctx, m, eventID)
	var err error
	if len(got) == 0 {
		err = errorf("no upload for event %s within %s (is the seller pointed at the stand-in with --koogallery-api?)", eventID, r.cfg.UploadWait)
	} else {
		err = uploadForm(got[0])
	}
	if !r.check(text("the licence reaches the marketplace with the market-event file upload"), err) {
		return
	}
	r.code(text("the uploaded licence is the instance's active code"), string(got[0].Content),
		want{st: verifier.StatusActive, exp: expUnix, sub: o.first.InstanceID})
	if !r.post(ctx, text("getLicenseAsync resent with the same eventId: accepted"), body) {
		return
	}
	time.Sleep(200 * time.Millisecond) // a second upload, if any, is on its way
	var errs []error
	for _, u := range uploads(m, eventID) {
		if !bytes.Equal(u.Content, got[0].Content) {
			errs = append(errs, failure("an upload for the same eventId carries another licence"))
		}
	}
	r.check(text("every upload of the event carries the same licence"), join(errs...))
}

// asyncTime formats a time as the getLicenseAsync page prints its times (topic 0070649255: a UTC string,
// "2023-10-27 10:30:15 z").
func asyncTime(t time.Time) string {
	return t.UTC().Format(time.DateTime) + " z"
}

// uploadForm checks the type of an upload against its size (§3).
func uploadForm(u market.Upload) error {
	n := koogallery.CharacterCount(string(u.Content))
	switch {
	case n == 0:
		return failure("the upload is empty")
	case u.Type == koogallery.UploadFile && n <= koogallery.MaxCharacters:
		return nil // a file is allowed for any size
	case u.Type == koogallery.UploadCharacters && n > koogallery.MaxCharacters:
		return errorf("a CHARACTERS upload of %d characters, over %d", n, koogallery.MaxCharacters)
	}
	return nil
}

// orderQuery: a newInstance carries only its order (topics 0070649427, 0070649092), so the seller fetches the
// order with the OpenAPI order query (0070649116); the license gets the order's product and expiry, never a
// silently perpetual one. A 000004 answer (still processing) is followed by queryInstance with the instanceId it
// named (0070649093, 0070649428), as the marketplace does.
func orderQuery(ctx context.Context, r *run) {
	m := r.market()
	if m == nil {
		return
	}
	exp := r.day(30)
	before := m.Calls(koogallery.APIQueryOrder, koogallery.OrderSuccess)
	o := r.buy(ctx, false, r.id("O"), "", map[string]string{termProduct: "SIM-P-ORDER", termSKU: "SIM-SKU-ORDER",
		termCustomer: r.cfg.Prefix + "-cust-order", termExpiry: koogallery.FormatTime(exp), termAmount: "1"})
	if o == nil {
		return
	}
	var err error
	if m.Calls(koogallery.APIQueryOrder, koogallery.OrderSuccess) == before {
		err = failure("the seller did not query the order (is it pointed at the stand-in with --koogallery-api?)")
	}
	if !r.check(text("the seller queried the order"), err) {
		return
	}
	r.code(text("the code has the order's product and expiry"), o.first.License, want{gen: 1, st: verifier.StatusActive, exp: exp.Unix(),
		pid: "SIM-P-ORDER", ord: o.params["orderId"], oli: o.params["orderLineId"]})
	r.unchanged(ctx, text("a resend of the newInstance gets the same instanceId and license"), o)
}

// deviceQuota: getLicenseAsync carries each device's deviceFingerprint (topic 0070649255, up to 1024
// characters); a seller that binds licenses to devices gives each distinct device one of the order's seats
// (its quantity, 2 here), answers a further device 000900 (the order's license quota is used up) without
// uploading anything for it, and gives the same device the same license again.
func deviceQuota(ctx context.Context, r *run) {
	m := r.market()
	if m == nil {
		return
	}
	exp, expUnix := r.expire(30)
	o := r.buy(ctx, false, r.id("O"), "", map[string]string{"expireTime": exp})
	if o == nil {
		return
	}
	ask := func(eventID, fingerprint string) map[string]string {
		return map[string]string{"activity": koogallery.ActivityGetLicenseAsync, "instanceId": o.first.InstanceID,
			"effectiveTime": asyncTime(r.cfg.Now()), "expireTime": asyncTime(time.Unix(expUnix, 0)), "eventId": eventID,
			"deviceFingerprint": fingerprint}
	}
	devices := []string{r.id("DEVICE-A"), strings.Repeat("b", 1024)}
	var first []string
	for i, fp := range devices {
		eventID := r.id(fmt.Sprint("EV-D", i))
		if !r.post(ctx, text("getLicenseAsync for device %d of 2: accepted", i+1), ask(eventID, fp)) {
			return
		}
		got := r.waitUpload(ctx, m, eventID)
		if !r.check(text("device %d's licence reaches the marketplace", i+1), nonEmpty(got, eventID, r.cfg.UploadWait)) {
			return
		}
		first = append(first, string(got[0].Content))
		step := text("device %d's licence is bound to its fingerprint and to no other device", i+1)
		if c := Claims(string(got[0].Content)); c == nil {
			r.skip(step, text(ReasonOpaque))
		} else {
			r.check(step, boundTo(c, fp, devices[1-i]))
		}
	}
	if len(first) == 2 && first[0] == first[1] {
		r.check(text("two devices get two licences"), failure("both devices were uploaded the same licence"))
	}
	a, err := r.c.Do(ctx, r.c.SignedRequest(ask(r.id("EV-D3"), r.id("DEVICE-C"))))
	if err == nil && a.ResultCode != koogallery.ResultQuotaExhausted {
		err = errorf("resultCode %s, want %s (the order's quota of 2 devices is used up)", a.ResultCode, koogallery.ResultQuotaExhausted)
	}
	r.check(text("getLicenseAsync for a third device: 000900, the quota is used up"), err)
	eventID := r.id("EV-D4")
	if !r.post(ctx, text("getLicenseAsync for device 1 again, a new eventId: accepted"), ask(eventID, devices[0])) {
		return
	}
	got := r.waitUpload(ctx, m, eventID)
	err = nonEmpty(got, eventID, r.cfg.UploadWait)
	if err == nil && string(got[0].Content) != first[0] {
		err = failure("device 1 was uploaded another licence than before")
	}
	r.check(text("device 1 again gets the same licence"), err)
}

// nonEmpty reports a missing upload of eventID.
func nonEmpty(got []market.Upload, eventID string, wait time.Duration) error {
	if len(got) == 0 {
		return errorf("no upload for event %s within %s (is the seller pointed at the stand-in with --koogallery-api?)", eventID, wait)
	}
	return uploadForm(got[0])
}

// boundTo checks that a licentia code's "dep" binds the device fingerprint fp and not other.
func boundTo(c *verifier.Claims, fp, other string) error {
	if c.Deployment == nil {
		return failure("the licence carries no deployment binding (dep)")
	}
	if _, _, ok := c.Deployment.Matches(verifier.Deployment{ID: fp}); !ok {
		return failure("the licence's binding does not match its device's fingerprint")
	}
	if _, _, ok := c.Deployment.Matches(verifier.Deployment{ID: other}); ok {
		return failure("the licence's binding matches another device's fingerprint")
	}
	return nil
}
