package support

import (
	"bytes"
	"crypto"
	"crypto/ed25519"
	"io"
	"testing"

	"github.com/licentia/licentia/server/edkey"
)

// kmsSigner stands for a signer that holds no key in memory (a KMS or HSM): it is used as it is.
type kmsSigner struct{ ed25519.PrivateKey }

func (k *kmsSigner) Sign(r io.Reader, msg []byte, o crypto.SignerOpts) ([]byte, error) {
	return k.PrivateKey.Sign(r, msg, o)
}

// TestPreparedSigners: a key held in memory signs through its prepared edkey.Signer, made once, with
// crypto/ed25519's signatures; any other signer is used as it is.
func TestPreparedSigners(t *testing.T) {
	priv := ed25519.NewKeyFromSeed(bytes.Repeat([]byte{5}, ed25519.SeedSize))
	var p preparedSigners
	s := p.of("k1", priv)
	if _, ok := s.(*edkey.Signer); !ok {
		t.Fatalf("signer of an in-memory key = %T, want *edkey.Signer", s)
	}
	if again := p.of("k1", priv); again != s {
		t.Error("the signer was prepared again for the same key id")
	}
	msg := []byte("eyJhbGciOiJFZERTQSJ9.eyJsaWQiOiJ4In0")
	sig, err := s.Sign(nil, msg, crypto.Hash(0))
	if err != nil || !bytes.Equal(sig, ed25519.Sign(priv, msg)) {
		t.Errorf("prepared signature %x, %v; want crypto/ed25519's", sig, err)
	}
	kms := &kmsSigner{priv}
	if got := p.of("k2", kms); got != crypto.Signer(kms) {
		t.Errorf("signer of a KMS key = %T, want it unchanged", got)
	}
}
