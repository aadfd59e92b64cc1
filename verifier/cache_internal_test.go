package verifier

import (
	"crypto/ed25519"
	"fmt"
	"testing"
	"time"
)

// TestCacheBoundAndContents: only authentic, well-formed codes are remembered, and never more than
// the cache's size.
func TestCacheBoundAndContents(t *testing.T) {
	seed := make([]byte, ed25519.SeedSize)
	key := ed25519.NewKeyFromSeed(seed)
	kr, err := NewKeyring(key.Public().(ed25519.PublicKey))
	if err != nil {
		t.Fatal(err)
	}
	kid := kr.KeyIDs()[0]
	v := New(kr, WithAnyProduct(), WithCacheSize(4), WithTime(func() time.Time { return time.Unix(1000, 0) }))
	code := func(i int) string {
		c, err := Sign(&Claims{LicenseID: fmt.Sprintf("inst-%d", i), Generation: 1, Status: StatusActive}, kid, key)
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	bad := code(0)
	bad = bad[:len(bad)-2] + "AA"
	for _, c := range []string{"", "a.b.c", bad} {
		if _, err := v.Verify(c); err == nil {
			t.Fatalf("Verify(%.20q) err = nil, want an error", c)
		}
	}
	if got := v.cache.Load().size(); got != 0 {
		t.Fatalf("cache holds %d codes after only refused ones, want 0", got)
	}
	malformed, err := Sign(&Claims{LicenseID: "", Generation: 1, Status: StatusActive}, kid, key)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := v.Verify(malformed); err == nil {
		t.Fatal("Verify(no sub) err = nil, want ErrMalformed")
	}
	if got := v.cache.Load().size(); got != 0 {
		t.Fatalf("cache holds %d codes after a signed but malformed one, want 0", got)
	}
	for i := range 20 {
		if _, err := v.Verify(code(i)); err != nil {
			t.Fatalf("Verify(code %d) err = %v, want nil", i, err)
		}
		if got := v.cache.Load().size(); got > 4 || got != min(i+1, 4) {
			t.Fatalf("after %d codes the cache holds %d, want %d", i+1, got, min(i+1, 4))
		}
	}
	off := New(kr, WithAnyProduct(), WithCacheSize(0))
	for range 3 {
		off.Verify(code(1))
	}
	if off.cache.Load() != nil {
		t.Errorf("WithCacheSize(0) made a cache")
	}
	once := New(kr, WithAnyProduct())
	once.Verify(code(1))
	if once.cache.Load() != nil {
		t.Errorf("a verifier used once made a cache, want none until its second check")
	}
	once.Verify(code(1))
	if once.cache.Load().size() != 1 {
		t.Errorf("after its second check the cache holds %d codes, want 1", once.cache.Load().size())
	}
}
