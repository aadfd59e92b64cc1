package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/licentia/licentia/verifier"
	"github.com/licentia/licentia/verifier/online"
)

// activationStandIn follows the documented contract of POST /v1/activations (README "Endpoints", docs/koogallery.md "License 2.0 end to end"): a strict
// JSON request {"code","deployment"}; 200 with the refresh shape plus license_id; errors as
// {"error":{"code","message"}} with their documented HTTP statuses. KooGallery codes: KG-GOOD activates
// to good; KG-OTHER to a code of another product; KG-<error code> answers that error; anything else is
// not_found.
type activationStandIn struct {
	mu          sync.Mutex
	deployments []string
}

func (s *activationStandIn) start(tb testing.TB, good, other string) *httptest.Server {
	statuses := map[string]int{"bad_request": 400, "not_found": 404, "not_received": 409, "license_released": 409,
		"rate_limited": 429, "marketplace_unavailable": 502, "marketplace_unconfigured": 503}
	fail := func(w http.ResponseWriter, code, msg string) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(statuses[code])
		fmt.Fprintf(w, `{"error":{"code":%q,"message":%q}}`, code, msg)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /v1/activations", func(w http.ResponseWriter, r *http.Request) {
		var req struct {
			Code       string          `json:"code"`
			Deployment json.RawMessage `json:"deployment"`
		}
		dec := json.NewDecoder(io.LimitReader(r.Body, 1<<20))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&req); err != nil || strings.TrimSpace(req.Code) == "" {
			fail(w, "bad_request", "want {\"code\":\"<KooGallery license code>\"}")
			return
		}
		s.mu.Lock()
		s.deployments = append(s.deployments, string(req.Deployment))
		s.mu.Unlock()
		answer := func(code string) {
			w.Header().Set("Content-Type", "application/json")
			json.NewEncoder(w).Encode(online.CodeResponse{Code: code, LicenseID: "inst-0001", Generation: 2, Status: "active"})
		}
		switch name := strings.TrimPrefix(req.Code, "KG-"); {
		case req.Code == "KG-GOOD":
			answer(good)
		case req.Code == "KG-OTHER":
			answer(other)
		case statuses[name] != 0:
			fail(w, name, "refused by the stand-in")
		default:
			fail(w, "not_found", "KooGallery does not know this code")
		}
	})
	ts := httptest.NewServer(mux)
	tb.Cleanup(ts.Close)
	return ts
}

