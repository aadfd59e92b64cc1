package online_test

import (
	"bytes"
	"crypto/ed25519"
	"testing"
	"time"

	"github.com/licentia/licentia/keys"
	"github.com/licentia/licentia/verifier"
)

// testNow is the time the tests' codes and lists are made for and checked at.
var testNow = time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)

const testProduct = "OFFI001"

// seedKey returns the Ed25519 key whose 32-byte seed is b repeated.
func seedKey(b byte) ed25519.PrivateKey {
	return ed25519.NewKeyFromSeed(bytes.Repeat([]byte{b}, ed25519.SeedSize))
}

// testRing returns a key ring of the public key of seedKey(b).
func testRing(tb testing.TB, b byte) *verifier.Keyring {
	tb.Helper()
	kr, err := verifier.NewKeyring(seedKey(b).Public().(ed25519.PublicKey))
	if err != nil {
		tb.Fatalf("NewKeyring() err = %v", err)
	}
	return kr
}

// testKeyID returns the key id of seedKey(1), the key the tests' server signs with.
func testKeyID() string { return keys.KeyID(seedKey(1).Public().(ed25519.PublicKey)) }

// testCode returns a code valid at testNow for product testProduct: license inst-0001, generation 2,
// signed with seedKey(1).
func testCode(tb testing.TB) string {
	tb.Helper()
	c := &verifier.Claims{Issuer: "licentia", LicenseID: "inst-0001", Generation: 2, IssuedAt: testNow.Unix() - 86400,
		NotBefore: testNow.Unix() - 86400, ExpiresAt: testNow.Unix() + 86400, Status: verifier.StatusActive, ProductID: testProduct}
	code, err := verifier.Sign(c, testKeyID(), seedKey(1))
	if err != nil {
		tb.Fatalf("Sign() err = %v", err)
	}
	return code
}
