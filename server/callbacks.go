package server

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/licentia/licentia/server/desk"
	"github.com/licentia/licentia/server/koogallery"
	"github.com/licentia/licentia/server/license"
	"github.com/licentia/licentia/server/store"
	"github.com/licentia/licentia/verifier"
)

// answer is what a callback returns to the marketplace on success.
type answer struct {
	instanceID string
	license    string
	info       []instanceInfo // queryInstance
	cached     *cachedReply   // the finished answer, when it came from the resend cache
}

// create handles getLicense and newInstance: it issues the license for an order once, and answers every
// resend with the same instanceId and the license's current code.
func (s *Server) create(ctx context.Context, cb *callback) (answer, error) {
	l, err := s.newLicense(cb)
	if err != nil {
		return answer{}, err
	}
	if cb.f.test() {
		return s.testCode(l)
	}
	key := orderKey{l.OrderID, l.OrderLineID}
	version, verErr := s.st.LicenseVersion(ctx)
	if verErr == nil {
		if r := s.replies.get(key, version); r != nil {
			return answer{cached: r}, nil
		}
	}
	if cur, err := s.st.LicenseByOrder(ctx, l.OrderID, l.OrderLineID); err == nil {
		a := answer{instanceID: cur.ID, license: cur.Code}
		if verErr == nil {
			a.cached = successReply(s.cfg.KooGalleryKeys, a)
			s.replies.put(key, version, a.cached)
		}
		return a, nil
	} else if !errors.Is(err, store.ErrNotFound) {
		return answer{}, err
	}
	if needsOrder(l) {
		return s.createFromOrder(ctx, cb, l)
	}
	return s.insert(ctx, cb, l)
}

// insert signs and stores a new license for cb's order; a concurrent create of the same order wins
// harmlessly (its license is answered).
func (s *Server) insert(ctx context.Context, cb *callback, l *store.License) (answer, error) {
	if l.ID == "" {
		l.ID = uuid.NewString()
	}
	for attempt := 0; ; attempt++ {
		if err := s.is.Sign(l); err != nil {
			return answer{}, err
		}
		ev := license.NewEvent(nil, *l, license.Outcome{Action: license.ActCreate, Applied: true}, cb.delivery(""))
		stored, created, err := s.st.Create(ctx, l, &ev)
		if (errors.Is(err, store.ErrConflict) || errors.Is(err, store.ErrRefTaken)) && attempt < 3 {
			l.ID = uuid.NewString() // the businessId is another order's instanceId, or a License 2.0 code
			continue
		}
		if err != nil {
			return answer{}, err
		}
		if created {
			s.metrics.issued.WithLabelValues(license.ActCreate).Inc()
			s.log.InfoContext(ctx, "license created", "license_id", stored.ID, "order_id", stored.OrderID,
				"generation", stored.Generation, "code_fp", verifier.Fingerprint(stored.Code))
		}
		return answer{instanceID: stored.ID, license: stored.Code}, nil
	}
}

// newLicense validates a create request and returns the license it asks for (without id when the request
// carries no businessId, and without code).
func (s *Server) newLicense(cb *callback) (*store.License, error) {
	f := cb.f
	var first error // the first parameter error; kept without a slice so that validating allocates nothing
	keep := func(err error) {
		if first == nil {
			first = err
		}
	}
	str := func(name string, max int, mandatory bool) string {
		var v string
		var err error
		if mandatory {
			v, err = f.required(name, max)
		} else {
			v, err = f.optional(name, max)
		}
		keep(err)
		return v
	}
	legacy := cb.legacy // License 1.0 documents these fields as mandatory
	l := &store.License{
		OrderID:      str("orderId", maxID, true),
		OrderLineID:  str("orderLineId", maxID, false),
		ID:           str("businessId", maxID, legacy),
		ProductID:    str("productId", maxID, legacy),
		SKU:          str("skuCode", maxID, false),
		CustomerID:   str("customerId", maxText, legacy),
		CustomerName: str("customerName", maxText, false),
		PeriodType:   str("periodType", maxID, false),
		Flow:         store.FlowInstance,
		Test:         f.test(),
	}
	if legacy {
		l.Flow = store.FlowLicense1
	}
	var err error
	l.ExpiresAt, err = f.optTime("expireTime")
	keep(err)
	l.StartsAt, err = f.optTime("effectiveTime")
	keep(err)
	l.Quantity, err = f.optCount("amount")
	keep(err)
	l.PeriodNumber, err = f.optCount("periodNumber")
	keep(err)
	if first != nil {
		return nil, first
	}
	created, _, err := license.Create(*l, s.now())
	if err != nil {
		return nil, err
	}
	*l = created
	return l, nil
}

