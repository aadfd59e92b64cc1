package online_test

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/licentia/licentia/verifier"
	"github.com/licentia/licentia/verifier/online"
)

func TestClient(t *testing.T) {
	kr := testRing(t, 1)
	current := testCode(t)
	list, err := verifier.SignRevocations(&verifier.RevocationList{IssuedAt: testNow.Unix(), MinGen: map[string]int64{"inst-0001": 2}},
		testKeyID(), seedKey(1))
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /v1/codes/refresh", func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte(`{"code":"` + current + `","generation":2,"status":"active","expires_at":null}`))
	})
	mux.HandleFunc("GET /v1/revocations", func(w http.ResponseWriter, r *http.Request) { w.Write([]byte(list)) })
	ts := httptest.NewServer(mux)
	defer ts.Close()

	c := &online.Client{BaseURL: ts.URL + "/"}
	got, err := c.Refresh(t.Context(), "old-code", nil)
	if err != nil || got != current {
		t.Fatalf("Refresh() = %.20q, %v, want the current code", got, err)
	}
	l, raw, err := c.Revocations(t.Context(), kr)
	if err != nil || l.MinGen["inst-0001"] != 2 || string(raw) != list {
		t.Fatalf("Revocations() = %+v, %v, want min_gen 2", l, err)
	}

	// A list signed by a key the software does not trust is refused, not used.
	if _, _, err := c.Revocations(t.Context(), testRing(t, 2)); !errors.Is(err, verifier.ErrUnknownKey) {
		t.Errorf("Revocations(untrusted) err = %v, want %v", err, verifier.ErrUnknownKey)
	}
}

func TestClientErrors(t *testing.T) {
	kr := testRing(t, 1)
	mux := http.NewServeMux()
	mux.HandleFunc("POST /v1/codes/refresh", func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusBadRequest)
		w.Write([]byte(`{"error":{"code":"invalid_code","message":"not a code of this server"}}`))
	})
	mux.HandleFunc("GET /v1/revocations", func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("<html>")) })
	ts := httptest.NewServer(mux)
	c := &online.Client{BaseURL: ts.URL}
	if _, err := c.Refresh(t.Context(), "x", nil); !errors.Is(err, online.ErrOnline) {
		t.Errorf("Refresh(400) err = %v, want %v", err, online.ErrOnline)
	}
	if _, _, err := c.Revocations(t.Context(), kr); !errors.Is(err, verifier.ErrMalformed) {
		t.Errorf("Revocations(junk) err = %v, want %v", err, verifier.ErrMalformed)
	}
	ts.Close()
	if _, err := c.Refresh(t.Context(), "x", nil); !errors.Is(err, online.ErrOnline) {
		t.Errorf("Refresh(server down) err = %v, want %v", err, online.ErrOnline)
	}
}
