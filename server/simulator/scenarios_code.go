package simulator

import (
	"context"
	"net/http"
	"sync"
	"time"

	"github.com/licentia/licentia/server/koogallery"
	"github.com/licentia/licentia/server/license"
	"github.com/licentia/licentia/server/simulator/market"
	"github.com/licentia/licentia/verifier"
)

// License 2.0 (spec §2): the marketplace generates the licence code and the seller's software activates it
// through the seller (README "Endpoints", docs/koogallery.md "License 2.0 end to end"), which activates it with the KooGallery OpenAPI (§2.6.1) and queries it
// (§2.6.2). These scenarios play the marketplace's side on both interfaces: the stand-in (Config.Market) holds
// the codes, and the callbacks (§2.4) are keyed on the codes it generated, never on a seller's own ids.

// ReasonNoMarket is the reason given when a scenario needs the OpenAPI stand-in and the run has none.
const ReasonNoMarket = "no KooGallery OpenAPI stand-in in this run (licentia simulate starts one when " +
	"LICENTIA_KOOGALLERY_AK and LICENTIA_KOOGALLERY_SK are set)"

// ReasonDayChanged is the reason given when a step about one UTC day cannot be judged because the day changed.
const ReasonDayChanged = "the UTC day changed during the scenario"

// estimateSkew is how far the stand-in's activate answer misses the code's expiry (the docs call it an estimate,
// §2.6.1): a seller that takes it instead of the query's answer is caught.
const estimateSkew = 49 * time.Hour

// market returns the stand-in, or records the scenario as skipped and returns nil.
func (r *run) market() *market.Server {
	if r.cfg.Market == nil {
		r.skip(text("start"), text(ReasonNoMarket))
	}
	return r.cfg.Market
}

// api reports whether the seller serves licentia's endpoints, recording step as skipped when it does not.
func (r *run) api(ctx context.Context, step Text) bool {
	if r.hasAPI(ctx) {
		r.rep.sawLicentiaAPI()
		return true
	}
	r.skip(step, text(ReasonNotLicentia))
	return false
}

// newCode adds a licence code to the stand-in in state st, expiring in 30 days, as the marketplace does when a
// buyer pays (and receives the code); it returns the code and its expiry, or "" when the stand-in refused.
func (r *run) newCode(m *market.Server, st market.State) (string, time.Time) {
	return r.newCodeOf(m, st, 1)
}

// newCodeOf is newCode for a purchase of amount units.
func (r *run) newCodeOf(m *market.Server, st market.State, amount int) (string, time.Time) {
	code, exp := r.id("LC"), r.day(30)
	err := m.AddCode(market.Code{Code: code, State: st, ExpiresAt: exp, EstimateSkew: estimateSkew,
		ProductID: "SIM-P-CODE", OrderID: r.id("O"), Amount: amount})
	if !r.check(text("the marketplace generates a licence code (%s)", string(st)), err) {
		return "", exp
	}
	return code, exp
}

// opening says what a License 2.0 scenario does first with its code.
type opening int

const (
	// activateFirst: the scenario activates the code through the seller, so it needs POST /v1/activations.
	activateFirst opening = iota
	// callbacksFirst: the scenario sends callbacks for the code, which every seller answers, and asks for the
	// activation endpoint later.
	callbacksFirst
)

// openCode opens a License 2.0 scenario: the stand-in, and on it a new code in state st (newCode); for
// activateFirst, after checking that the seller serves POST /v1/activations. It returns a nil stand-in, the
// step recorded as skipped or failed, when the scenario cannot go on.
func (r *run) openCode(ctx context.Context, st market.State, first opening) (*market.Server, string, time.Time) {
	m := r.market()
	if m == nil || first == activateFirst && !r.api(ctx, stepActivations) {
		return nil, "", time.Time{}
	}
	code, exp := r.newCode(m, st)
	if code == "" {
		return nil, "", time.Time{}
	}
	return m, code, exp
}

