package licensing

import (
	"context"
	"errors"

	"github.com/licentia/licentia/server/license"
	"github.com/licentia/licentia/server/store"
)

// SetPolicy stores p as its product's seat policy, replacing any before it, recording who set it and when
// (UpdatedBy, UpdatedAt) and logging it: a policy decides how many deployments a purchase serves. It
// returns the policy as stored; a policy out of bounds is a *RequestError.
func (s *Service) SetPolicy(ctx context.Context, p store.Policy, by Actor) (store.Policy, error) {
	p.UpdatedAt, p.UpdatedBy = s.now().Unix(), policyActor(by)
	if err := p.Validate(); err != nil {
		return store.Policy{}, BadRequest("%s", err.Error())
	}
	if err := s.st.SetPolicy(ctx, p); err != nil {
		if errors.Is(err, license.ErrPolicy) {
			return store.Policy{}, BadRequest("%s", err.Error())
		}
		return store.Policy{}, err
	}
	s.log.InfoContext(ctx, "seat policy set", "product_id", p.ProductID, "seats", p.Seats, "match", p.Match,
		"lease_seconds", p.LeaseSeconds, "require_fingerprint", p.RequireFingerprint, "usage", p.UsageMode,
		"source", by.Source, "actor", by.Name, "request_id", by.RequestID)
	return p, nil
}

// DeletePolicy removes product productID's seat policy, whose licenses then follow license.DefaultPolicy,
// and logs who did; store.ErrNotFound when there was none.
func (s *Service) DeletePolicy(ctx context.Context, productID string, by Actor) error {
	if err := s.st.DeletePolicy(ctx, productID); err != nil {
		return err
	}
	s.log.InfoContext(ctx, "seat policy removed", "product_id", productID, "source", by.Source, "actor", by.Name,
		"request_id", by.RequestID)
	return nil
}

// policyActor is the UpdatedBy of a policy by: the source and the name, such as "admin:helper".
func policyActor(by Actor) string {
	if by.Source == "" {
		return by.Name
	}
	return by.Source + ":" + by.Name
}
