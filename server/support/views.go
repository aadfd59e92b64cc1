package support

import (
	"encoding/base64"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/licentia/licentia/server/licensing"
	"github.com/licentia/licentia/verifier/online"

	"github.com/licentia/licentia/server/store"
	"github.com/licentia/licentia/verifier"
)

// The JSON shapes of the admin API. The CLI prints the same values for --json, locally and remotely.
// Times are RFC 3339 UTC strings; an absent expiry (a perpetual license) is null.

// LicenseView is a license as support staff see it. The whole code (a bearer credential) and the bound
// marketplace code appear only when revealed.
type LicenseView struct {
	ID              string  `json:"id"`
	OrderID         string  `json:"order_id"`
	OrderLineID     string  `json:"order_line_id,omitempty"`
	Flow            string  `json:"flow"`
	ProductID       string  `json:"product_id"`
	SKU             string  `json:"sku,omitempty"`
	CustomerID      string  `json:"customer_id,omitempty"`
	CustomerName    string  `json:"customer_name,omitempty"`
	Quantity        int64   `json:"quantity,omitempty"`
	PeriodType      string  `json:"period_type,omitempty"`
	PeriodNumber    int64   `json:"period_number,omitempty"`
	Status          string  `json:"status"`
	StartsAt        string  `json:"starts_at"`
	ExpiresAt       *string `json:"expires_at"`
	Generation      int64   `json:"generation"`
	ChangedAt       string  `json:"changed_at"`
	CreatedAt       string  `json:"created_at"`
	KeyID           string  `json:"key_id"`
	CodeFingerprint string  `json:"code_fingerprint"`
	Code            string  `json:"code,omitempty"`
	MarketCode      string  `json:"market_code,omitempty"`
}

// NewLicenseView returns the view of l; reveal includes the whole code and the bound marketplace code.
func NewLicenseView(l *store.License, reveal bool) LicenseView {
	v := LicenseView{
		ID: l.ID, OrderID: l.OrderID, OrderLineID: l.OrderLineID, Flow: l.Flow, ProductID: l.ProductID,
		SKU: l.SKU, CustomerID: l.CustomerID, CustomerName: l.CustomerName, Quantity: l.Quantity,
		PeriodType: l.PeriodType, PeriodNumber: l.PeriodNumber, Status: l.Status, StartsAt: RFC3339(l.StartsAt),
		ExpiresAt: OptRFC3339(l.ExpiresAt), Generation: l.Generation, ChangedAt: RFC3339(l.ChangedAt),
		CreatedAt: RFC3339(l.CreatedAt), KeyID: l.KeyID, CodeFingerprint: verifier.Fingerprint(l.Code),
	}
	if reveal {
		v.Code, v.MarketCode = l.Code, l.MarketCode
	}
	return v
}

// LicensePage is one page of a license listing. NextCursor, when set, fetches the next page.
type LicensePage struct {
	Licenses   []LicenseView `json:"licenses"`
	NextCursor string        `json:"next_cursor,omitempty"`
}

// Detail answers "show": the license with the claims of its current code and, when the reference was a
// pasted code, what that code is.
type Detail struct {
	// License is the license; nil only when a pasted code names a license this server does not hold.
	License *LicenseView `json:"license,omitempty"`
	// Claims are the claims of the license's current code.
	Claims *verifier.Claims `json:"claims,omitempty"`
	// Presented describes the pasted code, when the reference was one.
	Presented *CodeView `json:"presented,omitempty"`
	// Uploads are the license's newest uploads to the marketplace (G1b getLicenseAsync), dead-lettered ones
	// included.
	Uploads []UploadView `json:"uploads,omitempty"`
	// Usage is where the marketplace's daily usage report of the license's marketplace code stands; absent
	// for a license without one.
	Usage *UsageView `json:"usage,omitempty"`
	// Seats is the license's seat limit and seats in use (absent when License is).
	Seats *SeatUse `json:"seats,omitempty"`
}

