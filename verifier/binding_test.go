package verifier_test

import (
	"errors"
	"testing"

	"github.com/licentia/licentia/verifier"
)

// TestBindingRequired: a Verifier made without WithProduct, WithSKU or WithAnyProduct refuses even a
// valid code (ErrNoBinding, unread); any of the three makes the choice explicit, and a product or SKU
// binding applies alongside WithAnyProduct.
func TestBindingRequired(t *testing.T) {
	code := sign(t, baseClaims(), seedKey(1))
	tests := []struct {
		name string
		opts []verifier.Option
		want error
	}{
		{"no binding", nil, verifier.ErrNoBinding},
		{"issuer and test codes are no binding", []verifier.Option{verifier.WithIssuer(testIssuer), verifier.AllowTest()}, verifier.ErrNoBinding},
		{"WithProduct without ids", []verifier.Option{verifier.WithProduct()}, verifier.ErrNoBinding},
		{"WithSKU without skus", []verifier.Option{verifier.WithSKU()}, verifier.ErrNoBinding},
		{"product", []verifier.Option{verifier.WithProduct(testProduct)}, nil},
		{"sku", []verifier.Option{verifier.WithSKU(testSKU)}, nil},
		{"any product", []verifier.Option{verifier.WithAnyProduct()}, nil},
		{"any product and another product", []verifier.Option{verifier.WithAnyProduct(), verifier.WithProduct("OFFI002")}, verifier.ErrWrongProduct},
		{"any product and another sku", []verifier.Option{verifier.WithSKU("sku-pro"), verifier.WithAnyProduct()}, verifier.ErrWrongSKU},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := verifier.New(testRing(t), append(tt.opts, fixedTime(testNow))...)
			for i := range 2 { // the second check would come from the cache
				c, err := v.Verify(code)
				if !errors.Is(err, tt.want) || (tt.want == nil) != (err == nil) {
					t.Fatalf("Verify() #%d err = %v, want %v", i+1, err, tt.want)
				}
				if err != nil && c != nil {
					t.Errorf("Verify() claims = %+v with an error, want nil", c)
				}
			}
			if _, err := v.Check(code); !errors.Is(err, tt.want) || (tt.want == nil) != (err == nil) {
				t.Errorf("Check() err = %v, want %v", err, tt.want)
			}
		})
	}
	_, err := verifier.New(testRing(t)).Verify("not a code")
	var ce *verifier.CodeError
	if !errors.As(err, &ce) || !errors.Is(err, verifier.ErrNoBinding) || ce.Claims != nil || ce.KeyID != "" {
		t.Errorf("unbound Verify(garbage) err = %#v, want a *CodeError with ErrNoBinding and nothing read", err)
	}
	if got := verifier.Reason(err); got != "no_binding" {
		t.Errorf("Reason(ErrNoBinding) = %q, want no_binding", got)
	}
}

// TestProductFamily: a product binding accepts a code whose "pid" or any "pids" entry is bound (a renewal
// that switched month and year changed "pid"), refuses one of an unrelated product, on the first check and
// on the cached repeat alike; the "pids" returned are the caller's own.
func TestProductFamily(t *testing.T) {
	monthly, yearly := testProduct, "OFFI002"
	renewed := baseClaims()
	renewed.ProductID, renewed.ProductIDs = yearly, []string{monthly}
	code := sign(t, renewed, seedKey(1))
	unrelated := baseClaims()
	unrelated.ProductID, unrelated.ProductIDs = "OFFI003", []string{"OFFI004"}
	other := sign(t, unrelated, seedKey(1))
	for _, bound := range []string{monthly, yearly} {
		v := verifier.New(testRing(t), fixedTime(testNow), verifier.WithProduct(bound))
		for i := range 2 {
			c, err := v.Verify(code)
			if err != nil {
				t.Fatalf("bound to %s: Verify(renewed) #%d err = %v, want nil", bound, i+1, err)
			}
			if c.ProductID != yearly || len(c.ProductIDs) != 1 || c.ProductIDs[0] != monthly {
				t.Fatalf("bound to %s: claims pid %q pids %q, want %q [%q]", bound, c.ProductID, c.ProductIDs, yearly, monthly)
			}
			c.ProductIDs[0] = "changed by the caller"
			if _, err := v.Verify(other); !errors.Is(err, verifier.ErrWrongProduct) {
				t.Errorf("bound to %s: Verify(unrelated) #%d err = %v, want ErrWrongProduct", bound, i+1, err)
			}
		}
	}
	if _, err := verifier.New(testRing(t), fixedTime(testNow), verifier.WithProduct("OFFI003")).Verify(code); !errors.Is(err, verifier.ErrWrongProduct) {
		t.Errorf("bound to OFFI003: Verify(renewed) err = %v, want ErrWrongProduct", err)
	}
}
