package verifier_test

import (
	"crypto/ed25519"
	"testing"
	"time"

	"github.com/licentia/licentia/keys"
	"github.com/licentia/licentia/verifier"
)

// Fixed inputs of the golden vectors and the table tests.
var (
	testNow   = time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	testIssue = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	testEnd   = time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)
)

const (
	testProduct = "OFFI001"
	testSKU     = "sku-std"
	testIssuer  = "licentia"
)

// seedKey returns the Ed25519 key whose 32-byte seed is b repeated.
func seedKey(b byte) ed25519.PrivateKey {
	seed := make([]byte, ed25519.SeedSize)
	for i := range seed {
		seed[i] = b
	}
	return ed25519.NewKeyFromSeed(seed)
}

func pubOf(k ed25519.PrivateKey) ed25519.PublicKey { return k.Public().(ed25519.PublicKey) }

// baseClaims returns the claims of the valid golden code.
func baseClaims() *verifier.Claims {
	return &verifier.Claims{
		Issuer:      testIssuer,
		LicenseID:   "inst-0001",
		Generation:  2,
		IssuedAt:    testIssue.Unix(),
		NotBefore:   testIssue.Unix(),
		ExpiresAt:   testEnd.Unix(),
		Grace:       7 * 24 * 3600,
		Status:      verifier.StatusActive,
		ProductID:   testProduct,
		SKU:         testSKU,
		OrderID:     "CS0001",
		OrderLineID: "CS0001-000001",
		CustomerID:  "c-001",
		Quantity:    5,
	}
}

// sign signs c with k under its own key id.
func sign(tb testing.TB, c *verifier.Claims, k ed25519.PrivateKey) string {
	tb.Helper()
	code, err := verifier.Sign(c, keys.KeyID(pubOf(k)), k)
	if err != nil {
		tb.Fatalf("Sign() err = %v", err)
	}
	return code
}

// testRing returns a key ring of the primary golden key (seed 0x01).
func testRing(tb testing.TB) *verifier.Keyring {
	tb.Helper()
	kr, err := verifier.NewKeyring(pubOf(seedKey(1)))
	if err != nil {
		tb.Fatalf("NewKeyring() err = %v", err)
	}
	return kr
}

func fixedTime(t time.Time) verifier.Option {
	return verifier.WithTime(func() time.Time { return t })
}
