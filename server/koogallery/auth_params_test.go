package koogallery

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"maps"
	"net/url"
	"slices"
	"strings"
	"testing"
)

// TestRepartitionedProbeRefused replays the attack CheckAuthParams exists for: a signed getLicense probe whose
// expireTime and testFlag pairs are moved into the ends of other values keeps its signed message and so its
// authToken, and must be refused.
func TestRepartitionedProbeRefused(t *testing.T) {
	probe := specParams()
	probe.Set("skuCode", "SKU1")
	probe.Set("expireTime", "20250101000000")
	probe.Set("authToken", AuthToken(testKey, probe))
	if _, err := VerifyAuthToken([]string{testKey}, probe); err != nil {
		t.Fatalf("VerifyAuthToken(probe) err = %v, want nil", err)
	}

	forged := url.Values{}
	for k, v := range probe {
		forged[k] = slices.Clone(v)
	}
	forged.Set("customerId", "c-001&expireTime=20250101000000")
	forged.Set("skuCode", "SKU1&testFlag=1")
	forged.Del("expireTime")
	forged.Del("testFlag")
	if got, want := string(authMessage(nil, forged)), string(authMessage(nil, probe)); got != want {
		t.Fatalf("forged message = %q, want the probe's %q", got, want)
	}
	if _, err := VerifyAuthToken([]string{testKey}, forged); !errors.Is(err, ErrAmbiguous) {
		t.Errorf("VerifyAuthToken(re-partitioned) err = %v, want %v", err, ErrAmbiguous)
	}
}

func TestCheckAuthParams(t *testing.T) {
	tests := []struct {
		name  string
		key   string
		value string
		ok    bool
	}{
		{"plain", "customerName", "张三", true},
		{"ampersand and equals apart", "customerName", "张三 & Co+1 = ok", true},
		{"ampersand then space", "customerName", "a& b=c", true},
		{"equals without ampersand", "customerName", "a=b", true},
		{"trailing ampersand", "customerName", "a&", true},
		{"double ampersand", "customerName", "a&&", true},
		{"ampersand at end of name run", "customerName", "a&b", true},
		{"empty name after ampersand", "customerName", "a&=b", true},
		{"pair inside", "customerId", "c-001&expireTime=2099", false},
		{"pair at start", "customerId", "&testFlag=1", false},
		{"team name with an equals sign", "customerName", "R&D=Team", true},
		{"undocumented name after ampersand", "customerName", "Smith&Sons=1", true},
		{"digits after ampersand", "customerId", "x&1=", true},
		{"underscore after ampersand", "customerId", "x&_=y", true},
		{"name that only starts like a parameter", "customerName", "a&orderIdx=1", true},
		{"pair of a documented name", "customerName", "R&orderId=CS-2", false},
		{"pair of a name licentia reads", "customerName", "R&orderLineId=L-1", false},
		{"pair of a documented name, second ampersand", "customerName", "R&D=x&testFlag=1", false},
		{"name with equals", "a=b", "c", false},
		{"name with ampersand", "a&b", "c", false},
		{"name with space", "a b", "c", false},
		{"name with dot", "a.b", "c", false},
		{"empty name", "", "c", false},
		{"name too long", strings.Repeat("n", 65), "c", false},
		{"longest name", strings.Repeat("n", 64), "c", true},
		{"non-ASCII name", "名字", "c", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := specParams()
			p.Set(tt.key, tt.value)
			err := CheckAuthParams(p)
			if tt.ok && err != nil {
				t.Errorf("CheckAuthParams(%s=%q) err = %v, want nil", tt.key, tt.value, err)
			}
			if !tt.ok && !errors.Is(err, ErrAmbiguous) {
				t.Errorf("CheckAuthParams(%s=%q) err = %v, want %v", tt.key, tt.value, err, ErrAmbiguous)
			}
		})
	}
	withToken := signedParams()
	withToken.Set("authToken", "a&b=c") // not part of the message: never ambiguous
	if err := CheckAuthParams(withToken); err != nil {
		t.Errorf("CheckAuthParams(authToken with '&b=') err = %v, want nil", err)
	}
}

// splitMessage reads a signed message back as a parameter set, independently of CheckAuthParams: a pair starts
// at the beginning and after every '&' that is followed by a License 1.0 parameter name and '='.
func splitMessage(msg string) url.Values {
	out := url.Values{}
	if msg == "" {
		return out
	}
	var starts []int
	starts = append(starts, 0)
	for i := 0; i < len(msg); i++ {
		if msg[i] != '&' {
			continue
		}
		j := i + 1
		for j < len(msg) && isNameByte(msg[j]) {
			j++
		}
		if j < len(msg) && msg[j] == '=' && IsLicense1Param(msg[i+1:j]) {
			starts = append(starts, i+1)
		}
	}
	for k, s := range starts {
		end := len(msg)
		if k+1 < len(starts) {
			end = starts[k+1] - 1
		}
		name, value, _ := strings.Cut(msg[s:end], "=")
		out.Add(name, value)
	}
	return out
}