// activeCode opens a received code in the stand-in and activates it through the seller: the start of every
// scenario about an activated code's life. It returns nil answers when either step could not be played.
func (r *run) activeCode(ctx context.Context) (*market.Server, string, *codeAnswer) {
	m, code, _ := r.openCode(ctx, market.Received, activateFirst)
	if m == nil {
		return nil, "", nil
	}
	a := r.activated(ctx, text("activation: 200"), code)
	if a == nil {
		return nil, "", nil
	}
	return m, code, a
}

// activated activates code through the seller and checks the answer is a license; it returns nil otherwise.
func (r *run) activated(ctx context.Context, step Text, code string) *codeAnswer {
	a, err := r.activate(ctx, code)
	if err == nil {
		err = a.ok(true)
	}
	if !r.check(step, err) {
		return nil
	}
	return a
}

// activateCalls counts the stand-in's activate calls (v1 and v2) answered with code ("" for any).
func activateCalls(m *market.Server, code string) int {
	return m.Calls(koogallery.APIActivate, code) + m.Calls(koogallery.APIActivateBatch, code)
}

// activations checks that the stand-in saw n successful activations of code.
func activations(m *market.Server, code string, n int) error {
	c, ok := m.Code(code)
	switch {
	case !ok:
		return failure("the stand-in does not hold the code")
	case c.Activations != n:
		return errorf("the marketplace saw %d successful activations, want %d (is the seller pointed at the stand-in with --koogallery-api?)",
			c.Activations, n)
	}
	return nil
}

// changed reports a step's check of an activation or refresh answer: the generation moved by delta from before
// (delta -1: any generation), and the status and expiry are as wanted (exp zero: not checked).
func changed(a *codeAnswer, before int64, delta int64, st string, exp time.Time) error {
	if err := a.ok(false); err != nil {
		return err
	}
	var errs []error
	if delta >= 0 && a.Generation != before+delta {
		errs = append(errs, errorf("generation %d, want %d", a.Generation, before+delta))
	}
	if a.Status != st {
		errs = append(errs, errorf("status %q, want %q", a.Status, st))
	}
	if !exp.IsZero() {
		errs = append(errs, a.expires(exp))
	}
	return join(errs...)
}

// codeClaims checks a licentia code answered by activation or refresh against what the answer says; skipped for
// an opaque code.
func (r *run) codeClaims(step Text, a *codeAnswer, exp time.Time) {
	w := want{gen: a.Generation, st: a.Status, sub: a.LicenseID}
	if !exp.IsZero() {
		w.exp = exp.Unix()
	}
	r.code(step, a.Code, w)
}

// activateCode: a received code activates: the seller answers the license (README "Endpoints", docs/koogallery.md "License 2.0 end to end") with the query's
// expiry, not the activate answer's estimate (§2.6.1, §2.6.2), after one activate call.
func activateCode(ctx context.Context, r *run) {
	m, code, exp := r.openCode(ctx, market.Received, activateFirst)
	if m == nil {
		return
	}
	a := r.activated(ctx, text("POST /v1/activations of a received code: 200 with the license"), code)
	if a == nil {
		return
	}
	r.check(text("the activation is generation 1, active, expiring when the query says (not the activate answer's estimate)"),
		changed(a, 0, 1, verifier.StatusActive, exp))
	r.codeClaims(text("the activation's code says what the answer says"), a, exp)
	r.check(text("the seller activated the code with the marketplace once"), activations(m, code, 1))
}