// CodeView describes a code someone presented.
type CodeView struct {
	// Fingerprint identifies the code without revealing it.
	Fingerprint string `json:"fingerprint"`
	// KeyID is the "kid" header (authenticated only when Genuine).
	KeyID string `json:"key_id,omitempty"`
	// Genuine is true when the signature verifies with a key of the ring (active or retired).
	Genuine bool `json:"genuine"`
	// Verdict is what an offline verifier with no revocation list says now: "valid" or a reason such as
	// "expired", "bad_signature", "revoked", "inactive" (see verifier.Reason).
	Verdict string `json:"verdict"`
	// Current is true when it is the license's current code.
	Current bool `json:"current"`
	// Superseded is true when the license has a newer generation, so the revocation list rejects it.
	Superseded bool `json:"superseded"`
	// Claims are the decoded claims; do not trust them unless Genuine.
	Claims *verifier.Claims `json:"claims,omitempty"`
}

// EventView is one entry of a license's history.
type EventView struct {
	ID            int64   `json:"id"`
	At            string  `json:"at"`
	Source        string  `json:"source"`
	Actor         string  `json:"actor"`
	Action        string  `json:"action"`
	Activity      string  `json:"activity,omitempty"`
	Scene         string  `json:"scene,omitempty"`
	OrderID       string  `json:"order_id,omitempty"`
	OrderLineID   string  `json:"order_line_id,omitempty"`
	Reason        string  `json:"reason,omitempty"`
	RequestID     string  `json:"request_id,omitempty"`
	BeforeStatus  string  `json:"before_status,omitempty"`
	AfterStatus   string  `json:"after_status"`
	BeforeExpires *string `json:"before_expires"`
	AfterExpires  *string `json:"after_expires"`
	Generation    int64   `json:"generation"`
}

// History is a license's audit log, oldest first.
type History struct {
	LicenseID string      `json:"license_id"`
	Events    []EventView `json:"events"`
}

func newEventView(e *store.Event) EventView {
	return EventView{
		ID: e.ID, At: RFC3339(e.At), Source: e.Source, Actor: e.Actor, Action: e.Action, Activity: e.Activity,
		Scene: e.Scene, OrderID: e.OrderID, OrderLineID: e.OrderLineID, Reason: e.Reason, RequestID: e.RequestID,
		BeforeStatus: e.BeforeStatus, AfterStatus: e.AfterStatus, BeforeExpires: OptRFC3339(e.BeforeExpires),
		AfterExpires: OptRFC3339(e.AfterExpires), Generation: e.Generation,
	}
}

// Change is the outcome of a reissue or revoke.
type Change struct {
	// License is the license after the operation.
	License LicenseView `json:"license"`
	// Changed is false when there was nothing to do (revoking a revoked license).
	Changed bool `json:"changed"`
	// PreviousGeneration is the generation before the operation; codes up to it are superseded.
	PreviousGeneration int64 `json:"previous_generation"`
	// SeatsFreed counts the seats a reissue with free seats freed.
	SeatsFreed int64 `json:"seats_freed,omitempty"`
}

// ChangeRequest asks for a reissue or revoke. It is the admin API's request body; Actor is filled in by
// whoever authenticated the caller (the admin token's name, or the local CLI user).
type ChangeRequest struct {
	// Reason is recorded in the audit log; it is required.
	Reason string `json:"reason"`
	// Reveal returns the whole new code.
	Reveal bool `json:"reveal,omitempty"`
	// FreeSeats (a reissue only) also frees every seat of the license.
	FreeSeats bool `json:"free_seats,omitempty"`
	// Actor is who asks; it is never read from the request body.
	Actor licensing.Actor `json:"-"`
}

// LookupRequest is the body of POST /admin/v1/lookup: a reference that may be a whole code, which must
// not travel in a URL.
type LookupRequest struct {
	Ref    string `json:"ref"`
	Reveal bool   `json:"reveal,omitempty"`
}

// ActivationRequest asks for a License 2.0 code's activation: the body of POST /v1/activations and POST
// /admin/v1/activations.
type ActivationRequest struct {
	// Code is the license code KooGallery showed the buyer.
	Code string `json:"code"`
	// Deployment optionally names the installation (a string is its id alone): the license then takes a seat
	// for it and the answer is the code bound to it.
	Deployment *verifier.Deployment `json:"deployment,omitempty"`
	// Actor is who asks; it is never read from the request body.
	Actor licensing.Actor `json:"-"`
}

// ListQuery selects licenses for a listing. Zero fields match everything.
type ListQuery struct {
	Order, Customer, Product, Status string
	// ExpiringWithin keeps licenses whose expiry is before now plus it (those already expired
	// included); perpetual licenses never match.
	ExpiringWithin time.Duration
	// Limit is the page size (default 50, at most 1000).
	Limit int
	// Cursor is the NextCursor of the previous page.
	Cursor string
}