func TestActivateFlag(t *testing.T) {
	vf := loadVectors(t)
	dir := t.TempDir()
	keys := writeFile(t, dir, "keys.pem", vf.PublicKeyPEM)
	good := vf.Vectors[0].Code
	otherClaims := &verifier.Claims{Issuer: "licentia", LicenseID: "inst-0002", Generation: 1, Status: verifier.StatusActive, ProductID: "OTHER"}
	other := goldenSign(t, otherClaims)
	var standIn activationStandIn
	ts := standIn.start(t, good, other)
	depFile := writeFile(t, dir, "deployment.json", `{"id":"vm-7","components":{"hostname":"web-7"}}`)
	down := httptest.NewServer(http.NotFoundHandler())
	down.Close()
	notLicentia := httptest.NewServer(http.NotFoundHandler())
	t.Cleanup(notLicentia.Close)

	tests := []struct {
		name       string
		url        string
		code       string
		wantExit   int
		wantReason string
		wantError  string // activation_error
		wantSaved  bool
	}{
		{"activated", ts.URL, "KG-GOOD", exitValid, "valid", "", true},
		{"code of another product", ts.URL, "KG-OTHER", exitWrongScope, "wrong_product", "", false},
		{"bad request", ts.URL, "KG-bad_request", exitDataErr, "activation_failed", "bad_request", false},
		{"unknown to KooGallery", ts.URL, "KG-NOPE", exitDataErr, "activation_failed", "not_found", false},
		{"not received yet", ts.URL, "KG-not_received", exitTempFail, "activation_failed", "not_received", false},
		{"released", ts.URL, "KG-license_released", exitRevoked, "activation_failed", "license_released", false},
		{"rate limited", ts.URL, "KG-rate_limited", exitTempFail, "activation_failed", "rate_limited", false},
		{"marketplace down", ts.URL, "KG-marketplace_unavailable", exitTempFail, "activation_failed", "marketplace_unavailable", false},
		{"seller not set up", ts.URL, "KG-marketplace_unconfigured", exitConfig, "activation_failed", "marketplace_unconfigured", false},
		{"server down", down.URL, "KG-GOOD", exitTempFail, "activation_failed", "unreachable", false},
		{"not a licentia server", notLicentia.URL, "KG-GOOD", exitUnavailable, "activation_failed", "bad_answer", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			save := filepath.Join(t.TempDir(), "code.jwt")
			r := runCmd(t, tt.code+"\n", "--keys", keys, "--product", "OFFI001", "--activate", tt.url, "--deployment", depFile,
				"--save", save, "--at", vf.Now, "--json", "-")
			if r.exit != tt.wantExit {
				t.Fatalf("exit = %d, want %d (stdout %q, stderr %q)", r.exit, tt.wantExit, r.stdout, r.stderr)
			}
			var rep report
			if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil {
				t.Fatalf("stdout %q is not one JSON object: %v", r.stdout, err)
			}
			if rep.Reason != tt.wantReason || rep.ActivationError != tt.wantError || rep.Activated != (tt.wantError == "") {
				t.Errorf("report reason %q, activation_error %q, activated %v; want %q, %q, %v",
					rep.Reason, rep.ActivationError, rep.Activated, tt.wantReason, tt.wantError, tt.wantError == "")
			}
			if tt.wantError != "" && !strings.Contains(r.stderr, "activation failed: ") {
				t.Errorf("stderr = %q, want a message saying why", r.stderr)
			}
			data, err := os.ReadFile(save)
			if tt.wantSaved {
				info, serr := os.Stat(save)
				if err != nil || strings.TrimSpace(string(data)) != good || serr != nil || info.Mode().Perm() != 0o600 {
					t.Errorf("saved code: %v, want the activated code, mode 0600", err)
				}
			} else if err == nil {
				t.Errorf("--save wrote %s, want nothing saved", save)
			}
			noCode(t, r, good)
			if strings.Contains(r.stdout+r.stderr, tt.code) {
				t.Errorf("output shows the KooGallery code %q", tt.code)
			}
		})
	}
	standIn.mu.Lock()
	const wantDep = `{"id":"vm-7","components":{"hostname":["web-7"]}}`
	if len(standIn.deployments) == 0 || standIn.deployments[0] != wantDep {
		t.Errorf("the server got deployments %q, want %s", standIn.deployments, wantDep)
	}
	standIn.mu.Unlock()

	t.Run("messages", func(t *testing.T) {
		r := runCmd(t, "", "--keys", keys, "--product", "OFFI001", "--activate", ts.URL, "KG-not_received")
		if r.exit != exitTempFail || !strings.Contains(r.stderr, "has not received this license code") || r.stdout != "" {
			t.Errorf("not_received: exit %d, stdout %q, stderr %q; want 75 and the reason in words", r.exit, r.stdout, r.stderr)
		}
		r = runCmd(t, "", "--keys", keys, "--product", "OFFI001", "--activate", ts.URL, "KG-GOOD")
		if r.exit != exitValid || !strings.HasPrefix(r.stdout, "valid license=inst-0001 ") || !strings.Contains(r.stderr, "activated: license inst-0001") {
			t.Errorf("activated: exit %d, stdout %q, stderr %q", r.exit, r.stdout, r.stderr)
		}
		r = runCmd(t, " \n", "--keys", keys, "--product", "OFFI001", "--activate", ts.URL)
		if r.exit != exitUsage {
			t.Errorf("no code: exit %d, want %d", r.exit, exitUsage)
		}
	})
}
