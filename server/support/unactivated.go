package support

import (
	"cmp"
	"context"
	"net/url"
	"slices"
	"strconv"
	"time"

	"github.com/licentia/licentia/server/licensing"
	"github.com/licentia/licentia/verifier"
)

// Kinds of an unactivated entry.
const (
	// UnactivatedOrder is an order line the marketplace notified (orderNotify) that no license on this server
	// carries: its License 2.0 code was never activated here (or its G1b instance never created).
	UnactivatedOrder = "order"
	// UnactivatedCode is a License 2.0 code the marketplace sent callbacks for (renewal, freeze, …) that was
	// never activated here; the callbacks wait to be folded in on activation.
	UnactivatedCode = "code"
)

// UnactivatedView is one paid entitlement waiting for its activation. Times are RFC 3339 UTC.
type UnactivatedView struct {
	Kind        string `json:"kind"`
	OrderID     string `json:"order_id,omitempty"`
	OrderLineID string `json:"order_line_id,omitempty"`
	OrderType   string `json:"order_type,omitempty"`
	// CodeFingerprint identifies a kind "code" entry's marketplace code without revealing it.
	CodeFingerprint string `json:"code_fingerprint,omitempty"`
	ProductID       string `json:"product_id,omitempty"`
	SKU             string `json:"sku,omitempty"`
	CustomerID      string `json:"customer_id,omitempty"`
	CustomerName    string `json:"customer_name,omitempty"`
	// Since is when it started waiting: the order's creation (its notification when the order query gave no
	// time), or a code's first kept callback.
	Since string `json:"since"`
	// NotifiedAt is when the marketplace notified the order (kind "order").
	NotifiedAt *string `json:"notified_at,omitempty"`
	// ExpiresAt is the order line's expiry as the order query gave it (null when none).
	ExpiresAt *string `json:"expires_at,omitempty"`
	// Callbacks is how many callbacks are kept for the code (kind "code").
	Callbacks int64 `json:"callbacks,omitempty"`
	// RequestID is the id of the request that recorded the order.
	RequestID string `json:"request_id,omitempty"`
}

// UnactivatedPage lists what waits for an activation, oldest first, up to the query's limit; Total counts
// every match.
type UnactivatedPage struct {
	Entries []UnactivatedView `json:"unactivated"`
	Total   int64             `json:"total"`
}

// UnactivatedQuery selects what waits for an activation.
type UnactivatedQuery struct {
	// OlderThan keeps what has waited at least this long (0: everything).
	OlderThan time.Duration
	// Limit caps the entries (default 50, at most 1000).
	Limit int
}

// ParseUnactivatedQuery reads an UnactivatedQuery from the admin API's query parameters older_than (see
// ParseWithin) and limit. Its errors are *licensing.RequestError.
func ParseUnactivatedQuery(v url.Values) (UnactivatedQuery, error) {
	var q UnactivatedQuery
	if s := v.Get("older_than"); s != "" {
		d, err := ParseWithin(s)
		if err != nil {
			return UnactivatedQuery{}, err
		}
		q.OlderThan = d
	}
	if s := v.Get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil {
			return UnactivatedQuery{}, licensing.BadRequest("limit %q is not a number", s)
		}
		q.Limit = n
	}
	return q, q.check()
}

// Values returns q as the admin API's query parameters.
func (q UnactivatedQuery) Values() url.Values {
	v := url.Values{}
	if q.OlderThan != 0 {
		v.Set("older_than", q.OlderThan.String())
	}
	if q.Limit != 0 {
		v.Set("limit", strconv.Itoa(q.Limit))
	}
	return v
}

func (q *UnactivatedQuery) check() error {
	if q.OlderThan < 0 {
		return licensing.BadRequest("older than %s: want a positive duration", q.OlderThan)
	}
	if q.Limit < 0 || q.Limit > maxPageSize {
		return licensing.BadRequest("limit %d: want 1 to %d", q.Limit, maxPageSize)
	}
	return nil
}

// Unactivated lists the paid entitlements that wait for an activation, oldest first: the orders the
// marketplace notified that no license here carries (of a type that needs one: not a renewal, change,
// conversion or unsubscription), and the License 2.0 codes with kept callbacks (unless one was a release).
// Its errors are *licensing.RequestError for a bad query.
func (sp *Desk) Unactivated(ctx context.Context, q UnactivatedQuery) (*UnactivatedPage, error) {
	if err := q.check(); err != nil {
		return nil, err
	}
	if q.Limit == 0 {
		q.Limit = defaultPageSize
	}
	before := sp.now().Add(-q.OlderThan).Unix()
	u, err := sp.st.UnactivatedBefore(ctx, before, q.Limit)
	if err != nil {
		return nil, err
	}
	orders, codes, err := sp.st.CountUnactivated(ctx, before)
	if err != nil {
		return nil, err
	}
	page := &UnactivatedPage{Entries: make([]UnactivatedView, 0, len(u.Orders)+len(u.Codes)), Total: orders + codes}
	type entry struct {
		since int64
		view  UnactivatedView
	}
	all := make([]entry, 0, len(u.Orders)+len(u.Codes))
	for _, o := range u.Orders {
		notified := RFC3339(o.NotifiedAt)
		all = append(all, entry{o.Since(), UnactivatedView{Kind: UnactivatedOrder, OrderID: o.OrderID,
			OrderLineID: o.OrderLineID, OrderType: o.OrderType, ProductID: o.ProductID, SKU: o.SKU,
			CustomerID: o.CustomerID, CustomerName: o.CustomerName, Since: RFC3339(o.Since()), NotifiedAt: &notified,
			ExpiresAt: OptRFC3339(o.ExpiresAt), RequestID: o.RequestID}})
	}
	for _, c := range u.Codes {
		all = append(all, entry{c.FirstAt, UnactivatedView{Kind: UnactivatedCode, OrderID: c.OrderID,
			CodeFingerprint: verifier.Fingerprint(c.Code), ProductID: c.ProductID, Since: RFC3339(c.FirstAt),
			Callbacks: c.Callbacks}})
	}
	slices.SortStableFunc(all, func(a, b entry) int { return cmp.Compare(a.since, b.since) })
	for _, e := range all[:min(len(all), q.Limit)] {
		page.Entries = append(page.Entries, e.view)
	}
	return page, nil
}
