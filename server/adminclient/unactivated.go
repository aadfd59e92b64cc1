package adminclient

import (
	"context"
	"net/http"

	"github.com/licentia/licentia/server/support"
)

// Unactivated lists the paid entitlements waiting for an activation (GET /admin/v1/unactivated), oldest
// first, as support.Desk.Unactivated does.
func (c *Client) Unactivated(ctx context.Context, q support.UnactivatedQuery) (*support.UnactivatedPage, error) {
	var page support.UnactivatedPage
	return &page, c.do(ctx, http.MethodGet, "/admin/v1/unactivated?"+q.Values().Encode(), nil, &page)
}
