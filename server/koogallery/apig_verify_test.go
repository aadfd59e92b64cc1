package koogallery

import (
	"bytes"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

var testAPIGNow = time.Date(2024, 3, 17, 14, 42, 37, 0, time.UTC)

// signedVectorRequest returns the spec's APIG vector request (§2.6), signed, with body attached.
func signedVectorRequest(t testing.TB, body []byte) *http.Request {
	t.Helper()
	req := newAPIGRequest(t, http.MethodPost, testActivateURL)
	req.Header.Set("x-stage", "RELEASE")
	req.Header.Set("Content-Type", "application/json")
	if err := SignAPIG(req, body, "AK", "123", testAPIGNow); err != nil {
		t.Fatalf("SignAPIG() err = %v, want nil", err)
	}
	return req
}

func TestVerifyAPIGSpecVector(t *testing.T) {
	req := signedVectorRequest(t, nil)
	if got := req.Header.Get("Authorization"); !strings.HasSuffix(got, "Signature="+testAPIGSig) {
		t.Fatalf("Authorization = %q, want the spec signature %s", got, testAPIGSig)
	}
	if err := VerifyAPIG(req, nil, "AK", "123", testAPIGNow, 0); err != nil {
		t.Errorf("VerifyAPIG(spec vector) err = %v, want nil", err)
	}
}

// TestVerifyAPIGOverHTTP sends signed requests through a real loopback server, so that what is verified is what
// net/http delivers: canonicalised header keys, Host moved out of the header map, added transport headers.
func TestVerifyAPIGOverHTTP(t *testing.T) {
	var got error
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		got = VerifyAPIG(r, body, "AK", "SK", time.Now(), 0)
	}))
	t.Cleanup(srv.Close)

	tests := []struct {
		name, method, path string
		body               []byte
	}{
		{"post json", http.MethodPost, PathActivate, []byte(`{"license":"PL1"}`)},
		{"get query", http.MethodGet, PathQueryOrder + "?orderId=CS+1&orderLineId=CS1-000001", nil},
		{"escaped segment", http.MethodPost, EventFilePath("ev 1/ü"), []byte("x")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, err := http.NewRequest(tt.method, srv.URL+tt.path, bytes.NewReader(tt.body))
			if err != nil {
				t.Fatalf("http.NewRequest() err = %v", err)
			}
			req.Header.Set("Content-Type", "application/json")
			req.Header.Add("X-Multi", "b")
			req.Header.Add("X-Multi", "a")
			if err := SignAPIG(req, tt.body, "AK", "SK", time.Now()); err != nil {
				t.Fatalf("SignAPIG() err = %v", err)
			}
			resp, err := srv.Client().Do(req)
			if err != nil {
				t.Fatalf("Do() err = %v", err)
			}
			resp.Body.Close()
			if got != nil {
				t.Errorf("VerifyAPIG() over HTTP err = %v, want nil", got)
			}
		})
	}
}