// activateTwice: activating a code again answers the same license and the byte-identical code, without a second
// activate call (README "Endpoints": idempotent on the marketplace code; §2.6.3: do not activate twice).
func activateTwice(ctx context.Context, r *run) {
	m, code, _ := r.openCode(ctx, market.Received, activateFirst)
	if m == nil {
		return
	}
	calls := activateCalls(m, "")
	first := r.activated(ctx, text("first activation: 200"), code)
	if first == nil {
		return
	}
	again := r.activated(ctx, text("second activation: 200"), code)
	if again == nil {
		return
	}
	r.check(text("the second activation answers the same license and the byte-identical code"), sameCode(first, again))
	var err error
	if n := activateCalls(m, "") - calls; n != 1 {
		err = errorf("%d activate calls reached the marketplace, want 1", n)
	}
	r.check(text("the marketplace saw one activate call"), join(err, activations(m, code, 1)))
}

func sameCode(a, b *codeAnswer) error {
	switch {
	case b.LicenseID != a.LicenseID:
		return errorf("license_id %q, want %q", b.LicenseID, a.LicenseID)
	case b.Code != a.Code:
		return errorf("code %s, want the byte-identical %s", fingerprint(b.Code), fingerprint(a.Code))
	case b.Generation != a.Generation:
		return errorf("generation %d, want %d", b.Generation, a.Generation)
	}
	return nil
}

// concurrentActivations: N activations of one code at once (the buyer's software on several machines, or its
// retries) make one license and one successful activate call (issue: UNIQUE on the marketplace code). A 429
// rate_limited answer is allowed; every 200 must carry the same license and code.
func concurrentActivations(ctx context.Context, r *run) {
	m, code, _ := r.openCode(ctx, market.Received, activateFirst)
	if m == nil {
		return
	}
	n := r.cfg.Concurrency
	ok := activateCalls(m, koogallery.CodeSuccess)
	answers := make([]*codeAnswer, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { answers[i], errs[i] = r.postAPI(ctx, pathActivations, []byte(`{"code":"`+code+`"}`)) })
	}
	wg.Wait()
	var first *codeAnswer
	var problems []error
	limited := 0
	for i, a := range answers {
		err := errs[i]
		switch {
		case err != nil:
		case a.HTTPStatus == http.StatusTooManyRequests && a.errorCode() == "rate_limited":
			limited++
			continue
		case first == nil:
			if err = a.ok(true); err == nil {
				first = a
			}
		default:
			if err = a.ok(true); err == nil {
				err = sameCode(first, a)
			}
		}
		if err != nil {
			problems = append(problems, errorf("answer %d: %w", i+1, err))
		}
	}
	if first == nil && len(problems) == 0 {
		problems = append(problems, failure("every activation was rate-limited"))
	}
	r.check(text("%d concurrent activations of one code: one license, one code (%d rate-limited)", n, limited),
		join(problems...))
	var err error
	if d := activateCalls(m, koogallery.CodeSuccess) - ok; d != 1 {
		err = errorf("%d successful activate calls, want 1", d)
	}
	r.check(text("the marketplace saw one successful activate call"), join(err, activations(m, code, 1)))
}

// notReceived: a code the buyer has not received (领取) yet cannot be activated (§2.6.3 92020004): 409
// not_received and nothing written; once received, it activates.
func notReceived(ctx context.Context, r *run) {
	m, code, exp := r.openCode(ctx, market.NotReceived, activateFirst)
	if m == nil {
		return
	}
	a, err := r.activate(ctx, code)
	if err == nil {
		err = a.refused(http.StatusConflict, "not_received")
	}
	r.check(text("activation of a code not yet received: 409 not_received"), join(err, activations(m, code, 0)))
	if !r.check(text("the buyer receives the code"), m.SetState(code, market.Received)) {
		return
	}
	if a := r.activated(ctx, text("activation after receipt: 200, a new license from nothing stored before"), code); a != nil {
		r.check(text("it is generation 1, active, with the code's expiry"), changed(a, 0, 1, verifier.StatusActive, exp))
	}
}

