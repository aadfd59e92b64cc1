package server

import (
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
)

// readFlag is a request body that records whether anything read it.
type readFlag struct{ read bool }

func (b *readFlag) Read([]byte) (int, error) { b.read = true; return 0, io.EOF }

// TestMethodGate checks that a method no route serves is answered 405 (a method HTTP defines) or 501 (a
// made-up one) before the body is read, and that the served methods reach the routes.
func TestMethodGate(t *testing.T) {
	e := newTestEnv(t)
	long := strings.Repeat("X", 10_000)
	for _, tt := range []struct {
		method, path string
		status       int
		code         string
	}{
		{"BREW", "/koogallery/license", http.StatusNotImplemented, "method_not_implemented"},
		{long, "/v1/codes/refresh", http.StatusNotImplemented, "method_not_implemented"},
		{"get", "/healthz", http.StatusNotImplemented, "method_not_implemented"},
		{http.MethodPut, "/koogallery/license", http.StatusMethodNotAllowed, "method_not_allowed"},
		{http.MethodPatch, "/nothing", http.StatusMethodNotAllowed, "method_not_allowed"},
		{http.MethodDelete, "/nothing", http.StatusNotFound, "not_found"},                        // the admin API serves DELETE: routed
		{http.MethodGet, "/v1/codes/refresh", http.StatusMethodNotAllowed, "method_not_allowed"}, // the router's own 405
		{http.MethodGet, "/healthz", http.StatusOK, ""},
	} {
		name := tt.method
		if len(name) > 16 {
			name = name[:16] + "…"
		}
		t.Run(name+" "+tt.path, func(t *testing.T) {
			body := &readFlag{}
			req := httptest.NewRequest(http.MethodPost, tt.path, body)
			req.Method = tt.method
			w := httptest.NewRecorder()
			e.srv.Handler().ServeHTTP(w, req)
			if w.Code != tt.status {
				t.Fatalf("%s %s = %d, want %d", name, tt.path, w.Code, tt.status)
			}
			if tt.code == "" {
				return
			}
			if got := errorCode(t, w.Body.Bytes()); got != tt.code {
				t.Errorf("error code = %q, want %q", got, tt.code)
			}
			if body.read {
				t.Errorf("the body was read for a refused method")
			}
			if w.Code == http.StatusNotImplemented && w.Header().Get("Allow") != "DELETE, GET, POST, PUT" {
				t.Errorf("Allow = %q, want \"DELETE, GET, POST, PUT\"", w.Header().Get("Allow"))
			}
			if strings.Contains(w.Body.String(), long[:64]) {
				t.Errorf("the answer echoes the method")
			}
		})
	}
}

// TestMetricLabelsBounded sends made-up methods and paths and checks that /metrics labels methods and
// routes from fixed sets only.
func TestMetricLabelsBounded(t *testing.T) {
	e := newTestEnv(t)
	rnd := rand.New(rand.NewPCG(1, 2))
	const letters = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.!~*'+"
	word := func(n int) string {
		b := make([]byte, n)
		for i := range b {
			b[i] = letters[rnd.IntN(len(letters))]
		}
		return string(b)
	}
	for range 300 {
		req := httptest.NewRequest(http.MethodGet, "/"+word(1+rnd.IntN(40))+"/"+word(1+rnd.IntN(40)), nil)
		if rnd.IntN(4) > 0 {
			req.Method = word(1 + rnd.IntN(2000))
		}
		e.srv.Handler().ServeHTTP(httptest.NewRecorder(), req)
	}
	status, page := e.call(http.MethodGet, "/metrics", "", nil)
	if status != http.StatusOK {
		t.Fatalf("GET /metrics = %d, want 200", status)
	}
	methods := map[string]bool{}
	for _, m := range regexp.MustCompile(`method="([^"]*)"`).FindAllStringSubmatch(string(page), -1) {
		methods[m[1]] = true
	}
	for m := range methods {
		if m != http.MethodGet && m != http.MethodPost && m != "other" {
			t.Errorf("method label %.40q, want GET, POST or other", m)
		}
	}
	if !methods[http.MethodGet] {
		t.Errorf("no request counted under method GET: %v", methods)
	}
	if n := len(page); n > 64<<10 {
		t.Errorf("/metrics is %d bytes after made-up methods and paths, want at most 64 KiB", n)
	}
}
