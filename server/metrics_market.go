package server

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/licentia/licentia/server/koogallery"
	"github.com/licentia/licentia/server/marketapi"
)

// Metrics of the marketplace's OpenAPI client, counted on the HTTP side: package marketapi tells its Observer.
const (
	MetricMarketCalls   = "licentia_koogallery_api_calls_total"
	MetricMarketLatency = "licentia_koogallery_api_call_duration_seconds"
)

// marketMetrics counts the OpenAPI client's calls (marketapi.Observer).
type marketMetrics struct {
	calls   *prometheus.CounterVec
	latency *prometheus.HistogramVec
}

// MarketMetrics returns the Observer of a marketapi.Client that counts its calls on reg, by API and code
// label (a bounded set: the codes the pages document and marketapi's Label* values), with their latency.
// serve registers them on the registry it passes as Config.Registry, so /metrics shows them.
func MarketMetrics(reg prometheus.Registerer) marketapi.Observer {
	m := &marketMetrics{
		calls: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: MetricMarketCalls, Help: "KooGallery OpenAPI calls made, by API and the marketplace's error code.",
		}, []string{"api", "code"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: MetricMarketLatency, Help: "KooGallery OpenAPI call latency, retries included, by API.",
			Buckets: []float64{.01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30},
		}, []string{"api"}),
	}
	reg.MustRegister(m.calls, m.latency)
	return m
}

// MarketCall counts one OpenAPI call.
func (m *marketMetrics) MarketCall(api koogallery.API, code string, d time.Duration) {
	m.calls.WithLabelValues(string(api), code).Inc()
	m.latency.WithLabelValues(string(api)).Observe(d.Seconds())
}