// unknownCode: a code the marketplace does not know (§2.6.3 92020005) is 404 not_found, after asking it.
func unknownCode(ctx context.Context, r *run) {
	m := r.market()
	if m == nil || !r.api(ctx, stepActivations) {
		return
	}
	unknown := func() int {
		return m.Calls(koogallery.APIActivate, koogallery.CodeNotExist) + m.Calls(koogallery.APIActivateBatch, koogallery.CodeInvalidCodes) +
			m.Calls(koogallery.APIQuery, koogallery.CodeNotExist)
	}
	before := unknown()
	a, err := r.activate(ctx, r.id("NOCODE"))
	if err == nil {
		err = a.refused(http.StatusNotFound, "not_found")
	}
	if err == nil && unknown() == before {
		err = failure("the seller did not ask the marketplace (no 92020005 answered)")
	}
	r.check(text("activation of a code the marketplace does not know: 404 not_found"), err)
}

// codeCallback returns a License 2.0 callback (§2.4) for the marketplace code: refreshLicenseCode with a scene
// and expiry from a new order, updateLicenseCodeStatus with a status, or releaseLicenseCode.
func (r *run) codeCallback(activity, code, arg string, exp time.Time) map[string]string {
	b := map[string]string{"activity": activity, "license": code}
	switch activity {
	case koogallery.ActivityRefreshLicenseCode:
		orderID := r.id("R")
		b["orderId"], b["orderLineId"], b["scene"], b["expireTime"] = orderID, orderID+"-000001", arg, koogallery.FormatTime(exp)
	case koogallery.ActivityUpdateLicenseCodeStatus:
		b["status"] = arg
	}
	return b
}

// codeCallbacks: after activation, renewal, a resent renewal, unrenewal, freeze, unfreeze and release arrive
// keyed on the marketplace code (§2.4.1–§2.4.3, §2.5); each changes the license once, as the refreshed code
// shows (README "Endpoints"). The stand-in changes first, as the marketplace does before it calls, so the seller's
// daily query (§2.6.2) agrees with every callback.
func codeCallbacks(ctx context.Context, r *run) {
	m, code, a := r.activeCode(ctx)
	if a == nil {
		return
	}
	exp60, exp20 := r.day(60), r.day(20)
	renew := r.codeCallback(koogallery.ActivityRefreshLicenseCode, code, license.SceneRenewal, exp60)
	steps := []struct {
		name  Text
		state market.State // "" leaves the stand-in's state
		exp   time.Time    // zero leaves the stand-in's expiry
		body  map[string]string
		delta int64
		st    string
	}{
		{text("renewal to +60 days"), "", exp60, renew, 1, verifier.StatusActive},
		{text("the same renewal resent"), "", exp60, renew, 0, verifier.StatusActive},
		{text("unrenewal to +20 days"), "", exp20,
			r.codeCallback(koogallery.ActivityRefreshLicenseCode, code, license.SceneUnrenew, exp20), 1, verifier.StatusActive},
		{text("FREEZE"), market.Expired, time.Time{},
			r.codeCallback(koogallery.ActivityUpdateLicenseCodeStatus, code, koogallery.StatusFreeze, time.Time{}), 1, verifier.StatusFrozen},
		{text("UNFREEZE"), market.Active, time.Time{},
			r.codeCallback(koogallery.ActivityUpdateLicenseCodeStatus, code, koogallery.StatusUnfreeze, time.Time{}), 1, verifier.StatusActive},
		{text("release"), market.Released, time.Time{},
			r.codeCallback(koogallery.ActivityReleaseLicenseCode, code, "", time.Time{}), 1, verifier.StatusReleased},
	}
	cur, exp := a, r.day(30)
	for _, s := range steps {
		var err error
		if s.state != "" {
			err = m.SetState(code, s.state)
		}
		if !s.exp.IsZero() {
			exp = s.exp
			err = join(err, m.SetExpiry(code, exp))
		}
		if !r.check(text("the marketplace records the %v", s.name), err) || !r.post(ctx, text("%s (%v) keyed on the code: accepted", label(s.body), s.name), s.body) {
			return
		}
		next, err := r.refreshCode(ctx, cur.Code)
		if err == nil {
			err = changed(next, cur.Generation, s.delta, s.st, exp)
		}
		if !r.check(text("after the %v the refreshed code is generation %d, %s", s.name, cur.Generation+s.delta, s.st), err) {
			return
		}
		next.LicenseID = a.LicenseID
		r.codeClaims(text("the refreshed code says so"), next, exp)
		cur = next
	}
}

