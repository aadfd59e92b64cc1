package server

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/licentia/licentia/server/simulator/market"
)

// errorMessage returns the message of an error body.
func errorMessage(t testing.TB, body []byte) string {
	t.Helper()
	var e struct {
		Error struct{ Message string } `json:"error"`
	}
	if err := json.Unmarshal(body, &e); err != nil {
		t.Fatalf("error body %s: %v", body, err)
	}
	return e.Error.Message
}

// TestPublicErrorsNoInternals: the public answers of /v1/activations say what the caller can do and never
// show the marketplace's address, a connection or gateway error, the server's configuration or its Go
// types; the log keeps the detail.
func TestPublicErrorsNoInternals(t *testing.T) {
	m := newMarketEnv(t, testSK)
	var logs syncBuffer
	m.srv.logTo(&logs)
	u, err := url.Parse(m.mkt.URL())
	if err != nil {
		t.Fatal(err)
	}
	internals := []string{u.Host, u.Hostname(), "http://", "dial", "refused", "connect", "APIG", "LICENTIA_",
		"ActivationRequest", "Go struct", "string", "openapi", "mkp-openapi"}
	check := func(name string, status int, body []byte) {
		t.Helper()
		msg := errorMessage(t, body)
		for _, s := range internals {
			if strings.Contains(msg, s) {
				t.Errorf("%s: %d message %q shows %q", name, status, msg, s)
			}
		}
	}

	m.addCode("MC-DOWN", market.Received, t0.AddDate(0, 1, 0))
	if err := m.mkt.SetUnreachable(true); err != nil {
		t.Fatal(err)
	}
	st, body := m.call(http.MethodPost, "/v1/activations", "", map[string]string{"code": "MC-DOWN"})
	if st != http.StatusBadGateway || errorCode(t, body) != "marketplace_unavailable" {
		t.Fatalf("activate with the marketplace down = %d %s, want 502 marketplace_unavailable", st, body)
	}
	check("marketplace down", st, body)
	if msg := errorMessage(t, body); !strings.Contains(msg, "try again") {
		t.Errorf("marketplace down: message %q, want it to say to try again", msg)
	}
	if !strings.Contains(logs.String(), u.Host) {
		t.Errorf("log = %q, want the detail (the marketplace's address) kept", logs.String())
	}

	st, body = m.call(http.MethodPost, "/v1/activations", "", map[string]any{"code": 5})
	if st != http.StatusBadRequest {
		t.Fatalf("activate with a number = %d %s, want 400", st, body)
	}
	check("a number for the code", st, body)

	e := newTestEnv(t)
	st, body = e.call(http.MethodPost, "/v1/activations", "", map[string]string{"code": "MC-1"})
	if st != http.StatusServiceUnavailable || errorCode(t, body) != "marketplace_unconfigured" {
		t.Fatalf("activate without credentials = %d %s, want 503 marketplace_unconfigured", st, body)
	}
	check("unconfigured", st, body)
}

// TestPublicErrorsWrongSK: the gateway's refusal of licentia's signature is the seller's problem, and
// shown only in the log.
func TestPublicErrorsWrongSK(t *testing.T) {
	m := newMarketEnv(t, "not-the-sk")
	m.addCode("MC-1", market.Received, t0.AddDate(0, 1, 0))
	st, body := m.call(http.MethodPost, "/v1/activations", "", map[string]string{"code": "MC-1"})
	if st != http.StatusBadGateway {
		t.Fatalf("activate with a wrong SK = %d %s, want 502", st, body)
	}
	for _, s := range []string{"APIG", "signature", "401", "403", "http"} {
		if msg := errorMessage(t, body); strings.Contains(msg, s) {
			t.Errorf("wrong SK: message %q shows %q", msg, s)
		}
	}
}
