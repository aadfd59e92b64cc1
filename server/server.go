// Package server is licentia's HTTP side, a thin adapter over licensing.Service and support.Desk: the
// KooGallery production interface (License 1.0 GET callbacks and the signed POST callbacks; production.go,
// callbacks.go, instances.go), the buyer API and page (refresh.go, activation.go, revocations.go, buyer.go), the
// admin API (admin.go, auth.go), public key and health endpoints, and Prometheus metrics. Handlers decode,
// call the application layer, and map its errors through two tables: errorStatus (HTTP) and resultCode
// (marketplace result codes).
package server

import (
	"errors"
	"log/slog"
	"net/http"
	"net/netip"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/licentia/licentia/keys"
	"github.com/licentia/licentia/server/license"
	"github.com/licentia/licentia/server/licensing"
	"github.com/licentia/licentia/server/marketapi"
	"github.com/licentia/licentia/server/store"
)

// Config is the server's configuration.
type Config struct {
	// KooGalleryKeys are the access keys from the seller console. Any of them authenticates a request
	// (key rotation); answers are signed with the one that did.
	KooGalleryKeys []string
	// CallbackPath is the production path registered with KooGallery (default /koogallery/license).
	CallbackPath string
	// TimestampWindow is how far a signed POST's timestamp may be from now (default 60 s).
	TimestampWindow time.Duration
	// LegacyWindow is how old a License 1.0 timeStamp may be (default 24 h); it may be at most 5 minutes
	// ahead. The marketplace resends a failed getLicense hourly for 3 hours, and support staff may restart a
	// failed call from the seller console later; a URL older than the window is refused, so a captured one
	// cannot be replayed for ever.
	LegacyWindow time.Duration
	// TrustedProxies are the load balancers in front of licentia. For requests from them, rate limits
	// count the client address in X-Forwarded-For instead of the proxy's own, and a well-formed
	// X-Request-Id is kept as the request's id; from anyone else both headers are ignored.
	TrustedProxies []netip.Prefix
	// Market is the client of the marketplace's OpenAPI (License 2.0 activation and query, the G1b upload and
	// the order query); nil when the server has no AK/SK, and activation then answers 503.
	Market *marketapi.Client
	// Activation bounds what License 2.0 activation may cost the marketplace (zero fields: the defaults).
	Activation licensing.ActivationLimits
	// Registry receives the server's metrics (default: a new one); pass the one the Market client registers
	// on, so that /metrics shows both.
	Registry *prometheus.Registry
	// MaxConnsPerClient is how many connections one client address (IPv6: one /64) may hold open at once
	// on a Listener; trusted proxies are not limited. 0: no limit. serve uses DefaultMaxConnsPerClient.
	MaxConnsPerClient int
	// SeparateMetrics leaves /metrics out of Handler: the caller serves MetricsHandler on a listener of
	// its own (serve --metrics-addr), so the public listener never shows it.
	SeparateMetrics bool
	// Now is the clock (default time.Now).
	Now func() time.Time
}