// FuzzAuthMessageUnique checks that no two distinct parameter sets CheckAuthParams accepts share a signed
// message as far as License 1.0 parameters go: every accepted set is read back from its message with the same
// License 1.0 parameters, each with its own value, which may only be followed by the "&name=value" pairs of
// parameters that are not License 1.0 ones (those a reader cannot tell from the value). A set of License 1.0
// parameters alone is read back exactly as itself.
func FuzzAuthMessageUnique(f *testing.F) {
	f.Add("customerId", "c-001", "skuCode", "SKU1")
	f.Add("customerId", "c-001&expireTime=2099", "skuCode", "SKU1&testFlag=1")
	f.Add("customerName", "张三 & Co+1 = ok", "x", "a&&b=")
	f.Add("customerName", "R&D=Team", "customerNameX", "y")
	f.Add("customerName", "R", "customerNameX", "Team&amount=3")
	f.Add("a", "&", "b", "=")
	f.Fuzz(func(t *testing.T, k1, v1, k2, v2 string) {
		p := specParams()
		p.Set(k1, v1)
		p.Set(k2, v2)
		if CheckAuthParams(p) != nil {
			return
		}
		got := splitMessage(string(authMessage(nil, p)))
		want := maps.Clone(p)
		want.Del("authToken") // not signed
		for name := range want {
			if !IsLicense1Param(name) {
				continue
			}
			g, ok := got[name]
			if !ok || len(g) != 1 {
				t.Fatalf("message of %v reads back as %v: License 1.0 parameter %s lost or repeated", want, got, name)
			}
			rest, ok := strings.CutPrefix(g[0], want.Get(name))
			if !ok || rest != "" && !startsWithOtherPair(rest, want) {
				t.Errorf("message of %v reads back as %v: %s = %q, want %q", want, got, name, g[0], want.Get(name))
			}
		}
		for name := range got {
			if IsLicense1Param(name) && !want.Has(name) {
				t.Errorf("message of %v reads back as %v: License 1.0 parameter %s appeared", want, got, name)
			}
		}
		if allLicense1(want) && !maps.EqualFunc(got, want, slices.Equal) {
			t.Errorf("message of %v reads back as %v", want, got)
		}
	})
}

// startsWithOtherPair reports whether rest is "&name=…" for a parameter of p that is not a License 1.0 one.
func startsWithOtherPair(rest string, p url.Values) bool {
	name, _, ok := strings.Cut(strings.TrimPrefix(rest, "&"), "=")
	return strings.HasPrefix(rest, "&") && ok && p.Has(name) && !IsLicense1Param(name)
}

func allLicense1(p url.Values) bool {
	for name := range p {
		if !IsLicense1Param(name) {
			return false
		}
	}
	return true
}

// TestAuthMACMatchesHMAC checks the allocation-free HMAC against crypto/hmac, for keys (access key plus
// timeStamp) shorter than, as long as and longer than the SHA-256 block.
func TestAuthMACMatchesHMAC(t *testing.T) {
	params := url.Values{"activity": {"getLicense"}, "orderId": {"O-1"}, "timeStamp": {"20260301080000000"}}
	for _, n := range []int{0, 1, 47, 64 - 17, 64, 65, 200} {
		key := strings.Repeat("k", n)
		mac := hmac.New(sha256.New, []byte(key+"20260301080000000"))
		mac.Write(authMessage(nil, params))
		want := base64.StdEncoding.EncodeToString(mac.Sum(nil))
		if got := AuthToken(key, params); got != want {
			t.Errorf("AuthToken with a %d-byte key = %s, want %s", n, got, want)
		}
		q := url.Values{}
		for k, v := range params {
			q[k] = v
		}
		q.Set("authToken", want)
		if i, err := VerifyAuthToken([]string{"other", key}, q); n > 0 && (err != nil || i != 1) {
			t.Errorf("VerifyAuthToken with a %d-byte key = %d, %v; want 1, nil", n, i, err)
		}
		f := map[string]string{}
		for k, v := range q {
			f[k] = v[0]
		}
		if i, err := VerifyAuthTokenSorted([]string{"other", key}, sortedParams(f)); n > 0 && (err != nil || i != 1) {
			t.Errorf("VerifyAuthTokenSorted with a %d-byte key = %d, %v; want 1, nil", n, i, err)
		}
		f["orderId"] = "O-2"
		if _, err := VerifyAuthTokenSorted([]string{key}, sortedParams(f)); !errors.Is(err, ErrAuth) {
			t.Errorf("VerifyAuthTokenSorted of a changed set: err = %v, want %v", err, ErrAuth)
		}
		f["orderId"] = "O-1&expireTime=1"
		if _, err := VerifyAuthTokenSorted([]string{key}, sortedParams(f)); !errors.Is(err, ErrAmbiguous) {
			t.Errorf("VerifyAuthTokenSorted of a re-partitioned set: err = %v, want %v", err, ErrAmbiguous)
		}
	}
}
