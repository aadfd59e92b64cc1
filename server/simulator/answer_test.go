package simulator

import (
	"bytes"
	"crypto/ed25519"
	"encoding/base64"
	"strings"
	"testing"

	"github.com/licentia/licentia/keys"
	"github.com/licentia/licentia/verifier"
)

// TestClaims: the simulator reads the claims of a licentia code, unverified, and treats anything else,
// another seller's JWT or a string longer than any code, as opaque.
func TestClaims(t *testing.T) {
	k := ed25519.NewKeyFromSeed(bytes.Repeat([]byte{7}, ed25519.SeedSize))
	code, err := verifier.Sign(&verifier.Claims{LicenseID: "inst-1", Generation: 3, Status: verifier.StatusActive},
		keys.KeyID(k.Public().(ed25519.PublicKey)), k)
	if err != nil {
		t.Fatal(err)
	}
	part := func(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }
	tests := []struct {
		name, license string
		wantGen       int64 // 0: nil claims
	}{
		{"licentia code", code, 3},
		{"another seller's JWT", part(`{"alg":"HS256","typ":"JWT"}`) + "." + part(`{"sub":"inst-1","gen":3}`) + ".c2ln", 0},
		{"no license id", part(`{"alg":"EdDSA","typ":"licentia+jwt"}`) + "." + part(`{"gen":3}`) + ".c2ln", 0},
		{"longer than any code", part(`{"alg":"EdDSA","typ":"licentia+jwt"}`) + "." +
			part(`{"sub":"inst-1","gen":3,"x":"`+strings.Repeat("a", 8<<10)+`"}`) + ".c2ln", 0},
		{"opaque string", "LIC-0001-ABCD", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := Claims(tt.license)
			if (c == nil) != (tt.wantGen == 0) || (c != nil && c.Generation != tt.wantGen) {
				t.Errorf("Claims() = %+v, want generation %d (0: nil)", c, tt.wantGen)
			}
		})
	}
}
