package verifier_test

import (
	"crypto/ed25519"
	"encoding/base64"
	"strings"
	"testing"
	"time"

	"github.com/licentia/licentia/verifier"
)

// BenchmarkVerify measures a full, first-time Verify of the valid golden code with product, SKU and
// issuer checks (the cache is off, so every call checks the signature and decodes the claims). Compare
// with BenchmarkEd25519Verify, the bare signature check of the same signing input.
func BenchmarkVerify(b *testing.B) {
	code := sign(b, baseClaims(), seedKey(1))
	v := verifier.New(testRing(b), verifier.WithIssuer(testIssuer), verifier.WithProduct(testProduct),
		verifier.WithSKU(testSKU), fixedTime(testNow), verifier.WithCacheSize(0))
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

// BenchmarkVerifyMiss is BenchmarkVerify with the cache on (the default) and a code the verifier has not
// seen on every call: 4,096 distinct codes in turn through a cache of DefaultCacheSize, so every call
// pays the full check plus remembering the code and making room. Compare with BenchmarkVerify: the
// price a first check pays for the cache.
func BenchmarkVerifyMiss(b *testing.B) {
	codes := make([]string, 4096)
	for i := range codes {
		c := baseClaims()
		c.Generation = int64(i + 1)
		codes[i] = sign(b, c, seedKey(1))
	}
	v := verifier.New(testRing(b), verifier.WithIssuer(testIssuer), verifier.WithProduct(testProduct),
		verifier.WithSKU(testSKU), fixedTime(testNow))
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		if _, err := v.Verify(codes[i%len(codes)]); err != nil {
			b.Fatal(err)
		}
		i++
	}
}

// BenchmarkVerifyRepeat measures Verify of a code the verifier has already found authentic, as software
// that checks its code on every use of a feature does: the same checks as BenchmarkVerify, plus a
// revocation list, with the signature check and the claims decoding remembered.
func BenchmarkVerifyRepeat(b *testing.B) {
	code := sign(b, baseClaims(), seedKey(1))
	list := &verifier.RevocationList{IssuedAt: testIssue.Unix(), MinGen: map[string]int64{"inst-0002": 2}}
	v := verifier.New(testRing(b), verifier.WithIssuer(testIssuer), verifier.WithProduct(testProduct),
		verifier.WithSKU(testSKU), fixedTime(testNow), verifier.WithRevocations(list))
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

// BenchmarkRepeatRatio measures BenchmarkVerifyRepeat's Verify and BenchmarkEd25519Verify's bare check
// interleaved, 64 repeats per signature check, and reports the ratio of their mean times as
// "repeat/ed25519": on a shared machine whose speed moves from one second to the next, both sides of the
// ratio then see the same load.
func BenchmarkRepeatRatio(b *testing.B) {
	code := sign(b, baseClaims(), seedKey(1))
	v := verifier.New(testRing(b), verifier.WithIssuer(testIssuer), verifier.WithProduct(testProduct),
		verifier.WithSKU(testSKU), fixedTime(testNow),
		verifier.WithRevocations(&verifier.RevocationList{IssuedAt: testIssue.Unix(), MinGen: map[string]int64{"inst-0002": 2}}))
	for range 2 { // the second check makes the cache
		if _, err := v.Verify(code); err != nil {
			b.Fatalf("Verify() err = %v, want nil", err)
		}
	}
	i := strings.LastIndexByte(code, '.')
	msg := []byte(code[:i])
	sig, err := base64.RawURLEncoding.DecodeString(code[i+1:])
	if err != nil {
		b.Fatal(err)
	}
	pub := pubOf(seedKey(1))
	const repeats = 64
	var repeat, bare time.Duration
	for b.Loop() {
		t0 := time.Now()
		for range repeats {
			if _, err := v.Verify(code); err != nil {
				b.Fatal(err)
			}
		}
		t1 := time.Now()
		if !ed25519.Verify(pub, msg, sig) {
			b.Fatal("signature does not verify")
		}
		repeat, bare = repeat+t1.Sub(t0), bare+time.Since(t1)
	}
	b.ReportMetric(float64(repeat)/repeats/float64(bare), "repeat/ed25519")
}

// BenchmarkVerifyRepeatParallel is BenchmarkVerifyRepeat from every core at once: the cost of the
// cache's lock under contention.
func BenchmarkVerifyRepeatParallel(b *testing.B) {
	code := sign(b, baseClaims(), seedKey(1))
	v := verifier.New(testRing(b), verifier.WithIssuer(testIssuer), verifier.WithProduct(testProduct),
		verifier.WithSKU(testSKU), fixedTime(testNow))
	if _, err := v.Verify(code); err != nil {
		b.Fatalf("Verify() err = %v, want nil", err)
	}
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := v.Verify(code); err != nil {
				b.Error(err)
				return
			}
		}
	})
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

