package edkey

import (
	"bytes"
	"crypto"
	"crypto/ed25519"
	"encoding/hex"
	"math/big"
	"testing"
)

// order is the order L of the Ed25519 base point.
var order, _ = new(big.Int).SetString("7237005577332262213973186563042994240857116359379907606001950938285454250989", 10)

// addOrder returns sig with L added to its scalar S: the same point equation, a non-canonical S, which
// crypto/ed25519 refuses.
func addOrder(sig []byte) []byte {
	le := func(b []byte) []byte { // little-endian <-> big-endian
		out := bytes.Clone(b)
		for i, j := 0, len(out)-1; i < j; i, j = i+1, j-1 {
			out[i], out[j] = out[j], out[i]
		}
		return out
	}
	s := new(big.Int).SetBytes(le(sig[32:]))
	s.Add(s, order)
	var buf [32]byte
	s.FillBytes(buf[:])
	return append(bytes.Clone(sig[:32]), le(buf[:])...)
}

func mustHex(t *testing.T, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestAgreesWithStdlib holds the check to crypto/ed25519.Verify on genuine signatures and on the ways a
// signature can be bent.
func TestAgreesWithStdlib(t *testing.T) {
	priv := ed25519.NewKeyFromSeed(bytes.Repeat([]byte{7}, ed25519.SeedSize))
	pub := priv.Public().(ed25519.PublicKey)
	msg := []byte("eyJhbGciOiJFZERTQSJ9.eyJsaWQiOiJsaWMtMSJ9")
	sig := ed25519.Sign(priv, msg)
	flip := func(b []byte, i int) []byte { out := bytes.Clone(b); out[i] ^= 1; return out }
	// The identity point, non-canonically encoded (y = p + 1), a small-order R crypto/ed25519 never
	// equals its own canonical encoding with.
	nonCanonicalR := mustHex(t, "eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f")
	tests := []struct {
		name     string
		msg, sig []byte
		want     bool
	}{
		{"genuine", msg, sig, true},
		{"empty message", nil, ed25519.Sign(priv, nil), true},
		{"message changed", flip(msg, 3), sig, false},
		{"message longer", append(bytes.Clone(msg), 0), sig, false},
		{"R changed", msg, flip(sig, 0), false},
		{"S changed", msg, flip(sig, 40), false},
		{"S + L (non-canonical)", msg, addOrder(sig), false},
		{"S top bits set", msg, func() []byte { s := bytes.Clone(sig); s[63] |= 0xe0; return s }(), false},
		{"short", msg, sig[:63], false},
		{"long", msg, append(bytes.Clone(sig), 0), false},
		{"empty", msg, nil, false},
		{"zero", msg, make([]byte, 64), false},
		{"non-canonical R", msg, append(bytes.Clone(nonCanonicalR), sig[32:]...), false},
		{"other key's signature", msg, ed25519.Sign(ed25519.NewKeyFromSeed(make([]byte, 32)), msg), false},
	}
	check, err := Check(pub)
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			std := ed25519.Verify(pub, tt.msg, tt.sig)
			if std != tt.want {
				t.Fatalf("crypto/ed25519 says %v, the case expects %v", std, tt.want)
			}
			if got := check(tt.msg, tt.sig); got != std {
				t.Errorf("check = %v, crypto/ed25519 = %v", got, std)
			}
		})
	}
}

// TestSmallOrderKey: a key of small order (the identity) is a point crypto/ed25519 accepts signatures
// by; the check must accept the same ones. With A the identity, [S]B = R is the whole equation.
func TestSmallOrderKey(t *testing.T) {
	identity := mustHex(t, "0100000000000000000000000000000000000000000000000000000000000000")
	check, err := Check(identity)
	if err != nil {
		t.Fatal(err)
	}
	// R = [1]B with S = 1 satisfies [S]B = R + [k]A for A the identity, whatever the message.
	base := mustHex(t, "5866666666666666666666666666666666666666666666666666666666666666")
	one := make([]byte, 32)
	one[0] = 1
	sig := append(base, one...)
	for _, msg := range [][]byte{nil, []byte("a"), []byte("licentia")} {
		std := ed25519.Verify(identity, msg, sig)
		if !std {
			t.Fatalf("crypto/ed25519 refuses the identity key's signature of %q", msg)
		}
		if got := check(msg, sig); got != std {
			t.Errorf("message %q: check = %v, crypto/ed25519 = %v", msg, got, std)
		}
	}
}

func TestCheckRefuses(t *testing.T) {
	for _, tt := range []struct {
		name string
		pub  []byte
	}{
		{"short key", make([]byte, 31)},
		{"long key", make([]byte, 33)},
		// y = 2 is not the y of a curve point: crypto/ed25519 accepts no signature by it.
		{"not a point", mustHex(t, "0200000000000000000000000000000000000000000000000000000000000000")},
	} {
		if _, err := Check(tt.pub); err == nil {
			t.Errorf("%s: Check accepted it", tt.name)
		}
	}
}

