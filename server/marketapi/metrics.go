package marketapi

import (
	"context"
	"errors"
	"log/slog"
	"strconv"
	"time"

	"github.com/licentia/licentia/server/koogallery"
	"github.com/prometheus/client_golang/prometheus"
)

// Metric names.
const (
	MetricCalls   = "licentia_koogallery_api_calls_total"
	MetricLatency = "licentia_koogallery_api_call_duration_seconds"
)

// Code labels of calls that got no documented code.
const (
	LabelUnreachable = "unreachable" // no answer arrived
	LabelUnreadable  = "unreadable"  // an answer below 500 without a code, or a success without readable data
	// A 5xx answer without a code is labelled http_<status>.
	LabelUnknownCode = "unknown_code" // a code the docs do not list (kept out of the label to bound its values)
	LabelCanceled    = "canceled"     // the caller's context ended first
)

type metrics struct {
	calls   *prometheus.CounterVec
	latency *prometheus.HistogramVec
}

// newMetrics builds the metrics and registers them on reg (nil: not registered). A collector already registered
// by another Client is shared.
func newMetrics(reg prometheus.Registerer) (*metrics, error) {
	m := &metrics{
		calls: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: MetricCalls, Help: "KooGallery OpenAPI calls made, by API and the marketplace's error code.",
		}, []string{"api", "code"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: MetricLatency, Help: "KooGallery OpenAPI call latency, retries included, by API.",
			Buckets: []float64{.01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30},
		}, []string{"api"}),
	}
	if reg == nil {
		return m, nil
	}
	var err error
	if m.calls, err = register(reg, m.calls); err != nil {
		return nil, err
	}
	if m.latency, err = register(reg, m.latency); err != nil {
		return nil, err
	}
	return m, nil
}

func register[C prometheus.Collector](reg prometheus.Registerer, c C) (C, error) {
	err := reg.Register(c)
	var are prometheus.AlreadyRegisteredError
	if errors.As(err, &are) {
		if existing, ok := are.ExistingCollector.(C); ok {
			return existing, nil
		}
	}
	return c, err
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
	c.metrics.calls.WithLabelValues(string(api), code).Inc()
	c.metrics.latency.WithLabelValues(string(api)).Observe(d.Seconds())

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
