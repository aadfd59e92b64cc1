package peers

import (
	"crypto/ed25519"
	"testing"
	"time"
)

// benchPeer runs one peer's verify function on the golden valid code at the golden time. The code is
// checked once before timing, so a benchmark can never measure a rejection.
func benchPeer(b *testing.B, name string) {
	f := load(b)
	var verify verifyFunc
	for _, p := range peers {
		if p.name == name {
			verify = p.make(f, f.now)
		}
	}
	if verify == nil {
		b.Fatalf("no peer %q", name)
	}
	code := f.code
	if err := verify(code); err != nil {
		b.Fatalf("%s rejects the valid code: %v", name, err)
	}
	b.ReportAllocs()
	cpu0, ok := processCPU()
	for b.Loop() {
		if err := verify(code); err != nil {
			b.Fatal(err)
		}
	}
	reportCPU(b, cpu0, ok)
}

// reportCPU adds cpu-ns/op: the process CPU time (user + system, garbage collection included) spent
// since cpu0, per iteration. b.N holds the total iteration count once b.Loop has returned false.
func reportCPU(b *testing.B, cpu0 time.Duration, ok bool) {
	cpu1, ok1 := processCPU()
	if ok && ok1 && b.N > 0 {
		b.ReportMetric(float64(cpu1-cpu0)/float64(b.N), "cpu-ns/op")
	}
}

// BenchmarkLicentia: verifier.Verify with issuer, product, SKU and a revocation list configured.
func BenchmarkLicentia(b *testing.B) { benchPeer(b, "Licentia") }

// BenchmarkGolangJWT: jwt.ParseWithClaims into a struct, EdDSA only, fixed clock.
func BenchmarkGolangJWT(b *testing.B) { benchPeer(b, "GolangJWT") }

// BenchmarkJWX: lestrrat-go/jwx v3 jwt.Parse with WithKey(EdDSA) and default validation, fixed clock.
func BenchmarkJWX(b *testing.B) { benchPeer(b, "JWX") }

// BenchmarkGoJOSE: go-jose v4 jwt.ParseSigned (EdDSA only) then Claims into a struct; no time checks,
// as by default.
func BenchmarkGoJOSE(b *testing.B) { benchPeer(b, "GoJOSE") }

// BenchmarkGoJOSEValidate: BenchmarkGoJOSE plus Claims.ValidateWithLeeway at the fixed time, for
// reference (not one of the five).
func BenchmarkGoJOSEValidate(b *testing.B) { benchPeer(b, "GoJOSEValidate") }

// BenchmarkEd25519Verify is the floor: ed25519.Verify alone on the code's signing input and signature,
// split and decoded once outside the loop.
func BenchmarkEd25519Verify(b *testing.B) {
	f := load(b)
	msg, sig, err := splitSigned(f.code)
	if err != nil {
		b.Fatal(err)
	}
	pub := f.pub
	if !ed25519.Verify(pub, msg, sig) {
		b.Fatal("signature does not verify")
	}
	b.ReportAllocs()
	cpu0, ok := processCPU()
	for b.Loop() {
		if !ed25519.Verify(pub, msg, sig) {
			b.Fatal("signature does not verify")
		}
	}
	reportCPU(b, cpu0, ok)
}
