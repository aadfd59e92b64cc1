package koogallery

import (
	"errors"
	"maps"
	"net/url"
	"slices"
	"strings"
	"testing"
)

const (
	testKey       = "test-access-key-123"
	testAuthToken = "bg3RPbAQ4mw2wC023l0PIuHb2kt2bd6OHFpRAY83C3o="
	testBody      = `{"resultCode":"000000","resultMsg":"success.","instanceId":"b-001","license":"LIC-ABC"}`
	testBodySig   = "DgZTo5WOX8i8w+31j/ooaVzn51LQmZJR4qwHip46qJM="
)

// specParams returns the decoded parameters of the spec §1.3.1 worked example, without authToken.
func specParams() url.Values {
	return url.Values{
		"activity":   {"getLicense"},
		"businessId": {"b-001"},
		"customerId": {"c-001"},
		"orderId":    {"CS0001"},
		"productId":  {"OFFI001"},
		"testFlag":   {"1"},
		"timeStamp":  {"20240101080000123"},
	}
}

// signedParams returns specParams with a valid authToken for testKey.
func signedParams() url.Values {
	p := specParams()
	p.Set("authToken", testAuthToken)
	return p
}

// plusParams returns parameters signed with testKey whose authToken contains a '+' (the spec vector has none).
func plusParams(t testing.TB) url.Values {
	t.Helper()
	p := signedParams()
	for i := range 1000 {
		p.Set("nonce", strings.Repeat("x", i))
		if tok := AuthToken(testKey, p); strings.Contains(tok, "+") {
			p.Set("authToken", tok)
			return p
		}
	}
	t.Fatal("no authToken with '+' found")
	return nil
}

func TestAuthTokenSpecVector(t *testing.T) {
	if got := AuthToken(testKey, specParams()); got != testAuthToken {
		t.Errorf("AuthToken() = %q, want %q", got, testAuthToken)
	}
	// authToken itself is excluded from the signed string.
	if got := AuthToken(testKey, signedParams()); got != testAuthToken {
		t.Errorf("AuthToken() with authToken present = %q, want %q", got, testAuthToken)
	}
}

func TestAuthTokenFromQuery(t *testing.T) {
	// KooGallery URL-encodes values; signing uses the decoded ones.
	p := specParams()
	p.Set("customerName", "张 三/&x")
	want := AuthToken(testKey, p)
	p.Set("authToken", want)
	parsed, err := url.ParseQuery(p.Encode())
	if err != nil {
		t.Fatalf("ParseQuery() err = %v, want nil", err)
	}
	if i, err := VerifyAuthToken([]string{testKey}, parsed); err != nil || i != 0 {
		t.Errorf("VerifyAuthToken() = %d, %v, want 0, nil", i, err)
	}
}

func TestAuthTokenRepeatedNameSignsFirst(t *testing.T) {
	p := specParams()
	p["orderId"] = []string{"CS0001", "OTHER"}
	if got := AuthToken(testKey, p); got != testAuthToken {
		t.Errorf("AuthToken() with repeated orderId = %q, want %q", got, testAuthToken)
	}
}

