package support

import (
	"context"
	"errors"
	"fmt"
	"unicode/utf8"

	"github.com/licentia/licentia/server/license"
	"github.com/licentia/licentia/server/licensing"
	"github.com/licentia/licentia/server/store"
)

// maxProductID caps a product id, in characters, as license.Policy.Validate does.
const maxProductID = 64

// PolicyView is a product's seat policy (see license.Policy). Times are RFC 3339 UTC.
type PolicyView struct {
	ProductID string `json:"product_id"`
	// Seats is "quantity" (the license's purchased quantity), "unlimited" or a fixed number of seats.
	Seats string `json:"seats"`
	// Match is how many components a deployment-bound code must match; 0 for a strict majority.
	Match int `json:"match"`
	// LeaseSeconds frees a seat not checked in for that long; 0 holds seats until freed.
	LeaseSeconds int64 `json:"lease_seconds"`
	// RequireFingerprint refuses a G1b getLicenseAsync without a deviceFingerprint (000903).
	RequireFingerprint bool `json:"require_fingerprint"`
	// Usage is how the daily usage report counts deployments: "id" (each by its hash) or "count".
	Usage string `json:"usage"`
	// Default is true when the seller set no policy for the product: these are the defaults.
	Default bool `json:"default"`
	// UpdatedAt and UpdatedBy say when and by whom (source:name) the policy was set; null and absent for
	// the default.
	UpdatedAt *string `json:"updated_at"`
	UpdatedBy string  `json:"updated_by,omitempty"`
}

// PolicyList is every policy the seller set, by product.
type PolicyList struct {
	Policies []PolicyView `json:"policies"`
}

// PolicyRequest sets a product's seat policy: the body of PUT /admin/v1/policies/{product}. It replaces the
// whole policy; an absent field takes its default (seats "quantity", match 0, no lease, no fingerprint
// required, usage "id").
type PolicyRequest struct {
	Seats              string `json:"seats,omitempty"`
	Match              int    `json:"match,omitempty"`
	LeaseSeconds       int64  `json:"lease_seconds,omitempty"`
	RequireFingerprint bool   `json:"require_fingerprint,omitempty"`
	Usage              string `json:"usage,omitempty"`
	// Actor is who asks; it is never read from the request body.
	Actor licensing.Actor `json:"-"`
}

// PolicyRequestOf returns the request that sets v again (to change some of its fields).
func PolicyRequestOf(v *PolicyView) PolicyRequest {
	return PolicyRequest{Seats: v.Seats, Match: v.Match, LeaseSeconds: v.LeaseSeconds,
		RequireFingerprint: v.RequireFingerprint, Usage: v.Usage}
}

func newPolicyView(p store.Policy, isDefault bool) *PolicyView {
	v := &PolicyView{ProductID: p.ProductID, Seats: p.Seats, Match: p.Match, LeaseSeconds: p.LeaseSeconds,
		RequireFingerprint: p.RequireFingerprint, Usage: p.UsageMode, Default: isDefault, UpdatedBy: p.UpdatedBy}
	if !isDefault {
		v.UpdatedAt = OptRFC3339(p.UpdatedAt)
	}
	return v
}

// checkProduct refuses a product id that cannot name a product's policy.
func checkProduct(productID string) error {
	switch {
	case productID == "":
		return licensing.BadRequest("no product id given")
	case !utf8.ValidString(productID) || utf8.RuneCountInString(productID) > maxProductID:
		return licensing.BadRequest("the product id must be valid UTF-8 of at most %d characters", maxProductID)
	case hasControl(productID):
		return licensing.BadRequest("the product id holds a control character")
	}
	return nil
}

// Policy returns the seat policy of product productID: the one the seller set, or the default (Default).
func (sp *Desk) Policy(ctx context.Context, productID string) (*PolicyView, error) {
	if err := checkProduct(productID); err != nil {
		return nil, err
	}
	ps, err := sp.st.Policies(ctx)
	if err != nil {
		return nil, err
	}
	for _, p := range ps {
		if p.ProductID == productID {
			return newPolicyView(p, false), nil
		}
	}
	return newPolicyView(license.DefaultPolicy(productID), true), nil
}

// Policies returns the policies the seller set, by product; products without one follow the default.
func (sp *Desk) Policies(ctx context.Context) (*PolicyList, error) {
	ps, err := sp.st.Policies(ctx)
	if err != nil {
		return nil, err
	}
	out := &PolicyList{Policies: make([]PolicyView, len(ps))}
	for i := range ps {
		out.Policies[i] = *newPolicyView(ps[i], false)
	}
	return out, nil
}

// SetPolicy sets product productID's seat policy to req, replacing any before it, recorded with the actor
// and logged (licensing.Service.SetPolicy). Its errors are *licensing.RequestError for a policy out of bounds.
func (sp *Desk) SetPolicy(ctx context.Context, productID string, req PolicyRequest) (*PolicyView, error) {
	if err := checkProduct(productID); err != nil {
		return nil, err
	}
	p := license.DefaultPolicy(productID)
	if req.Seats != "" {
		p.Seats = req.Seats
	}
	if req.Usage != "" {
		p.UsageMode = req.Usage
	}
	p.Match, p.LeaseSeconds, p.RequireFingerprint = req.Match, req.LeaseSeconds, req.RequireFingerprint
	p, err := sp.svc.SetPolicy(ctx, p, req.Actor)
	if err != nil {
		return nil, err
	}
	return newPolicyView(p, false), nil
}

// DeletePolicy removes product productID's seat policy, logged with the actor; its licenses then follow
// the default, which it returns. It returns store.ErrNotFound (wrapped) when the product had no policy.
func (sp *Desk) DeletePolicy(ctx context.Context, productID string, by licensing.Actor) (*PolicyView, error) {
	if err := checkProduct(productID); err != nil {
		return nil, err
	}
	err := sp.svc.DeletePolicy(ctx, productID, by)
	if errors.Is(err, store.ErrNotFound) {
		return nil, fmt.Errorf("product %q has no seat policy: %w", productID, err)
	}
	if err != nil {
		return nil, err
	}
	return newPolicyView(license.DefaultPolicy(productID), true), nil
}
