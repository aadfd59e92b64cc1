package online_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/licentia/licentia/verifier"
	"github.com/licentia/licentia/verifier/online"
)

// activationServer answers POST /v1/activations as README "Endpoints" documents: a known KooGallery code
// gets the license's code; the documented errors come as {"error":{"code","message"}}. Codes:
// KG-OK activates; KG-<error code> answers that error.
func activationServer(tb testing.TB, code string) (*httptest.Server, *[]map[string]json.RawMessage) {
	tb.Helper()
	var got []map[string]json.RawMessage
	statuses := map[string]int{"bad_request": 400, "not_found": 404, "not_received": 409, "license_released": 409,
		"rate_limited": 429, "marketplace_unavailable": 502, "marketplace_unconfigured": 503}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /v1/activations", func(w http.ResponseWriter, r *http.Request) {
		var raw map[string]json.RawMessage
		var mc string // the KooGallery code asked about
		dec := json.NewDecoder(io.LimitReader(r.Body, 1<<20))
		if r.Header.Get("Content-Type") != "application/json" || dec.Decode(&raw) != nil ||
			json.Unmarshal(raw["code"], &mc) != nil || mc == "" {
			w.WriteHeader(400)
			fmt.Fprint(w, `{"error":{"code":"bad_request","message":"want {\"code\":\"…\"}"}}`)
			return
		}
		got = append(got, raw)
		w.Header().Set("Content-Type", "application/json")
		if mc == "KG-OK" {
			fmt.Fprintf(w, `{"code":%q,"license_id":"inst-0001","generation":2,"status":"active","expires_at":"2027-01-01T00:00:00Z"}`, code)
			return
		}
		name := strings.TrimPrefix(mc, "KG-")
		st, ok := statuses[name]
		if !ok {
			st, name = 404, "not_found"
		}
		w.WriteHeader(st)
		fmt.Fprintf(w, `{"error":{"code":%q,"message":"refused: %s\u0007"}}`, name, name)
	})
	ts := httptest.NewServer(mux)
	tb.Cleanup(ts.Close)
	return ts, &got
}

func TestActivate(t *testing.T) {
	code := testCode(t)
	ts, got := activationServer(t, code)
	c := &online.Client{BaseURL: ts.URL}
	dep := &verifier.Deployment{ID: "vm-42", Components: map[string][]string{"mac": {"52:54:00:00:00:01"}, "hostname": {"web-1"}}}
	ans, err := c.Activate(t.Context(), "  KG-OK\n", dep)
	if err != nil {
		t.Fatalf("Activate() err = %v, want nil", err)
	}
	if ans.Code != code || ans.LicenseID != "inst-0001" || ans.Generation != 2 || ans.Status != "active" ||
		ans.ExpiresAt == nil || *ans.ExpiresAt != "2027-01-01T00:00:00Z" {
		t.Errorf("Activate() = %+v, want the license's code and fields", ans)
	}
	const wantDep = `{"id":"vm-42","components":{"hostname":["web-1"],"mac":["52:54:00:00:00:01"]}}`
	if len(*got) != 1 || string((*got)[0]["code"]) != `"KG-OK"` || string((*got)[0]["deployment"]) != wantDep {
		t.Errorf("server got %s, want code KG-OK and deployment %s", mustJSON(*got), wantDep)
	}
	if _, err := c.Activate(t.Context(), "KG-OK", nil); err != nil {
		t.Fatal(err)
	}
	if _, sent := (*got)[1]["deployment"]; sent {
		t.Errorf("server got %s, want no deployment member when none is given", mustJSON((*got)[1]))
	}
	if _, err := c.Activate(t.Context(), "KG-OK", &verifier.Deployment{}); !errors.Is(err, verifier.ErrDeployment) || len(*got) != 2 {
		t.Errorf("Activate(invalid deployment) err = %v after %d requests, want ErrDeployment and nothing sent", err, len(*got))
	}
	if _, err := verifier.New(testRing(t, 1), verifier.WithProduct(testProduct), verifier.WithTime(func() time.Time { return testNow })).Verify(ans.Code); err != nil {
		t.Errorf("Verify(activated code) err = %v, want nil", err)
	}
}

