package server

import (
	"context"
	"encoding/json"

	"github.com/licentia/licentia/server/koogallery"
	"github.com/licentia/licentia/server/license"
	"github.com/licentia/licentia/server/licensing"
	"github.com/licentia/licentia/server/store"
)

// answer is what a callback returns to the marketplace on success.
type answer struct {
	instanceID string
	license    string
	info       []instanceInfo // queryInstance
	cached     *cachedAnswer  // the finished answer, when it came from the resend cache
}

// create handles getLicense and newInstance: the order's license is created once (licensing.Service.
// CreateForOrder), and every resend is answered the same instanceId and the license's current code, from the
// resend cache while no license changed.
func (s *Server) create(ctx context.Context, cb *callback) (answer, error) {
	l, err := s.newLicense(cb)
	if err != nil {
		return answer{}, err
	}
	key := licensing.OrderKey{Order: l.OrderID, Line: l.OrderLineID}
	version, verErr := s.st.LicenseVersion(ctx)
	if verErr == nil && !l.Test {
		if r := s.answers.get(key, version); r != nil {
			return answer{cached: r}, nil
		}
	}
	stored, err := s.svc.CreateForOrder(ctx, l, cb.delivery(""))
	if err != nil {
		return answer{}, err
	}
	a := answer{instanceID: stored.ID, license: stored.Code}
	if verErr == nil && !l.Test {
		a.cached = cachedSuccess(s.cfg.KooGalleryKeys, a)
		s.answers.put(key, version, a.cached)
	}
	return a, nil
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

// refresh handles refreshLicense, refreshInstance and refreshLicenseCode: a renewal, unrenewal, trial
// conversion or spec change that sets a new expiry, applied once per (license, orderId, orderLineId, scene).
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
	scene = license.Scene(scene) // part of the dedupe key: a resend with and without "RENEWAL" is one delivery
	if f.test() {
		return answer{}, nil
	}
	key, _ := json.Marshal([]string{"refresh", ref, orderID, lineID, scene})
	return s.applyMarket(ctx, licensing.MarketChange{Ref: ref, ByCode: refField == "license", Kind: license.PendingValidity,
		Scene: scene, ExpiresAt: exp, ProductID: product, Delivery: cb.delivery(string(key))})
}

// setStatus handles expireLicense, updateInstanceStatus and updateLicenseCodeStatus. Asking for the state
// the license is already in succeeds without a new generation (and is recorded as ignored).
func (s *Server) setStatus(ctx context.Context, cb *callback, refField, status string) (answer, error) {
	ref, err := cb.f.required(refField, maxID)
	if err != nil {
		return answer{}, err
	}
	var kind int
	switch status {
	case koogallery.StatusFreeze:
		kind = license.PendingFreeze
	case koogallery.StatusUnfreeze:
		kind = license.PendingUnfreeze
	default:
		return answer{}, badParam("parameter status must be FREEZE or UNFREEZE")
	}
	if cb.f.test() {
		return answer{}, nil
	}
	return s.applyMarket(ctx, licensing.MarketChange{Ref: ref, ByCode: refField == "license", Kind: kind,
		Delivery: cb.delivery(cb.legacyKey())})
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
	return s.applyMarket(ctx, licensing.MarketChange{Ref: ref, ByCode: refField == "license", Kind: license.PendingRelease,
		Delivery: cb.delivery(cb.legacyKey())})
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

// applyMarket applies a callback's change through the Service and answers it with the license's id.
func (s *Server) applyMarket(ctx context.Context, c licensing.MarketChange) (answer, error) {
	l, err := s.svc.ApplyMarket(ctx, c)
	if err != nil || l == nil { // refused, or kept until the code is activated, or nothing to release
		return answer{}, err
	}
	return answer{instanceID: l.ID}, nil
}
