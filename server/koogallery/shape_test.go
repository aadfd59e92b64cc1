package koogallery

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

// manyKeys returns a JSON object of n members "kN":"v", not in canonical order (the keys sort differently
// as strings than as numbers), of about n*12 bytes.
func manyKeys(n int) []byte {
	var b strings.Builder
	b.WriteString(`{"activity":"newInstance"`)
	for i := n - 1; i > 0; i-- {
		fmt.Fprintf(&b, `,"k%d":"v"`, i)
	}
	b.WriteString("}")
	return []byte(b.String())
}

// TestVerifySignatureUnsignedFlood checks that a 1 MiB body of 80,000 keys whose signature does not hold is
// refused without being parsed into canonical form: the refusal says the body has no canonical form within
// the bounds, and costs a handful of allocations (parsing it costs hundreds of thousands).
func TestVerifySignatureUnsignedFlood(t *testing.T) {
	body := manyKeys(80_000)
	if len(body) < 900<<10 {
		t.Fatalf("body is %d bytes, want about 1 MiB", len(body))
	}
	sig := Signature("another-key", testNonce, testTimestamp, body)
	keys := []string{testKey, "second-key"}
	_, err := VerifySignature(keys, testNonce, testTimestamp, sig, body)
	if !errors.Is(err, ErrAuth) || !errors.Is(err, ErrShape) {
		t.Fatalf("VerifySignature(80,000 keys, wrong key) err = %v, want ErrAuth and ErrShape", err)
	}
	allocs := testing.AllocsPerRun(5, func() { VerifySignature(keys, testNonce, testTimestamp, sig, body) })
	if allocs > 100 {
		t.Errorf("VerifySignature(80,000 keys, wrong key) made %.0f allocations, want at most 100 (no parse)", allocs)
	}
	// Signed as sent, the same body verifies over its raw bytes, also beyond the canonical bounds.
	sig = Signature(testKey, testNonce, testTimestamp, body)
	if i, err := VerifySignature(keys, testNonce, testTimestamp, sig, body); i != 0 || err != nil {
		t.Errorf("VerifySignature(80,000 keys, signed raw) = %d, %v; want 0, nil", i, err)
	}
}

// TestVerifySignatureNestedBodies checks that nested objects and arrays such as newInstance's buyerInfo and
// orderInfo verify over their canonical form when sent in another order or spacing.
func TestVerifySignatureNestedBodies(t *testing.T) {
	messy := `{ "orderInfo": [ {"orderLineId":"L1", "productInfo":[{"skuCode":"S1","productId":"P1","linearValue":null}]},
		{"orderLineId":"L2","productInfo":[]} ], "buyerInfo": {"customerName":"张三","customerId":"c1"},
		"orderId":"O1", "activity":"newInstance", "businessId":"b1" }`
	canon, err := Canonical([]byte(messy))
	if err != nil {
		t.Fatalf("Canonical(nested) err = %v", err)
	}
	sig := Signature(testKey, testNonce, testTimestamp, canon)
	if i, err := VerifySignature([]string{testKey}, testNonce, testTimestamp, sig, []byte(messy)); i != 0 || err != nil {
		t.Errorf("VerifySignature(nested, canonical signature) = %d, %v; want 0, nil", i, err)
	}
}

func TestCheckShape(t *testing.T) {
	nest := func(n int) string { return strings.Repeat(`{"a":`, n) + `"x"` + strings.Repeat("}", n) }
	items := func(n int) string { return `{"a":[` + strings.TrimSuffix(strings.Repeat("1,", n), ",") + `]}` }
	tests := []struct {
		name string
		body string
		ok   bool
	}{
		{"empty object", `{}`, true},
		{"empty nested", `{"a":{},"b":[], "c":[ ]}`, true},
		{"depth 16", nest(16), true},
		{"depth 17", nest(17), false},
		{"arrays 17 deep", `{"a":` + strings.Repeat("[", 16) + strings.Repeat("]", 16) + `}`, false},
		{"1024 items", items(1023), true},
		{"1025 items", items(1024), false},
		{"80,000 keys", string(manyKeys(80_000)), false},
		{"brackets and commas inside strings", `{"a":"` + strings.Repeat(`{[,\"`, 5000) + `"}`, true},
		{"escaped backslash before a quote", `{"a":"\\","b":"` + strings.Repeat("{", 100) + `"}`, true},
		{"not JSON at all", `,,,`, true}, // three items: the decoder refuses it later
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := CheckShape([]byte(tt.body))
			if tt.ok && err != nil {
				t.Errorf("CheckShape() err = %v, want nil", err)
			}
			if !tt.ok && !errors.Is(err, ErrShape) {
				t.Errorf("CheckShape() err = %v, want ErrShape", err)
			}
		})
	}
	if _, err := Canonical([]byte(nest(17))); !errors.Is(err, ErrShape) {
		t.Errorf("Canonical(depth 17) err = %v, want ErrShape", err)
	}
}
