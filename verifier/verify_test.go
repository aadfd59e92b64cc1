package verifier_test

import (
	"errors"
	"math"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/licentia/licentia/keys"
	"github.com/licentia/licentia/verifier"
)

func TestVerifyRoundTrip(t *testing.T) {
	want := baseClaims()
	code := sign(t, want, seedKey(1))
	v := verifier.New(testRing(t), fixedTime(testNow), verifier.WithProduct(testProduct))
	got, err := v.Verify(code)
	if err != nil {
		t.Fatalf("Verify() err = %v, want nil", err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Verify() = %+v, want %+v", got, want)
	}
	again := sign(t, want, seedKey(1))
	if again != code {
		t.Errorf("Sign() twice gave different codes; want byte-identical")
	}
}

func TestVerifyTable(t *testing.T) {
	day := int64(24 * 3600)
	now := testNow.Unix()
	with := func(f func(c *verifier.Claims)) string {
		c := baseClaims()
		f(c)
		return sign(t, c, seedKey(1))
	}
	valid := sign(t, baseClaims(), seedKey(1))
	tests := []struct {
		name    string
		code    string
		opts    []verifier.Option
		want    error
		inGrace bool
	}{
		{name: "valid", code: valid},
		{name: "no expectations", code: valid, opts: []verifier.Option{}},
		{name: "one of several products", code: valid, opts: []verifier.Option{verifier.WithProduct("OFFI002", testProduct)}},
		{name: "wrong product", code: valid, opts: []verifier.Option{verifier.WithProduct("OFFI002")}, want: verifier.ErrWrongProduct},
		{name: "wrong sku is wrong product", code: valid, opts: []verifier.Option{verifier.WithSKU("sku-pro")}, want: verifier.ErrWrongProduct},
		{name: "wrong issuer", code: valid, opts: []verifier.Option{verifier.WithIssuer("other")}, want: verifier.ErrWrongIssuer},
		{name: "nbf inside leeway", code: with(func(c *verifier.Claims) { c.NotBefore = now + 30 }),
			opts: []verifier.Option{verifier.WithLeeway(time.Minute)}},
		{name: "nbf outside leeway", code: with(func(c *verifier.Claims) { c.NotBefore = now + 61 }),
			opts: []verifier.Option{verifier.WithLeeway(time.Minute)}, want: verifier.ErrNotYetValid},
		{name: "nbf equals now", code: with(func(c *verifier.Claims) { c.NotBefore = now })},
		{name: "exp inside leeway is in grace", code: with(func(c *verifier.Claims) { c.ExpiresAt, c.Grace = now-30, 0 }),
			opts: []verifier.Option{verifier.WithLeeway(time.Minute)}, inGrace: true},
		{name: "exp outside leeway", code: with(func(c *verifier.Claims) { c.ExpiresAt, c.Grace = now-60, 0 }),
			opts: []verifier.Option{verifier.WithLeeway(time.Minute)}, want: verifier.ErrExpired},
		{name: "last second of grace", code: with(func(c *verifier.Claims) { c.ExpiresAt, c.Grace = now-day+1, day }), inGrace: true},
		{name: "grace over", code: with(func(c *verifier.Claims) { c.ExpiresAt, c.Grace = now-day, day }), want: verifier.ErrExpired},
		{name: "huge exp and grace saturate", code: with(func(c *verifier.Claims) { c.ExpiresAt, c.Grace = math.MaxInt64, math.MaxInt64 })},
		{name: "negative exp", code: with(func(c *verifier.Claims) { c.ExpiresAt = -1 }), want: verifier.ErrMalformed},
		{name: "negative grace", code: with(func(c *verifier.Claims) { c.Grace = -1 }), want: verifier.ErrMalformed},
		{name: "generation zero", code: with(func(c *verifier.Claims) { c.Generation = 0 }), want: verifier.ErrMalformed},
		{name: "no status", code: with(func(c *verifier.Claims) { c.Status = "" }), want: verifier.ErrMalformed},
		{name: "unknown status", code: with(func(c *verifier.Claims) { c.Status = "suspended" }), want: verifier.ErrInactive},
		{name: "status checked before time", code: with(func(c *verifier.Claims) { c.Status, c.ExpiresAt = verifier.StatusFrozen, now-100*day }), want: verifier.ErrInactive},
		{name: "test code allowed", code: with(func(c *verifier.Claims) { c.Test = true }), opts: []verifier.Option{verifier.AllowTest()}},
		{name: "too long", code: valid + strings.Repeat("A", 9000), want: verifier.ErrMalformed},
		{name: "huge", code: strings.Repeat(" ", 1<<20) + valid, want: verifier.ErrMalformed},
		{name: "four parts", code: valid + ".AAAA", want: verifier.ErrMalformed},
		{name: "two parts", code: valid[:strings.LastIndexByte(valid, '.')], want: verifier.ErrMalformed},
		{name: "empty header", code: valid[strings.IndexByte(valid, '.'):], want: verifier.ErrMalformed},
		{name: "tab inside", code: valid[:40] + "\t" + valid[40:], want: verifier.ErrMalformed},
		{name: "standard alphabet", code: strings.NewReplacer("-", "+", "_", "/").Replace(valid), want: verifier.ErrMalformed},
		{name: "code of a rotated-out key", code: sign(t, baseClaims(), seedKey(3)), want: verifier.ErrUnknownKey},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			opts := tt.opts
			if opts == nil {
				opts = []verifier.Option{verifier.WithIssuer(testIssuer), verifier.WithProduct(testProduct), verifier.WithSKU(testSKU)}
			}
			v := verifier.New(testRing(t), append(opts, verifier.WithAnyProduct(), fixedTime(testNow))...) // tt.opts may bind
			r, err := v.Check(tt.code)
			if !errors.Is(err, tt.want) || (tt.want == nil) != (err == nil) {
				t.Fatalf("Check() err = %v, want %v", err, tt.want)
			}
			if err != nil {
				if r != nil {
					t.Errorf("Check() result = %+v, want nil on error", r)
				}
				return
			}
			if r.InGrace != tt.inGrace {
				t.Errorf("InGrace = %v, want %v", r.InGrace, tt.inGrace)
			}
			if r.KeyID != keys.KeyID(pubOf(seedKey(1))) || !r.At.Equal(testNow) {
				t.Errorf("Check() KeyID, At = %s, %v, want %s, %v", r.KeyID, r.At, keys.KeyID(pubOf(seedKey(1))), testNow)
			}
		})
	}
}