func TestActivateErrors(t *testing.T) {
	ts, _ := activationServer(t, "unused")
	c := &online.Client{BaseURL: ts.URL + "/"}
	for _, tt := range []struct {
		code   string
		status int
	}{
		{"bad_request", 400}, {"not_found", 404}, {"not_received", 409}, {"license_released", 409},
		{"rate_limited", 429}, {"marketplace_unavailable", 502}, {"marketplace_unconfigured", 503},
	} {
		t.Run(tt.code, func(t *testing.T) {
			ans, err := c.Activate(t.Context(), "KG-"+tt.code, nil)
			var se *online.ServerError
			if ans != nil || !errors.As(err, &se) || !errors.Is(err, online.ErrOnline) {
				t.Fatalf("Activate() = %v, %v, want a *ServerError wrapping ErrOnline", ans, err)
			}
			if se.Code != tt.code || se.Status != tt.status || se.Path != "/v1/activations" {
				t.Errorf("ServerError = %+v, want code %s, status %d, path /v1/activations", se, tt.code, tt.status)
			}
			if strings.ContainsRune(err.Error(), '\a') {
				t.Errorf("Error() = %q, want control characters replaced", err.Error())
			}
		})
	}
	t.Run("no code given", func(t *testing.T) {
		var se *online.ServerError
		if _, err := c.Activate(t.Context(), " ", nil); !errors.As(err, &se) || se.Code != "bad_request" {
			t.Errorf("Activate(blank) err = %v, want bad_request", err)
		}
	})
	t.Run("not a licentia server", func(t *testing.T) {
		plain := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path == "/v1/activations" {
				fmt.Fprint(w, `{"ok":true}`)
				return
			}
			http.NotFound(w, r)
		}))
		defer plain.Close()
		if _, err := (&online.Client{BaseURL: plain.URL}).Activate(t.Context(), "KG-OK", nil); !errors.Is(err, online.ErrOnline) {
			t.Errorf("Activate(no code in the answer) err = %v, want %v", err, online.ErrOnline)
		}
		var se *online.ServerError
		if _, err := (&online.Client{BaseURL: plain.URL + "/x"}).Activate(t.Context(), "KG-OK", nil); !errors.As(err, &se) || se.Status != 404 || se.Code != "" {
			t.Errorf("Activate(404 page) err = %v, want a ServerError with status 404 and no code", err)
		}
	})
	t.Run("server down", func(t *testing.T) {
		down := httptest.NewServer(http.NotFoundHandler())
		down.Close()
		var se *online.ServerError
		_, err := (&online.Client{BaseURL: down.URL}).Activate(t.Context(), "KG-OK", nil)
		if !errors.Is(err, online.ErrOnline) || errors.As(err, &se) {
			t.Errorf("Activate(down) err = %v, want ErrOnline and no ServerError", err)
		}
	})
}

// TestCodeResponseWire pins the JSON of the refresh and activation answers.
func TestCodeResponseWire(t *testing.T) {
	exp := "2027-01-01T00:00:00Z"
	tests := []struct {
		name string
		in   online.CodeResponse
		want string
	}{
		{"refresh", online.CodeResponse{Code: "c", Generation: 2, Status: "active", ExpiresAt: &exp},
			`{"code":"c","generation":2,"status":"active","expires_at":"2027-01-01T00:00:00Z"}`},
		{"refresh, perpetual", online.CodeResponse{Code: "c", Generation: 1, Status: "active"},
			`{"code":"c","generation":1,"status":"active","expires_at":null}`},
		{"activation", online.CodeResponse{Code: "c", LicenseID: "inst-1", Generation: 1, Status: "active", ExpiresAt: &exp},
			`{"code":"c","license_id":"inst-1","generation":1,"status":"active","expires_at":"2027-01-01T00:00:00Z"}`},
	}
	for _, tt := range tests {
		b, err := json.Marshal(tt.in)
		if err != nil || string(b) != tt.want {
			t.Errorf("%s: Marshal() = %s, %v, want %s", tt.name, b, err, tt.want)
		}
	}
}

// TestClientTooLarge: an answer declared above the revocation-list limit is ErrTooLarge, not
// ErrOnline (which would mean "fall back to the list held"); TestReadAll covers an undeclared one.
func TestClientTooLarge(t *testing.T) {
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", fmt.Sprint(64<<20+1))
		// nothing follows: the client refuses on the header alone
	}))
	defer ts.Close()
	c := &online.Client{BaseURL: ts.URL}
	l, raw, err := c.Revocations(t.Context(), testRing(t, 1))
	if !errors.Is(err, online.ErrTooLarge) || errors.Is(err, online.ErrOnline) || l != nil || raw != nil {
		t.Errorf("Revocations() = %v, %d bytes, %v; want ErrTooLarge and not ErrOnline", l, len(raw), err)
	}
	if _, err := c.Refresh(t.Context(), "x", nil); !errors.Is(err, online.ErrTooLarge) {
		t.Errorf("Refresh() err = %v, want %v", err, online.ErrTooLarge)
	}
}

// TestRefreshDeployment: Refresh names the deployment in the object form, and sends nothing for nil.
func TestRefreshDeployment(t *testing.T) {
	var bodies []string
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
		bodies = append(bodies, string(b))
		fmt.Fprint(w, `{"code":"new","generation":3,"status":"active","expires_at":null}`)
	}))
	defer ts.Close()
	c := &online.Client{BaseURL: ts.URL}
	dep := &verifier.Deployment{ID: "vm-1", Components: map[string][]string{"machine_id": {"m-1"}}}
	for _, d := range []*verifier.Deployment{dep, nil} {
		if got, err := c.Refresh(t.Context(), " old\n", d); err != nil || got != "new" {
			t.Fatalf("Refresh() = %q, %v, want new", got, err)
		}
	}
	want := []string{`{"code":"old","deployment":{"id":"vm-1","components":{"machine_id":["m-1"]}}}`, `{"code":"old"}`}
	if !slices.Equal(bodies, want) {
		t.Errorf("server got %q, want %q", bodies, want)
	}
	if _, err := c.Refresh(t.Context(), "old", &verifier.Deployment{ID: "\x00"}); !errors.Is(err, verifier.ErrDeployment) || len(bodies) != 2 {
		t.Errorf("Refresh(invalid deployment) err = %v, want ErrDeployment and nothing sent", err)
	}
}

func mustJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return string(b)
}
