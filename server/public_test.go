package server

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/licentia/licentia/server/support"
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
	wantCode(t, e.signed(testKey, map[string]string{"activity": "newInstance", "orderId": "O1", "businessId": "b-1",
		"productId": "P1", "customerId": "c-1"}), resultOK)
	wantCode(t, e.signed("bad", map[string]string{"activity": "newInstance", "orderId": "O1"}), resultAuth)
	wantCode(t, e.legacy(testKey, map[string]string{"activity": "getLicense", "orderId": "O2", "businessId": "b-2",
		"productId": "P1", "customerId": "c-1"}), resultOK)
	_, body := get(t, e.ts.URL+"/metrics")
	for _, want := range []string{
		`licentia_callbacks_total{activity="newInstance",result_code="000000"} 1`,
		`licentia_callbacks_total{activity="none",result_code="000001"} 1`,
		`licentia_codes_issued_total{action="create"} 2`,
		`licentia_http_request_duration_seconds_bucket{method="POST",route="/koogallery/license"`,
		`licentia_http_request_duration_seconds_bucket{method="GET",route="/koogallery/license"`,
		`licentia_callbacks_total{activity="getLicense",result_code="000000"} 1`,
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

// TestWithdrawnKey checks a key withdrawn with Ring.Retire after a restart: it leaves the JWKS, refresh
// and the buyer page refuse the codes it signed, and codes of the other keys keep working.
func TestWithdrawnKey(t *testing.T) {
	e := newTestEnv(t)
	leaked := e.newInstance("lic-w", "O-W", "C-W", "P1", t0.AddDate(1, 0, 0))
	oldKid, _ := e.ring.Active()
	ring, err := e.ring.Rotate(bytes.NewReader(bytes.Repeat([]byte{7}, 32)))
	if err != nil {
		t.Fatal(err)
	}
	if ring, err = ring.Retire(oldKid); err != nil {
		t.Fatalf("Retire(%s) err = %v", oldKid, err)
	}
	newKid, _ := ring.Active()
	is := support.NewIssuer(ring, "licentia", time.Hour)
	if _, err := newSupport(t, e.st, ring, is, e.now, false).
		Reissue(context.Background(), "lic-w", support.ChangeRequest{Reason: "key withdrawn", Actor: cliActor("ops")}); err != nil {
		t.Fatal(err)
	}
	fresh := e.license("lic-w")
	if fresh.KeyID != newKid {
		t.Fatalf("reissued with key %s, want %s", fresh.KeyID, newKid)
	}
	// The restarted server, on the same database, with the ring as it is now on disk.
	cfg := Config{KooGalleryKeys: []string{testKey}, Now: e.now}
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(New(cfg, e.st, ring, is, slog.New(slog.NewTextHandler(io.Discard, nil))).Handler())
	defer ts.Close()

	code, body := get(t, ts.URL+"/.well-known/jwks.json")
	if code != http.StatusOK || strings.Contains(body, oldKid) || !strings.Contains(body, newKid) {
		t.Errorf("jwks = %d %s, want %s only, not the withdrawn %s", code, body, newKid, oldKid)
	}
	post := func(code string) (int, string) {
		t.Helper()
		resp, err := http.Post(ts.URL+"/v1/codes/refresh", "application/json", strings.NewReader(`{"code":"`+code+`"}`))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if status, body := post(leaked); status != http.StatusBadRequest || !strings.Contains(body, `"invalid_code"`) {
		t.Errorf("refresh with the withdrawn key's code = %d %s, want 400 invalid_code", status, body)
	}
	if status, body := post(fresh.Code); status != http.StatusOK {
		t.Errorf("refresh with the new key's code = %d %s, want 200", status, body)
	}
	form := url.Values{"code": {leaked}}
	resp, err := http.PostForm(ts.URL+"/", form)
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest || strings.Contains(string(page), fresh.Code) {
		t.Errorf("buyer page with the withdrawn key's code = %d, want 400 without the current code", resp.StatusCode)
	}
}