func firstParamError(errs []error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// testCode answers a probe create (testFlag=1) without touching stored data: a deterministic code with
// "test": true whose license id is derived from the order, so every probe of the same order gets the same
// answer. Its iat and nbf are the request's effectiveTime, or 0.
func (s *Server) testCode(l *store.License) (answer, error) {
	sum := sha256.Sum256([]byte(l.OrderID + "\x00" + l.OrderLineID))
	l.ID = "test-" + hex.EncodeToString(sum[:12])
	if l.StartsAt == l.ChangedAt { // no effectiveTime given
		l.StartsAt = 0
	}
	l.ChangedAt = l.StartsAt
	if err := s.is.Sign(l); err != nil {
		return answer{}, err
	}
	return answer{instanceID: l.ID, license: l.Code}, nil
}

// refresh handles refreshLicense, refreshInstance and refreshLicenseCode: a renewal, unrenewal, trial
// conversion or spec change that sets a new expiry. Each (license, orderId, orderLineId, scene) is
// applied once; a renewal never moves the expiry earlier, so a late or resent older renewal cannot roll
// back a newer state.
func (s *Server) refresh(ctx context.Context, cb *callback, refField string) (answer, error) {
	f := cb.f
	ref, err1 := f.required(refField, maxID)
	orderID, err2 := f.required("orderId", maxID)
	lineID, err3 := f.optional("orderLineId", maxID)
	scene, err4 := f.optional("scene", maxID)
	product, err5 := f.optional("productId", maxID)
	exp, err6 := f.reqTime("expireTime")
	if err := firstParamError([]error{err1, err2, err3, err4, err5, err6}); err != nil {
		return answer{}, err
	}
	if scene == "" {
		scene = koogallery.SceneRenewal
	}
	if f.test() {
		return answer{}, nil
	}
	key, _ := json.Marshal([]string{"refresh", ref, orderID, lineID, scene})
	v := license.Validity{Kind: renewalKind(scene), ExpiresAt: exp, ProductID: product}
	l, _, err := s.stepRef(ctx, refField, ref, cb.delivery(string(key)), func(cur license.License, now time.Time) (license.License, license.Outcome, error) {
		return license.Renew(cur, v, now)
	})
	if errors.Is(err, store.ErrNotFound) && refField == "license" {
		return s.keepPending(ctx, cb, ref, &store.MarketEvent{Scene: scene, OrderID: orderID, OrderLineID: lineID,
			ProductID: product, ExpiresAt: exp, DedupeKey: string(key)})
	}
	return s.applied(ctx, l, err)
}

// stepRef is step for the license a callback names in refField: License 2.0 callbacks ("license") name the
// marketplace code bound to it, and only that; the others name its id (instanceId), and only that.
func (s *Server) stepRef(ctx context.Context, refField, ref string, d license.Delivery, t desk.Transition) (*store.License, license.Outcome, error) {
	if refField == "license" {
		l, err := s.st.LicenseByCode(ctx, ref)
		if err != nil {
			return nil, license.Outcome{}, err
		}
		ref = l.ID
	}
	return s.step(ctx, ref, d, t)
}

// keepPending keeps a License 2.0 callback for a code no license is bound to yet: the buyer has not
// activated it. It is answered 000000 (the marketplace would otherwise retry it 60 times and mail the
// seller) and folded into the license when the code is activated.
func (s *Server) keepPending(ctx context.Context, cb *callback, code string, ev *store.MarketEvent) (answer, error) {
	ev.Code, ev.Activity, ev.RequestID, ev.ReceivedAt = code, cb.activity, cb.requestID, cb.at
	err := s.st.SavePending(ctx, ev)
	switch {
	case errors.Is(err, store.ErrBound): // activated meanwhile: apply it now
		return s.run(ctx, cb)
	case errors.Is(err, store.ErrDuplicate):
		return answer{}, nil
	case errors.Is(err, store.ErrRefTaken):
		// Never applied to the license of that id: answered 000003 (no such code here), which the seller
		// console lists among failed calls, and logged for the seller.
		s.log.ErrorContext(ctx, "callback for a marketplace code that is a license id here refused", "activity", cb.activity,
			"market_code_fp", verifier.Fingerprint(code))
		return answer{}, fmt.Errorf("marketplace code that is a license id here (%w): %w", err, store.ErrNotFound)
	case err != nil:
		return answer{}, err
	}
	s.log.InfoContext(ctx, "callback kept until the code is activated", "activity", cb.activity,
		"market_code_fp", verifier.Fingerprint(code))
	return answer{}, nil
}

// renewalKind maps a marketplace scene onto how it moves the expiry.
func renewalKind(scene string) license.RenewalKind {
	switch scene {
	case koogallery.SceneRenewal, koogallery.SceneTrialToFormal, koogallery.SceneRenewalChange:
		return license.Renewal
	case koogallery.SceneUnrenew:
		return license.Unrenewal
	default:
		return license.SetExpiry
	}
}

// setStatus handles expireLicense, updateInstanceStatus and updateLicenseCodeStatus. Asking for the state
// the license is already in succeeds without a new generation (and is recorded as ignored).
func (s *Server) setStatus(ctx context.Context, cb *callback, refField, status string) (answer, error) {
	ref, err := cb.f.required(refField, maxID)
	if err != nil {
		return answer{}, err
	}
	var t desk.Transition
	switch status {
	case koogallery.StatusFreeze:
		t = license.Freeze
	case koogallery.StatusUnfreeze:
		t = license.Unfreeze
	default:
		return answer{}, badParam("parameter status must be FREEZE or UNFREEZE")
	}
	if cb.f.test() {
		return answer{}, nil
	}
	l, _, err := s.stepRef(ctx, refField, ref, cb.delivery(cb.legacyKey()), t)
	if errors.Is(err, store.ErrNotFound) && refField == "license" {
		return s.keepPending(ctx, cb, ref, &store.MarketEvent{Status: status})
	}
	return s.applied(ctx, l, err)
}

// release handles releaseLicense, releaseInstance and releaseLicenseCode. Releasing a released (or
// revoked) license succeeds without change; releasing a license this server does not know also succeeds,
// since there is nothing left to stop.
func (s *Server) release(ctx context.Context, cb *callback, refField string) (answer, error) {
	f := cb.f
	ref, err1 := f.required(refField, maxID)
	_, err2 := f.optional("orderId", maxID)
	_, err3 := f.optional("orderLineId", maxID)
	if err := firstParamError([]error{err1, err2, err3}); err != nil {
		return answer{}, err
	}
	if f.test() {
		return answer{}, nil
	}
	l, _, err := s.stepRef(ctx, refField, ref, cb.delivery(cb.legacyKey()), license.Release)
	if errors.Is(err, store.ErrNotFound) && refField == "license" {
		return s.keepPending(ctx, cb, ref, &store.MarketEvent{OrderID: f.get("orderId"), OrderLineID: f.get("orderLineId"),
			DedupeKey: "release:" + ref})
	}
	if errors.Is(err, store.ErrNotFound) {
		s.log.WarnContext(ctx, "release of an unknown license answered as done", "license_ref_fp", verifier.Fingerprint(ref))
		return answer{}, nil
	}
	return s.applied(ctx, l, err)
}

// legacyKey is the dedupe key of a License 1.0 state change: its authToken, which covers every parameter
// and the timeStamp, so an exact replay of an applied URL changes nothing however late it comes. Signed POST
// calls have none: an exact replay of those is refused by its nonce, and a marketplace retry is a new
// delivery.
func (cb *callback) legacyKey() string {
	if !cb.legacy || cb.authToken == "" {
		return ""
	}
	return "auth:" + cb.authToken
}

// applied turns the outcome of a step into the callback's answer.
func (s *Server) applied(ctx context.Context, l *store.License, err error) (answer, error) {
	if errors.Is(err, store.ErrDuplicate) {
		err = nil
	}
	if err != nil {
		return answer{}, err
	}
	s.log.InfoContext(ctx, "license state", "license_id", l.ID, "status", l.Status, "generation", l.Generation,
		"expires_at", l.ExpiresAt, "code_fp", verifier.Fingerprint(l.Code))
	return answer{instanceID: l.ID}, nil
}
