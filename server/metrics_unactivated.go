package server

import (
	"context"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// unactivatedAges are the upper bounds of the age buckets of licentia_unactivated_orders; the last bucket
// holds everything older than the last bound.
var unactivatedAges = []struct {
	label string
	below time.Duration
}{
	{"under_1d", 24 * time.Hour},
	{"1d_to_3d", 3 * 24 * time.Hour},
	{"3d_to_7d", 7 * 24 * time.Hour},
	{"7d_to_30d", 30 * 24 * time.Hour},
}

// unactivatedOlder is the label of the last bucket.
const unactivatedOlder = "over_30d"

// Bounds on what a scrape of the gauge may cost the database: counts are computed at most once a minute,
// each computation within 2 s; a scrape in between shows the last counts.
const (
	unactivatedEvery   = time.Minute
	unactivatedTimeout = 2 * time.Second
)

// unactivatedCollector exports licentia_unactivated_orders{age}: the paid entitlements waiting for an
// activation (support.Desk.Unactivated: notified orders no license carries, License 2.0 codes with kept
// callbacks) by how long they have waited. It counts at scrape time, at most once per unactivatedEvery.
type unactivatedCollector struct {
	s    *Server
	desc *prometheus.Desc

	mu     sync.Mutex
	at     time.Time // when counts were computed; zero before the first success
	counts []int64
}

func newUnactivatedCollector(s *Server) *unactivatedCollector {
	return &unactivatedCollector{s: s, desc: prometheus.NewDesc("licentia_unactivated_orders",
		"Paid orders and License 2.0 codes waiting for their activation, by how long they have waited (counted at most once a minute).",
		[]string{"age"}, nil)}
}

// Describe implements prometheus.Collector.
func (c *unactivatedCollector) Describe(ch chan<- *prometheus.Desc) { ch <- c.desc }

// Collect implements prometheus.Collector.
func (c *unactivatedCollector) Collect(ch chan<- prometheus.Metric) {
	c.mu.Lock()
	defer c.mu.Unlock()
	now := c.s.now()
	if c.at.IsZero() || now.Sub(c.at) >= unactivatedEvery || now.Before(c.at) {
		ctx, cancel := context.WithTimeout(context.Background(), unactivatedTimeout)
		counts, err := c.count(ctx, now)
		cancel()
		if err != nil {
			c.s.log.Warn("counting unactivated orders for the metrics", "err", err)
		} else {
			c.at, c.counts = now, counts
		}
	}
	if c.counts == nil {
		return
	}
	for i, a := range unactivatedAges {
		ch <- prometheus.MustNewConstMetric(c.desc, prometheus.GaugeValue, float64(c.counts[i]), a.label)
	}
	ch <- prometheus.MustNewConstMetric(c.desc, prometheus.GaugeValue, float64(c.counts[len(unactivatedAges)]), unactivatedOlder)
}

// count returns one count per bucket: atLeast[i] counts what has waited at least the bound below bucket i.
func (c *unactivatedCollector) count(ctx context.Context, now time.Time) ([]int64, error) {
	atLeast := make([]int64, len(unactivatedAges)+1)
	for i := range atLeast {
		var age time.Duration
		if i > 0 {
			age = unactivatedAges[i-1].below
		}
		orders, codes, err := c.s.st.CountUnactivated(ctx, now.Add(-age).Unix())
		if err != nil {
			return nil, err
		}
		atLeast[i] = orders + codes
	}
	counts := make([]int64, len(atLeast))
	for i := range unactivatedAges {
		counts[i] = max(atLeast[i]-atLeast[i+1], 0)
	}
	counts[len(unactivatedAges)] = atLeast[len(unactivatedAges)]
	return counts, nil
}