func TestVerifyAPIGRefusesTampering(t *testing.T) {
	body := []byte(`{"license":"PL1"}`)
	tests := []struct {
		name    string
		mutate  func(r *http.Request) []byte
		ak, sk  string
		now     time.Time
		wantErr error
	}{
		{"body", func(r *http.Request) []byte { return []byte(`{"license":"PL2"}`) }, "AK", "123", testAPIGNow, ErrAuth},
		{"empty body", func(r *http.Request) []byte { return nil }, "AK", "123", testAPIGNow, ErrAuth},
		{"method", func(r *http.Request) []byte { r.Method = http.MethodPut; return body }, "AK", "123", testAPIGNow, ErrAuth},
		{"path", func(r *http.Request) []byte { r.URL.Path += "x"; return body }, "AK", "123", testAPIGNow, ErrAuth},
		{"query added", func(r *http.Request) []byte { r.URL.RawQuery = "a=1"; return body }, "AK", "123", testAPIGNow, ErrAuth},
		{"bad query", func(r *http.Request) []byte { r.URL.RawQuery = "a=%zz"; return body }, "AK", "123", testAPIGNow, ErrAuth},
		{"host", func(r *http.Request) []byte { r.Host = "mkt.myhuaweicloud.cn"; return body }, "AK", "123", testAPIGNow, ErrAuth},
		{"no host", func(r *http.Request) []byte { r.Host = ""; return body }, "AK", "123", testAPIGNow, ErrAuth},
		{"signed header value", func(r *http.Request) []byte { r.Header.Set("X-Stage", "TEST"); return body }, "AK", "123", testAPIGNow, ErrAuth},
		{"signed header removed", func(r *http.Request) []byte { r.Header.Del("X-Stage"); return body }, "AK", "123", testAPIGNow, ErrAuth},
		{"signed header repeated", func(r *http.Request) []byte { r.Header.Add("X-Stage", "RELEASE"); return body }, "AK", "123", testAPIGNow, ErrAuth},
		{"date changed", func(r *http.Request) []byte { r.Header.Set("X-Sdk-Date", "20240317T144238Z"); return body }, "AK", "123", testAPIGNow, ErrAuth},
		{"date malformed", func(r *http.Request) []byte { r.Header.Set("X-Sdk-Date", "2024-03-17T14:42:37Z"); return body }, "AK", "123", testAPIGNow, ErrTime},
		{"date missing", func(r *http.Request) []byte { r.Header.Del("X-Sdk-Date"); return body }, "AK", "123", testAPIGNow, ErrMissing},
		{"date repeated", func(r *http.Request) []byte { r.Header.Add("X-Sdk-Date", "20240317T144237Z"); return body }, "AK", "123", testAPIGNow, ErrAuth},
		{"date too old", func(r *http.Request) []byte { return body }, "AK", "123", testAPIGNow.Add(15*time.Minute + time.Second), ErrTimestamp},
		{"date too new", func(r *http.Request) []byte { return body }, "AK", "123", testAPIGNow.Add(-15*time.Minute - time.Second), ErrTimestamp},
		{"wrong sk", func(r *http.Request) []byte { return body }, "AK", "124", testAPIGNow, ErrAuth},
		{"wrong ak", func(r *http.Request) []byte { return body }, "AK2", "123", testAPIGNow, ErrAuth},
		{"empty sk", func(r *http.Request) []byte { return body }, "AK", "", testAPIGNow, ErrMissing},
		{"empty ak", func(r *http.Request) []byte { return body }, "", "123", testAPIGNow, ErrMissing},
		{"authorization missing", func(r *http.Request) []byte { r.Header.Del("Authorization"); return body }, "AK", "123", testAPIGNow, ErrMissing},
		{"authorization repeated", func(r *http.Request) []byte {
			r.Header.Add("Authorization", r.Header.Get("Authorization"))
			return body
		}, "AK", "123", testAPIGNow, ErrAuth},
		{"signature flipped", func(r *http.Request) []byte { flipLastHex(r); return body }, "AK", "123", testAPIGNow, ErrAuth},
		{"access changed", func(r *http.Request) []byte { replaceAuth(r, "Access=AK", "Access=AX"); return body }, "AK", "123", testAPIGNow, ErrAuth},
		{"header dropped from list", func(r *http.Request) []byte { replaceAuth(r, ";x-stage", ""); return body }, "AK", "123", testAPIGNow, ErrAuth},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := signedVectorRequest(t, body)
			got := tt.mutate(req)
			err := VerifyAPIG(req, got, tt.ak, tt.sk, tt.now, 0)
			if !errors.Is(err, tt.wantErr) {
				t.Errorf("VerifyAPIG() err = %v, want %v", err, tt.wantErr)
			}
		})
	}
}

// flipLastHex changes the last hex digit of the request's signature.
func flipLastHex(r *http.Request) {
	a := r.Header.Get("Authorization")
	last := byte('0')
	if a[len(a)-1] == '0' {
		last = '1'
	}
	r.Header.Set("Authorization", a[:len(a)-1]+string(last))
}

func replaceAuth(r *http.Request, old, new string) {
	r.Header.Set("Authorization", strings.Replace(r.Header.Get("Authorization"), old, new, 1))
}

