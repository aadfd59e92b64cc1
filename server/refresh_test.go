package server

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/licentia/licentia/server/koogallery"
	"github.com/licentia/licentia/server/support"
	"github.com/licentia/licentia/verifier"
	"github.com/licentia/licentia/verifier/online"
)

func TestRefresh(t *testing.T) {
	e := newTestEnv(t)
	ctx := context.Background()
	exp := t0.AddDate(0, 1, 0)
	old := e.newInstance("lic-1", "O-1", "C-1", "P1", exp)
	e.newInstance("lic-2", "O-2", "C-2", "P1", exp)
	e.newInstance("lic-3", "O-3", "C-3", "P1", exp)
	probe := e.signed(testKey, map[string]string{"activity": "newInstance", "orderId": "MOCK", "testFlag": "1"}).License
	sp := e.support()
	if _, err := sp.Reissue(ctx, "lic-1", support.ChangeRequest{Reason: "r", Actor: cliActor("a")}); err != nil {
		t.Fatal(err)
	}
	code2 := e.license("lic-2").Code
	if _, err := sp.Revoke(ctx, "lic-2", support.ChangeRequest{Reason: "r", Actor: cliActor("a")}); err != nil {
		t.Fatal(err)
	}
	revoked := e.license("lic-2").Code
	code3 := e.license("lic-3").Code
	wantCode(t, e.signed(testKey, map[string]string{"activity": "releaseInstance", "instanceId": "lic-3"}), resultOK)
	code4 := e.newInstance("lic-4", "O-4", "C-4", "P1", exp)
	wantCode(t, e.signed(testKey, map[string]string{"activity": "refreshInstance", "instanceId": "lic-4",
		"orderId": "R-4", "scene": "RENEWAL", "expireTime": mkTime(exp.AddDate(1, 0, 0))}), resultOK)
	e.advance(60 * 24 * time.Hour) // every code is now expired

	tests := []struct {
		name, code string
		status     int
		errCode    string
		gen        int64
		st         string
	}{
		{"code from before a reissue", old, 403, "code_superseded", 0, ""},
		{"current code", e.license("lic-1").Code, 200, "", 2, "active"},
		{"code from before a revoke", code2, 403, "code_superseded", 0, ""},
		{"revoked code", revoked, 200, "", 2, "revoked"},
		{"code from before a release", code3, 200, "", 2, "released"},
		{"test code", probe, 400, "test_code", 0, ""},
		{"tampered payload", strings.Replace(old, ".", ".x", 1), 400, "invalid_code", 0, ""},
		{"tampered signature", tamperSignature(old), 400, "invalid_code", 0, ""},
		{"garbage", "hello", 400, "invalid_code", 0, ""},
		{"empty", "", 400, "bad_request", 0, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rr, body := e.refreshCode(tt.code, tt.status)
			if tt.status != 200 {
				if got := errorCode(t, body); got != tt.errCode {
					t.Errorf("error code = %s, want %s", got, tt.errCode)
				}
				return
			}
			l := e.license(e.claims(tt.code).LicenseID)
			if rr.Code != l.Code || rr.Generation != tt.gen || rr.Status != tt.st || rr.ExpiresAt == nil || *rr.ExpiresAt != support.RFC3339(exp.Unix()) {
				t.Errorf("refresh = %+v, want the current code, generation %d, %s, expiring %s", rr, tt.gen, tt.st, support.RFC3339(exp.Unix()))
			}
		})
	}

	// A code from before a renewal still fetches the renewed one: renewals do not raise the proof generation.
	if rr, _ := e.refreshCode(code4, http.StatusOK); rr.Generation != 2 || rr.Code != e.license("lic-4").Code {
		t.Errorf("refresh(pre-renewal code) = generation %d, want the renewed generation 2 code", rr.Generation)
	}

	status, body := e.call(http.MethodPost, "/v1/codes/refresh", "", map[string]string{"code": old, "extra": "x"})
	if status != 400 || errorCode(t, body) != "bad_request" {
		t.Errorf("refresh with an unknown field = %d %s, want 400 bad_request", status, body)
	}
}

