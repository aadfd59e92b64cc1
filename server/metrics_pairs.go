package server

import (
	"sync"

	"github.com/prometheus/client_golang/prometheus"
)

// labelPairs remembers the child of a two-label metric vector for each pair of label values asked for:
// WithLabelValues hashes the values and looks them up under the vector's lock on every call, and the
// request paths count every request. Both labels of the vectors it serves come from fixed sets (route
// patterns and methods; activities and result codes), so the map stays as small as the vector.
type labelPairs[M any] struct {
	mu    sync.RWMutex
	m     map[[2]string]M
	child func(a, b string) M
}

func newLabelPairs[M any](child func(...string) M) *labelPairs[M] {
	return &labelPairs[M]{m: map[[2]string]M{}, child: func(a, b string) M { return child(a, b) }}
}

// get returns the vector's child for the label values a, b.
func (p *labelPairs[M]) get(a, b string) M {
	k := [2]string{a, b}
	p.mu.RLock()
	v, ok := p.m[k]
	p.mu.RUnlock()
	if ok {
		return v
	}
	v = p.child(a, b)
	p.mu.Lock()
	p.m[k] = v
	p.mu.Unlock()
	return v
}

// pairCounters and pairObservers are labelPairs of a CounterVec and a HistogramVec.
type (
	pairCounters  = labelPairs[prometheus.Counter]
	pairObservers = labelPairs[prometheus.Observer]
)