// Page size bounds of a listing.
const (
	defaultPageSize = 50
	maxPageSize     = 1000
)

// ParseListQuery reads a ListQuery from the admin API's query parameters: order, customer, product,
// status, expiring_within (see ParseWithin), limit, cursor. Its errors are *licensing.RequestError.
func ParseListQuery(v url.Values) (ListQuery, error) {
	q := ListQuery{Order: v.Get("order"), Customer: v.Get("customer"), Product: v.Get("product"),
		Status: v.Get("status"), Cursor: v.Get("cursor")}
	if s := v.Get("expiring_within"); s != "" {
		d, err := ParseWithin(s)
		if err != nil {
			return ListQuery{}, err
		}
		q.ExpiringWithin = d
	}
	if s := v.Get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil {
			return ListQuery{}, licensing.BadRequest("limit %q is not a number", s)
		}
		q.Limit = n
	}
	return q, q.check()
}

// Values returns q as the admin API's query parameters.
func (q ListQuery) Values() url.Values {
	v := url.Values{}
	set := func(k, s string) {
		if s != "" {
			v.Set(k, s)
		}
	}
	set("order", q.Order)
	set("customer", q.Customer)
	set("product", q.Product)
	set("status", q.Status)
	set("cursor", q.Cursor)
	if q.ExpiringWithin != 0 {
		v.Set("expiring_within", q.ExpiringWithin.String())
	}
	if q.Limit != 0 {
		v.Set("limit", strconv.Itoa(q.Limit))
	}
	return v
}

// check validates q; its errors are *licensing.RequestError.
func (q *ListQuery) check() error {
	switch q.Status {
	case "", verifier.StatusActive, verifier.StatusFrozen, verifier.StatusReleased, verifier.StatusRevoked:
	default:
		return licensing.BadRequest("status %q: want active, frozen, released or revoked", q.Status)
	}
	if q.ExpiringWithin < 0 {
		return licensing.BadRequest("expiring within %s: want a positive duration", q.ExpiringWithin)
	}
	if q.Limit < 0 || q.Limit > maxPageSize {
		return licensing.BadRequest("limit %d: want 1 to %d", q.Limit, maxPageSize)
	}
	if _, err := decodeCursor(q.Cursor); err != nil {
		return err
	}
	return nil
}

// ParseWithin parses a duration for "expiring within": Go syntax (72h, 90m) or whole days (30d). Its
// errors are *licensing.RequestError.
func ParseWithin(s string) (time.Duration, error) {
	if days, ok := strings.CutSuffix(s, "d"); ok {
		n, err := strconv.Atoi(days)
		if err != nil || n <= 0 || n > 100*366 {
			return 0, licensing.BadRequest("duration %q: want e.g. 30d, 72h", s)
		}
		return time.Duration(n) * 24 * time.Hour, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil || d <= 0 {
		return 0, licensing.BadRequest("duration %q: want e.g. 30d, 72h", s)
	}
	return d, nil
}

func encodeCursor(id string) string { return base64.RawURLEncoding.EncodeToString([]byte(id)) }

func decodeCursor(c string) (string, error) {
	b, err := base64.RawURLEncoding.DecodeString(c)
	if err != nil {
		return "", licensing.BadRequest("cursor %q is not one this server gave out", c)
	}
	return string(b), nil
}

// RFC3339 formats unix seconds as the views do: an RFC 3339 UTC time.
func RFC3339(unix int64) string { return time.Unix(unix, 0).UTC().Format(time.RFC3339) }

// OptRFC3339 is RFC3339 for an optional time (an expiry): nil for 0.
func OptRFC3339(unix int64) *string {
	if unix == 0 {
		return nil
	}
	s := RFC3339(unix)
	return &s
}

// CodeAnswer is the answer that gives a license's current code — refresh (POST /v1/codes/refresh),
// activation (POST /v1/activations, the admin API, `licentia codes activate`) — with what it says.
func CodeAnswer(l *store.License) online.CodeResponse {
	return online.CodeResponse{Code: l.Code, LicenseID: l.ID, Generation: l.Generation, Status: l.Status,
		ExpiresAt: OptRFC3339(l.ExpiresAt)}
}
