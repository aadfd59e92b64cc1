package koogallery

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"
)

const (
	testNonce     = "50D83FDECAED6CCD"
	testTimestamp = "1680508066618"
	testPayload   = `{"activity":"refreshLicenseCode","expireTime":"20250101000000","license":"PL0001",` +
		`"orderId":"CS0002","orderLineId":"CS0002-000001","scene":"RENEWAL","testFlag":"1"}`
	testInner     = "5e8f60f0c3d9c3b53170ce4e9f3e4e7cb947f1dbaea554057ddc9953b7d9cc34"
	testSignature = "0A63474310944F80D57E4439433A1F48490BD4F1EB86F1E022F16EDF18FE0A15"
)

func TestSignatureSpecVector(t *testing.T) {
	mac := hmac.New(sha256.New, []byte(testKey))
	mac.Write([]byte(testPayload))
	if got := hex.EncodeToString(mac.Sum(nil)); got != testInner {
		t.Errorf("inner = %s, want %s", got, testInner)
	}
	if got, want := Signature(testKey, testNonce, testTimestamp, []byte(testPayload)), strings.ToLower(testSignature); got != want {
		t.Errorf("Signature() = %s, want %s", got, want)
	}
	canon, err := Canonical([]byte(testPayload))
	if err != nil || string(canon) != testPayload {
		t.Errorf("Canonical(spec payload) = %s, %v, want the payload unchanged", canon, err)
	}
}

func TestVerifySignature(t *testing.T) {
	// The same payload as the spec vector, reordered with whitespace and a null: only its canonical form verifies.
	messy := `{ "testFlag":"1", "scene":"RENEWAL", "productId":null, "orderLineId":"CS0002-000001",
		"orderId":"CS0002", "license":"PL0001", "expireTime":"20250101000000", "activity":"refreshLicenseCode" }`
	keys := []string{testKey}
	tests := []struct {
		name                        string
		keys                        []string
		nonce, timestamp, signature string
		body                        string
		want                        int
		wantErr                     error
	}{
		{"upper-case hex", keys, testNonce, testTimestamp, testSignature, testPayload, 0, nil},
		{"lower-case hex", keys, testNonce, testTimestamp, strings.ToLower(testSignature), testPayload, 0, nil},
		{"canonical fallback", keys, testNonce, testTimestamp, testSignature, messy, 0, nil},
		{"rotation second key", []string{"old", testKey}, testNonce, testTimestamp, testSignature, testPayload, 1, nil},
		{"rotation empty key skipped", []string{"", testKey}, testNonce, testTimestamp, testSignature, testPayload, 1, nil},
		{"wrong key", []string{"wrong"}, testNonce, testTimestamp, testSignature, testPayload, -1, ErrAuth},
		{"no keys", nil, testNonce, testTimestamp, testSignature, testPayload, -1, ErrAuth},
		{"tampered body", keys, testNonce, testTimestamp, testSignature,
			strings.Replace(testPayload, "20250101", "20260101", 1), -1, ErrAuth},
		{"tampered nonce", keys, "50D83FDECAED6CCE", testTimestamp, testSignature, testPayload, -1, ErrAuth},
		{"tampered timestamp", keys, testNonce, "1680508066619", testSignature, testPayload, -1, ErrAuth},
		{"signature not hex", keys, testNonce, testTimestamp, "zz" + testSignature[2:], testPayload, -1, ErrAuth},
		{"signature truncated", keys, testNonce, testTimestamp, testSignature[:62], testPayload, -1, ErrAuth},
		{"non-object body", keys, testNonce, testTimestamp, testSignature, `["x"]`, -1, ErrAuth},
		{"missing signature", keys, testNonce, testTimestamp, "", testPayload, -1, ErrMissing},
		{"missing nonce", keys, "", testTimestamp, testSignature, testPayload, -1, ErrMissing},
		{"missing timestamp", keys, testNonce, "", testSignature, testPayload, -1, ErrMissing},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := VerifySignature(tt.keys, tt.nonce, tt.timestamp, tt.signature, []byte(tt.body))
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("VerifySignature() err = %v, want %v", err, tt.wantErr)
			}
			if got != tt.want {
				t.Errorf("VerifySignature() = %d, want %d", got, tt.want)
			}
		})
	}
}