// FuzzAgreesWithStdlib: for any key seed, message and signature bytes, and for genuine signatures with
// one byte changed, the check says what crypto/ed25519.Verify says; and the signer signs as
// crypto/ed25519.Sign does.
func FuzzAgreesWithStdlib(f *testing.F) {
	f.Add(make([]byte, 32), []byte("m"), make([]byte, 64), 0, byte(0))
	f.Add(bytes.Repeat([]byte{9}, 32), []byte("eyJ.eyJ"), bytes.Repeat([]byte{0xff}, 64), 63, byte(0x80))
	f.Fuzz(func(t *testing.T, seed, msg, sig []byte, at int, xor byte) {
		if len(seed) != ed25519.SeedSize {
			return
		}
		priv := ed25519.NewKeyFromSeed(seed)
		pub := priv.Public().(ed25519.PublicKey)
		check, err := Check(pub)
		if err != nil {
			t.Fatal(err)
		}
		if got, std := check(msg, sig), ed25519.Verify(pub, msg, sig); got != std {
			t.Fatalf("arbitrary signature: check = %v, crypto/ed25519 = %v", got, std)
		}
		genuine := ed25519.Sign(priv, msg)
		signer, err := NewSigner(priv)
		if err != nil {
			t.Fatal(err)
		}
		if mine, err := signer.Sign(nil, msg, crypto.Hash(0)); err != nil || !bytes.Equal(mine, genuine) {
			t.Fatalf("signature %x, %v; crypto/ed25519 signs %x", mine, err, genuine)
		}
		if at < 0 {
			at = -at
		}
		genuine[at%len(genuine)] ^= xor
		if got, std := check(msg, genuine), ed25519.Verify(pub, msg, genuine); got != std {
			t.Fatalf("signature byte %d ^ %#x: check = %v, crypto/ed25519 = %v", at%64, xor, got, std)
		}
	})
}

// TestSigner: the signer's signatures are crypto/ed25519's byte for byte, its public key is an
// ed25519.PublicKey, and it refuses what crypto/ed25519's key would do differently (a digest, a context).
func TestSigner(t *testing.T) {
	priv := ed25519.NewKeyFromSeed(bytes.Repeat([]byte{3}, ed25519.SeedSize))
	s, err := NewSigner(priv)
	if err != nil {
		t.Fatal(err)
	}
	if pub, ok := s.Public().(ed25519.PublicKey); !ok || !pub.Equal(priv.Public()) {
		t.Fatalf("Public() = %#v, want the ed25519.PublicKey of the key", s.Public())
	}
	for _, msg := range [][]byte{nil, []byte("x"), bytes.Repeat([]byte("eyJ"), 300)} {
		got, err := s.Sign(nil, msg, crypto.Hash(0))
		if err != nil {
			t.Fatal(err)
		}
		if want := ed25519.Sign(priv, msg); !bytes.Equal(got, want) {
			t.Errorf("message of %d bytes: signature %x, crypto/ed25519 signs %x", len(msg), got, want)
		}
	}
	if _, err := s.Sign(nil, make([]byte, 64), crypto.SHA512); err == nil {
		t.Error("signed a digest (Ed25519ph) as if it were the message")
	}
	if _, err := s.Sign(nil, []byte("m"), &ed25519.Options{Context: "ctx"}); err == nil {
		t.Error("signed with a context (Ed25519ctx) as plain Ed25519")
	}
	if _, err := NewSigner(priv[:32]); err == nil {
		t.Error("NewSigner accepted a 32-byte key")
	}
}

func BenchmarkSign(b *testing.B) {
	priv := ed25519.NewKeyFromSeed(make([]byte, ed25519.SeedSize))
	msg := bytes.Repeat([]byte("m"), 440) // header.payload of a code
	s, err := NewSigner(priv)
	if err != nil {
		b.Fatal(err)
	}
	b.Run("edkey", func(b *testing.B) {
		for b.Loop() {
			s.Sign(nil, msg, crypto.Hash(0))
		}
	})
	b.Run("crypto-ed25519", func(b *testing.B) {
		for b.Loop() {
			ed25519.Sign(priv, msg)
		}
	})
}

func BenchmarkCheck(b *testing.B) {
	priv := ed25519.NewKeyFromSeed(make([]byte, ed25519.SeedSize))
	pub := priv.Public().(ed25519.PublicKey)
	msg := bytes.Repeat([]byte("m"), 440) // header.payload of a code
	sig := ed25519.Sign(priv, msg)
	check, err := Check(pub)
	if err != nil {
		b.Fatal(err)
	}
	b.Run("edkey", func(b *testing.B) {
		for b.Loop() {
			if !check(msg, sig) {
				b.Fatal("refused")
			}
		}
	})
	b.Run("crypto-ed25519", func(b *testing.B) {
		for b.Loop() {
			if !ed25519.Verify(pub, msg, sig) {
				b.Fatal("refused")
			}
		}
	})
}