func TestVerifyNoKeysTrustsNothing(t *testing.T) {
	code := sign(t, baseClaims(), seedKey(1))
	for name, kr := range map[string]*verifier.Keyring{"nil": nil, "zero": {}} {
		c, err := verifier.New(kr, verifier.WithAnyProduct(), fixedTime(testNow)).Verify(code)
		if c != nil || !errors.Is(err, verifier.ErrUnknownKey) {
			t.Errorf("%s ring: Verify() = %v, %v, want nil, %v", name, c, err, verifier.ErrUnknownKey)
		}
	}
}

func TestKeyRotation(t *testing.T) {
	kr, err := verifier.NewKeyring(pubOf(seedKey(1)), pubOf(seedKey(2)), pubOf(seedKey(1)))
	if err != nil {
		t.Fatal(err)
	}
	if got := len(kr.KeyIDs()); got != 2 {
		t.Errorf("KeyIDs() has %d ids, want 2 (duplicates kept once)", got)
	}
	v := verifier.New(kr, verifier.WithAnyProduct(), fixedTime(testNow))
	for _, b := range []byte{1, 2} {
		r, err := v.Check(sign(t, baseClaims(), seedKey(b)))
		if err != nil {
			t.Fatalf("Check() key %d err = %v, want nil", b, err)
		}
		if want := keys.KeyID(pubOf(seedKey(b))); r.KeyID != want {
			t.Errorf("KeyID = %s, want %s", r.KeyID, want)
		}
	}
}

func TestCodeError(t *testing.T) {
	v := verifier.New(testRing(t), verifier.WithAnyProduct(), fixedTime(testNow))
	expired := baseClaims()
	expired.ExpiresAt, expired.Grace = testNow.Unix()-1, 0
	code := sign(t, expired, seedKey(1))

	c, err := v.Verify(code)
	var ce *verifier.CodeError
	if c != nil || !errors.As(err, &ce) {
		t.Fatalf("Verify() = %v, %v, want nil and a *CodeError", c, err)
	}
	if ce.Claims == nil || ce.Claims.LicenseID != "inst-0001" || ce.KeyID != keys.KeyID(pubOf(seedKey(1))) {
		t.Errorf("CodeError = %+v, want the authentic claims and key id", ce)
	}
	if strings.Contains(err.Error(), code) || strings.Contains(err.Error(), code[:40]) {
		t.Errorf("error message contains the code")
	}

	_, err = v.Verify(flipSigBit(code))
	if !errors.As(err, &ce) || ce.Claims != nil {
		t.Errorf("bad signature: CodeError.Claims = %+v, want nil", ce.Claims)
	}
}

func TestVerifyConcurrent(t *testing.T) {
	codes := []string{sign(t, baseClaims(), seedKey(1)), flipSigBit(sign(t, baseClaims(), seedKey(1)))}
	st, err := verifier.OpenState(t.TempDir() + "/state.json")
	if err != nil {
		t.Fatal(err)
	}
	v := verifier.New(testRing(t), verifier.WithAnyProduct(), fixedTime(testNow), verifier.WithState(st))
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			for range 20 {
				_, err := v.Verify(codes[i%2])
				if (i%2 == 0) != (err == nil) {
					t.Errorf("Verify() err = %v", err)
				}
			}
		})
	}
	wg.Wait()
}

func TestFingerprint(t *testing.T) {
	code := sign(t, baseClaims(), seedKey(1))
	fp := verifier.Fingerprint(code)
	if len(fp) != 16 || strings.Contains(code, fp) {
		t.Errorf("Fingerprint() = %q, want 16 hex characters not found in the code", fp)
	}
	if got := verifier.Fingerprint("\n " + code[:30] + "\r\n" + code[30:] + "\n"); got != fp {
		t.Errorf("Fingerprint(pasted) = %q, want %q", got, fp)
	}
}

func TestReason(t *testing.T) {
	tests := []struct {
		err  error
		want string
	}{
		{nil, "valid"},
		{verifier.ErrSuperseded, "superseded"},
		{&verifier.CodeError{Err: verifier.ErrRevoked}, "revoked"},
		{verifier.ErrWrongSKU, "wrong_sku"},
		{verifier.ErrWrongType, "wrong_type"},
		{errors.New("other"), "error"},
	}
	for _, tt := range tests {
		if got := verifier.Reason(tt.err); got != tt.want {
			t.Errorf("Reason(%v) = %q, want %q", tt.err, got, tt.want)
		}
	}
}
