package server

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
)

func get(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func TestHealthAndReady(t *testing.T) {
	e := newTestEnv(t)
	if code, _ := get(t, e.ts.URL+"/healthz"); code != http.StatusOK {
		t.Errorf("/healthz = %d, want 200", code)
	}
	if code, _ := get(t, e.ts.URL+"/readyz"); code != http.StatusOK {
		t.Errorf("/readyz = %d, want 200", code)
	}
	e.st.Close()
	if code, body := get(t, e.ts.URL+"/readyz"); code != http.StatusServiceUnavailable || !strings.Contains(body, "unavailable") {
		t.Errorf("/readyz with the database closed = %d %s, want 503", code, body)
	}
}

func TestJWKS(t *testing.T) {
	e := newTestEnv(t)
	code, body := get(t, e.ts.URL+"/.well-known/jwks.json")
	if code != http.StatusOK {
		t.Fatalf("jwks = %d", code)
	}
	var set struct{ Keys []jwk }
	if err := json.Unmarshal([]byte(body), &set); err != nil {
		t.Fatal(err)
	}
	kid, _ := e.ring.Active()
	if len(set.Keys) != 1 || set.Keys[0].Kid != kid || set.Keys[0].Crv != "Ed25519" || set.Keys[0].Alg != "EdDSA" {
		t.Errorf("jwks = %s, want the ring's key %s", body, kid)
	}
	if strings.Contains(body, `"d"`) {
		t.Errorf("jwks leaks a private key: %s", body)
	}
}

func TestMetrics(t *testing.T) {
	e := newTestEnv(t)
	wantCode(t, e.signed(testKey, map[string]string{"activity": "newInstance", "orderId": "O1", "businessId": "b-1"}), resultOK)
	wantCode(t, e.signed("bad", map[string]string{"activity": "newInstance", "orderId": "O1"}), resultAuth)
	_, body := get(t, e.ts.URL+"/metrics")
	for _, want := range []string{
		`licentia_callbacks_total{activity="newInstance",result_code="000000"} 1`,
		`licentia_callbacks_total{activity="none",result_code="000001"} 1`,
		`licentia_codes_issued_total{action="create"} 1`,
		`licentia_http_request_duration_seconds_bucket{method="POST",route="/koogallery/license"`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("/metrics lacks %q", want)
		}
	}
}

func TestUnknownRoute(t *testing.T) {
	e := newTestEnv(t)
	code, body := get(t, e.ts.URL+"/nope")
	if code != http.StatusNotFound || !strings.Contains(body, `"code":"not_found"`) {
		t.Errorf("GET /nope = %d %s, want 404 not_found", code, body)
	}
}
