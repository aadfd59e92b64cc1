package server

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"

	"github.com/google/uuid"

	"github.com/licentia/licentia/server/store"
	"github.com/licentia/licentia/verifier"
)

// Renewal scenes of refreshLicenseCode / refreshInstance. The first three (and a legacy refreshLicense)
// only ever move the expiry later; any other scene, unrenewal included, sets it to what the marketplace says.
const (
	sceneRenewal       = "RENEWAL"
	sceneTrialToFormal = "TRIAL_TO_FORMAL"
	sceneRenewalChange = "RENEWAL_CHANGE"
	sceneUnrenew       = "UNSUBSCRIBE_RENEWAL_PERIOD"
)

// answer is what a callback returns to the marketplace on success.
type answer struct {
	instanceID string
	license    string
	cached     *cachedReply // the finished answer, when it came from the resend cache
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
	version, verErr := s.st.DataVersion(ctx)
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
	if l.ID == "" {
		l.ID = uuid.NewString()
	}
	for attempt := 0; ; attempt++ {
		if err := s.is.Sign(l); err != nil {
			return answer{}, err
		}
		ev := cb.event("create", nil, l)
		stored, created, err := s.st.Create(ctx, l, ev)
		if errors.Is(err, store.ErrConflict) && attempt < 3 {
			l.ID = uuid.NewString() // the businessId is already another order's instanceId
			continue
		}
		if err != nil {
			return answer{}, err
		}
		if created {
			s.metrics.issued.WithLabelValues("create").Inc()
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
	var errs []error
	str := func(name string, max int, mandatory bool) string {
		var v string
		var err error
		if mandatory {
			v, err = f.required(name, max)
		} else {
			v, err = f.optional(name, max)
		}
		errs = append(errs, err)
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
		Status:       verifier.StatusActive,
		Generation:   1,
		Test:         f.test(),
	}
	if legacy {
		l.Flow = store.FlowLicense1
	}
	var err error
	l.ExpiresAt, err = f.optTime("expireTime")
	errs = append(errs, err)
	l.StartsAt, err = f.optTime("effectiveTime")
	errs = append(errs, err)
	l.Quantity, err = f.optCount("amount")
	errs = append(errs, err)
	l.PeriodNumber, err = f.optCount("periodNumber")
	errs = append(errs, err)
	if err := firstParamError(errs); err != nil {
		return nil, err
	}
	now := s.now().Unix()
	if l.StartsAt == 0 {
		l.StartsAt = now
	}
	l.ChangedAt, l.CreatedAt = now, now
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
		scene = sceneRenewal
	}
	if f.test() {
		return answer{}, nil
	}
	key, _ := json.Marshal([]string{"refresh", ref, orderID, lineID, scene})
	l, err := s.st.Apply(ctx, ref, string(key), func(cur *store.License) (*store.License, *store.Event, error) {
		return s.renewal(cb, cur, scene, exp, product)
	})
	return s.applied(ctx, cb, l, err)
}

// renewal computes the state after a refresh callback.
func (s *Server) renewal(cb *callback, cur *store.License, scene string, exp int64, product string) (*store.License, *store.Event, error) {
	next := *cur
	action := "unrenew"
	switch scene {
	case sceneRenewal, sceneTrialToFormal, sceneRenewalChange:
		action = "renew"
		if cur.ExpiresAt != 0 && exp > cur.ExpiresAt {
			next.ExpiresAt = exp
			if cur.Status == verifier.StatusFrozen && exp > s.now().Unix() {
				next.Status = verifier.StatusActive // a paid renewal thaws a frozen license
			}
		}
	case sceneUnrenew:
		next.ExpiresAt = exp
	default:
		action = "set_expiry"
		next.ExpiresAt = exp
	}
	if product != "" {
		next.ProductID = product
	}
	if cur.Status == verifier.StatusReleased || cur.Status == verifier.StatusRevoked {
		return nil, cb.ignored(cur, "license is "+cur.Status), nil
	}
	if next.ExpiresAt == cur.ExpiresAt && next.ProductID == cur.ProductID && next.Status == cur.Status {
		return nil, cb.ignored(cur, "expireTime does not move the expiry"), nil
	}
	return s.nextGeneration(cb, cur, &next, action)
}

// nextGeneration signs next as the generation after cur and returns it with its audit event.
func (s *Server) nextGeneration(cb *callback, cur, next *store.License, action string) (*store.License, *store.Event, error) {
	next.Generation = cur.Generation + 1
	next.ChangedAt = s.now().Unix()
	if err := s.is.Sign(next); err != nil {
		return nil, nil, err
	}
	s.metrics.issued.WithLabelValues(action).Inc()
	return next, cb.event(action, cur, next), nil
}

// setStatus handles expireLicense, updateInstanceStatus and updateLicenseCodeStatus. Asking for the state
// the license is already in succeeds without a new generation.
func (s *Server) setStatus(ctx context.Context, cb *callback, refField, status string) (answer, error) {
	ref, err := cb.f.required(refField, maxID)
	if err != nil {
		return answer{}, err
	}
	var from, to, action string
	switch status {
	case "FREEZE":
		from, to, action = verifier.StatusActive, verifier.StatusFrozen, "freeze"
	case "UNFREEZE":
		from, to, action = verifier.StatusFrozen, verifier.StatusActive, "unfreeze"
	default:
		return answer{}, badParam("parameter status must be FREEZE or UNFREEZE")
	}
	if cb.f.test() {
		return answer{}, nil
	}
	l, err := s.st.Apply(ctx, ref, "", func(cur *store.License) (*store.License, *store.Event, error) {
		if cur.Status != from {
			return nil, nil, nil
		}
		next := *cur
		next.Status = to
		return s.nextGeneration(cb, cur, &next, action)
	})
	return s.applied(ctx, cb, l, err)
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
	l, err := s.st.Apply(ctx, ref, "", func(cur *store.License) (*store.License, *store.Event, error) {
		if cur.Status == verifier.StatusReleased || cur.Status == verifier.StatusRevoked {
			return nil, nil, nil
		}
		next := *cur
		next.Status = verifier.StatusReleased
		return s.nextGeneration(cb, cur, &next, "release")
	})
	if errors.Is(err, store.ErrNotFound) {
		s.log.WarnContext(ctx, "release of an unknown license answered as done", "license_ref_fp", verifier.Fingerprint(ref))
		return answer{}, nil
	}
	return s.applied(ctx, cb, l, err)
}

// applied turns the outcome of store.Apply into the callback's answer.
func (s *Server) applied(ctx context.Context, cb *callback, l *store.License, err error) (answer, error) {
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
