package marketapi

import (
	"context"
	"fmt"

	"github.com/licentia/licentia/server/koogallery"
)

// UsageReport is the usage of one licence code for the usage report (授权码软件使用统计, topic
// 0000002290055385): either the ids of the clients that used it (IDs, 1 to koogallery.MaxUsageItems, each 1 to
// koogallery.MaxUsageIDLen characters: the marketplace counts the distinct ones) or the day's total of active
// clients (ActiveNum, 1 to koogallery.MaxActiveNum) — never both, as the page requires of each item.
type UsageReport struct {
	Code      string
	IDs       []string
	ActiveNum int64
}

// CheckUsage refuses a report the marketplace would refuse: an empty or over-long code, neither or both of IDs
// and ActiveNum, too many ids, an empty or over-long id, an active_num out of range. It wraps ErrInvalidParam.
func CheckUsage(r UsageReport) error {
	if err := checkID("licence code", r.Code, koogallery.MaxCodeLen); err != nil {
		return err
	}
	switch {
	case len(r.IDs) == 0 && r.ActiveNum == 0:
		return fmt.Errorf("usage of a code carries neither ids nor active_num: %w", ErrInvalidParam)
	case len(r.IDs) > 0 && r.ActiveNum != 0:
		return fmt.Errorf("usage of a code carries both ids and active_num: %w", ErrInvalidParam)
	case len(r.IDs) > koogallery.MaxUsageItems:
		return fmt.Errorf("usage of a code carries %d ids, want at most %d: %w",
			len(r.IDs), koogallery.MaxUsageItems, ErrInvalidParam)
	case r.ActiveNum < 0 || r.ActiveNum > koogallery.MaxActiveNum:
		return fmt.Errorf("active_num %d, want 1 to %d: %w", r.ActiveNum, koogallery.MaxActiveNum, ErrInvalidParam)
	}
	for i, id := range r.IDs {
		if err := checkID(fmt.Sprintf("client id %d", i+1), id, koogallery.MaxUsageIDLen); err != nil {
			return err
		}
	}
	return nil
}

// ReportUsage sends the usage report of up to koogallery.MaxUsageCodes codes, each named once, in one call. A
// batch out of those bounds, or with a report CheckUsage refuses, is refused before sending with
// ErrInvalidParam. The marketplace's refusals are those of the other licence-code calls: an *Error wrapping
// ErrInvalidParam, ErrInvalidCodes, ErrUnknownCode, ErrNotActivated, ErrInternal, ErrAuth, ErrThrottled,
// ErrUnavailable or ErrProtocol.
//
// Both kinds of report are safe to send again after an answer was lost: ids are counted once each and
// active_num is the day's total, not an increment.
func (c *Client) ReportUsage(ctx context.Context, reports []UsageReport) error {
	body, err := usageRequest(reports)
	if err != nil {
		return fmt.Errorf("koogallery openapi %s: %w", koogallery.APIUsage, err)
	}
	req, err := jsonRequest(koogallery.APIUsage, koogallery.PathUsage, body)
	if err != nil {
		return err
	}
	return c.do(ctx, req, func([]byte) error { return nil })
}

// usageRequest checks the reports and builds the request body.
func usageRequest(reports []UsageReport) (*koogallery.UsageRequest, error) {
	if len(reports) == 0 || len(reports) > koogallery.MaxUsageCodes {
		return nil, fmt.Errorf("%d codes, want 1 to %d: %w", len(reports), koogallery.MaxUsageCodes, ErrInvalidParam)
	}
	seen := make(map[string]bool, len(reports))
	body := &koogallery.UsageRequest{UsageInfo: make([]koogallery.Usage, 0, len(reports))}
	for i, r := range reports {
		if err := CheckUsage(r); err != nil {
			return nil, fmt.Errorf("code %d: %w", i+1, err)
		}
		if seen[r.Code] {
			return nil, fmt.Errorf("code %d is named twice in one report: %w", i+1, ErrInvalidParam)
		}
		seen[r.Code] = true
		u := koogallery.Usage{License: r.Code}
		if r.ActiveNum > 0 {
			n := r.ActiveNum
			u.SoftwareUsageInfo = []koogallery.SoftwareUsageInfo{{ActiveNum: &n}}
		} else {
			for _, id := range r.IDs {
				u.SoftwareUsageInfo = append(u.SoftwareUsageInfo, koogallery.SoftwareUsageInfo{ID: id})
			}
		}
		body.UsageInfo = append(body.UsageInfo, u)
	}
	return body, nil
}
