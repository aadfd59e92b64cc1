package server

import (
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// TestMarketMetrics: the OpenAPI client's calls are counted by API and code, with their latency.
func TestMarketMetrics(t *testing.T) {
	reg := prometheus.NewRegistry()
	obs := MarketMetrics(reg)
	obs.MarketCall("activate", "92020000", 30*time.Millisecond)
	obs.MarketCall("activate", "92020000", 40*time.Millisecond)
	obs.MarketCall("query", "unreachable", time.Second)
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]float64{}
	for _, mf := range mfs {
		for _, m := range mf.GetMetric() {
			key := mf.GetName()
			for _, l := range m.GetLabel() {
				key += " " + l.GetName() + "=" + l.GetValue()
			}
			if c := m.GetCounter(); c != nil {
				got[key] = c.GetValue()
			}
			if h := m.GetHistogram(); h != nil {
				got[key] = float64(h.GetSampleCount())
			}
		}
	}
	want := map[string]float64{
		MetricMarketCalls + " api=activate code=92020000": 2,
		MetricMarketCalls + " api=query code=unreachable": 1,
		MetricMarketLatency + " api=activate":             2,
		MetricMarketLatency + " api=query":                1,
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s = %v, want %v (all: %v)", k, got[k], v, got)
		}
	}
}
