package server

import (
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"
)

// TestMetricsLoopbackOnly checks that /metrics on the public listener answers loopback clients only:
// not remote ones, not a remote client through a trusted proxy, and not a loopback peer that forwards
// for someone without being a trusted proxy.
func TestMetricsLoopbackOnly(t *testing.T) {
	proxy := []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}
	tests := []struct {
		name    string
		trusted []netip.Prefix
		remote  string
		header  [2]string
		status  int
	}{
		{"loopback IPv4", nil, "127.0.0.1:5000", [2]string{}, http.StatusOK},
		{"loopback IPv6", nil, "[::1]:5000", [2]string{}, http.StatusOK},
		{"loopback IPv4-mapped", nil, "[::ffff:127.0.0.1]:5000", [2]string{}, http.StatusOK},
		{"public IPv4", nil, "203.0.113.7:5000", [2]string{}, http.StatusForbidden},
		{"private IPv4", nil, "10.0.0.5:5000", [2]string{}, http.StatusForbidden},
		{"public IPv6", nil, "[2001:db8::1]:5000", [2]string{}, http.StatusForbidden},
		{"public IPv4 claiming loopback", nil, "203.0.113.7:5000", [2]string{"X-Forwarded-For", "127.0.0.1"}, http.StatusForbidden},
		{"trusted proxy for a remote client", proxy, "127.0.0.1:5000", [2]string{"X-Forwarded-For", "203.0.113.7"}, http.StatusForbidden},
		{"trusted proxy, own request", proxy, "127.0.0.1:5000", [2]string{}, http.StatusOK},
		{"trusted proxy for a local client", proxy, "127.0.0.1:5000", [2]string{"X-Forwarded-For", "127.0.0.1"}, http.StatusOK},
		{"undeclared local proxy, X-Forwarded-For", nil, "127.0.0.1:5000", [2]string{"X-Forwarded-For", "203.0.113.7"}, http.StatusForbidden},
		{"undeclared local proxy, Forwarded", nil, "127.0.0.1:5000", [2]string{"Forwarded", "for=203.0.113.7"}, http.StatusForbidden},
		{"undeclared local proxy, X-Real-IP", nil, "127.0.0.1:5000", [2]string{"X-Real-IP", "203.0.113.7"}, http.StatusForbidden},
		{"no address", nil, "", [2]string{}, http.StatusForbidden},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ts, _, _ := newLoggedServer(t, tt.trusted)
			req := httptest.NewRequest(http.MethodGet, "/metrics", nil)
			req.RemoteAddr = tt.remote
			if tt.header[0] != "" {
				req.Header.Set(tt.header[0], tt.header[1])
			}
			w := httptest.NewRecorder()
			ts.Config.Handler.ServeHTTP(w, req)
			if w.Code != tt.status {
				t.Fatalf("GET /metrics from %s = %d, want %d", tt.remote, w.Code, tt.status)
			}
			if tt.status == http.StatusOK {
				if !strings.Contains(w.Body.String(), "go_goroutines") {
					t.Errorf("GET /metrics lacks the process metrics")
				}
				return
			}
			if got := errorCode(t, w.Body.Bytes()); got != "forbidden" {
				t.Errorf("error code = %q, want forbidden", got)
			}
			if strings.Contains(w.Body.String(), "go_goroutines") {
				t.Errorf("a refused /metrics shows metrics: %.200s", w.Body.String())
			}
		})
	}
}