func TestVerifyAuthToken(t *testing.T) {
	tests := []struct {
		name    string
		keys    []string
		params  func() url.Values
		want    int
		wantErr error
	}{
		{"valid", []string{testKey}, signedParams, 0, nil},
		{"rotation second key", []string{"old-key", testKey}, signedParams, 1, nil},
		{"rotation empty key skipped", []string{"", testKey}, signedParams, 1, nil},
		{"wrong key", []string{"wrong"}, signedParams, -1, ErrAuth},
		{"no keys", nil, signedParams, -1, ErrAuth},
		{"empty key", []string{""}, signedParams, -1, ErrAuth},
		{"tampered param", []string{testKey}, func() url.Values {
			p := signedParams()
			p.Set("orderId", "CS0002")
			return p
		}, -1, ErrAuth},
		{"tampered timeStamp", []string{testKey}, func() url.Values {
			p := signedParams()
			p.Set("timeStamp", "20240101080000124")
			return p
		}, -1, ErrAuth},
		{"unknown extra param is signed", []string{testKey}, func() url.Values {
			p := signedParams()
			p.Set("periodNumber", "1")
			return p
		}, -1, ErrAuth},
		{"unknown extra param signed by sender", []string{testKey}, func() url.Values {
			p := specParams()
			p.Set("periodNumber", "1")
			p.Set("authToken", AuthToken(testKey, p))
			return p
		}, 0, nil},
		{"dropped param", []string{testKey}, func() url.Values {
			p := signedParams()
			p.Del("testFlag")
			return p
		}, -1, ErrAuth},
		{"missing token", []string{testKey}, specParams, -1, ErrMissing},
		{"empty token", []string{testKey}, func() url.Values {
			p := signedParams()
			p.Set("authToken", "")
			return p
		}, -1, ErrMissing},
		{"missing timeStamp", []string{testKey}, func() url.Values {
			p := signedParams()
			p.Del("timeStamp")
			return p
		}, -1, ErrMissing},
		{"plus turned into space", []string{testKey}, func() url.Values {
			p := plusParams(t)
			p.Set("authToken", strings.ReplaceAll(p.Get("authToken"), "+", " "))
			return p
		}, 0, nil},
		{"plus turned into space wrong key", []string{"wrong"}, func() url.Values {
			p := plusParams(t)
			p.Set("authToken", strings.ReplaceAll(p.Get("authToken"), "+", " "))
			return p
		}, -1, ErrAuth},
		{"token lower-cased", []string{testKey}, func() url.Values {
			p := signedParams()
			p.Set("authToken", strings.ToLower(testAuthToken))
			return p
		}, -1, ErrAuth},
		{"token truncated", []string{testKey}, func() url.Values {
			p := signedParams()
			p.Set("authToken", testAuthToken[:43])
			return p
		}, -1, ErrAuth},
		{"nil params", []string{testKey}, func() url.Values { return nil }, -1, ErrMissing},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := VerifyAuthToken(tt.keys, tt.params())
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("VerifyAuthToken() err = %v, want %v", err, tt.wantErr)
			}
			if got != tt.want {
				t.Errorf("VerifyAuthToken() = %d, want %d", got, tt.want)
			}
		})
	}
}

func TestBodySign(t *testing.T) {
	want := `sign_type="HMAC-SHA256", signature= "` + testBodySig + `"`
	if got := BodySign(testKey, []byte(testBody)); got != want {
		t.Errorf("BodySign() = %q, want %q", got, want)
	}
}

func TestParseBodySign(t *testing.T) {
	tests := []struct {
		name    string
		header  string
		want    string
		wantErr error
	}{
		{"documented", `sign_type="HMAC-SHA256", signature= "` + testBodySig + `"`, testBodySig, nil},
		{"no spaces", `sign_type="HMAC-SHA256",signature="` + testBodySig + `"`, testBodySig, nil},
		{"spaces everywhere", ` sign_type = "HMAC-SHA256" ,  signature = "` + testBodySig + `" `, testBodySig, nil},
		{"signature only", `signature="` + testBodySig + `"`, testBodySig, nil},
		{"unquoted", `sign_type=HMAC-SHA256, signature=` + testBodySig, testBodySig, nil},
		{"names any case", `Sign_Type="hmac-sha256", Signature="` + testBodySig + `"`, testBodySig, nil},
		{"empty header", ``, "", ErrMissing},
		{"no signature", `sign_type="HMAC-SHA256"`, "", ErrMissing},
		{"empty signature", `sign_type="HMAC-SHA256", signature= ""`, "", ErrMissing},
		{"no equals", `sign_type="HMAC-SHA256", signature`, "", ErrMissing},
		{"unbalanced quote", `signature="` + testBodySig, "", ErrMissing},
		{"repeated signature", `signature="a", signature="b"`, "", ErrMissing},
		{"other algorithm", `sign_type="HMAC-SHA1", signature="` + testBodySig + `"`, "", ErrAuth},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseBodySign(tt.header)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("ParseBodySign(%q) err = %v, want %v", tt.header, err, tt.wantErr)
			}
			if got != tt.want {
				t.Errorf("ParseBodySign(%q) = %q, want %q", tt.header, got, tt.want)
			}
		})
	}
}