// callbacksBeforeActivation: renewal, freeze, unfreeze and unrenewal of a code the seller has not seen yet are
// answered 000000 (a seller answering 000003 is retried 60 times and mailed, §2.5) and kept; the activation then
// starts from the newest state (README "Endpoints", docs/koogallery.md "License 2.0 end to end").
func callbacksBeforeActivation(ctx context.Context, r *run) {
	m, code, _ := r.openCode(ctx, market.Received, callbacksFirst)
	if m == nil {
		return
	}
	renewed, final := r.day(90), r.day(45)
	steps := []struct {
		name Text
		exp  time.Time
		body map[string]string
	}{
		{text("renewal to +90 days"), renewed, r.codeCallback(koogallery.ActivityRefreshLicenseCode, code, license.SceneRenewal, renewed)},
		{text("FREEZE"), time.Time{}, r.codeCallback(koogallery.ActivityUpdateLicenseCodeStatus, code, koogallery.StatusFreeze, time.Time{})},
		{text("UNFREEZE"), time.Time{}, r.codeCallback(koogallery.ActivityUpdateLicenseCodeStatus, code, koogallery.StatusUnfreeze, time.Time{})},
		{text("unrenewal to +45 days"), final, r.codeCallback(koogallery.ActivityRefreshLicenseCode, code, license.SceneUnrenew, final)},
	}
	for _, s := range steps {
		if !s.exp.IsZero() && !r.check(text("the marketplace records the %v", s.name), m.SetExpiry(code, s.exp)) {
			return
		}
		if !r.post(ctx, text("%s (%v) for a code the seller has not seen: accepted", label(s.body), s.name), s.body) {
			return
		}
	}
	if !r.api(ctx, text("activation after the callbacks")) {
		return
	}
	if a := r.activated(ctx, text("activation after the callbacks: 200"), code); a != nil {
		r.check(text("the license starts from the newest state: active, expiring at the unrenewal's +45 days"),
			changed(a, 0, -1, verifier.StatusActive, final))
		r.codeClaims(text("the activation's code says so"), a, final)
	}
}

// releaseBeforeActivation: a code released before the seller saw it (§2.4.3) never yields a valid code:
// releaseLicenseCode is answered 000000, and activation then answers 409 license_released, every time.
func releaseBeforeActivation(ctx context.Context, r *run) {
	m, code, _ := r.openCode(ctx, market.Received, callbacksFirst)
	if m == nil {
		return
	}
	if !r.check(text("the marketplace releases the code"), m.SetState(code, market.Released)) {
		return
	}
	rel := r.codeCallback(koogallery.ActivityReleaseLicenseCode, code, "", time.Time{})
	if !r.post(ctx, text("releaseLicenseCode for a code the seller has not seen: accepted"), rel) {
		return
	}
	renew := r.codeCallback(koogallery.ActivityRefreshLicenseCode, code, license.SceneRenewal, r.day(60))
	r.post(ctx, text("a late renewal of the released code: accepted"), renew)
	if !r.api(ctx, text("activation after the release")) {
		return
	}
	for i := 1; i <= 2; i++ {
		a, err := r.activate(ctx, code)
		if err == nil {
			err = a.refused(http.StatusConflict, "license_released")
		}
		r.check(text("activation %d of the released code: 409 license_released, no code", i), err)
	}
	r.check(text("the code was never activated"), activations(m, code, 0))
}

