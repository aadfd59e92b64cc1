package verifier_test

import (
	"errors"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/licentia/licentia/verifier"
)

// TestRepeatVerifyRejudges: a code already found authentic is judged anew on every call, so nothing
// that changed since (the clock, the state file) is hidden by the cache.
func TestRepeatVerifyRejudges(t *testing.T) {
	var now atomic.Int64
	now.Store(testNow.Unix())
	clock := verifier.WithTime(func() time.Time { return time.Unix(now.Load(), 0) })
	st, err := verifier.OpenState(filepath.Join(t.TempDir(), "state.json"))
	if err != nil {
		t.Fatal(err)
	}
	v := verifier.New(testRing(t), verifier.WithProduct(testProduct), clock, verifier.WithState(st))
	gen2 := sign(t, baseClaims(), seedKey(1))
	newer := baseClaims()
	newer.Generation = 3
	gen3 := sign(t, newer, seedKey(1))

	steps := []struct {
		name string
		at   time.Time
		code string
		want error
	}{
		{"first check", testNow, gen2, nil},
		{"repeat", testNow, gen2, nil},
		{"pasted repeat", testNow, " \n" + gen2[:40] + "\r\n" + gen2[40:] + "\n", nil},
		{"repeat before nbf, clock set back", testIssue.Add(-time.Hour), gen2, verifier.ErrClockRollback},
		{"repeat after exp and grace", testEnd.Add(8 * 24 * time.Hour), gen2, verifier.ErrExpired},
		{"newer generation seen", testEnd.Add(8 * 24 * time.Hour), gen3, verifier.ErrExpired},
		{"repeat of the older generation", testEnd.Add(8 * 24 * time.Hour), gen2, verifier.ErrSuperseded},
		{"tampered repeat", testNow, flipSigBit(gen2), verifier.ErrSignature},
	}
	for _, s := range steps {
		now.Store(s.at.Unix())
		c, err := v.Verify(s.code)
		if !errors.Is(err, s.want) || (s.want == nil) != (err == nil) {
			t.Fatalf("%s: Verify() err = %v, want %v", s.name, err, s.want)
		}
		if s.want == nil && (c == nil || c.LicenseID != "inst-0001" || c.Generation != 2) {
			t.Fatalf("%s: Verify() = %+v, want generation 2 of inst-0001", s.name, c)
		}
	}
}

// TestRepeatVerifyOwnCopy: the claims Verify returns (and those a CodeError carries) are the caller's
// to change; the next call is not affected.
func TestRepeatVerifyOwnCopy(t *testing.T) {
	v := verifier.New(testRing(t), verifier.WithProduct(testProduct), fixedTime(testNow))
	code := sign(t, baseClaims(), seedKey(1))
	for i := range 3 {
		c, err := v.Verify(code)
		if err != nil {
			t.Fatalf("Verify() #%d err = %v, want nil", i, err)
		}
		if c.ProductID != testProduct || c.Status != verifier.StatusActive || c.ExpiresAt != testEnd.Unix() {
			t.Fatalf("Verify() #%d = %+v, want the original claims", i, c)
		}
		c.ProductID, c.Status, c.ExpiresAt = "OTHER", verifier.StatusFrozen, 1
	}
	wrong := verifier.New(testRing(t), verifier.WithProduct("OTHER"), fixedTime(testNow))
	for i := range 2 {
		_, err := wrong.Verify(code)
		var ce *verifier.CodeError
		if !errors.As(err, &ce) || ce.Claims == nil || ce.Claims.ProductID != testProduct {
			t.Fatalf("Verify(wrong product) #%d err = %v, want a CodeError carrying pid %s", i, err, testProduct)
		}
		ce.Claims.ProductID = "OTHER"
	}
}

// TestRepeatVerifyMatchesFreshCheck: for every golden vector, the first, second and third check of one
// verifier give what a verifier without a cache gives.
func TestRepeatVerifyMatchesFreshCheck(t *testing.T) {
	vf := loadVectors(t)
	for _, vec := range vf.Vectors {
		t.Run(vec.Name, func(t *testing.T) {
			cached := vectorVerifier(t, vf, vec, t.TempDir())
			for i := range 3 {
				fresh := vectorVerifier(t, vf, vec, t.TempDir(), verifier.WithCacheSize(0))
				_, want := fresh.Check(vec.Code)
				r, err := cached.Check(vec.Code)
				if verifier.Reason(err) != verifier.Reason(want) {
					t.Fatalf("check #%d reason = %q, want %q as without a cache", i, verifier.Reason(err), verifier.Reason(want))
				}
				if err == nil && r.InGrace != vec.Want.InGrace {
					t.Errorf("check #%d InGrace = %v, want %v", i, r.InGrace, vec.Want.InGrace)
				}
			}
		})
	}
}

// TestRepeatVerifyConcurrent runs many repeats of a few codes at once (meaningful under -race).
func TestRepeatVerifyConcurrent(t *testing.T) {
	v := verifier.New(testRing(t), verifier.WithProduct(testProduct), fixedTime(testNow), verifier.WithCacheSize(2))
	var codes []string
	for gen := int64(1); gen <= 3; gen++ {
		c := baseClaims()
		c.Generation = gen
		codes = append(codes, sign(t, c, seedKey(1)))
	}
	codes = append(codes, flipSigBit(codes[0]))
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for w := range 8 {
		wg.Go(func() {
			for i := range 200 {
				k := (w + i) % len(codes)
				c, err := v.Verify(codes[k])
				switch {
				case k == 3 && !errors.Is(err, verifier.ErrSignature):
					errs <- err
					return
				case k < 3 && (err != nil || c.Generation != int64(k+1)):
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Errorf("concurrent Verify: err = %v, want the code's own outcome", err)
	}
}
