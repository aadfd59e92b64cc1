package server

import (
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
)

// counterValue is the value of c.
func counterValue(t *testing.T, c prometheus.Counter) float64 {
	t.Helper()
	var m dto.Metric
	if err := c.Write(&m); err != nil {
		t.Fatal(err)
	}
	return m.GetCounter().GetValue()
}

// TestLabelPairs: a pair's child is the vector's own, made once.
func TestLabelPairs(t *testing.T) {
	vec := prometheus.NewCounterVec(prometheus.CounterOpts{Name: "t_total", Help: "t"}, []string{"a", "b"})
	p := newLabelPairs(vec.WithLabelValues)
	p.get("x", "1").Inc()
	p.get("x", "1").Inc()
	p.get("y", "1").Inc()
	if got := counterValue(t, vec.WithLabelValues("x", "1")); got != 2 {
		t.Errorf("x,1 = %v, want 2", got)
	}
	if got := counterValue(t, vec.WithLabelValues("y", "1")); got != 1 {
		t.Errorf("y,1 = %v, want 1", got)
	}
	if p.get("x", "1") != p.get("x", "1") || len(p.m) != 2 {
		t.Errorf("children: %d kept, want 2, each made once", len(p.m))
	}
}