// dailyQuery: the marketplace changes a code without calling (the callbacks are optional, §2.1); the seller's
// first refresh of the code on a UTC day queries it (§2.6.2) and the difference becomes a new generation; a
// second change the same day is not queried (at most once per UTC day per code).
func dailyQuery(ctx context.Context, r *run) {
	m, code, _ := r.openCode(ctx, market.Received, activateFirst)
	if m == nil {
		return
	}
	released, _ := r.newCode(m, market.Received)
	if released == "" {
		return
	}
	a := r.activated(ctx, text("activation: 200"), code)
	b := r.activated(ctx, text("activation of a second code: 200"), released)
	if a == nil || b == nil {
		return
	}
	day := r.cfg.Now().UTC().Format(time.DateOnly)
	renewed := r.day(75)
	if !r.check(text("the marketplace renews the first code to +75 days and releases the second, calling neither"),
		join(m.SetExpiry(code, renewed), m.SetState(released, market.Released))) {
		return
	}
	next, err := r.refreshCode(ctx, a.Code)
	if err == nil {
		err = changed(next, a.Generation, 1, verifier.StatusActive, renewed)
	}
	if !r.check(text("the first refresh of the day shows the marketplace's new expiry as a new generation"), err) {
		return
	}
	rel, err := r.refreshCode(ctx, b.Code)
	if err == nil {
		err = changed(rel, b.Generation, 1, verifier.StatusReleased, time.Time{})
	}
	r.check(text("the first refresh of the day shows the released code as released"), err)
	queries := m.Calls(koogallery.APIQuery, "")
	if !r.check(text("the marketplace moves the first code to +100 days, again without calling"), m.SetExpiry(code, r.day(100))) {
		return
	}
	again, err := r.refreshCode(ctx, next.Code)
	if r.cfg.Now().UTC().Format(time.DateOnly) != day {
		r.skip(text("a second refresh the same UTC day does not query"), text(ReasonDayChanged))
		return
	}
	if err == nil {
		err = changed(again, next.Generation, 0, verifier.StatusActive, renewed)
	}
	if n := m.Calls(koogallery.APIQuery, "") - queries; err == nil && n != 0 {
		err = errorf("%d queries reached the marketplace, want 0", n)
	}
	r.check(text("a second refresh the same UTC day does not query: the code is unchanged"), err)
}

// wrongSK: with a wrong SK the gateway refuses the seller (APIG.0303, §2.6.3): activation answers 502
// marketplace_unavailable and writes nothing (README "Endpoints", docs/koogallery.md "License 2.0 end to end"); with the right SK again it activates from
// nothing.
func wrongSK(ctx context.Context, r *run) {
	m, code, exp := r.openCode(ctx, market.Received, activateFirst)
	if m == nil {
		return
	}
	sk, err := m.SetSK("rotated-" + koogallery.NewNonce())
	if !r.check(text("the seller's SK stops being valid (rotated in the console)"), err) {
		return
	}
	refused := func() int {
		return activateCalls(m, koogallery.GatewayAppAuth) + m.Calls(koogallery.APIQuery, koogallery.GatewayAppAuth)
	}
	before := refused()
	a, err := r.activate(ctx, code)
	_, restore := m.SetSK(sk)
	if err == nil {
		err = a.refused(http.StatusBadGateway, "marketplace_unavailable")
	}
	if err == nil && refused() == before {
		err = failure("no call of the seller reached the gateway")
	}
	r.check(text("activation with a wrong SK: 502 marketplace_unavailable"), join(err, activations(m, code, 0)))
	if !r.check(text("the SK is valid again"), restore) {
		return
	}
	if a := r.activated(ctx, text("activation with the right SK: 200"), code); a != nil {
		r.check(text("nothing was written before: generation 1, active, with the code's expiry"), changed(a, 0, 1, verifier.StatusActive, exp))
	}
}