func TestCanonical(t *testing.T) {
	tests := []struct {
		name string
		body string
		want string
	}{
		{"sorted compact", `{ "b" : "2", "a" : "1" }`, `{"a":"1","b":"2"}`},
		{"null dropped", `{"a":"1","b":null,"c":"3"}`, `{"a":"1","c":"3"}`},
		{"all null", `{"a":null}`, `{}`},
		{"empty", `{}`, `{}`},
		{"U+2028 and U+2029 raw", "{\"a\":\"x\u2028y\u2029z\"}", "{\"a\":\"x\u2028y\u2029z\"}"},
		{"U+2028 escaped in input", `{"a":"x\u2028y"}`, "{\"a\":\"x\u2028y\"}"},
		{"html not escaped", `{"a":"<b>&amp;</b>"}`, `{"a":"<b>&amp;</b>"}`},
		{"slash not escaped", `{"a":"http:\/\/x/y"}`, `{"a":"http://x/y"}`},
		{"non-ASCII raw", `{"a":"\u5f20\u4e09","b":"李四"}`, `{"a":"张三","b":"李四"}`},
		{"quote and backslash", `{"a":"\"\\"}`, `{"a":"\"\\"}`},
		{"control characters", `{"a":"\b\f\n\r\t\u0001\u001f\u007f"}`, "{\"a\":\"\\b\\f\\n\\r\\t\\u0001\\u001F\x7f\"}"},
		{"numbers keep literal text", `{"b":1.50,"a":1e3,"c":-0,"d":12345678901234567890}`,
			`{"a":1e3,"b":1.50,"c":-0,"d":12345678901234567890}`},
		{"bools", `{"b":true,"a":false}`, `{"a":false,"b":true}`},
		{"nested sorted, nested null dropped", `{"z":{"y":"1","x":null,"w":[3,null,{"b":1,"a":2}]},"a":[]}`,
			`{"a":[],"z":{"w":[3,null,{"a":2,"b":1}],"y":"1"}}`},
		{"duplicate key keeps last", `{"a":"1","a":"2"}`, `{"a":"2"}`},
		{"UTF-16 key order", "{\"\uff01\":1,\"\U0001F600\":2,\"a\":3}", "{\"a\":3,\"\U0001F600\":2,\"\uff01\":1}"},
		{"trailing whitespace", "{\"a\":\"1\"}\n", `{"a":"1"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Canonical([]byte(tt.body))
			if err != nil {
				t.Fatalf("Canonical(%s) err = %v, want nil", tt.body, err)
			}
			if string(got) != tt.want {
				t.Errorf("Canonical(%s) = %s, want %s", tt.body, got, tt.want)
			}
		})
	}
}

func TestCanonicalErrors(t *testing.T) {
	for _, body := range []string{``, `null`, `[]`, `"x"`, `1`, `true`, `{`, `{"a":1}{}`, `{"a":1} x`, `{"a":}`} {
		t.Run(body, func(t *testing.T) {
			if got, err := Canonical([]byte(body)); err == nil {
				t.Errorf("Canonical(%q) = %s, nil, want an error", body, got)
			}
		})
	}
}

func TestParseTimestamp(t *testing.T) {
	tests := []struct {
		in      string
		want    time.Time
		wantErr error
	}{
		{"1680508066618", time.UnixMilli(1680508066618).UTC(), nil},
		{"1680508066", time.Unix(1680508066, 0).UTC(), nil},
		{"0000000000000", time.UnixMilli(0).UTC(), nil},
		{"", time.Time{}, ErrTimestamp},
		{"168050806661", time.Time{}, ErrTimestamp},
		{"16805080666180", time.Time{}, ErrTimestamp},
		{"+680508066618", time.Time{}, ErrTimestamp},
		{"-680508066618", time.Time{}, ErrTimestamp},
		{" 680508066618", time.Time{}, ErrTimestamp},
		{"1680508066.61", time.Time{}, ErrTimestamp},
		{"0x1234567890", time.Time{}, ErrTimestamp},
		{"١٦٨٠٥٠٨٠٦٦", time.Time{}, ErrTimestamp},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseTimestamp(tt.in)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("ParseTimestamp(%q) err = %v, want %v", tt.in, err, tt.wantErr)
			}
			if !got.Equal(tt.want) || got.Location() != time.UTC {
				t.Errorf("ParseTimestamp(%q) = %v, want %v", tt.in, got, tt.want)
			}
		})
	}
}

func TestCheckTimestamp(t *testing.T) {
	now := time.UnixMilli(1680508066618)
	tests := []struct {
		name    string
		ts      time.Time
		window  time.Duration
		wantErr error
	}{
		{"equal", now, time.Minute, nil},
		{"past edge", now.Add(-time.Minute), time.Minute, nil},
		{"future edge", now.Add(time.Minute), time.Minute, nil},
		{"too old", now.Add(-time.Minute - time.Millisecond), time.Minute, ErrTimestamp},
		{"too new", now.Add(time.Minute + time.Millisecond), time.Minute, ErrTimestamp},
		{"zero time", time.Time{}, time.Minute, ErrTimestamp},
		{"far future", time.Unix(1<<62, 0), time.Minute, ErrTimestamp},
		{"zero window exact", now, 0, nil},
		{"negative window", now, -time.Second, ErrTimestamp},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := CheckTimestamp(tt.ts, now, tt.window); !errors.Is(err, tt.wantErr) {
				t.Errorf("CheckTimestamp() err = %v, want %v", err, tt.wantErr)
			}
		})
	}
}

func FuzzCanonical(f *testing.F) {
	for _, s := range []string{testPayload, `{"a":null}`, "{\"a\":\"\u2028\"}", `{"a":[1,{"b":null}]}`, `[]`, `{`,
		`{"a":"\ud800"}`, "{\"\xff\":1}"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		got, err := Canonical(body)
		if err != nil {
			return
		}
		if !json.Valid(got) {
			t.Fatalf("Canonical(%q) = %q, not valid JSON", body, got)
		}
		again, err := Canonical(got)
		if err != nil || string(again) != string(got) {
			t.Errorf("Canonical(Canonical(%q)) = %q, %v, want %q, nil", body, again, err, got)
		}
	})
}
