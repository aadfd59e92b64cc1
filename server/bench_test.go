package server

import (
	"crypto/ed25519"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/licentia/licentia/server/koogallery"
	"github.com/licentia/licentia/server/store"
	"github.com/licentia/licentia/verifier"
)

// reportCPU adds cpu-ns/op: the process CPU time (user + system, garbage collection included) spent since
// cpu0, per iteration. On a shared machine wall time includes the time other processes held the CPU; CPU
// time does not, so cpu-ns/op stays comparable when the load changes during a run.
func reportCPU(b *testing.B, cpu0 time.Duration, ok bool) {
	cpu1, ok1 := processCPU()
	if ok && ok1 && b.N > 0 {
		b.ReportMetric(float64(cpu1-cpu0)/float64(b.N), "cpu-ns/op")
	}
}

// legacyQuery returns a signed getLicense query string for order.
func legacyQuery(order, business string) string {
	req := koogallery.NewCaller("/koogallery/license", testKey, nil, nil).LegacyRequest(map[string]string{
		"activity": koogallery.ActivityGetLicense, "businessId": business, "customerId": "c-1", "orderId": order,
		"productId": "P1", "skuCode": "S1", "timeStamp": "20260301080000123"})
	return strings.TrimPrefix(req.URL, "/koogallery/license?")
}

// BenchmarkResendHandler measures a resent getLicense through the whole handler (authToken check,
// lookup, Body-Sign), without the network.
func BenchmarkResendHandler(b *testing.B) {
	e := newTestEnv(b)
	h := e.srv.Handler()
	req := httptest.NewRequest(http.MethodGet, "/koogallery/license?"+legacyQuery("O1", "b-1"), nil)
	w := httptest.NewRecorder()
	h.ServeHTTP(w, req)
	if w.Code != 200 {
		b.Fatal(w.Body.String())
	}
	target := "/koogallery/license?" + legacyQuery("O1", "b-2")
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			w := httptest.NewRecorder()
			h.ServeHTTP(w, httptest.NewRequest(http.MethodGet, target, nil))
		}
	})
}

// BenchmarkCreateHandler measures a first getLicense (create: sign + durable insert) through the handler.
func BenchmarkCreateHandler(b *testing.B) {
	e := newTestEnv(b)
	h := e.srv.Handler()
	queries := make([]string, b.N)
	for i := range queries {
		queries[i] = legacyQuery(fmt.Sprintf("O-%d", i), fmt.Sprintf("b-%d", i))
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/koogallery/license?"+queries[i], nil))
	}
}

// BenchmarkIssue measures signing a code from a license's state, next to BenchmarkEd25519Sign of the
// same claims: the floor.
func BenchmarkIssue(b *testing.B) {
	e := newTestEnv(b)
	l := &store.License{ID: "b-1", OrderID: "O1", ProductID: "P1", SKU: "S1", CustomerID: "c-1", Status: "active",
		StartsAt: t0.Unix(), ExpiresAt: t0.AddDate(1, 0, 0).Unix(), Generation: 1, ChangedAt: t0.Unix()}
	b.ReportAllocs()
	for b.Loop() {
		if err := e.srv.is.Sign(l); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkEd25519Sign(b *testing.B) {
	e := newTestEnv(b)
	l := &store.License{ID: "b-1", OrderID: "O1", ProductID: "P1", SKU: "S1", CustomerID: "c-1", Status: "active",
		StartsAt: t0.Unix(), ExpiresAt: t0.AddDate(1, 0, 0).Unix(), Generation: 1, ChangedAt: t0.Unix()}
	kid, signer := e.ring.Active()
	code, _ := verifier.Sign(e.srv.is.Claims(l), kid, signer)
	input := []byte(code[:len(code)-87]) // header.payload
	priv := signer.(ed25519.PrivateKey)
	b.ReportAllocs()
	for b.Loop() {
		ed25519.Sign(priv, input)
	}
}
