package koogallery

import (
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"
)

const (
	testActivateURL = "https://mkt.myhuaweicloud.com/api/mkp-openapi-public/global/v1/license/activate"
	testAPIGSig     = "77595ad624b6e4e49990b8c4e84bf1c287457fca61069c4e60b9b6765b52053d"
)

func newAPIGRequest(t testing.TB, method, rawURL string) *http.Request {
	t.Helper()
	req, err := http.NewRequest(method, rawURL, nil)
	if err != nil {
		t.Fatalf("http.NewRequest() err = %v, want nil", err)
	}
	return req
}

func TestSignAPIGSpecVector(t *testing.T) {
	req := newAPIGRequest(t, http.MethodPost, testActivateURL)
	req.Header.Set("x-stage", "RELEASE")
	req.Header.Set("X-Sdk-Date", "20240317T144237Z")
	req.Header.Set("Content-Type", "application/json")
	if err := SignAPIG(req, nil, "AK", "123", time.Time{}); err != nil {
		t.Fatalf("SignAPIG() err = %v, want nil", err)
	}
	want := "SDK-HMAC-SHA256 Access=AK, SignedHeaders=content-type;host;x-sdk-date;x-stage, Signature=" + testAPIGSig
	if got := req.Header.Get("Authorization"); got != want {
		t.Errorf("Authorization = %q, want %q", got, want)
	}
	if got := req.Header.Get("X-Sdk-Date"); got != "20240317T144237Z" {
		t.Errorf("X-Sdk-Date = %q, want it unchanged", got)
	}

	// Signing again must ignore the Authorization header set by the first call.
	if err := SignAPIG(req, []byte{}, "AK", "123", time.Time{}); err != nil {
		t.Fatalf("SignAPIG() again err = %v, want nil", err)
	}
	if got := req.Header.Get("Authorization"); got != want {
		t.Errorf("Authorization after re-signing = %q, want %q", got, want)
	}
}

func TestSignAPIGSetsDate(t *testing.T) {
	req := newAPIGRequest(t, http.MethodPost, testActivateURL)
	req.Header.Set("x-stage", "RELEASE")
	req.Header.Set("Content-Type", "application/json")
	now := time.Date(2024, 3, 17, 22, 42, 37, 0, time.FixedZone("CST", 8*3600))
	if err := SignAPIG(req, nil, "AK", "123", now); err != nil {
		t.Fatalf("SignAPIG() err = %v, want nil", err)
	}
	if got, want := req.Header.Get("X-Sdk-Date"), "20240317T144237Z"; got != want {
		t.Errorf("X-Sdk-Date = %q, want %q", got, want)
	}
	if got := req.Header.Get("Authorization"); !strings.HasSuffix(got, "Signature="+testAPIGSig) {
		t.Errorf("Authorization = %q, want signature %s", got, testAPIGSig)
	}
}

func TestSignAPIGChangesWithInput(t *testing.T) {
	sign := func(method, rawURL string, body []byte, sk string, header map[string]string) string {
		req := newAPIGRequest(t, method, rawURL)
		req.Header.Set("X-Sdk-Date", "20240317T144237Z")
		for k, v := range header {
			req.Header.Set(k, v)
		}
		if err := SignAPIG(req, body, "AK", sk, time.Time{}); err != nil {
			t.Fatalf("SignAPIG() err = %v, want nil", err)
		}
		return req.Header.Get("Authorization")
	}
	base := sign(http.MethodPost, testActivateURL, []byte(`{"license":"x"}`), "123", nil)
	tests := []struct {
		name string
		got  string
	}{
		{"body", sign(http.MethodPost, testActivateURL, []byte(`{"license":"y"}`), "123", nil)},
		{"sk", sign(http.MethodPost, testActivateURL, []byte(`{"license":"x"}`), "124", nil)},
		{"method", sign(http.MethodPut, testActivateURL, []byte(`{"license":"x"}`), "123", nil)},
		{"path", sign(http.MethodPost, testActivateURL+"x", []byte(`{"license":"x"}`), "123", nil)},
		{"host", sign(http.MethodPost, strings.Replace(testActivateURL, ".com", ".cn", 1), []byte(`{"license":"x"}`), "123", nil)},
		{"query", sign(http.MethodPost, testActivateURL+"?a=1", []byte(`{"license":"x"}`), "123", nil)},
		{"header", sign(http.MethodPost, testActivateURL, []byte(`{"license":"x"}`), "123", map[string]string{"X-Stage": "TEST"})},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.got == base {
				t.Errorf("Authorization = %q, want it to differ from %q", tt.got, base)
			}
		})
	}
}

