package verifier_test

import (
	"encoding/base64"
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/licentia/licentia/keys"
	"github.com/licentia/licentia/verifier"
)

// part returns s as a base64url part of a compact JWS.
func part(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }

// TestPeek: Peek reads the header and Claims the claims of any code of the right shape, genuine or not,
// and refuses with ErrMalformed, never a panic, anything else: malformed, oversize, non-JSON parts.
func TestPeek(t *testing.T) {
	code := sign(t, baseClaims(), seedKey(1))
	h, p, s := splitCode(t, code)
	golden := verifier.Header{Alg: verifier.Algorithm, Kid: keys.KeyID(pubOf(seedKey(1))), Typ: verifier.TypeCode}
	forged := sign(t, baseClaims(), seedKey(9)) // signed by a key nobody trusts: Peek reads it all the same
	tests := []struct {
		name       string
		code       string
		wantHeader *verifier.Header // nil: Peek fails with ErrMalformed
		claimsOK   bool             // Claims succeeds and returns baseClaims
	}{
		{"genuine", code, &golden, true},
		{"pasted with white space and line breaks", "\n  " + code[:30] + "\r\n" + code[30:] + " \t\n", &golden, true},
		{"forged", forged, &verifier.Header{Alg: verifier.Algorithm, Kid: keys.KeyID(pubOf(seedKey(9))), Typ: verifier.TypeCode}, true},
		{"no signature at all", h + "." + p + ".", &golden, true},
		{"alg none, unknown typ", part(`{"alg":"none","typ":"JWT"}`) + "." + p + "." + s, &verifier.Header{Alg: "none", Typ: "JWT"}, true},

		{"empty", "", nil, false},
		{"white space only", " \n\t", nil, false},
		{"one part", h, nil, false},
		{"two parts", h + "." + p, nil, false},
		{"four parts", code + "." + s, nil, false},
		{"empty header part", "." + p + "." + s, nil, false},
		{"empty claims part", h + ".." + s, nil, false},
		{"header part over 512 characters", part(`{"alg":"EdDSA","x":"`+strings.Repeat("a", 400)+`"}`) + "." + p + "." + s, nil, false},
		{"longer than 8 KiB cleaned", h + "." + strings.Repeat("A", 8<<10) + "." + s, nil, false},
		{"longer than 64 KiB as given", code + strings.Repeat(" ", 64<<10), nil, false},
		{"space inside", code[:20] + " " + code[20:], nil, false},
		{"header not base64url", "!!!!." + p + "." + s, nil, false},
		{"header padded", h + "==." + p + "." + s, nil, false},
		{"header not JSON", part("not json") + "." + p + "." + s, nil, false},
		{"header a JSON array", part(`["alg"]`) + "." + p + "." + s, nil, false},
		{"header JSON null", part("null") + "." + p + "." + s, nil, false},
		{"header alg not a string", part(`{"alg":1}`) + "." + p + "." + s, nil, false},

		{"claims not base64url", h + ".!!!." + s, &golden, false},
		{"claims not JSON", h + "." + part("not json") + "." + s, &golden, false},
		{"claims JSON null", h + "." + part("null") + "." + s, &golden, false},
		{"claims a JSON array", h + "." + part(`[1,2]`) + "." + s, &golden, false},
		{"claims of the wrong type", h + "." + part(`{"sub":"inst-0001","gen":"two"}`) + "." + s, &golden, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			u, err := verifier.Peek(tt.code)
			if tt.wantHeader == nil {
				if u != nil || !errors.Is(err, verifier.ErrMalformed) {
					t.Fatalf("Peek() = %+v, %v; want nil, %v", u, err, verifier.ErrMalformed)
				}
				return
			}
			if err != nil || u.Header != *tt.wantHeader {
				t.Fatalf("Peek() = %+v, %v; want header %+v", u, err, *tt.wantHeader)
			}
			c, err := u.Claims()
			switch {
			case tt.claimsOK && (err != nil || !reflect.DeepEqual(c, baseClaims())):
				t.Errorf("Claims() = %+v, %v; want %+v", c, err, baseClaims())
			case !tt.claimsOK && (c != nil || !errors.Is(err, verifier.ErrMalformed)):
				t.Errorf("Claims() = %+v, %v; want nil, %v", c, err, verifier.ErrMalformed)
			}
		})
	}
}

// splitCode returns the three parts of a compact JWS.
func splitCode(tb testing.TB, code string) (h, p, s string) {
	tb.Helper()
	parts := strings.Split(code, ".")
	if len(parts) != 3 {
		tb.Fatalf("code has %d parts, want 3", len(parts))
	}
	return parts[0], parts[1], parts[2]
}
