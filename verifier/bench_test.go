package verifier_test

import (
	"crypto/ed25519"
	"encoding/base64"
	"strings"
	"testing"

	"github.com/licentia/licentia/verifier"
)

// BenchmarkVerify measures a full Verify of the valid golden code with product, SKU and issuer checks.
// Compare with BenchmarkEd25519Verify, the bare signature check of the same signing input.
func BenchmarkVerify(b *testing.B) {
	code := sign(b, baseClaims(), seedKey(1))
	v := verifier.New(testRing(b), verifier.WithIssuer(testIssuer), verifier.WithProduct(testProduct),
		verifier.WithSKU(testSKU), fixedTime(testNow))
	if _, err := v.Verify(code); err != nil {
		b.Fatalf("Verify() err = %v, want nil", err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := v.Verify(code); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkEd25519Verify measures ed25519.Verify alone on the signing input of the code BenchmarkVerify
// checks: the floor any verifier pays.
func BenchmarkEd25519Verify(b *testing.B) {
	code := sign(b, baseClaims(), seedKey(1))
	i := strings.LastIndexByte(code, '.')
	msg := []byte(code[:i])
	sig, err := base64.RawURLEncoding.DecodeString(code[i+1:])
	if err != nil {
		b.Fatal(err)
	}
	pub := pubOf(seedKey(1))
	b.ReportAllocs()
	for b.Loop() {
		if !ed25519.Verify(pub, msg, sig) {
			b.Fatal("signature does not verify")
		}
	}
}
