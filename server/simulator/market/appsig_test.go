package market

import (
	"bytes"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/licentia/licentia/server/koogallery"
	"github.com/licentia/licentia/server/koogallery/conformance"
)

// TestAppSignatureSDKVectors: the stand-in's App signature check accepts the requests of Huawei Cloud's Go SDK
// signer test exactly as the SDK signs them (the corpus's sdk/ values), and refuses each one changed.
func TestAppSignatureSDKVectors(t *testing.T) {
	v, err := conformance.LoadSDKVectors()
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2006, 1, 2, 15, 4, 5, 0, time.UTC)
	for _, vec := range v.Vectors {
		build := func() *http.Request {
			req := httptest.NewRequest(vec.Method, vec.URL, bytes.NewReader([]byte(vec.Body)))
			for k, val := range vec.Headers {
				req.Header.Set(k, val)
			}
			req.Header.Set("Authorization", vec.Authorization)
			return req
		}
		if err := checkAppSignature(build(), []byte(vec.Body), v.AK, v.SK, now, 15*time.Minute); err != nil {
			t.Errorf("%s: the SDK's own signature: %v", vec.Name, err)
		}
		changes := map[string]func(*http.Request, []byte) ([]byte, string, string, time.Time){
			"another SK": func(r *http.Request, b []byte) ([]byte, string, string, time.Time) { return b, v.AK, v.SK + "x", now },
			"another AK": func(r *http.Request, b []byte) ([]byte, string, string, time.Time) { return b, "OtherKey", v.SK, now },
			"another body": func(r *http.Request, b []byte) ([]byte, string, string, time.Time) {
				return append(b, ' '), v.AK, v.SK, now
			},
			"another query": func(r *http.Request, b []byte) ([]byte, string, string, time.Time) {
				r.URL.RawQuery += "&x=1"
				return b, v.AK, v.SK, now
			},
			"16 minutes later": func(r *http.Request, b []byte) ([]byte, string, string, time.Time) {
				return b, v.AK, v.SK, now.Add(16 * time.Minute)
			},
		}
		want := map[string]error{"another SK": errSigMismatch, "another AK": errSigApp, "another body": errSigMismatch,
			"another query": errSigMismatch, "16 minutes later": errSigExpired}
		for name, change := range changes {
			req := build()
			body, ak, sk, at := change(req, []byte(vec.Body))
			if err := checkAppSignature(req, body, ak, sk, at, 15*time.Minute); !errors.Is(err, want[name]) {
				t.Errorf("%s, %s: %v, want %v", vec.Name, name, err, want[name])
			}
		}
	}
}

// TestLicentiaSignerMatchesStandIn: licentia's signer (koogallery.SignAPIG, which the OpenAPI client uses) is
// accepted by the stand-in's own check, for the marketplace's calls: JSON POSTs and the order query's GET
// with camel-case and non-ASCII parameters.
func TestLicentiaSignerMatchesStandIn(t *testing.T) {
	now := time.Now()
	for _, tt := range []struct{ method, url, body string }{
		{http.MethodPost, "https://mkt.myhuaweicloud.com/api/mkp-openapi-public/global/v1/license/activate", `{"license":"PL1"}`},
		{http.MethodGet, "https://mkt.myhuaweicloud.com/api/mkp-openapi-public/global/v1/order/query?orderId=CS%201&orderLineId=%E4%B8%80-1", ""},
	} {
		req := httptest.NewRequest(tt.method, tt.url, bytes.NewReader([]byte(tt.body)))
		req.Header.Set("Content-Type", "application/json")
		if err := koogallery.SignAPIG(req, []byte(tt.body), "AK-1", "SK-1", now); err != nil {
			t.Fatal(err)
		}
		if err := checkAppSignature(req, []byte(tt.body), "AK-1", "SK-1", now, 15*time.Minute); err != nil {
			t.Errorf("%s %s signed by licentia: %v", tt.method, tt.url, err)
		}
	}
}