// BenchmarkDeploymentRatio measures the check of a deployment-bound code (a "dep" claim of five
// components, one with two MACs) by a verifier given the deployment, against a bare ed25519.Verify of
// the same signing input, interleaved call by call so that both sides see the same load on a shared
// machine. cold is a first check: the cache of codes is off and 64 codes with 64 salts go round, more
// than the verifier keeps the deployment's hashes for, so every call checks the signature, decodes the
// claims and hashes the deployment anew. warm is a repeat of one code, 64 checks per bare check: the code
// and its salt are remembered. Each reports "verify/ed25519" (mean time over the bare check's) and
// "ed25519-ns" (the bare check's mean ns).
func BenchmarkDeploymentRatio(b *testing.B) {
	local := verifier.Deployment{ID: "0123456789abcdef0123456789abcdef", Components: map[string][]string{
		"machine_id": {"0123456789abcdef0123456789abcdef"}, "product_uuid": {"4c4c4544-0042-3510-8051-b7c04f4e4c31"},
		"mac": {"52:54:00:ab:cd:ef", "52:54:00:12:34:56"}, "disk": {"VIRTIO-DISK-1"}, "hostname": {"web-1"}}}
	codes := make([]string, 64)
	msgs, sigs := make([][]byte, len(codes)), make([][]byte, len(codes))
	for i := range codes {
		salt := make([]byte, verifier.DeploymentSaltLen)
		salt[0], salt[1] = byte(i), 0x5a
		dep, err := verifier.BindDeployment(local, salt, 0)
		if err != nil {
			b.Fatal(err)
		}
		c := baseClaims()
		c.Deployment = dep
		codes[i] = sign(b, c, seedKey(1))
		j := strings.LastIndexByte(codes[i], '.')
		msgs[i] = []byte(codes[i][:j])
		if sigs[i], err = base64.RawURLEncoding.DecodeString(codes[i][j+1:]); err != nil {
			b.Fatal(err)
		}
	}
	opts := []verifier.Option{verifier.WithIssuer(testIssuer), verifier.WithProduct(testProduct), verifier.WithSKU(testSKU),
		fixedTime(testNow), verifier.WithDeployment(local)}
	pub := pubOf(seedKey(1))
	// ratio runs check (n verifications of code k) and one bare check of code k per iteration.
	ratio := func(b *testing.B, n int, check func(k int) error) {
		var verify, bare time.Duration
		i := 0
		for b.Loop() {
			k := i % len(codes)
			t0 := time.Now()
			if err := check(k); err != nil {
				b.Fatal(err)
			}
			t1 := time.Now()
			if !ed25519.Verify(pub, msgs[k], sigs[k]) {
				b.Fatal("signature does not verify")
			}
			verify, bare = verify+t1.Sub(t0), bare+time.Since(t1)
			i++
		}
		b.ReportMetric(float64(verify)/float64(n)/float64(bare), "verify/ed25519")
		b.ReportMetric(float64(bare)/float64(i), "ed25519-ns")
	}
	b.Run("cold", func(b *testing.B) {
		v := verifier.New(testRing(b), append(opts, verifier.WithCacheSize(0))...)
		ratio(b, 1, func(k int) error { _, err := v.Verify(codes[k]); return err })
	})
	b.Run("warm", func(b *testing.B) {
		v := verifier.New(testRing(b), opts...)
		const repeats = 64
		ratio(b, repeats, func(k int) error {
			for range repeats {
				if _, err := v.Verify(codes[0]); err != nil {
					return err
				}
			}
			return nil
		})
	})
}