func TestAPIGCanonicalParts(t *testing.T) {
	uris := []struct{ in, want string }{
		{"", "/"},
		{"/", "/"},
		{"/v1/license/activate", "/v1/license/activate/"},
		{"/v1/a b/ü~-_.", "/v1/a%20b/%C3%BC~-_./"},
		{"/v1/x/", "/v1/x/"},
	}
	for _, tt := range uris {
		if got := apigURI(tt.in); got != tt.want {
			t.Errorf("apigURI(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}

	req := newAPIGRequest(t, http.MethodGet, "https://mkt.myhuaweicloud.com/v1/order/query?orderId=CS+1&b=2&a=z&a=y&c=%2F%7E")
	req.Header.Set("X-Sdk-Date", "20240317T144237Z")
	if err := SignAPIG(req, nil, "AK", "SK", time.Time{}); err != nil {
		t.Fatalf("SignAPIG() err = %v, want nil", err)
	}
	if got, want := req.URL.RawQuery, "a=y&a=z&b=2&c=%2F~&orderId=CS%201"; got != want {
		t.Errorf("RawQuery = %q, want %q", got, want)
	}
	if got, want := req.Header.Get("Authorization"), "SignedHeaders=host;x-sdk-date,"; !strings.Contains(got, want) {
		t.Errorf("Authorization = %q, want it to contain %q", got, want)
	}

	h := http.Header{"X-B": {" 2 ", "1"}, "x-a": {"v"}}
	block := apigHeaderBlock(apigHeaders(h, "example.com"), []string{"host", "x-a", "x-b"})
	if want := "host:example.com\nx-a:v\nx-b:1\nx-b:2\n"; block != want {
		t.Errorf("apigHeaderBlock() = %q, want %q", block, want)
	}
}

func TestSignAPIGErrors(t *testing.T) {
	tests := []struct {
		name    string
		req     func() *http.Request
		ak, sk  string
		wantErr error
	}{
		{"empty ak", func() *http.Request { return newAPIGRequest(t, http.MethodPost, testActivateURL) }, "", "123", ErrMissing},
		{"empty sk", func() *http.Request { return newAPIGRequest(t, http.MethodPost, testActivateURL) }, "AK", "", ErrMissing},
		{"no host", func() *http.Request { return newAPIGRequest(t, http.MethodPost, "/v1/license/activate") }, "AK", "123", ErrMissing},
		{"bad date", func() *http.Request {
			req := newAPIGRequest(t, http.MethodPost, testActivateURL)
			req.Header.Set("X-Sdk-Date", "2024-03-17T14:42:37Z")
			return req
		}, "AK", "123", ErrTime},
		{"bad query", func() *http.Request {
			req := newAPIGRequest(t, http.MethodPost, testActivateURL)
			req.URL.RawQuery = "a=%zz"
			return req
		}, "AK", "123", nil},
		{"nil request", func() *http.Request { return nil }, "AK", "123", nil},
		{"nil URL", func() *http.Request { return &http.Request{} }, "AK", "123", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := tt.req()
			err := SignAPIG(req, nil, tt.ak, tt.sk, time.Time{})
			if err == nil {
				t.Fatalf("SignAPIG() err = nil, want an error")
			}
			if tt.wantErr != nil && !errors.Is(err, tt.wantErr) {
				t.Errorf("SignAPIG() err = %v, want %v", err, tt.wantErr)
			}
			if req != nil && req.Header.Get("Authorization") != "" {
				t.Errorf("Authorization = %q, want none on error", req.Header.Get("Authorization"))
			}
		})
	}
}