func TestVerifyBodySign(t *testing.T) {
	header := BodySign(testKey, []byte(testBody))
	tests := []struct {
		name    string
		key     string
		body    string
		header  string
		wantErr error
	}{
		{"valid", testKey, testBody, header, nil},
		{"valid compact header", testKey, testBody, `sign_type="HMAC-SHA256",signature="` + testBodySig + `"`, nil},
		{"wrong key", "wrong", testBody, header, ErrAuth},
		{"empty key", "", testBody, header, ErrAuth},
		{"tampered body", testKey, testBody + "\n", header, ErrAuth},
		{"missing", testKey, testBody, "", ErrMissing},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := VerifyBodySign(tt.key, []byte(tt.body), tt.header); !errors.Is(err, tt.wantErr) {
				t.Errorf("VerifyBodySign() err = %v, want %v", err, tt.wantErr)
			}
		})
	}
}

func FuzzVerifyAuthToken(f *testing.F) {
	f.Add(signedParams().Encode(), testKey)
	f.Add("authToken=a+b&timeStamp=1", "k")
	f.Add("authToken=%zz&timeStamp", "")
	f.Add("a=1&a=2&timeStamp=x&authToken= ", "key")
	f.Fuzz(func(t *testing.T, query, key string) {
		params, _ := url.ParseQuery(query) // keeps the valid pairs
		_, _ = VerifyAuthToken([]string{key, testKey}, params)

		if key == "" {
			return
		}
		if params == nil {
			params = url.Values{}
		}
		if params.Get("timeStamp") == "" {
			params.Set("timeStamp", "20240101080000123")
		}
		params.Set("authToken", AuthToken(key, params))
		if CheckAuthParams(params) != nil {
			if _, err := VerifyAuthToken([]string{"", key}, params); !errors.Is(err, ErrAmbiguous) {
				t.Errorf("VerifyAuthToken(ambiguous set) err = %v, want %v", err, ErrAmbiguous)
			}
			return
		}
		if i, err := VerifyAuthToken([]string{"", key}, params); err != nil || i != 1 {
			t.Errorf("VerifyAuthToken(own token) = %d, %v, want 1, nil", i, err)
		}
		// The sorted form answers as the url.Values form, for the set as signed and for one value changed.
		fields := map[string]string{}
		for k, v := range params {
			fields[k] = v[0]
		}
		for range 2 {
			q := url.Values{}
			for k, v := range fields {
				q.Set(k, v)
			}
			i, err := VerifyAuthToken([]string{"", key}, q)
			j, err2 := VerifyAuthTokenSorted([]string{"", key}, sortedParams(fields))
			same := func(e error) bool { return errors.Is(err, e) == errors.Is(err2, e) }
			if i != j || (err == nil) != (err2 == nil) || !same(ErrAuth) || !same(ErrAmbiguous) || !same(ErrMissing) {
				t.Errorf("VerifyAuthTokenSorted(%v) = %d, %v; VerifyAuthToken = %d, %v", fields, j, err2, i, err)
			}
			fields["timeStamp"] += "9"
		}
	})
}

// sortedParams is f as VerifyAuthTokenSorted takes it: sorted by name.
func sortedParams(f map[string]string) []Param {
	var out []Param
	for _, k := range slices.Sorted(maps.Keys(f)) {
		out = append(out, Param{k, f[k]})
	}
	return out
}
