package marketapi

import (
	"context"
	"errors"
	"log/slog"
	"strconv"
	"time"

	"github.com/licentia/licentia/server/koogallery"
)

// Code labels of calls that got no documented code.
const (
	LabelUnreachable = "unreachable" // no answer arrived
	LabelUnreadable  = "unreadable"  // an answer below 500 without a code, or a success without readable data
	// A 5xx answer without a code is labelled http_<status>.
	LabelUnknownCode = "unknown_code" // a code the docs do not list (kept out of the label to bound its values)
	LabelCanceled    = "canceled"     // the caller's context ended first
)

// Observer is told of every call to the marketplace, once it is done: its API, its code label (a code the
// pages document, or one of the Label* values: a bounded set) and how long it took, retries included. The
// HTTP side counts them as metrics. It must be safe for concurrent use and must not block.
type Observer interface {
	MarketCall(api koogallery.API, code string, d time.Duration)
}

// codeLabel returns the code label of a call's outcome.
func codeLabel(ctx context.Context, res result, err error) string {
	if res.code != "" {
		switch _, ok := koogallery.LookupCode(res.code); {
		case !ok:
			return LabelUnknownCode
		case err != nil && isSuccess(res.code):
			return LabelUnreadable
		}
		return res.code
	}
	switch {
	case ctx.Err() != nil:
		return LabelCanceled
	case res.status == 0:
		return LabelUnreachable
	case res.status >= 500 && res.status <= 599:
		return "http_" + strconv.Itoa(res.status)
	}
	return LabelUnreadable
}

// record counts and logs one call. The log carries the API, code, HTTP status, attempts, latency and host,
// never the request (licence codes, credentials, the Authorization header) nor the marketplace's message.
func (c *Client) record(ctx context.Context, api koogallery.API, res result, attempts int, d time.Duration, err error) {
	code := codeLabel(ctx, res, err)
	if c.cfg.Observer != nil {
		c.cfg.Observer.MarketCall(api, code, d)
	}

	attrs := []slog.Attr{
		slog.String("api", string(api)), slog.String("code", code), slog.Int("status", res.status),
		slog.Int("attempts", attempts), slog.Duration("duration", d),
	}
	if res.base != nil {
		attrs = append(attrs, slog.String("host", res.base.Host))
	}
	level := slog.LevelInfo
	if err != nil {
		var oe *Error
		if errors.As(err, &oe) && oe.Kind != nil {
			attrs = append(attrs, slog.String("error", oe.Kind.Error()))
		}
		if errors.As(err, &oe) && oe.Err != nil {
			attrs = append(attrs, slog.String("cause", oe.Err.Error()))
		}
		if errors.Is(err, ErrUnavailable) || errors.Is(err, ErrProtocol) || errors.Is(err, ErrAuth) {
			level = slog.LevelWarn
		}
	}
	c.cfg.Logger.LogAttrs(ctx, level, "koogallery openapi call", attrs...)
}
