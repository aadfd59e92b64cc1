package server

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// BenchmarkRefreshHandler measures POST /v1/codes/refresh through the whole handler, without the
// network, from many buyers: 1,000 licenses and 5,000 client addresses, the clock moved a minute every
// 5,000 requests so that no rate limit is reached (each license is asked 5 times a window, each address
// once). 32 concurrent requests on 2 cores, as the wrk runs.
func BenchmarkRefreshHandler(b *testing.B) {
	const licenses, perWindow = 1000, 5000
	e := newTestEnv(b)
	h := e.srv.Handler()
	bodies := make([]string, licenses)
	for i := range bodies {
		code := e.newInstance(fmt.Sprintf("lic-%04d", i), fmt.Sprintf("O-%04d", i), "C-1", "P1", t0.AddDate(1, 0, 0))
		bodies[i] = `{"code":"` + code + `"}`
	}
	var next, failed atomic.Int64
	start := e.clock.Load()
	b.ReportAllocs()
	b.ResetTimer()
	cpu0, ok := processCPU()
	defer func() { reportCPU(b, cpu0, ok) }()
	b.SetParallelism(16)
	b.RunParallel(func(pb *testing.PB) {
		w := &discardWriter{h: http.Header{}}
		for pb.Next() {
			i := next.Add(1)
			// Request i runs in minute i/perWindow or later, whichever goroutine gets there first: a
			// goroutine descheduled at a window's start cannot leave the next window's requests counted
			// in this one (and refused 429).
			clockAtLeast(&e.clock, start+int64(i/perWindow)*int64(time.Minute))
			req := httptest.NewRequest(http.MethodPost, "/v1/codes/refresh", strings.NewReader(bodies[i%licenses]))
			req.Header.Set("Content-Type", "application/json")
			req.RemoteAddr = fmt.Sprintf("10.%d.%d.%d:40000", i%perWindow>>16, i%perWindow>>8&255, i%perWindow&255)
			clear(w.h)
			w.code = 0
			h.ServeHTTP(w, req)
			if w.code != 0 && w.code != http.StatusOK {
				failed.Add(1)
			}
		}
	})
	if n := failed.Load(); n > 0 {
		b.Fatalf("%d refreshes answered other than 200", n)
	}
}

// clockAtLeast moves clock forward to t unless it is there already.
func clockAtLeast(clock *atomic.Int64, t int64) {
	for {
		cur := clock.Load()
		if cur >= t || clock.CompareAndSwap(cur, t) {
			return
		}
	}
}
