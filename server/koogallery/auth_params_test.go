package koogallery

import (
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
	if got, want := string(authMessage(forged)), string(authMessage(probe)); got != want {
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
		{"pair of digits", "customerId", "x&1=", false},
		{"pair with underscore", "customerId", "x&_=y", false},
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
// at the beginning and after every '&' that is followed by name bytes and '='.
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
		if j > i+1 && j < len(msg) && msg[j] == '=' {
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
// message: every accepted set is read back from its message as itself, so the message determines the set.
func FuzzAuthMessageUnique(f *testing.F) {
	f.Add("customerId", "c-001", "skuCode", "SKU1")
	f.Add("customerId", "c-001&expireTime=2099", "skuCode", "SKU1&testFlag=1")
	f.Add("customerName", "张三 & Co+1 = ok", "x", "a&&b=")
	f.Add("a", "&", "b", "=")
	f.Fuzz(func(t *testing.T, k1, v1, k2, v2 string) {
		p := specParams()
		p.Set(k1, v1)
		p.Set(k2, v2)
		if CheckAuthParams(p) != nil {
			return
		}
		got := splitMessage(string(authMessage(p)))
		want := maps.Clone(p)
		want.Del("authToken") // not signed
		if !maps.EqualFunc(got, want, slices.Equal) {
			t.Errorf("message of %v reads back as %v", want, got)
		}
	})
}
