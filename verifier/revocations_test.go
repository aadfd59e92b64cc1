package verifier_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/licentia/licentia/keys"
	"github.com/licentia/licentia/verifier"
)

func TestParseRevocations(t *testing.T) {
	key := seedKey(1)
	kid := keys.KeyID(pubOf(key))
	list := func(l *verifier.RevocationList, k []byte) string {
		s, err := verifier.SignRevocations(l, keys.KeyID(pubOf(seedKey(k[0]))), seedKey(k[0]))
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	good := list(&verifier.RevocationList{IssuedAt: 100, MinGen: map[string]int64{"inst-1": 3}}, []byte{1})
	tests := []struct {
		name string
		in   string
		want error
	}{
		{name: "valid with newline", in: good + "\n"},
		{name: "empty list", in: list(&verifier.RevocationList{IssuedAt: 100}, []byte{1})},
		{name: "code passed as list", in: sign(t, baseClaims(), key), want: verifier.ErrWrongType},
		{name: "tampered", in: flipSigBit(good), want: verifier.ErrSignature},
		{name: "unknown key", in: list(&verifier.RevocationList{IssuedAt: 1, MinGen: map[string]int64{}}, []byte{2}), want: verifier.ErrUnknownKey},
		{name: "alg Ed25519", in: signRaw(`{"alg":"Ed25519","kid":"`+kid+`","typ":"licentia-revocations+jwt"}`, `{"iat":1,"min_gen":{}}`, key)},
		{name: "alg none", in: signRaw(`{"alg":"none","kid":"`+kid+`","typ":"licentia-revocations+jwt"}`, `{}`, key), want: verifier.ErrAlgorithm},
		{name: "no min_gen", in: signRaw(`{"alg":"EdDSA","kid":"`+kid+`","typ":"licentia-revocations+jwt"}`, `{"iat":1}`, key), want: verifier.ErrMalformed},
		{name: "zero generation", in: signRaw(`{"alg":"EdDSA","kid":"`+kid+`","typ":"licentia-revocations+jwt"}`, `{"iat":1,"min_gen":{"a":0}}`, key), want: verifier.ErrMalformed},
		{name: "empty", in: "", want: verifier.ErrMalformed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l, err := verifier.ParseRevocations(testRing(t), []byte(tt.in))
			if !errors.Is(err, tt.want) || (tt.want == nil) != (err == nil) {
				t.Fatalf("ParseRevocations() err = %v, want %v", err, tt.want)
			}
			if err == nil && l.MinGen == nil {
				t.Errorf("MinGen = nil, want a map")
			}
		})
	}
}

func TestListPassedAsCode(t *testing.T) {
	l, err := verifier.SignRevocations(&verifier.RevocationList{IssuedAt: 1}, keys.KeyID(pubOf(seedKey(1))), seedKey(1))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := verifier.New(testRing(t), verifier.WithAnyProduct()).Verify(l); !errors.Is(err, verifier.ErrWrongType) {
		t.Errorf("Verify(list) err = %v, want %v", err, verifier.ErrWrongType)
	}
}

// TestRevocationsCompactDue checks when a document is due to be fetched whole again: when its deltas
// together outgrow its whole list, or it holds MaxRevocationDeltas deltas.
func TestRevocationsCompactDue(t *testing.T) {
	key := seedKey(1)
	kid := keys.KeyID(pubOf(key))
	l, err := verifier.SignRevocations(&verifier.RevocationList{IssuedAt: 100, MinGen: map[string]int64{"license-a": 2, "license-b": 3, "license-c": 4}}, kid, key)
	if err != nil {
		t.Fatal(err)
	}
	d, err := verifier.SignRevocationDelta(&verifier.RevocationDelta{IssuedAt: 100, Since: 100}, kid, key)
	if err != nil {
		t.Fatal(err)
	}
	if len(d) >= len(l) || 2*len(d) <= len(l) {
		t.Fatalf("test lengths: list %d, delta %d; want one delta shorter than the list and two longer", len(l), len(d))
	}
	for _, tt := range []struct {
		doc  string
		want bool
	}{
		{"", true},
		{" \n", true},
		{l + "\n", false},
		{l + "\n" + d + "\n", false},
		{l + "\n" + d + "\n" + d + "\n", true},
	} {
		if got := verifier.RevocationsCompactDue([]byte(tt.doc)); got != tt.want {
			t.Errorf("RevocationsCompactDue(list + %d deltas) = %v, want %v", strings.Count(tt.doc, "\n")-1, got, tt.want)
		}
	}
	big, err := verifier.SignRevocations(&verifier.RevocationList{IssuedAt: 100, MinGen: map[string]int64{strings.Repeat("x", 1<<20): 2}}, kid, key)
	if err != nil {
		t.Fatal(err)
	}
	many := big + "\n" + strings.Repeat(d+"\n", verifier.MaxRevocationDeltas)
	if !verifier.RevocationsCompactDue([]byte(many)) {
		t.Errorf("RevocationsCompactDue(MaxRevocationDeltas deltas) = false, want true")
	}
	if _, _, err := verifier.AppendRevocations(testRing(t), []byte(many), []byte(d)); !errors.Is(err, verifier.ErrMalformed) {
		t.Errorf("AppendRevocations(one delta past the bound) err = %v, want %v", err, verifier.ErrMalformed)
	}
	if _, _, err := verifier.AppendRevocations(testRing(t), []byte(l), []byte(d+"\n"+d)); !errors.Is(err, verifier.ErrMalformed) {
		t.Errorf("AppendRevocations(two JWSs as one answer) err = %v, want %v", err, verifier.ErrMalformed)
	}
}