// TestRefreshRetiredKey checks that a code signed by a key since rotated out still proves possession, and
// fetches the renewed code signed by the new key.
func TestRefreshRetiredKey(t *testing.T) {
	e := newTestEnv(t)
	old := e.newInstance("lic-1", "O-1", "C-1", "P1", t0.AddDate(1, 0, 0))
	ring, err := e.ring.Rotate(bytes.NewReader(bytes.Repeat([]byte{7}, 32)))
	if err != nil {
		t.Fatal(err)
	}
	cfg := Config{KooGalleryKeys: []string{testKey}, Now: e.now}
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	srv := New(cfg, e.st, ring, support.NewIssuer(ring, "licentia", time.Hour), slog.New(slog.NewTextHandler(io.Discard, nil)))
	ts := httptest.NewServer(srv.Handler())
	defer ts.Close()
	renew := map[string]string{"activity": "refreshInstance", "instanceId": "lic-1", "orderId": "R-1",
		"scene": "RENEWAL", "expireTime": mkTime(t0.AddDate(2, 0, 0))}
	cb, err := koogallery.NewCaller(ts.URL+"/koogallery/license", testKey, nil, e.now).Signed(context.Background(), renew)
	if err == nil {
		err = cb.Accepted()
	}
	if err != nil {
		t.Fatalf("renewal: %v", err)
	}
	resp, err := http.Post(ts.URL+"/v1/codes/refresh", "application/json", strings.NewReader(`{"code":"`+old+`"}`))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("refresh with a retired key's code: status %d, want 200", resp.StatusCode)
	}
	newKid, _ := ring.Active()
	if l := e.license("lic-1"); l.KeyID != newKid || l.Generation != 2 {
		t.Errorf("reissued with key %s gen %d, want %s gen 2", l.KeyID, l.Generation, newKid)
	}
}

func TestRefreshRateLimits(t *testing.T) {
	e := newTestEnv(t)
	code := e.newInstance("lic-1", "O-1", "C-1", "P1", t0.AddDate(1, 0, 0))
	for i := range refreshPerLicense {
		if status, body := e.call(http.MethodPost, "/v1/codes/refresh", "", RefreshRequest{Code: code}); status != 200 {
			t.Fatalf("refresh %d: status %d (%s), want 200", i+1, status, body)
		}
	}
	req, _ := http.NewRequest(http.MethodPost, e.ts.URL+"/v1/codes/refresh", strings.NewReader(`{"code":"`+code+`"}`))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusTooManyRequests || errorCode(t, body) != "rate_limited" || resp.Header.Get("Retry-After") == "" {
		t.Fatalf("refresh past the license limit = %d %s (Retry-After %q), want 429 rate_limited with Retry-After",
			resp.StatusCode, body, resp.Header.Get("Retry-After"))
	}

	// The address limit counts garbage too, and holds for every license from that address.
	other := e.newInstance("lic-2", "O-2", "C-2", "P1", t0.AddDate(1, 0, 0))
	for range refreshPerAddress - refreshPerLicense - 1 {
		e.refreshCode("garbage", http.StatusBadRequest)
	}
	if _, body := e.refreshCode(other, http.StatusTooManyRequests); errorCode(t, body) != "rate_limited" {
		t.Errorf("refresh past the address limit: %s, want rate_limited", body)
	}

	// The allowance comes back over the window: one request per window/limit, the whole of it after a
	// window. None of this wrote to the database.
	e.advance(refreshWindow / refreshPerLicense)
	e.refreshCode(code, http.StatusOK)
	if _, body := e.refreshCode(code, http.StatusTooManyRequests); errorCode(t, body) != "rate_limited" {
		t.Errorf("second refresh after one refill: %s, want rate_limited", body)
	}
	e.advance(refreshWindow)
	for range refreshPerLicense {
		e.refreshCode(code, http.StatusOK)
	}
	if n, err := e.st.PurgeRateLimits(context.Background()); err != nil || n != 0 {
		t.Errorf("PurgeRateLimits() = %d, %v; want 0: SQLite keeps no rate-limit counter", n, err)
	}
}

