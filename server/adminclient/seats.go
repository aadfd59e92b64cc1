package adminclient

import (
	"context"
	"net/http"
	"net/url"

	"github.com/licentia/licentia/server/licensing"
	"github.com/licentia/licentia/server/support"
)

// Seats returns the license's seat limit, seats in use and seats (GET /admin/v1/licenses/{ref}/seats).
func (c *Client) Seats(ctx context.Context, ref string) (*support.Seats, error) {
	path, err := c.licensePath(ctx, ref)
	if err != nil {
		return nil, err
	}
	var out support.Seats
	return &out, c.do(ctx, http.MethodGet, path+"/seats", nil, &out)
}

// FreeSeat frees the seat of deployment (its hash, or the deployment id) of the license (needs a support
// token). A deployment id never travels: it is hashed here as the server hashes it (support.SeatKey), after
// the license's seats are read, and only the hash goes into the URL.
func (c *Client) FreeSeat(ctx context.Context, ref, deployment string, req support.ChangeRequest) (*support.SeatsFreed, error) {
	if deployment == "" {
		return nil, licensing.BadRequest("no deployment given: name the seat by the hash 'codes seats' lists, or by the deployment id")
	}
	seats, err := c.Seats(ctx, ref)
	if err != nil {
		return nil, err
	}
	hash := support.SeatKey(seats.LicenseID, deployment, seats.SeatHashes())
	var out support.SeatsFreed
	path := "/admin/v1/licenses/" + url.PathEscape(seats.LicenseID) + "/seats/" + url.PathEscape(hash)
	return &out, c.do(ctx, http.MethodDelete, path, req, &out)
}

// Policies returns the seat policies the seller set (GET /admin/v1/policies).
func (c *Client) Policies(ctx context.Context) (*support.PolicyList, error) {
	var out support.PolicyList
	return &out, c.do(ctx, http.MethodGet, "/admin/v1/policies", nil, &out)
}

// Policy returns the product's seat policy, or the default (GET /admin/v1/policies/{product}).
func (c *Client) Policy(ctx context.Context, productID string) (*support.PolicyView, error) {
	var out support.PolicyView
	return &out, c.do(ctx, http.MethodGet, policyPath(productID), nil, &out)
}

// SetPolicy sets the product's whole seat policy (PUT /admin/v1/policies/{product}; needs a support token).
func (c *Client) SetPolicy(ctx context.Context, productID string, req support.PolicyRequest) (*support.PolicyView, error) {
	var out support.PolicyView
	return &out, c.do(ctx, http.MethodPut, policyPath(productID), req, &out)
}

// DeletePolicy removes the product's seat policy (DELETE /admin/v1/policies/{product}; needs a support
// token); the actor is the token's name, so by is not sent.
func (c *Client) DeletePolicy(ctx context.Context, productID string, _ licensing.Actor) (*support.PolicyView, error) {
	var out support.PolicyView
	return &out, c.do(ctx, http.MethodDelete, policyPath(productID), nil, &out)
}

func policyPath(productID string) string {
	return "/admin/v1/policies/" + url.PathEscape(productID)
}
