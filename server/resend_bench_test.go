package server

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/licentia/licentia/server/koogallery"
)

// instanceQueries returns n signed newInstance query strings for body, each with its own nonce (the
// server refuses a nonce it has seen).
func instanceQueries(tb testing.TB, e *testEnv, body []byte, n int) []string {
	tb.Helper()
	canonical, err := koogallery.Canonical(body)
	if err != nil {
		tb.Fatal(err)
	}
	qs := make([]string, n)
	for i := range qs {
		q := url.Values{}
		q.Set("timestamp", fmt.Sprint(e.now().UnixMilli()))
		q.Set("nonce", fmt.Sprintf("B%015d", e.nonce.Add(1)))
		q.Set("signature", strings.ToUpper(koogallery.Signature(testKey, q.Get("nonce"), q.Get("timestamp"), canonical)))
		qs[i] = q.Encode()
	}
	return qs
}

// BenchmarkNewInstanceResendHandler measures a resent newInstance (POST, signature and nonce) through
// the whole handler, without the network: next to BenchmarkResendHandler, the cost of the POST flow's
// body parsing and nonce record.
func BenchmarkNewInstanceResendHandler(b *testing.B) {
	e := newTestEnv(b)
	h := e.srv.Handler()
	body, _ := json.Marshal(map[string]string{"activity": "newInstance", "orderId": "O1", "orderLineId": "L1",
		"businessId": "b-1", "customerId": "c-1", "productId": "P1", "skuCode": "S1", "expireTime": "20270301080000"})
	qs := instanceQueries(b, e, body, b.N+1)
	post := func(q string) *httptest.ResponseRecorder {
		req := httptest.NewRequest(http.MethodPost, "/koogallery/license?"+q, bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		return w
	}
	if w := post(qs[b.N]); w.Code != 200 || !strings.Contains(w.Body.String(), `"resultCode":"000000"`) {
		b.Fatalf("create: %d %s", w.Code, w.Body.String())
	}
	var next atomic.Int64
	b.ReportAllocs()
	b.ResetTimer()
	b.SetParallelism(16) // 32 concurrent resends on 2 cores: their nonce records share commits
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			post(qs[next.Add(1)-1])
		}
	})
}

// discardWriter is a ResponseWriter that keeps nothing but its header map, reset between requests, so a
// benchmark counts the handler's own work and allocations and none of httptest's.
type discardWriter struct {
	h    http.Header
	code int
}

func (w *discardWriter) Header() http.Header         { return w.h }
func (w *discardWriter) Write(p []byte) (int, error) { return len(p), nil }
func (w *discardWriter) WriteHeader(code int)        { w.code = code }

// BenchmarkResendHandlerOnly is BenchmarkResendHandler without the harness: one parsed request reused
// and a writer that discards, so ns/op and allocs/op are the server's alone (httptest.NewRequest and
// NewRecorder cost about 16 allocations and 5 KB a request on their own).
func BenchmarkResendHandlerOnly(b *testing.B) {
	e := newTestEnv(b)
	h := e.srv.Handler()
	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/koogallery/license?"+legacyQuery("O1", "b-1"), nil))
	if w.Code != 200 {
		b.Fatal(w.Body.String())
	}
	target := "/koogallery/license?" + legacyQuery("O1", "b-2")
	b.ReportAllocs()
	b.ResetTimer()
	cpu0, ok := processCPU()
	defer func() { reportCPU(b, cpu0, ok) }()
	b.RunParallel(func(pb *testing.PB) {
		req := httptest.NewRequest(http.MethodGet, target, nil)
		dw := &discardWriter{h: http.Header{}}
		for pb.Next() {
			clear(dw.h)
			h.ServeHTTP(dw, req)
		}
		if dw.code != 0 && dw.code != http.StatusOK {
			b.Errorf("status %d, want 200", dw.code)
		}
	})
}