// TestRefreshLimitsAtTheirEdges drives the in-memory limits through the HTTP endpoint: the address limit
// counts garbage and refuses it before any database work, groups IPv6 addresses by /64, gives a
// Retry-After rounded up to the time until one request is regained, and writes nothing.
func TestRefreshLimitsAtTheirEdges(t *testing.T) {
	e := newTestEnv(t)
	h := e.srv.Handler()
	post := func(addr, code string) *httptest.ResponseRecorder {
		t.Helper()
		req := httptest.NewRequest(http.MethodPost, "/v1/codes/refresh", strings.NewReader(`{"code":"`+code+`"}`))
		req.RemoteAddr = addr
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		return rec
	}
	ctx := context.Background()
	v0, err := e.st.DataVersion(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for i := range refreshPerAddress {
		if rec := post("[2001:db8:0:7::1]:4000", "garbage"); rec.Code != http.StatusBadRequest {
			t.Fatalf("garbage %d from 2001:db8:0:7::1 = %d, want 400 invalid_code", i+1, rec.Code)
		}
	}
	tests := []struct {
		name, addr string
		want       int
	}{
		{"same address, over the limit", "[2001:db8:0:7::1]:4000", http.StatusTooManyRequests},
		{"same /64, another address", "[2001:db8:0:7:ffff::2]:4001", http.StatusTooManyRequests},
		{"another /64", "[2001:db8:0:8::1]:4000", http.StatusBadRequest},
		{"an IPv4 address", "192.0.2.7:4000", http.StatusBadRequest},
	}
	for _, tt := range tests {
		rec := post(tt.addr, "garbage")
		if rec.Code != tt.want {
			t.Errorf("%s: status %d, want %d", tt.name, rec.Code, tt.want)
		}
		if want := strconv.Itoa(int(refreshWindow / refreshPerAddress / time.Second)); tt.want == http.StatusTooManyRequests && rec.Header().Get("Retry-After") != want {
			t.Errorf("%s: Retry-After %q, want %q", tt.name, rec.Header().Get("Retry-After"), want)
		}
	}
	e.advance(refreshWindow/refreshPerAddress - time.Millisecond)
	if rec := post("[2001:db8:0:7::1]:4000", "garbage"); rec.Code != http.StatusTooManyRequests || rec.Header().Get("Retry-After") != "1" {
		t.Errorf("a moment before one is regained: %d, Retry-After %q; want 429, 1", rec.Code, rec.Header().Get("Retry-After"))
	}
	e.advance(time.Millisecond)
	if rec := post("[2001:db8:0:7::1]:4000", "garbage"); rec.Code != http.StatusBadRequest {
		t.Errorf("once one is regained: %d, want 400", rec.Code)
	}
	if v, err := e.st.DataVersion(ctx); err != nil || v != v0 {
		t.Errorf("data version %d → %d (%v): want no database write for refused and rate-limited requests", v0, v, err)
	}
}

// TestSupersedeFlow is the acceptance flow: reissue → refresh with the old code returns the new one →
// with the revocation list the old code fails while the new one passes; revoke → both fail.
func TestSupersedeFlow(t *testing.T) {
	e := newTestEnv(t)
	old := e.newInstance("lic-1", "O-1", "C-1", "P1", t0.AddDate(1, 0, 0))
	e.newInstance("lic-2", "O-2", "C-2", "P1", t0.AddDate(1, 0, 0))
	if err := e.verify(old); err != nil {
		t.Fatalf("verify(first code) err = %v, want nil", err)
	}
	supportTok := e.token("alice", "support")
	var ch support.Change
	e.callJSON(http.MethodPost, "/admin/v1/licenses/lic-1/reissue", supportTok, support.ChangeRequest{Reason: "buyer reinstalled"}, 200, &ch)

	// The code from before the reissue (perhaps the leaked one) no longer fetches the new code.
	_, body := e.refreshCode(old, http.StatusForbidden)
	if got := errorCode(t, body); got != "code_superseded" {
		t.Fatalf("refresh(old) error = %s, want code_superseded", got)
	}
	rr := online.CodeResponse{Code: e.license("lic-1").Code, Generation: 2}
	if err := e.verify(old); !errors.Is(err, verifier.ErrRevoked) {
		t.Errorf("verify(old code) with the list err = %v, want %v", err, verifier.ErrRevoked)
	}
	if err := e.verify(rr.Code); err != nil {
		t.Errorf("verify(new code) err = %v, want nil", err)
	}
	if l := e.revocations(); l.MinGen["lic-1"] != 2 || len(l.MinGen) != 1 || l.IssuedAt != e.now().Unix() {
		t.Errorf("revocation list = %+v, want only lic-1 → 2, iat now", l)
	}

	e.callJSON(http.MethodPost, "/admin/v1/licenses/lic-1/revoke", supportTok, support.ChangeRequest{Reason: "chargeback"}, 200, &ch)
	for name, code := range map[string]string{"old": old, "reissued": rr.Code} {
		if err := e.verify(code); !errors.Is(err, verifier.ErrRevoked) {
			t.Errorf("verify(%s code) after revoke err = %v, want %v", name, err, verifier.ErrRevoked)
		}
	}
	for name, code := range map[string]string{"old": old, "reissued": rr.Code} {
		if _, body := e.refreshCode(code, http.StatusForbidden); errorCode(t, body) != "code_superseded" {
			t.Errorf("refresh(%s code) after revoke = %s, want code_superseded", name, body)
		}
	}
	revoked, _ := e.refreshCode(e.license("lic-1").Code, http.StatusOK)
	if revoked.Status != "revoked" || revoked.Generation != 3 {
		t.Errorf("refresh after revoke = %+v, want status revoked, generation 3", revoked)
	}
	if err := e.verify(revoked.Code); !errors.Is(err, verifier.ErrRevoked) {
		t.Errorf("verify(revoked code) err = %v, want %v", err, verifier.ErrRevoked)
	}
	if l := e.revocations(); l.MinGen["lic-1"] != 4 {
		t.Errorf("min_gen[lic-1] = %d, want 4 (above every issued generation)", l.MinGen["lic-1"])
	}
	if err := e.verify(e.license("lic-2").Code); err != nil {
		t.Errorf("verify(untouched license) err = %v, want nil", err)
	}
}

// tamperSignature flips one character in the middle of code's signature.
func tamperSignature(code string) string {
	i := strings.LastIndexByte(code, '.') + 20
	c := byte('A')
	if code[i] == 'A' {
		c = 'B'
	}
	return code[:i] + string(c) + code[i+1:]
}

func TestClientAddr(t *testing.T) {
	trusted := []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("::1/128")}
	tests := []struct {
		name, remote, xff, want string
	}{
		{"direct client", "203.0.113.7:5000", "", "203.0.113.7"},
		{"untrusted peer cannot pick its address", "203.0.113.7:5000", "198.51.100.1", "203.0.113.7"},
		{"behind the load balancer", "10.0.0.5:443", "198.51.100.1", "198.51.100.1"},
		{"client-supplied hops before the proxy's are skipped", "10.0.0.5:443", "1.2.3.4, 198.51.100.1", "198.51.100.1"},
		{"two trusted proxies", "10.0.0.5:443", "198.51.100.1, 10.0.0.9", "198.51.100.1"},
		{"junk hop stops the walk", "10.0.0.5:443", "198.51.100.1, junk", "10.0.0.5"},
		{"trusted proxy without header", "10.0.0.5:443", "", "10.0.0.5"},
		{"IPv6 loopback proxy", "[::1]:8080", "2001:db8::1", "2001:db8::1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest(http.MethodPost, "/v1/codes/refresh", nil)
			r.RemoteAddr = tt.remote
			if tt.xff != "" {
				r.Header.Set("X-Forwarded-For", tt.xff)
			}
			if got := clientAddr(r, trusted); got != tt.want {
				t.Errorf("clientAddr() = %q, want %q", got, tt.want)
			}
		})
	}
}
