package verifier_test

import (
	"errors"
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