// Validate checks the configuration and fills in defaults.
func (c *Config) Validate() error {
	if len(c.KooGalleryKeys) == 0 {
		return errors.New("no KooGallery access key configured (set LICENTIA_KOOGALLERY_KEY, or LICENTIA_KOOGALLERY_KEY_FILE to a file holding it)")
	}
	for _, k := range c.KooGalleryKeys {
		if k == "" {
			return errors.New("empty KooGallery access key in LICENTIA_KOOGALLERY_KEY / --koogallery-key-file")
		}
	}
	if c.CallbackPath == "" {
		c.CallbackPath = "/koogallery/license"
	}
	if c.CallbackPath[0] != '/' {
		return errors.New("callback path must start with /")
	}
	if c.TimestampWindow <= 0 {
		c.TimestampWindow = 60 * time.Second
	}
	if c.LegacyWindow <= 0 {
		c.LegacyWindow = 24 * time.Hour
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	return c.Activation.Validate()
}

// Server serves licentia's HTTP interface.
type Server struct {
	cfg     Config
	svc     *licensing.Service
	st      *store.Store
	is      *license.Issuer
	ring    *keys.Ring
	log     *slog.Logger
	metrics *metrics
	answers answerCache
	ids     *requestIDs
	router  chi.Routes // the routes front serves
	handler http.Handler
	methods *methodGate
}

// New returns a Server, with the licensing.Service its handlers call. cfg must have passed Validate.
func New(cfg Config, st *store.Store, ring *keys.Ring, is *license.Issuer, log *slog.Logger) *Server {
	s := &Server{cfg: cfg, st: st, is: is, ring: ring, log: log, metrics: newMetrics(cfg.Registry), ids: newRequestIDs()}
	svc, err := licensing.New(st, licensing.Options{Issuer: is, Market: cfg.Market, Activation: cfg.Activation,
		Observer: s.metrics, Log: log, Now: cfg.Now})
	if err != nil {
		panic(err) // cfg.Activation passed Validate
	}
	s.svc = svc
	s.metrics.reg.MustRegister(newUnactivatedCollector(s))
	s.handler = s.routes()
	return s
}

// Service returns the application layer the server's handlers call (its outbox runs beside the server:
// Service.RunOutbox).
func (s *Server) Service() *licensing.Service { return s.svc }

// Handler returns the HTTP handler.
func (s *Server) Handler() http.Handler { return s.handler }

// MetricsHandler returns the Prometheus /metrics handler.
func (s *Server) MetricsHandler() http.Handler {
	return promhttp.HandlerFor(s.metrics.reg, promhttp.HandlerOpts{})
}

// Registry returns the server's Prometheus registry.
func (s *Server) Registry() *prometheus.Registry { return s.metrics.reg }

func (s *Server) now() time.Time { return s.cfg.Now() }

type metrics struct {
	reg       *prometheus.Registry
	callbacks *prometheus.CounterVec
	latency   *prometheus.HistogramVec
	// callbackCount and latencyOf are the children of callbacks and latency by their label pairs.
	callbackCount *pairCounters
	latencyOf     *pairObservers
	issued        *prometheus.CounterVec
	refusedConns  prometheus.Counter
	// uploadsDead counts the dead-lettered uploads (as of the last outbox pass); uploadsDeadLettered counts
	// the uploads that were dead-lettered.
	uploadsDead         prometheus.Gauge
	uploadsDeadLettered prometheus.Counter
	// seats counts seat decisions by outcome (kept, taken, retaken, clone, exhausted).
	seats *prometheus.CounterVec
	// usageReports counts the uses of the usage report by result; usageDead the dead-lettered ones (as of the
	// last sender pass).
	usageReports *prometheus.CounterVec
	usageDead    prometheus.Gauge
}

func newMetrics(reg *prometheus.Registry) *metrics {
	if reg == nil {
		reg = prometheus.NewRegistry()
	}
	m := &metrics{
		reg: reg,
		callbacks: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "licentia_callbacks_total", Help: "KooGallery callbacks answered, by activity and result code.",
		}, []string{"activity", "result_code"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "licentia_http_request_duration_seconds", Help: "HTTP request latency by route.",
			Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5},
		}, []string{"route", "method"}),
		issued: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "licentia_codes_issued_total", Help: "Authorization codes signed, by the change that produced them.",
		}, []string{"action"}),
		refusedConns: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "licentia_connections_refused_total",
			Help: "Connections closed on accept because their client address already held its limit of open connections.",
		}),
		uploadsDead: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "licentia_uploads_dead", Help: "G1b license uploads the marketplace refused until their attempts ran out, waiting for support to retry them.",
		}),
		uploadsDeadLettered: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "licentia_uploads_dead_lettered_total", Help: "G1b license uploads dead-lettered after their last attempt.",
		}),
		seats: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "licentia_seat_decisions_total",
			Help: "Seat requests of deployments (activation, refresh, check-in), by outcome: kept, taken, retaken, clone (another machine claimed a held deployment id), exhausted.",
		}, []string{"outcome"}),
		usageReports: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: MetricUsageReports,
			Help: "Uses (marketplace code, deployment, UTC day) in usage reports to the marketplace, by result: accepted, retried, dead_lettered.",
		}, []string{"result"}),
		usageDead: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: MetricUsageDead, Help: "Uses the marketplace's usage report did not accept until their attempts ran out.",
		}),
	}
	for _, r := range []string{licensing.UsageAccepted, licensing.UsageRetried, licensing.UsageDeadLettered} {
		m.usageReports.WithLabelValues(r)
	}
	m.callbackCount = newLabelPairs(m.callbacks.WithLabelValues)
	m.latencyOf = newLabelPairs(m.latency.WithLabelValues)
	m.reg.MustRegister(m.callbacks, m.latency, m.issued, m.refusedConns, m.uploadsDead, m.uploadsDeadLettered, m.seats,
		m.usageReports, m.usageDead,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// Issued counts a code signed (licensing.Observer).
func (m *metrics) Issued(action string) { m.issued.WithLabelValues(action).Inc() }

// UploadDeadLettered counts an upload dead-lettered (licensing.Observer).
func (m *metrics) UploadDeadLettered() { m.uploadsDeadLettered.Inc() }

// UploadsDead sets the number of dead-lettered uploads (licensing.Observer).
func (m *metrics) UploadsDead(n int) { m.uploadsDead.Set(float64(n)) }

// Seat counts a seat decision (licensing.Observer).
func (m *metrics) Seat(outcome string) { m.seats.WithLabelValues(outcome).Inc() }

// Metrics of the usage report.
const (
	MetricUsageReports = "licentia_usage_reports_total"
	MetricUsageDead    = "licentia_usage_reports_dead"
)

// UsageReported counts uses of the usage report by result (licensing.Observer).
func (m *metrics) UsageReported(result string, n int) {
	m.usageReports.WithLabelValues(result).Add(float64(n))
}

// UsageDead sets the number of dead-lettered uses (licensing.Observer).
func (m *metrics) UsageDead(n int) { m.usageDead.Set(float64(n)) }
