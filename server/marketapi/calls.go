package marketapi

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"
	"unicode"

	"github.com/licentia/licentia/server/koogallery"
)

// Activation is what a successful v1 activate reports, from license_code_info.
type Activation struct {
	Status string // ALIVE on success
	// ExpiresAt is the marketplace's estimate of the expiry, zero when absent or unreadable; Query is
	// authoritative.
	ExpiresAt time.Time
	ProductID string
	OrderID   string
	Amount    koogallery.Number
}

// Activate activates a licence code with the v1 API. effective, when not zero, is sent as real_effect_time (the
// software's start; not before the order). It returns an *Error wrapping ErrAlreadyActive (92020003),
// ErrNotReceived (92020004), ErrUnknownCode (92020005), ErrInvalidParam, ErrInternal, ErrAuth, ErrThrottled,
// ErrUnavailable or ErrProtocol; a code refused before sending wraps ErrInvalidParam.
func (c *Client) Activate(ctx context.Context, code string, effective time.Time) (*Activation, error) {
	if err := checkID("licence code", code, koogallery.MaxCodeLen); err != nil {
		return nil, fmt.Errorf("koogallery openapi activate: %w", err)
	}
	req, err := jsonRequest(koogallery.APIActivate, koogallery.PathActivate,
		koogallery.ActivateRequest{License: code, RealEffectTime: formatEffective(effective)})
	if err != nil {
		return nil, err
	}
	var out Activation
	err = c.do(ctx, req, func(body []byte) error {
		var ans koogallery.ActivateAnswer
		if err := json.Unmarshal(body, &ans); err != nil {
			return err
		}
		if ans.Data == nil {
			return nil // data is optional in the docs
		}
		info, err := ans.Data.Info()
		if err != nil {
			return err
		}
		out = Activation{Status: info.Status, ProductID: info.ProductID, OrderID: info.OrderID, Amount: info.Amount}
		out.ExpiresAt, _ = parseTime(info.ExpireTime)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// ActivateBatch activates up to koogallery.MaxBatch codes with the v2 API, whose success carries no data. It
// returns the errors of Activate, and ErrInvalidCodes (92020020) when the batch holds invalid codes.
func (c *Client) ActivateBatch(ctx context.Context, codes []string, effective time.Time) error {
	if len(codes) == 0 || len(codes) > koogallery.MaxBatch {
		return fmt.Errorf("koogallery openapi activate_batch: %d codes, want 1 to %d: %w",
			len(codes), koogallery.MaxBatch, ErrInvalidParam)
	}
	for i, code := range codes {
		if err := checkID("licence code", code, koogallery.MaxCodeLen); err != nil {
			return fmt.Errorf("koogallery openapi activate_batch: code %d: %w", i+1, err)
		}
	}
	req, err := jsonRequest(koogallery.APIActivateBatch, koogallery.PathActivateBatch,
		koogallery.ActivateBatchRequest{LicenseList: codes, RealEffectTime: formatEffective(effective)})
	if err != nil {
		return err
	}
	return c.do(ctx, req, func([]byte) error { return nil })
}

// Status is what the query (heartbeat) reports about a licence code.
type Status struct {
	// Status is license.MarketAlive, MarketExpired or MarketReleased, or a value added to the API later.
	Status      string
	ActivatedAt time.Time // zero when absent
	ExpiresAt   time.Time // zero when absent or unreadable
	// Unreadable names the optional fields that came in a form no page prints, with their values; they are
	// left zero and the caller logs them: an unexpected time format must not block activation or refresh.
	Unreadable []string
	// Data is the data object as received, with any fields added to the API later.
	Data json.RawMessage
}

// Query asks the marketplace for a licence code's status and expiry (the daily query, formerly heartbeat). It
// returns an *Error wrapping ErrNotActivated (92020011), ErrUnknownCode, ErrInvalidParam, ErrInternal, ErrAuth,
// ErrThrottled, ErrUnavailable or ErrProtocol (also for an answer without data or status). An optional time it
// cannot read is left zero and named in Unreadable.
func (c *Client) Query(ctx context.Context, code string) (*Status, error) {
	if err := checkID("licence code", code, koogallery.MaxCodeLen); err != nil {
		return nil, fmt.Errorf("koogallery openapi query: %w", err)
	}
	req, err := jsonRequest(koogallery.APIQuery, koogallery.PathQuery, koogallery.QueryRequest{License: code})
	if err != nil {
		return nil, err
	}
	var out Status
	err = c.do(ctx, req, func(body []byte) error {
		var ans struct {
			Data json.RawMessage `json:"data"`
		}
		var info koogallery.LicenseInfo
		err := json.Unmarshal(body, &ans)
		if err != nil {
			return err
		}
		if len(ans.Data) == 0 || string(ans.Data) == "null" {
			return errors.New("query answer without data")
		}
		if err = json.Unmarshal(ans.Data, &info); err != nil {
			return err
		}
		if info.Status == "" {
			return errors.New("query answer without status")
		}
		out = Status{Status: info.Status, Data: ans.Data}
		if out.ActivatedAt, err = parseTime(info.ActivateTime); err != nil {
			out.Unreadable = append(out.Unreadable, "activate_time: "+err.Error())
		}
		if out.ExpiresAt, err = parseTime(info.ExpireTime); err != nil {
			out.Unreadable = append(out.Unreadable, "expire_time: "+err.Error())
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// QueryOrder fetches an order (and, when orderLineID is not empty, only that line). It returns an *Error
// wrapping ErrUnknownOrder (MKT.9001), ErrInvalidParam, ErrAuth, ErrThrottled, ErrUnavailable or ErrProtocol
// (also for a success without orderInfo).
func (c *Client) QueryOrder(ctx context.Context, orderID, orderLineID string) (*koogallery.OrderInfo, error) {
	if err := checkID("order id", orderID, koogallery.MaxOrderIDLen); err != nil {
		return nil, fmt.Errorf("koogallery openapi query_order: %w", err)
	}
	q := url.Values{koogallery.ParamOrderID: {orderID}}
	if orderLineID != "" {
		if err := checkID("order line id", orderLineID, koogallery.MaxOrderIDLen); err != nil {
			return nil, fmt.Errorf("koogallery openapi query_order: %w", err)
		}
		q.Set(koogallery.ParamOrderLineID, orderLineID)
	}
	req := request{api: koogallery.APIQueryOrder, method: http.MethodGet, path: koogallery.PathQueryOrder,
		query: q, contentType: "application/json"}
	var out koogallery.OrderInfo
	err := c.do(ctx, req, func(body []byte) error {
		var ans koogallery.OrderAnswer
		if err := json.Unmarshal(body, &ans); err != nil {
			return err
		}
		if ans.OrderInfo == nil {
			return errors.New("order answer without orderInfo")
		}
		out = *ans.OrderInfo
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// checkID refuses an empty identifier, one longer than max characters, or one with control characters or
// surrounding spaces. It wraps ErrInvalidParam.
func checkID(what, s string, max int) error {
	switch {
	case s == "":
		return fmt.Errorf("%s empty: %w", what, ErrInvalidParam)
	case koogallery.CharacterCount(s) > max:
		return fmt.Errorf("%s over %d characters: %w", what, max, ErrInvalidParam)
	case strings.TrimSpace(s) != s || strings.IndexFunc(s, unicode.IsControl) >= 0:
		return fmt.Errorf("%s has spaces around it or control characters: %w", what, ErrInvalidParam)
	}
	return nil
}

func formatEffective(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return koogallery.FormatTime(t)
}

// parseTime reads a marketplace time in any form the pages print (koogallery.ParseAnyTime): empty gives zero.
func parseTime(s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	return koogallery.ParseAnyTime(s)
}