func TestVerifyAPIGWindow(t *testing.T) {
	body := []byte("{}")
	tests := []struct {
		name   string
		offset time.Duration
		window time.Duration
		ok     bool
	}{
		{"exact", 0, 0, true},
		{"15 min late", 15 * time.Minute, 0, true},
		{"15 min early", -15 * time.Minute, 0, true},
		{"custom window inside", 59 * time.Second, time.Minute, true},
		{"custom window outside", 61 * time.Second, time.Minute, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := signedVectorRequest(t, body)
			err := VerifyAPIG(req, body, "AK", "123", testAPIGNow.Add(tt.offset), tt.window)
			if (err == nil) != tt.ok {
				t.Errorf("VerifyAPIG() err = %v, want ok = %v", err, tt.ok)
			}
			if err != nil && !errors.Is(err, ErrTimestamp) {
				t.Errorf("VerifyAPIG() err = %v, want %v", err, ErrTimestamp)
			}
		})
	}
}

func TestParseAPIGAuthorization(t *testing.T) {
	sig := strings.Repeat("ab", 32)
	good := "SDK-HMAC-SHA256 Access=AK, SignedHeaders=host;x-sdk-date, Signature=" + sig
	a, err := ParseAPIGAuthorization(good)
	if err != nil {
		t.Fatalf("ParseAPIGAuthorization(%q) err = %v, want nil", good, err)
	}
	if a.Access != "AK" || strings.Join(a.SignedHeaders, ";") != "host;x-sdk-date" || len(a.Signature) != 32 {
		t.Errorf("ParseAPIGAuthorization() = %+v, want AK, host;x-sdk-date, 32-byte signature", a)
	}

	bad := []struct{ name, value string }{
		{"empty", ""},
		{"other algorithm", strings.Replace(good, "SDK-HMAC-SHA256", "SDK-HMAC-SHA1", 1)},
		{"no space after algorithm", strings.Replace(good, "SHA256 ", "SHA256", 1)},
		{"lower-case algorithm", strings.Replace(good, "SDK-HMAC-SHA256", "sdk-hmac-sha256", 1)},
		{"fields reordered", "SDK-HMAC-SHA256 SignedHeaders=host;x-sdk-date, Access=AK, Signature=" + sig},
		{"field missing", "SDK-HMAC-SHA256 Access=AK, Signature=" + sig},
		{"extra field", good + ", Extra=1"},
		{"comma without space", strings.Replace(good, ", ", ",", 1)},
		{"empty access", strings.Replace(good, "Access=AK", "Access=", 1)},
		{"access with space", strings.Replace(good, "Access=AK", "Access=A K", 1)},
		{"short signature", strings.TrimSuffix(good, "ab")},
		{"long signature", good + "ab"},
		{"non-hex signature", strings.Replace(good, "Signature=ab", "Signature=zz", 1)},
		{"unsorted headers", strings.Replace(good, "host;x-sdk-date", "x-sdk-date;host", 1)},
		{"duplicate header", strings.Replace(good, "host;x-sdk-date", "host;host;x-sdk-date", 1)},
		{"upper-case header", strings.Replace(good, "host;x-sdk-date", "Host;x-sdk-date", 1)},
		{"empty header name", strings.Replace(good, "host;x-sdk-date", "host;;x-sdk-date", 1)},
		{"host not signed", strings.Replace(good, "host;x-sdk-date", "x-sdk-date", 1)},
		{"date not signed", strings.Replace(good, "host;x-sdk-date", "host", 1)},
		{"authorization signed", strings.Replace(good, "host;x-sdk-date", "authorization;host;x-sdk-date", 1)},
	}
	for _, tt := range bad {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseAPIGAuthorization(tt.value)
			want := ErrAuth
			if tt.value == "" {
				want = ErrMissing
			}
			if !errors.Is(err, want) {
				t.Errorf("ParseAPIGAuthorization(%q) err = %v, want %v", tt.value, err, want)
			}
		})
	}
}

func TestVerifyAPIGNilRequest(t *testing.T) {
	if err := VerifyAPIG(nil, nil, "AK", "SK", testAPIGNow, 0); !errors.Is(err, ErrMissing) {
		t.Errorf("VerifyAPIG(nil) err = %v, want %v", err, ErrMissing)
	}
	if err := VerifyAPIG(&http.Request{}, nil, "AK", "SK", testAPIGNow, 0); !errors.Is(err, ErrMissing) {
		t.Errorf("VerifyAPIG(no URL) err = %v, want %v", err, ErrMissing)
	}
}
