package server

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/json"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/licentia/licentia/keys"
	"github.com/licentia/licentia/server/license"
	"github.com/licentia/licentia/server/licensing"
	"github.com/licentia/licentia/server/store"
	"github.com/licentia/licentia/server/support"
	"github.com/licentia/licentia/verifier"
	"github.com/licentia/licentia/verifier/online"
)

// newInstance creates a license through a signed newInstance callback and returns its first code.
func (e *testEnv) newInstance(id, order, customer, product string, exp time.Time) string {
	e.t.Helper()
	r := e.signed(testKey, map[string]string{"activity": "newInstance", "orderId": order, "orderLineId": order + "-1",
		"businessId": id, "productId": product, "skuCode": "S1", "customerId": customer, "expireTime": mkTime(exp)})
	wantCode(e.t, r, resultOK)
	if r.InstanceID != id {
		e.t.Fatalf("newInstance instanceId = %q, want %q", r.InstanceID, id)
	}
	return r.License
}

// token creates an admin token and returns it.
// renew sends a renewal of license id to exp through the marketplace callback.
func (e *testEnv) renew(id string, exp time.Time) {
	e.t.Helper()
	wantCode(e.t, e.signed(testKey, map[string]string{"activity": "refreshInstance", "instanceId": id,
		"orderId": "R-" + id + "-" + mkTime(exp), "scene": "RENEWAL", "expireTime": mkTime(exp)}), resultOK)
}

func (e *testEnv) token(name, role string) string {
	e.t.Helper()
	plain, tok, err := support.NewToken(rand.Reader, name, role)
	if err != nil {
		e.t.Fatalf("NewToken() err = %v", err)
	}
	if err := e.st.CreateToken(context.Background(), tok); err != nil {
		e.t.Fatalf("CreateToken() err = %v", err)
	}
	return plain
}

// call sends a request with an optional bearer token and JSON body, and returns the status and body.
func (e *testEnv) call(method, path, token string, body any) (int, []byte) {
	e.t.Helper()
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			e.t.Fatal(err)
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, e.ts.URL+path, rd)
	if err != nil {
		e.t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatalf("%s %s err = %v", method, path, err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, data
}

// callJSON is call that wants status and decodes the answer into out.
func (e *testEnv) callJSON(method, path, token string, body any, status int, out any) {
	e.t.Helper()
	got, data := e.call(method, path, token, body)
	if got != status {
		e.t.Fatalf("%s %s status = %d, want %d (body %s)", method, path, got, status, data)
	}
	if out != nil {
		if err := json.Unmarshal(data, out); err != nil {
			e.t.Fatalf("%s %s answer %s: %v", method, path, data, err)
		}
	}
}

// errorCode returns the code of an error body {"error":{"code","message"}}.
func errorCode(t testing.TB, body []byte) string {
	t.Helper()
	var e struct {
		Error struct{ Code, Message string } `json:"error"`
	}
	if err := json.Unmarshal(body, &e); err != nil || e.Error.Code == "" || e.Error.Message == "" {
		t.Fatalf("error body %s: want {\"error\":{\"code\",\"message\"}}", body)
	}
	return e.Error.Code
}

// refreshCode calls POST /v1/codes/refresh with code and wants status.
func (e *testEnv) refreshCode(code string, status int) (online.CodeResponse, []byte) {
	e.t.Helper()
	got, data := e.call(http.MethodPost, "/v1/codes/refresh", "", RefreshRequest{Code: code})
	if got != status {
		e.t.Fatalf("refresh status = %d, want %d (body %s)", got, status, data)
	}
	var rr online.CodeResponse
	if status == http.StatusOK {
		if err := json.Unmarshal(data, &rr); err != nil {
			e.t.Fatal(err)
		}
	}
	return rr, data
}

// keyring is the ring's public keys, as a buyer's software would embed them.
func (e *testEnv) keyring() *verifier.Keyring {
	e.t.Helper()
	var pubs []ed25519.PublicKey
	for _, k := range e.ring.Keys() {
		pubs = append(pubs, k.Public)
	}
	kr, err := verifier.NewKeyring(pubs...)
	if err != nil {
		e.t.Fatal(err)
	}
	return kr
}

// revocations fetches and checks GET /v1/revocations.
func (e *testEnv) revocations() *verifier.RevocationList {
	e.t.Helper()
	status, body := e.call(http.MethodGet, "/v1/revocations", "", nil)
	if status != http.StatusOK {
		e.t.Fatalf("GET /v1/revocations status = %d, want 200", status)
	}
	l, err := verifier.ParseRevocations(e.keyring(), body)
	if err != nil {
		e.t.Fatalf("ParseRevocations() err = %v", err)
	}
	return l
}

// verify checks code as a buyer's software would, at the test clock, with the current revocation list.
func (e *testEnv) verify(code string) error {
	e.t.Helper()
	_, err := verifier.New(e.keyring(), verifier.WithAnyProduct(), verifier.WithTime(e.now), verifier.WithRevocations(e.revocations())).Verify(code)
	return err
}

// support returns a support.Desk over the env's store, as the local CLI builds it.
func (e *testEnv) support() *support.Desk {
	return newSupport(e.t, e.st, e.ring, support.NewIssuer(e.ring, "licentia", time.Hour), e.now, true)
}

func cliActor(name string) licensing.Actor {
	return licensing.Actor{Source: store.SourceCLI, Name: name, RequestID: "cli-test"}
}

// newSupport returns a support.Desk over st signing with is, as the local CLI builds it when inherit is set.
func newSupport(tb testing.TB, st *store.Store, ring *keys.Ring, is *license.Issuer, now func() time.Time, inherit bool) *support.Desk {
	tb.Helper()
	svc, err := licensing.New(st, licensing.Options{Issuer: is, InheritIssuer: inherit, Now: now})
	if err != nil {
		tb.Fatal(err)
	}
	return support.New(svc, ring)
}
