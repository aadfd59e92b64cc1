package koogallery

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"
)

const clientKey = "test-access-key-123"

var clientNow = time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC)

// TestClientSigning: every way the client signs verifies with the seller's checks exactly when it should.
func TestClientSigning(t *testing.T) {
	c := NewCaller("http://127.0.0.1:1/koogallery/license", clientKey, nil, func() time.Time { return clientNow })
	body := map[string]string{"activity": ActivityRefreshLicenseCode, "license": "PL0001", "scene": "RENEWAL",
		"expireTime": "20300101000000", "customerName": "张三 & <Co>"}
	cases := []struct {
		name    string
		opts    []SignOption
		wantErr bool
	}{
		{"genuine", nil, false},
		{"upper-case hex", []SignOption{UpperHex()}, false},
		{"fixed nonce", []SignOption{WithNonce("50D83FDECAED6CCD")}, false},
		{"wrong key", []SignOption{WithKey("other")}, true},
		{"corrupted", []SignOption{Corrupt()}, true},
		{"unsigned", []SignOption{Unsigned()}, true},
		{"tampered", []SignOption{Tampered()}, true},
	}
	for _, tc := range cases {
		t.Run("POST "+tc.name, func(t *testing.T) {
			req := c.SignedRequest(body, tc.opts...)
			q := query(t, req.URL)
			_, err := VerifySignature([]string{clientKey}, q.Get("nonce"), q.Get("timestamp"), q.Get("signature"), req.Body)
			if (err != nil) != tc.wantErr {
				t.Errorf("VerifySignature() err = %v, want error %v", err, tc.wantErr)
			}
			if got := q.Get("timestamp"); got != "1772352000000" {
				t.Errorf("timestamp = %q, want Unix milliseconds 1772352000000", got)
			}
		})
		t.Run("GET "+tc.name, func(t *testing.T) {
			req := c.LegacyRequest(body, tc.opts...)
			_, err := VerifyAuthToken([]string{clientKey}, query(t, req.URL))
			if tc.name == "upper-case hex" || tc.name == "fixed nonce" {
				tc.wantErr = false // no hex and no nonce in License 1.0
			}
			if (err != nil) != tc.wantErr {
				t.Errorf("VerifyAuthToken() err = %v, want error %v", err, tc.wantErr)
			}
		})
	}
	req := c.SignedRequest(body)
	if want := `{"activity":"refreshLicenseCode","customerName":"张三 & <Co>","expireTime":"20300101000000","license":"PL0001","scene":"RENEWAL"}`; string(req.Body) != want {
		t.Errorf("body = %s, want the canonical form %s", req.Body, want)
	}
	if sig := query(t, c.SignedRequest(body, UpperHex()).URL).Get("signature"); sig != strings.ToUpper(sig) {
		t.Errorf("UpperHex signature = %s, want upper case", sig)
	}
}

// TestClientSpecVector: the client reproduces the spec's signature vector (§2.3).
func TestClientSpecVector(t *testing.T) {
	c := NewCaller("http://127.0.0.1:1/cb", clientKey, nil, func() time.Time { return time.UnixMilli(1680508066618) })
	req := c.SignedRequest(map[string]string{"activity": "refreshLicenseCode", "expireTime": "20250101000000",
		"license": "PL0001", "orderId": "CS0002", "orderLineId": "CS0002-000001", "scene": "RENEWAL", "testFlag": "1"},
		WithNonce("50D83FDECAED6CCD"), UpperHex())
	if got, want := query(t, req.URL).Get("signature"), "0A63474310944F80D57E4439433A1F48490BD4F1EB86F1E022F16EDF18FE0A15"; got != want {
		t.Errorf("signature = %s, want %s", got, want)
	}
}

func query(t *testing.T, raw string) url.Values {
	t.Helper()
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	return u.Query()
}

// TestReplyInspection: Do records every problem with an answer's form.
func TestReplyInspection(t *testing.T) {
	good := `{"resultCode":"000000","resultMsg":"success.","instanceId":"i-1","license":"L"}`
	cases := []struct {
		name    string
		legacy  bool
		status  int
		body    string
		sign    string // "" unsigned, "key" signed with clientKey, else signed with that key
		problem string // "" none
	}{
		{"signed legacy answer", true, 200, good, "key", ""},
		{"POST answer without Body-Sign", false, 200, good, "", ""},
		{"legacy answer without Body-Sign", true, 200, good, "", "no Body-Sign"},
		{"signed with another key", false, 200, good, "other", "does not verify"},
		{"HTTP 500", false, 500, good, "", "HTTP status 500"},
		{"not JSON", false, 200, "oops", "", "not a JSON object"},
		{"no resultCode", false, 200, `{"resultMsg":"x"}`, "", "no resultCode"},
		{"numeric resultCode", false, 200, `{"resultCode":0}`, "", "want a JSON string"},
		{"short resultCode", false, 200, `{"resultCode":"0"}`, "", "not six digits"},
		{"long instanceId", false, 200, `{"resultCode":"000000","instanceId":"` + strings.Repeat("i", 65) + `"}`, "", "allows 64"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				switch tc.sign {
				case "key":
					w.Header().Set("Body-Sign", BodySign(clientKey, []byte(tc.body)))
				case "":
				default:
					w.Header().Set("Body-Sign", BodySign(tc.sign, []byte(tc.body)))
				}
				w.WriteHeader(tc.status)
				w.Write([]byte(tc.body))
			}))
			defer ts.Close()
			c := NewCaller(ts.URL, clientKey, nil, nil)
			var a *Reply
			var err error
			if tc.legacy {
				a, err = c.Legacy(context.Background(), map[string]string{"activity": ActivityGetLicense})
			} else {
				a, err = c.Signed(context.Background(), map[string]string{"activity": ActivityNewInstance})
			}
			if err != nil {
				t.Fatalf("Do() err = %v", err)
			}
			got := strings.Join(a.Problems, "; ")
			if tc.problem == "" && got != "" || tc.problem != "" && !strings.Contains(got, tc.problem) {
				t.Errorf("Problems = %q, want %q", got, tc.problem)
			}
			if tc.problem == "" {
				if err := a.Created(); err != nil || a.InstanceID != "i-1" || a.License != "L" {
					t.Errorf("Created() = %v with %+v, want nil, instanceId i-1, license L", err, a)
				}
				if a.Rejected() == nil {
					t.Errorf("Rejected() = nil for resultCode 000000, want an error")
				}
			} else if a.Accepted() == nil {
				t.Errorf("Accepted() = nil for a malformed answer, want an error")
			}
		})
	}
}
